"""Staff sign-in through an OpenID Connect provider (Authlib's JOSE and OIDC claims).

The flow is the authorization code flow with PKCE (S256), a `state` and a `nonce` kept in
the browser's signed session for one attempt:

1. `start` reads the provider's discovery document (`OIDC_ISSUER` +
   /.well-known/openid-configuration, whose `issuer` must be that exact URL) and returns
   the authorization URL and the values the callback must find again.
2. `finish` checks the callback's `state`, exchanges the code at the token endpoint (the
   client secret and the PKCE verifier), validates the ID token (signature against the
   provider's JWKS, RS/ES/PS algorithms only; issuer; audience; expiry; issued-at; nonce;
   at_hash) and reads the userinfo endpoint, whose subject must be the token's.

Every failure is an `OidcError` whose message says what went wrong in words a staff member
can act on; nothing is stored and no one is signed in. The HTTP calls use the standard
library (no other client library), with a timeout.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import (
    BadSignatureError,
    DecodeError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken

from app.errors import DomainError
from app.i18n import N_, _

# Signatures with a public key only: an HMAC token would be signed with the client secret,
# which the client also knows.
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
HTTP_TIMEOUT = 10.0
DISCOVERY_TTL = 3600.0
CLOCK_LEEWAY = 60  # seconds of clock difference allowed with the provider
SCOPES = "openid email profile"

START_AGAIN = N_("Start again from the sign-in page.")


class OidcError(DomainError):
    """The single sign-on attempt failed; the message says why. Nothing was stored."""

    status = 400


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    provider_name: str = "single sign-on"
    # The claim naming a person's role at the provider; None: accounts are never created.
    role_claim: str | None = None
    # The provider's role values and the roles they give here.
    role_map: Mapping[str, str] = field(default_factory=dict)
    team_claim: str = "mutuality_teams"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OidcSettings | None:
        """The settings, or None when single sign-on is not configured."""
        issuer, client_id = config.get("OIDC_ISSUER"), config.get("OIDC_CLIENT_ID")
        secret = config.get("OIDC_CLIENT_SECRET")
        if not (issuer and client_id and secret):
            return None
        return cls(
            issuer=str(issuer),
            client_id=str(client_id),
            client_secret=str(secret),
            provider_name=str(config.get("OIDC_PROVIDER_NAME") or "single sign-on"),
            role_claim=config.get("OIDC_ROLE_CLAIM") or None,
            role_map=parse_role_map(str(config.get("OIDC_ROLE_MAP") or "")),
            team_claim=str(config.get("OIDC_TEAM_CLAIM") or "mutuality_teams"),
        )


def parse_role_map(text: str) -> dict[str, str]:
    """ "idp-admins=admin, people=hr" as {provider value: role}; ValueError on a bad pair."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        value, sep, role = pair.partition("=")
        if not sep or not value.strip() or role.strip() not in {"admin", "hr", "manager"}:
            raise ValueError(
                f"OIDC_ROLE_MAP: {pair!r} is not provider-value=role with a role of "
                "admin, hr or manager."
            )
        mapping[value.strip()] = role.strip()
    return mapping


@dataclass(frozen=True)
class Attempt:
    """What one sign-in attempt keeps in the browser's session until its callback."""

    state: str
    nonce: str
    verifier: str

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier}

    @classmethod
    def from_dict(cls, data: object) -> Attempt | None:
        if not isinstance(data, dict):
            return None
        values = [data.get(k) for k in ("state", "nonce", "verifier")]
        if not all(isinstance(v, str) and v for v in values):
            return None
        return cls(*values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Identity:
    """The person the provider vouched for."""

    subject: str
    email: str | None
    email_verified: bool
    claims: Mapping[str, Any]


# --- HTTP ---------------------------------------------------------------------------------


def _http_json(
    url: str, *, data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
) -> Any:
    if not url.startswith(("https://", "http://")):
        raise OidcError(
            _("The identity provider's address %(url)s is not a web address.", url=repr(url[:80]))
        )
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    # http(s) only, checked above.
    request = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})  # noqa: S310
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as reply:  # noqa: S310  # nosec B310
            return json.loads(reply.read(1_000_000))
    except urllib.error.HTTPError as exc:
        try:
            detail = _error_of(exc)
        finally:
            exc.close()
        answer = _(
            "The identity provider answered %(code)s%(detail)s at %(where)s.",
            code=exc.code,
            detail=detail,
            where=_where(url),
        )
        raise OidcError(f"{answer} {_(START_AGAIN)}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OidcError(
            _(
                "The identity provider could not be reached at %(where)s (%(error)s). Try "
                "again later, or sign in with your password.",
                where=_where(url),
                error=type(exc).__name__,
            )
        ) from None


def _error_of(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read(10_000)).get("error")
    except (ValueError, AttributeError, OSError):
        return ""
    return f" ({error})" if isinstance(error, str) and error.isprintable() else ""


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _require_tls(url: str) -> None:
    """Tokens and the client secret travel over HTTPS only (plain HTTP on loopback, for a
    provider on the same machine, as in the tests)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return
    raise OidcError(
        f"The identity provider's address {_where(url)} is not HTTPS; single sign-on needs "
        "HTTPS (check OIDC_ISSUER and the provider's discovery document)."
    )


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (cached for an hour per process)."""
    _require_tls(issuer)
    with _discovery_lock:
        cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    document = _http_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise OidcError(
            f"The discovery document at {issuer} names another issuer "
            f"({document.get('issuer') if isinstance(document, dict) else 'none'!r}); "
            "check OIDC_ISSUER."
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        if not isinstance(document.get(key), str):
            raise OidcError(f"The provider's discovery document has no {key}.")
        _require_tls(document[key])
    with _discovery_lock:
        _discovered[issuer] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    """Drop the cached discovery documents (tests; after a provider's change)."""
    with _discovery_lock:
        _discovered.clear()


# --- the flow -----------------------------------------------------------------------------


def start(settings: OidcSettings, redirect_uri: str) -> tuple[str, Attempt]:
    """The provider's authorization URL for a new attempt, and the attempt to keep."""
    document = discover(settings.issuer)
    attempt = Attempt(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
    )
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": create_s256_code_challenge(attempt.verifier),
            "code_challenge_method": "S256",
        }
    )
    endpoint = document["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", attempt


def finish(
    settings: OidcSettings,
    redirect_uri: str,
    arguments: Mapping[str, str],
    attempt: Attempt | None,
) -> Identity:
    """Complete an attempt from the callback's query `arguments`; OidcError on anything
    wrong (see the module docstring)."""
    if attempt is None:
        unknown = _("This sign-in was not started from this browser, or it was already used.")
        raise OidcError(f"{unknown} {_(START_AGAIN)}")
    if "error" in arguments:
        error = arguments.get("error", "")[:100]
        refusal = (
            _("The identity provider did not sign you in (%(error)s).", error=error)
            if error.isprintable()
            else _("The identity provider did not sign you in.")
        )
        raise OidcError(f"{refusal} {_(START_AGAIN)}")
    if not secrets.compare_digest(arguments.get("state", ""), attempt.state):
        mismatch = _(
            "The answer from the identity provider does not belong to the sign-in this "
            "browser started (its state differs)."
        )
        raise OidcError(f"{mismatch} {_(START_AGAIN)}")
    code = arguments.get("code", "")
    if not code:
        no_code = _("The identity provider sent no authorization code.")
        raise OidcError(f"{no_code} {_(START_AGAIN)}")
    document = discover(settings.issuer)
    tokens = _exchange(settings, document, code, redirect_uri, attempt)
    claims = _validate_id_token(settings, document, tokens, attempt)
    userinfo = _http_json(
        document["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
        other = _("The provider's user information is about another person than its token.")
        raise OidcError(f"{other} {_(START_AGAIN)}")
    merged = {**claims, **userinfo}
    email = merged.get("email")
    verified = merged.get("email_verified") in (True, "true")
    return Identity(
        subject=str(claims["sub"]),
        email=email.strip().lower() if isinstance(email, str) else None,
        email_verified=verified,
        claims=merged,
    )


def _exchange(
    settings: OidcSettings,
    document: Mapping[str, Any],
    code: str,
    redirect_uri: str,
    attempt: Attempt,
) -> dict[str, Any]:
    credentials = f"{_form_quote(settings.client_id)}:{_form_quote(settings.client_secret)}"
    tokens = _http_json(
        document["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": attempt.verifier,
        },
        headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
    )
    if not isinstance(tokens, dict) or not all(
        isinstance(tokens.get(k), str) for k in ("id_token", "access_token")
    ):
        no_token = _("The identity provider sent no ID token.")
        raise OidcError(f"{no_token} {_(START_AGAIN)}")
    return tokens


def _form_quote(value: str) -> str:
    """RFC 6749 2.3.1: client credentials are form-encoded before Basic authentication."""
    return urllib.parse.quote(value, safe="")


def _validate_id_token(
    settings: OidcSettings, document: Mapping[str, Any], tokens: Mapping[str, Any], attempt: Attempt
) -> dict[str, Any]:
    keys = JsonWebKey.import_key_set(_http_json(document["jwks_uri"]))
    options = {
        "iss": {"essential": True, "value": settings.issuer},
        "aud": {"essential": True, "value": settings.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "nonce": {"essential": True},
    }
    try:
        claims = JsonWebToken(ALGORITHMS).decode(
            tokens["id_token"],
            keys,
            claims_cls=CodeIDToken,
            claims_options=options,
            claims_params={
                "nonce": attempt.nonce,
                "client_id": settings.client_id,
                "access_token": tokens["access_token"],
            },
        )
        claims.validate(now=int(time.time()), leeway=CLOCK_LEEWAY)
    except ExpiredTokenError:
        expired = _("The identity provider's token has expired.")
        raise OidcError(f"{expired} {_(START_AGAIN)}") from None
    except (BadSignatureError, DecodeError, ValueError):
        unsigned = _(
            "The identity provider's token is not signed by one of the provider's keys "
            "(or is not a token at all)."
        )
        raise OidcError(f"{unsigned} {_(START_AGAIN)}") from None
    except (InvalidClaimError, MissingClaimError) as exc:
        raise OidcError(_claim_problem(exc, settings, tokens["id_token"])) from None
    except JoseError as exc:
        invalid = _("The identity provider's token is not valid (%(error)s).", error=exc.error)
        raise OidcError(f"{invalid} {_(START_AGAIN)}") from None
    return dict(claims)


def _claim_problem(exc: JoseError, settings: OidcSettings, token: str) -> str:
    claim = str(getattr(exc, "claim_name", "") or exc.description or "")
    if "iss" in claim:
        problem = _(
            "The token was issued by another provider than the configured one (%(issuer)s).",
            issuer=settings.issuer,
        )
    elif "aud" in claim or "azp" in claim:
        problem = _("The token was issued for another application (audience).")
    elif "nonce" in claim:
        problem = _(
            "The token was not issued for the sign-in this browser started (its nonce differs)."
        )
    elif "iat" in claim:
        problem = _("The token's time of issue is not valid.")
    else:
        problem = _(
            "The identity provider's token is not valid (%(error)s).", error=claim or exc.error
        )
    return f"{problem} {_(START_AGAIN)}"
