"""Reads for surveys and invitations."""

from __future__ import annotations


def survey_link(base_url: str, token: str) -> str:
    """The full personal link for a raw token."""
    return f"{base_url.rstrip('/')}/s/{token}"
