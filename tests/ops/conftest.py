from tests.jobs.fixtures import iso, iso_client, iso_world, short_delays, sink

__all__ = ["iso", "iso_client", "iso_world", "short_delays", "sink"]
