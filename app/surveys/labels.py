"""A survey's state in the reader's language, for messages shown to staff. The stored
value (SurveyState) stays English; the admin pages' templates use the same words
(admin/_labels.html)."""

from __future__ import annotations

from app.i18n import N_, _

STATE_NAMES = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "archived": N_("archived"),
}


def state_name(state: str) -> str:
    """The state's name ("draft", "borrador"); an unknown value as it is."""
    return _(STATE_NAMES[state]) if state in STATE_NAMES else state
