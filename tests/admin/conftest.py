"""Fixtures shared by the admin page tests."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role, StaffUser
from tests.conftest import AuthActions, csrf_token_from

ADMIN = "admin@example.org"


@pytest.fixture
def admin(auth: AuthActions, make_user: Any) -> StaffUser:
    """An admin, signed in through the login form."""
    user: StaffUser = make_user(ADMIN, Role.ADMIN)
    assert auth.login(ADMIN).status_code == 302
    return user


def page_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the page at `url` (which must answer 200)."""
    page = client.get(url)
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))
