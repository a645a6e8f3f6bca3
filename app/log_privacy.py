"""Keep survey tokens out of every log.

A survey link's path carries the raw token (/s/<token>). Web servers log request lines
(werkzeug's development server always, gunicorn when its access log is on), so a filter
on their loggers rewrites any such path before a handler sees it.

The request line is logged as the client sent it, so the filter reads it as the router
would: percent-encoding decoded (also twice encoded), any case, repeated slashes, a
trailing slash or a query string. A chunk of the message that holds a survey path in any of
these spellings is written back decoded, with the token replaced.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

REDACTED_PATH = "/s/[token]"

# A chunk of a log message that could hold a path: no white space or quotes, and a slash
# or an encoded one somewhere in it.
_CHUNK = re.compile(r"""[^\s"'<>]*(?:/|%2f)[^\s"'<>]*""", re.IGNORECASE)
# A survey path once decoded: "/s/" and everything after it up to a query or fragment (a
# token split by an inserted slash is still hidden). /s/thanks is the public thank-you page.
_SURVEY_PATH = re.compile(r"/+s/+(?!thanks(?:[?#\s]|$))[^?#\s]+", re.IGNORECASE)
# A staff member's set-password link (app.auth.password_links) is kept out the same way.
_PASSWORD_LINK_PATH = re.compile(r"/+account/+set-password/+[^?#\s]+", re.IGNORECASE)
PASSWORD_LINK_REDACTED = "/account/set-password/[token]"  # noqa: S105 - a placeholder
_MAX_DECODING_ROUNDS = 4

# Loggers that write request lines or request paths.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "app")


def _decoded(chunk: str) -> str:
    for _ in range(_MAX_DECODING_ROUNDS):
        decoded = unquote(chunk, errors="replace")
        if decoded == chunk:
            break
        chunk = decoded
    return chunk


def _redact_chunk(match: re.Match[str]) -> str:
    chunk = match.group(0)
    decoded = _decoded(chunk)
    if not _SURVEY_PATH.search(decoded) and not _PASSWORD_LINK_PATH.search(decoded):
        return chunk
    redacted = _SURVEY_PATH.sub(REDACTED_PATH, decoded)
    return _PASSWORD_LINK_PATH.sub(PASSWORD_LINK_REDACTED, redacted)


def redact_survey_tokens(text: str) -> str:
    """`text` with every survey path's token replaced, however the path was spelled."""
    return _CHUNK.sub(_redact_chunk, text)


class SurveyTokenFilter(logging.Filter):
    """Replace survey-link paths in a record's message with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_survey_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_token_filter() -> None:
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SurveyTokenFilter) for f in logger.filters):
            logger.addFilter(SurveyTokenFilter())
