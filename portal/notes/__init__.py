"""Personal notes (questions for the next appointment), shareable with one professional."""
