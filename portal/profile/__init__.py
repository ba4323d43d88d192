"""The medical profile: treatments, allergies, history, vaccinations, measurements and
the other sections of the record, each entry sealed with the patient's key."""
