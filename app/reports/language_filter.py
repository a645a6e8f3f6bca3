"""The report filters' language: the choices a release offers and the reading of
`?language=`, refused with a clear message when the release shows no such language."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.errors import DomainError
from app.i18n import language_name
from app.reports.language_view import offered_languages
from app.reports.snapshot import Snapshot

MAX_CODE = 16  # as a sealed response language (app.ballots.language)


def chosen_language(snapshot: Snapshot) -> str | None:
    """The language filter's code, None for all languages. A code the release does not
    show by (unknown, hidden everywhere, or a release without a language cut) is refused
    with a 400 that says so, never read as another filter."""
    raw = request.args.get("language", "")
    if not raw:
        return None
    offered = offered_languages(snapshot.languages())
    if raw in offered:
        return raw
    shown = raw if len(raw) <= MAX_CODE and raw.isprintable() else raw[:MAX_CODE] + "…"
    if not offered:
        raise DomainError(
            _(
                "This release has no results by language, so it cannot be filtered by "
                "“%(code)s”. Choose All languages.",
                code=shown,
            )
        )
    raise DomainError(
        _(
            "This release shows no results in the language “%(code)s”. Choose one of the "
            "languages in the list: %(offered)s.",
            code=shown,
            offered=", ".join(language_label(code) for code in offered),
        )
    )


def language_label(code: str) -> str:
    """A language's name (in itself, as the survey page names it)."""
    return language_name(code)


def language_choices(snapshot: Snapshot) -> list[tuple[str, str]]:
    """The language filter's choices: none without a language cut, else all languages and
    each language shown by name."""
    offered = offered_languages(snapshot.languages())
    if not offered:
        return []
    return [("", _("All languages"))] + [(code, language_label(code)) for code in offered]
