"""Domain errors and the one error handler.

Services raise `DomainError` subclasses; the handler renders them (and Werkzeug's HTTP
errors) as an HTML page or as JSON, depending on what the client accepts.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""

    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


TITLES = {
    400: _l("The request could not be accepted"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("This conflicts with the current state"),
    410: _l("This link can no longer be used"),
    413: _l("The request is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str) -> tuple[Response | str, int]:
    """Render one error as JSON or as the shared error page."""
    title = str(TITLES.get(status, _l("Error")))
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> tuple[Response | str, int]:
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        if status == 429:
            from app.security import LOCKOUT_MESSAGE

            return render_error(429, LOCKOUT_MESSAGE)
        return render_error(status, error.description or str(TITLES.get(status, _l("Error"))))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return handle_http_error(error)
        log.exception("Unhandled error on %s %s", request.method, request.endpoint)
        return render_error(500, InternalServerError.description)
