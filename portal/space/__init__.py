"""The patient's own space: its home page, and closing it."""
