"""Domain errors and the one error handler.

Services raise `DomainError` subclasses; the handler renders them (and Werkzeug's HTTP
errors) as an HTML page or as JSON, depending on what the client accepts. A database that
cannot be reached (down, restarting, connection lost) answers 503 with a page that says to
try again; the engine's pool_pre_ping reconnects by itself once the database is back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, ClassVar

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import scoped_session
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user.

    `title` replaces the status's generic title, and `next_steps` (sentences) say what the
    reader can do now: the employee's pages for a link that cannot answer use both. `link`
    (address, text) is a way on from the page, e.g. to the results shared with employees.
    """

    status: ClassVar[int] = 400

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        next_steps: Sequence[str] = (),
        link: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.title = title
        self.next_steps = tuple(next_steps)
        self.link = link


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


class TooManyAttempts(DomainError):
    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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


# Werkzeug's own descriptions are English only: a page in another language would show a
# translated title over an English body. These replace them where Werkzeug's is the default.
MESSAGES = {
    404: _l("There is no page at this address."),
    500: _l(
        "The server met an error it did not expect; the request was not completed. "
        "Please try again later."
    ),
    405: _l("This page cannot be used that way."),
    413: _l("What was sent is too large."),
}
NOT_FOUND_NEXT_STEPS = (
    _l("If you were answering a survey, open the link in your invitation email again."),
    _l("If you typed the address, check it for typing mistakes."),
)


# Shown while the database cannot be reached. The survey page keeps a draft of the answers
# in the browser's localStorage until the thank-you page, so nothing typed is lost.
UNAVAILABLE_MESSAGE = _l(
    "The service is temporarily unavailable; please try again in a minute. "
    "Answers you have not submitted yet stay in this browser."
)
RETRY_AFTER_SECONDS = 60


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached right now (refused or lost
    connection, server shutting down or starting up, no pooled connection in time), as
    opposed to a bug: those are worth trying again in a minute."""
    if isinstance(error, OperationalError | PoolTimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(
    status: int,
    message: str,
    *,
    title: str | None = None,
    next_steps: Sequence[str] = (),
    link: tuple[str, str] | None = None,
) -> tuple[Response | str, int]:
    """Render one error as JSON or as the shared error page (with what to do next, if
    `next_steps` say)."""
    title = title or str(TITLES.get(status, _l("Error")))
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    page = render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=message,
        next_steps=[str(step) for step in next_steps],
        link=link,
    )
    return page, status


def render_unavailable() -> tuple[Response | str, int, dict[str, str]]:
    """The 503 answer while the database is unreachable. The shared page asks who is signed
    in (current_user), which needs the database too; if rendering it fails for that reason,
    a minimal page with the same title and message is sent instead."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    try:
        body, status = render_error(503, str(UNAVAILABLE_MESSAGE))
    except SQLAlchemyError:
        body, status = minimal_page(503, str(UNAVAILABLE_MESSAGE)), 503
    return body, status, headers


def minimal_page(status: int, message: str) -> str:
    """The error page without the shared layout, which asks the database who is signed in:
    for when the database cannot answer."""
    title = escape(str(TITLES.get(status, _l("Error"))))
    status_line = escape(_("Error %(status)s", status=status))
    language = escape(str(get_locale() or "en"))
    return (
        f'<!doctype html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} · Mutuality</title>\n"
        f'<link rel="stylesheet" href="{escape(url_for("static", filename="css/app.css"))}">'
        f'\n</head>\n<body>\n<main id="main">\n<section class="error-page">\n'
        f'<h1>{title}</h1>\n<p class="status">{status_line}</p>\n'
        f"<p>{escape(message)}</p>\n</section>\n</main>\n</body>\n</html>\n"
    )


def error_headers(error: Exception) -> dict[str, str]:
    """Headers an error's answer carries besides the page: those Werkzeug's exception
    would have sent (Allow on a 405, Retry-After, WWW-Authenticate) less its own page's
    Content-Type, and Retry-After for a paused sign-in."""
    if isinstance(error, HTTPException):
        return {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if isinstance(error, TooManyAttempts) and error.retry_after is not None:
        return {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    return {}


def register_error_handlers(app: Flask, *, session: scoped_session[Any]) -> None:
    """Every error becomes a page (or JSON) that goes out like any other response, with the
    security headers. After a failed write the request's `session` refuses every query until
    it is rolled back, and the page reads the signed-in user (expired by the failed flush):
    the handler raised in turn, and Flask sent its bare 500 page, without the headers. So a
    session that a database error left unusable is rolled back first, and a page that still
    cannot be rendered for the database's sake is sent without the shared layout."""

    def render(
        status: int,
        message: str,
        error: Exception,
        *,
        title: str | None = None,
        next_steps: Sequence[str] = (),
        link: tuple[str, str] | None = None,
    ) -> tuple[Response | str, int]:
        transaction = session().get_transaction()
        if isinstance(error, SQLAlchemyError) or (transaction and not transaction.is_active):
            try:
                session.rollback()
            except SQLAlchemyError:  # a lost connection: the page may still render
                log.warning("Could not roll back a failed request's session", exc_info=True)
        try:
            return render_error(status, message, title=title, next_steps=next_steps, link=link)
        except SQLAlchemyError:
            return minimal_page(status, message), status

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> tuple[Response | str, int, dict[str, str]]:
        shown = render(
            error.status,
            error.message,
            error,
            title=error.title,
            next_steps=error.next_steps,
            link=error.link,
        )
        return (*shown, error_headers(error))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> tuple[Response | str, int, dict[str, str]]:
        status = error.code or 500
        message = error.description or str(TITLES.get(status, _l("Error")))
        next_steps: Sequence[str] = ()
        if status in MESSAGES and message == type(error).description:
            message = str(MESSAGES[status])
            if status == 404:  # an address that is no page: most likely a mangled link
                next_steps = NOT_FOUND_NEXT_STEPS
        return (*render(status, message, error, next_steps=next_steps), error_headers(error))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def handle_database_error(
        error: SQLAlchemyError,
    ) -> tuple[Response | str, int] | tuple[Response | str, int, dict[str, str]]:
        if not database_unavailable(error):
            return handle_unexpected(error)
        # The driver's message only (no SQL, no parameters): the cause, without data.
        cause = getattr(error, "orig", None) or error
        log.warning(
            "Database unavailable on %s %s: %s: %s",
            request.method,
            request.endpoint,
            cause.__class__.__name__,
            (str(cause).strip().splitlines() or [""])[0],
        )
        return render_unavailable()

    @app.errorhandler(Exception)
    def handle_unexpected(
        error: Exception,
    ) -> tuple[Response | str, int] | tuple[Response | str, int, dict[str, str]]:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return handle_http_error(error)
        log.exception("Unhandled error on %s %s", request.method, request.endpoint)
        return render(500, str(MESSAGES[500]), error)
