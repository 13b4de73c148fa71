"""The office domain: directory, operator console, supervisors' dashboard and demo data."""
