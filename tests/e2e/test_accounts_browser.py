"""Staff accounts in a real browser (headless Chromium): "Forgot your password?" with the
link delivered by the outbox to a real SMTP server on loopback, and single sign-on through
a real OpenID Connect provider on loopback (tests/oidc_provider.py). axe-core finds nothing
serious on the new pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select

from app.auth import oidc
from app.auth.models import Role, StaffUser
from app.auth.services import create_staff_user
from app.db import Session
from app.outbox.mailer import MailSettings
from app.outbox.services import OutboxSettings, deliver_pending
from tests.conftest import TEST_PASSWORD, live_server
from tests.e2e.conftest import serious_violations
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider
from tests.outbox.conftest import HOST, SmtpServer
from tests.outbox.conftest import smtp_server as smtp_server  # the fixture, re-exported

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "violet kettle harbour lamp"
LINK_RE = re.compile(r"https?://\S+/account/set-password/[A-Za-z0-9_\-]+")


@dataclass
class LiveStaff:
    base_url: str
    engine: Engine


def _seed_staff(base_url: str) -> LiveStaff:
    create_staff_user("lea@example.org", TEST_PASSWORD, Role.HR)
    Session.commit()
    return LiveStaff(base_url, Session.get_bind().engine)  # type: ignore[union-attr]


def assert_accessible(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def test_forgot_password_in_the_browser(
    app: Flask, scratch_engine: Engine, smtp_server: SmtpServer, page: Page
) -> None:
    with live_server(app, scratch_engine, _seed_staff) as live:
        page.goto(f"{live.base_url}/login")
        assert_accessible(page)
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Email").fill("lea@example.org")
        page.get_by_role("button", name="Email me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        assert_accessible(page)

        settings = OutboxSettings(
            public_base_url=live.base_url,
            mail=MailSettings(host=HOST, port=smtp_server.port, timeout=5.0),
        )
        with app.app_context():
            assert deliver_pending(settings=settings).sent == 1
        (mail,) = smtp_server.handler.to("lea@example.org")
        link = LINK_RE.search(mail.body)
        assert link is not None and link.group(0).startswith(live.base_url)

        page.goto(link.group(0))
        expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("New password", exact=True).fill("password1234")
        page.get_by_label("New password again").fill("password1234")
        page.get_by_role("button", name="Set the password").click()
        expect(page.get_by_role("alert")).to_contain_text("too easy to guess")
        assert_accessible(page)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set the password").click()
        expect(page.get_by_text("Your password is set.")).to_be_visible()

        page.get_by_label("Email").fill("lea@example.org")
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

        page.goto(link.group(0))
        expect(page.get_by_text("This link has already been used.")).to_be_visible()
        assert_accessible(page)


@pytest.fixture
def sso_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcProvider]:
    """A provider on loopback, and the live app configured for it (through its
    environment, which the live app's configuration reads)."""
    with running_provider() as provider:
        monkeypatch.setenv("OIDC_ISSUER", provider.issuer)
        monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("OIDC_PROVIDER_NAME", "Example ID")
        oidc.forget_discovery()
        yield provider
    oidc.forget_discovery()


def test_single_sign_on_in_the_browser(
    app: Flask, scratch_engine: Engine, sso_provider: OidcProvider, page: Page
) -> None:
    def seed(base_url: str) -> LiveStaff:
        sso_provider.client.redirect_uris = [f"{base_url}/login/sso/callback"]
        return _seed_staff(base_url)

    sso_provider.person.email = "lea@example.org"
    with live_server(app, scratch_engine, seed) as live:
        # A person whose address the provider has not verified is refused, with the reason.
        sso_provider.person.email_verified = False
        page.goto(f"{live.base_url}/login")
        page.get_by_role("link", name="Sign in with Example ID").click()
        expect(page.get_by_text("has not verified your email address")).to_be_visible()
        assert page.url.startswith(f"{live.base_url}/login/sso/callback")
        assert_accessible(page)

        sso_provider.person.email_verified = True
        page.goto(f"{live.base_url}/login")
        page.get_by_role("link", name="Sign in with Example ID").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert page.url == f"{live.base_url}/"
        assert sso_provider.challenges[-1][1] == "S256"
        user: Any = Session.scalar(select(StaffUser).where(StaffUser.email == "lea@example.org"))
        assert user.oidc_subject == sso_provider.person.subject


def _seed_admin(base_url: str) -> LiveStaff:
    create_staff_user("admin@example.org", TEST_PASSWORD, Role.ADMIN)
    Session.commit()
    return LiveStaff(base_url, Session.get_bind().engine)  # type: ignore[union-attr]


def test_an_admin_invites_a_person_who_sets_their_password_in_the_browser(
    app: Flask, scratch_engine: Engine, smtp_server: SmtpServer, page: Page
) -> None:
    with live_server(app, scratch_engine, _seed_admin) as live:
        page.goto(f"{live.base_url}/login")
        page.get_by_label("Email").fill("admin@example.org")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live.base_url}/admin/users/new")
        assert_accessible(page)
        page.get_by_label("Email").fill("kim@example.org")
        page.get_by_label("Role").select_option("hr")
        page.get_by_role("button", name="Create the account").click()
        expect(page.get_by_text("emailed it a link to set its password")).to_be_visible()
        expect(page.get_by_text("invited (no password yet)")).to_be_visible()
        page.get_by_role("link", name="kim@example.org").click()
        expect(page.get_by_text("no password yet")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Sign out").click()

        settings = OutboxSettings(
            public_base_url=live.base_url,
            mail=MailSettings(host=HOST, port=smtp_server.port, timeout=5.0),
        )
        with app.app_context():
            assert deliver_pending(settings=settings).sent == 1
        (mail,) = smtp_server.handler.to("kim@example.org")
        link = LINK_RE.search(mail.body)
        assert link is not None
        page.goto(link.group(0))
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set the password").click()
        page.get_by_label("Email").fill("kim@example.org")
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("kim@example.org (hr)")).to_be_visible()
