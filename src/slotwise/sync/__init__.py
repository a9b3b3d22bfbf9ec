"""Sync with external systems: their HTTP clients (YClients) and, on top of them, the
connections, mappings and pollers that bring their records in and ours out."""
