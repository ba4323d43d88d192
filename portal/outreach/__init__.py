"""Mediators (ambassadors) helping people start: making a space for someone and
giving them their activation code, by email or a large-print letter."""
