"""Staff sign-in through OpenID Connect, against a real provider on 127.0.0.1
(tests/oidc_provider.py: Authlib's server side behind a real HTTP server)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth import oidc
from app.auth.models import Role, StaffSession, StaffUser
from config import ConfigError, load_config
from tests.admin.conftest import page_text, submit
from tests.conftest import AuthActions, csrf_token_from
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider

CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture
def provider(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcProvider]:
    with running_provider([CALLBACK]) as running:
        for name, value in {
            "OIDC_ISSUER": running.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Example ID",
            "OIDC_ROLE_CLAIM": None,
        }.items():
            monkeypatch.setitem(app.config, name, value)
        oidc.forget_discovery()
        yield running
    oidc.forget_discovery()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def authorize(location: str) -> str:
    """Follow the provider's authorize URL (it signs the test's person in at once) and
    return where it sends the browser back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(location, timeout=10)
    with caught.value as answer:
        assert answer.code == 302, answer.read()
        return str(answer.headers["Location"])


def back_to_app(client: FlaskClient, url: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(client: FlaskClient, *, tamper: Any = None) -> Any:
    started = client.get("/login/sso")
    assert started.status_code == 302
    callback = authorize(started.headers["Location"])
    if tamper is not None:
        callback = tamper(callback)
    return back_to_app(client, callback)


def signed_in_as(client: FlaskClient) -> str | None:
    page = client.get("/account/password")
    return None if page.status_code != 200 else "yes"


def sessions(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(StaffSession)) or 0


def users(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(StaffUser)) or 0


def test_the_sign_in_page_offers_the_provider_only_when_configured(
    client: FlaskClient, provider: OidcProvider, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example ID" in page
    assert "Forgot your password?" in page
    monkeypatch.setitem(app.config, "OIDC_ISSUER", None)
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with" not in page
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_an_existing_account_signs_in_by_verified_email_then_by_subject(
    client: FlaskClient, provider: OidcProvider, make_user: Any, db_session: Any
) -> None:
    user = make_user("ana@example.org", Role.HR)
    started = client.get("/login/sso")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0]
    answer = back_to_app(client, authorize(started.headers["Location"]))
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert provider.challenges[-1][1] == "S256"
    assert signed_in_as(client)
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).oidc_subject == "person-1"
    linked = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.link_sso"))
    assert [e.object_id for e in linked] == [str(user.id)]
    # Later sign-ins match the subject, even after the provider's address changes.
    client.post("/logout", data={"csrf_token": _token(client)})
    provider.person.email = "ana.lopez@example.org"
    assert sso_sign_in(client).status_code == 302
    assert signed_in_as(client)


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/account/password").get_data(as_text=True))


def test_an_account_is_created_from_the_role_claim_as_configured(
    client: FlaskClient,
    provider: OidcProvider,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    make_team: Any,
    db_session: Any,
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setitem(app.config, "OIDC_ROLE_MAP", "people-team=hr,leads=manager")
    make_team("Engineering/Platform")
    db_session.commit()
    provider.person.extra = {"groups": ["staff", "leads"], "mutuality_teams": ["Engineering"]}
    assert sso_sign_in(client).status_code == 302
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "ana@example.org"))
    assert user.role == "manager" and [t.path for t in user.team_scopes] == ["Engineering"]
    assert user.oidc_subject == "person-1" and not user.has_password
    (created,) = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert created.detail["via"] == "single sign-on" and created.detail["teams"] == ["Engineering"]


def _refused(client: FlaskClient, db: Any, answer: Any, message: str, *, accounts: int = 0) -> None:
    text = answer.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
    assert answer.status_code == 400, text
    assert message in text
    assert users(db) == accounts
    assert sessions(db) == 0
    assert not signed_in_as(client)


def _with_state(value: str) -> Any:
    def tamper(url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query)) | {"state": value}
        return parts._replace(query=urllib.parse.urlencode(query)).geturl()

    return tamper


def test_a_wrong_state_is_refused(
    client: FlaskClient, provider: OidcProvider, db_session: Any
) -> None:
    answer = sso_sign_in(client, tamper=_with_state("not-the-state"))
    _refused(client, db_session, answer, "its state differs")


def test_a_callback_without_an_attempt_of_this_browser_is_refused(
    client: FlaskClient, app: Flask, provider: OidcProvider, make_user: Any, db_session: Any
) -> None:
    make_user("ana@example.org", Role.HR)
    started = client.get("/login/sso")
    callback = authorize(started.headers["Location"])
    other = app.test_client()  # another browser receives the answer (login CSRF)
    answer = back_to_app(other, callback)
    _refused(other, db_session, answer, "was not started from this browser", accounts=1)
    # ... and the same answer cannot be used twice by the browser that started it.
    first = back_to_app(client, callback)
    assert first.status_code == 302, first.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _token(client)})
    assert back_to_app(client, callback).status_code == 400


@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ({"nonce": "another-nonce"}, "its nonce differs"),
        ({"issuer": "http://127.0.0.1:1"}, "issued by another provider"),
        ({"expires_in": -3600}, "token has expired"),
        ({"sign_with_unknown_key": True}, "not signed by one of the provider's keys"),
        ({"userinfo_subject": "someone-else"}, "about another person"),
    ],
)
def test_a_bad_token_is_refused_and_nothing_is_stored(
    client: FlaskClient,
    provider: OidcProvider,
    make_user: Any,
    db_session: Any,
    misbehaviour: dict[str, Any],
    message: str,
) -> None:
    make_user("ana@example.org", Role.HR)
    for name, value in misbehaviour.items():
        setattr(provider.misbehaviour, name, value)
    answer = sso_sign_in(client)
    _refused(client, db_session, answer, message, accounts=1)
    db_session.expire_all()
    assert db_session.scalar(select(StaffUser.oidc_subject)) is None


def test_an_unverified_email_signs_no_one_in(
    client: FlaskClient, provider: OidcProvider, make_user: Any, db_session: Any
) -> None:
    make_user("ana@example.org", Role.ADMIN)
    provider.person.email_verified = False
    _refused(client, db_session, sso_sign_in(client), "has not verified your email", accounts=1)
    db_session.expire_all()
    assert db_session.scalar(select(StaffUser.oidc_subject)) is None


def test_no_account_and_no_role_claim_configured(
    client: FlaskClient, provider: OidcProvider, db_session: Any
) -> None:
    _refused(
        client, db_session, sso_sign_in(client), "There is no staff account for ana@example.org"
    )


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"groups": ["sales"]}, "gives no access to Mutuality"),
        ({}, "groups: none"),
        ({"groups": "leads"}, "names no teams"),
        ({"groups": "leads", "mutuality_teams": ["Nowhere"]}, "Unknown team(s): Nowhere"),
    ],
)
def test_an_unknown_role_or_a_manager_without_teams_creates_no_account(
    client: FlaskClient,
    provider: OidcProvider,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    db_session: Any,
    claims: dict[str, Any],
    message: str,
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setitem(app.config, "OIDC_ROLE_MAP", "people-team=hr,leads=manager")
    provider.person.extra = claims
    _refused(client, db_session, sso_sign_in(client), message)


def test_a_deactivated_account_does_not_sign_in(
    client: FlaskClient, provider: OidcProvider, make_user: Any, db_session: Any
) -> None:
    user = make_user("ana@example.org", Role.HR)
    user.is_active = False
    db_session.commit()
    _refused(client, db_session, sso_sign_in(client), "is deactivated", accounts=1)


def test_the_provider_unreachable_is_a_clear_message(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    oidc.forget_discovery()
    answer = client.get("/login/sso")
    assert answer.status_code == 400
    assert "could not be reached" in answer.get_data(as_text=True)


def test_the_role_map_is_checked() -> None:
    assert oidc.parse_role_map(" a=admin, b = hr ,") == {"a": "admin", "b": "hr"}
    with pytest.raises(ValueError, match="OIDC_ROLE_MAP"):
        oidc.parse_role_map("a=owner")


def test_a_provider_without_https_is_refused(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "http://id.example.org")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    oidc.forget_discovery()
    answer = client.get("/login/sso")
    assert answer.status_code == 400
    assert "single sign-on needs HTTPS" in answer.get_data(as_text=True)


def test_a_bad_role_map_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_ROLE_MAP", "leads=manager,staff=owner")
    with pytest.raises(ConfigError, match="OIDC_ROLE_MAP: 'staff=owner' is not provider-value"):
        load_config("testing")
    monkeypatch.setenv("OIDC_ROLE_MAP", "leads=manager, people = hr")
    assert load_config("testing").OIDC_ROLE_MAP == "leads=manager, people = hr"


def test_an_account_linked_to_another_subject_is_not_taken_over(
    client: FlaskClient, provider: OidcProvider, make_user: Any, db_session: Any
) -> None:
    user = make_user("ana@example.org", Role.ADMIN)
    user.oidc_subject = "someone-else"
    db_session.commit()
    answer = sso_sign_in(client)
    _refused(client, db_session, answer, "is linked to another identity", accounts=1)
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).oidc_subject == "someone-else"


def test_claims_do_not_change_an_existing_accounts_role(
    client: FlaskClient,
    provider: OidcProvider,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    make_user: Any,
    db_session: Any,
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setitem(app.config, "OIDC_ROLE_MAP", "admins=admin")
    user = make_user("ana@example.org", Role.HR)
    provider.person.extra = {"groups": ["admins"]}
    assert sso_sign_in(client).status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).role == "hr"
    assert users(db_session) == 1


def test_an_admin_forgets_an_accounts_single_sign_on_link(
    app: Flask, client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    user = make_user("ana@example.org", Role.HR)
    user.oidc_subject = "person-1"
    db_session.commit()
    elsewhere = app.test_client()
    AuthActions(elsewhere).login("ana@example.org")
    page = f"/admin/users/{user.id}"
    assert "Forget the single sign-on link" in page_text(client.get(page))
    done = submit(client, f"{page}/unlink-sso", {}, page=page)
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).oidc_subject is None
    assert elsewhere.get("/account/password").status_code == 302  # its session ended
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.unlink_sso"))
    assert event.actor_id == admin.id and event.detail == {"email": "ana@example.org"}
    again = submit(client, f"{page}/unlink-sso", {}, page=page)
    assert again.status_code == 400 and "is not linked to single sign-on" in page_text(again)
