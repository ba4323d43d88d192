"""The document library: every health document of a patient, encrypted in the database."""
