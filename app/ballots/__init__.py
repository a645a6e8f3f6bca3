"""The sealed ballot box: submissions wait encrypted, then become responses in shuffled
batches of at least k that touch no invitation (see services.py)."""
