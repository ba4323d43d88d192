"""Accounts: who may sign in, and who they are (sealed)."""
