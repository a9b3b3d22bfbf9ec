"""The job queue's infrastructure on procrastinate: the app, deferral inside the caller's
transaction, the worker, retries and periodic schedules. The tasks live with their domains."""
