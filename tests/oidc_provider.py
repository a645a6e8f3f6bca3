"""A small, real OpenID Connect provider for the tests, built on Authlib's server side
(authorization code grant with the OpenID Connect and PKCE extensions) and served by a real
HTTP server on 127.0.0.1: discovery, authorize, token, userinfo and JWKS.

It signs in whoever the test says (`provider.person`) without a login page: the authorize
endpoint answers with the redirect to the client's callback at once. Knobs make it
misbehave the ways a provider or an attacker might (`Misbehaviour`).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.jose import JsonWebKey
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

CLIENT_ID = "mutuality-tests"
CLIENT_SECRET = "provider-side-secret-for-tests"


@dataclass
class Misbehaviour:
    """What the provider gets wrong on purpose."""

    issuer: str | None = None  # the `iss` of its ID tokens
    nonce: str | None = None  # the `nonce` of its ID tokens
    expires_in: int = 300  # the ID token's lifetime (negative: already expired)
    sign_with_unknown_key: bool = False  # a key its JWKS does not publish
    userinfo_subject: str | None = None  # the `sub` its userinfo answers


@dataclass
class Person:
    subject: str = "person-1"
    email: str = "ana@example.org"
    email_verified: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # role and team claims


@dataclass
class Client:
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    person: Person
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class OidcProvider:
    """The provider's state, shared by its HTTP handlers and the test."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.person = Person()
        self.misbehaviour = Misbehaviour()
        self.client = Client(redirect_uris=[])
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Person] = {}
        self.challenges: list[tuple[str | None, str | None]] = []  # (challenge, method) seen
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
        self.other_key = JsonWebKey.generate_key(
            "RSA", 2048, is_private=True, options={"kid": "k1"}
        )
        self.app = self._build()

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _build(self) -> Flask:  # noqa: C901 - the provider's classes and routes, in one place
        provider = self
        app = Flask("test_oidc_provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 300}

        class OpenIDCodeExtension(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def get_jwt_config(self, grant: Any) -> dict[str, Any]:
                bad = provider.misbehaviour
                key = provider.other_key if bad.sign_with_unknown_key else provider.key
                return {
                    "key": key.as_dict(is_private=True),
                    "alg": "RS256",
                    "iss": bad.issuer or provider.issuer,
                    "exp": bad.expires_in,
                }

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                return UserInfo(sub=user.subject)

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                challenge = req.data.get("code_challenge")
                method = req.data.get("code_challenge_method")
                provider.challenges.append((challenge, method))
                nonce = provider.misbehaviour.nonce or req.data.get("nonce")
                provider.codes[code] = Code(
                    code, req.redirect_uri, req.scope, nonce, challenge, method, req.user
                )

            def query_authorization_code(self, code: str, client: Any) -> Code | None:
                return provider.codes.get(code)

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.person

        def query_client(client_id: str) -> Client | None:
            return provider.client if client_id == CLIENT_ID else None

        def save_token(token: dict[str, Any], req: Any) -> None:
            provider.tokens[token["access_token"]] = req.user

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        server.register_grant(CodeGrant, [OpenIDCodeExtension(require_nonce=True), CodeChallenge()])

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            base = provider.issuer
            return jsonify(
                issuer=base,
                authorization_endpoint=f"{base}/authorize",
                token_endpoint=f"{base}/token",
                userinfo_endpoint=f"{base}/userinfo",
                jwks_uri=f"{base}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/authorize")
        def authorize() -> Any:
            return server.create_authorization_response(grant_user=provider.person)

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        @app.get("/userinfo")
        def userinfo() -> Any:
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            person = provider.tokens.get(value) if scheme == "Bearer" else None
            if person is None:
                return jsonify(error="invalid_token"), 401
            claims = {
                "sub": provider.misbehaviour.userinfo_subject or person.subject,
                "email": person.email,
                "email_verified": person.email_verified,
                **person.extra,
            }
            return jsonify(claims)

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(keys=[provider.key.as_dict(is_private=False)])

        return app


@contextmanager
def running_provider(redirect_uris: list[str] | None = None) -> Iterator[OidcProvider]:
    """A provider served on a free port of 127.0.0.1 until the block ends."""
    # Authlib's server refuses plain HTTP unless told: the test provider serves loopback only.
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    provider = OidcProvider()
    server = make_server(provider.host, 0, provider.app, threaded=True)
    provider.port = server.server_port
    provider.client.redirect_uris = list(redirect_uris or [])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous
