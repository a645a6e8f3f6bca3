"""Tests for app/reports/stats/, one module each.

Expected values are either literals worked by hand (the working is in the comments), values
published in the literature, or scipy computed from the *raw* data on an independent path.
"""
