"""Keep survey tokens out of every log.

A survey link's path carries the raw token (/s/<token>). Web servers log request lines
(werkzeug's development server always, gunicorn when its access log is on), so a filter
on their loggers rewrites any such path before a handler sees it.
"""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/s/(?!thanks\b)[A-Za-z0-9_\-]{8,}")
REDACTED_PATH = "/s/[token]"

# Loggers that write request lines or request paths.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "app")


def redact_survey_tokens(text: str) -> str:
    return _TOKEN_PATH.sub(REDACTED_PATH, text)


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
