"""Benchmarks: the portal measured against a bare baseline in the same run (see bench/README.md)."""
