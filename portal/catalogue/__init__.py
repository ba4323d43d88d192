"""The catalogue of vetted services, and the consent a person gives each one they connect."""
