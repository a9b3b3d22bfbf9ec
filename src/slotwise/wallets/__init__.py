"""Wallet operations: top-ups, payments of appointments, refunds, the statement."""
