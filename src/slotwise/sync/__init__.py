"""Sync with external systems: their clients (YClients over REST, CalDAV calendars) and, on
top of them, the importers and pollers that bring their records in and ours out."""
