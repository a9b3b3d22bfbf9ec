"""Free slots: the engine, its loader and the availability route."""
