"""Numbers, dates and states on the staff report and plan pages, as the reader's language
writes them (3,80 and 1.234 in Spanish, 3.80 and 1,234 in English).

Only what a page shows changes: the figures themselves, and the CSV/XLSX exports' numbers,
stay as they are. The helpers are given to the templates of the blueprints that call
`register` (the reports and the plans).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.i18n import number_symbols

MINUS = "\u2212"

# What a survey's state reads as on a staff page (the state itself stays the stored key).
SURVEY_STATES = {
    "draft": _l("draft"),
    "open": _l("open"),
    "closed": _l("closed"),
    "archived": _l("archived"),
}


def _symbols() -> tuple[str, str]:
    """The reader's decimal and grouping symbols (app.i18n keeps them per locale, asked of
    babel once: a page of 200 teams writes hundreds of numbers)."""
    return number_symbols()


def decimal(value: float, digits: int = 2) -> str:
    """`value` with `digits` decimals in the reader's locale ("3.80", "3,80"); no "-0.00"."""
    text = f"{value:.{digits}f}"
    if text[0] == "-" and not text.strip("-0."):
        text = text[1:]  # a value that rounds to zero is "0.00", never "-0.00"
    return text.replace(".", _symbols()[0]) if digits else text


def signed(value: float, digits: int = 2) -> str:
    """A difference with its sign ("+0.40", "−0,50"); zero has none ("0.00")."""
    text = decimal(abs(value), digits)
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def percent(share: float) -> str:
    """A share (0-1) as a whole percent ("62%"; Spanish writes it the same way here)."""
    return f"{share * 100:.0f}%"


def count(n: int) -> str:
    """A whole number with the locale's grouping ("1,234", "1.234")."""
    return f"{n:,}".replace(",", _symbols()[1])


def day(value: dt.date | dt.datetime) -> str:
    """A date in the reader's language ("3 Mar 2027", "3 mar 2027")."""
    return str(format_date(value, "d MMM y"))


def survey_state(state: str) -> str:
    """A survey's state in the reader's language."""
    return str(SURVEY_STATES.get(state, state))


def helpers() -> dict[str, Any]:
    return {
        "decimal_text": decimal,
        "signed_text": signed,
        "percent_text": percent,
        "count_text": count,
        "day_text": day,
        "survey_state_label": survey_state,
    }


def register(bp: Blueprint) -> None:
    """Give the templates the formatting helpers once the blueprint is registered (as
    globals: the macros the pages import see them too)."""
    bp.record_once(lambda state: state.app.jinja_env.globals.update(helpers()))
