"""Kiosk terminals: shared computers in medical centres, and what they never keep."""
