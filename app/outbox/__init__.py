"""Invitation and reminder email through a transactional outbox (see services.py)."""
