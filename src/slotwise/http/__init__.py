"""Guards at the HTTP edge that hold for every route: body size and pace, text that can be
stored, and the headers every response carries."""
