"""The live board (page and static files)."""
