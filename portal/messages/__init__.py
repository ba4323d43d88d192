"""Secure messaging between patients and the professionals of their care circle."""
