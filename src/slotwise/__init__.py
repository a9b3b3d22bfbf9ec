"""Slotwise: appointment booking that cannot double-book."""
