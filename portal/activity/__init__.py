"""A person's activity page: who did what in their space, in plain words."""
