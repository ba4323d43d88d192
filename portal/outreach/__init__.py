"""Mediators (ambassadors) helping people start: making a space for someone and giving them
their activation code, by email or a large-print letter; activating it with the person
beside them (recorded, with the place, for the adoption figures); and a guided tour of
the space with made-up content."""
