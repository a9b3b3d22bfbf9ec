"""Sync with external systems: YClients and CalDAV calendars."""
