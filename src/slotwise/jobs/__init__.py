"""Background work on procrastinate: the worker, periodic jobs and transactional deferral."""
