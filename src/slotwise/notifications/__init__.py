"""Notifications: the outbox, the message templates and the delivery channels."""
