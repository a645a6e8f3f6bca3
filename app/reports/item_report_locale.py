"""How the item report's page writes numbers for the reader (app.reports.item_report_view's
`Numbers`): asked of the reader's locale once per page instead of once per number."""

from __future__ import annotations

from flask_babel import format_percent

from app.i18n import number_symbols
from app.reports.item_report_view import Numbers


def reader_numbers() -> Numbers:
    """The decimal separator and percent pattern of the request's locale ("3.80", "62%"
    in English; "3,80", "62 %" in Spanish)."""
    decimal = number_symbols()[0]
    percent = str(format_percent(0.5, format="0%")).replace("50", "{}", 1)
    return Numbers(decimal, percent if "{}" in percent else "{}%")
