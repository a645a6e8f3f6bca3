"""Where the links in emails lead (PUBLIC_BASE_URL), compared with where a page was
requested: the survey page warns when the two differ, since an emailed link to an
address people cannot reach is a dead link."""

from __future__ import annotations

from urllib.parse import urlsplit


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def link_base_differs(base_url: str, host_url: str) -> bool:
    """Whether links built on `base_url` lead somewhere other than `host_url` (the address
    a page was requested at): another scheme, host or port."""
    return _origin(base_url) != _origin(host_url)
