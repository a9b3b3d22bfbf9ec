"""The operations API: queues, jobs, periodic runs and the notification log (owner, director)."""
