"""The agenda: appointments, medicine reminders, reminders sent by the task runner."""
