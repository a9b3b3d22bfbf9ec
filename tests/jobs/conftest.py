from tests.jobs.fixtures import iso, iso_client, iso_world, sink

__all__ = ["iso", "iso_client", "iso_world", "sink"]
