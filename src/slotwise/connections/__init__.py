"""Connections to external booking systems and calendars: their settings, encrypted
credentials, the mapping of external staff and services, and the sync's state for operators."""
