"""Appointment changes that go out to external booking systems: which connections a change
concerns, and the push job deferred for it in the change's own transaction. The pushing
itself is ``sync/`` (``yclients_push.py``)."""
