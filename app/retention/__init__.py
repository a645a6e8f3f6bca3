"""Retention: what is deleted, and when (settings RETENTION_*_DAYS), and the deletion of a
whole survey with everything derived from it."""
