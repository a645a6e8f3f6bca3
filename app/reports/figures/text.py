"""The text inside the figures: escaping, number formatting and hover text.

Plotly renders a subset of HTML in titles, tick labels, text, hover text, legend names and
annotations, so every text that can come from users (team, level, wave, item and dimension
labels, caller-supplied titles) goes through :func:`plain`. Our own markup (``<br>``,
``<b>``) is added after escaping.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Final

from app.i18n import MINUS, _, format_number, format_signed, ngettext, number_symbols
from app.reports.figures.values import Desirable, Estimate
from app.reports.privacy.model import Reason
from app.reports.privacy.model import hidden_label as privacy_label
from app.reports.privacy.model import legend as privacy_legend

EN_DASH: Final = "\u2013"

HOVER_TEMPLATE: Final = "%{hovertext}<extra></extra>"
"""The hovertemplate of every trace: the point's own :func:`hover` text and nothing else.

The text travels in ``hovertext``, not in the template: text inside a hovertemplate would
itself be a template ("%{x}" in a label would be replaced)."""

COUNT_FIELD: Final = "n"
"""The hover field of a response count, written ``n = 24``."""


# One pass over the text (a heatmap of 200 teams escapes some 20,000 strings).
_PLAIN: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": " ", "\n": " "})
_NEEDS_ESCAPE: Final = re.compile(r"[&<>\r\n]")


def plain(text: object) -> str:
    """``text`` as literal text for any Plotly string: ``&``, ``<`` and ``>`` escaped.

    Plotly parses tags (``<b>``, ``<a href>``, ``<span style>`` ...) in every text it draws
    and decodes ``&amp;``, ``&lt;`` and ``&gt;`` inside text nodes only, so the reader sees
    exactly the original characters. Quotes are left alone: they are harmless once no tag can
    open, and Plotly would show ``&quot;`` literally. Line breaks become spaces.
    """
    found = text if type(text) is str else str(text)
    # Most texts (numbers, labels) hold nothing to escape: one search beats a translate.
    return found if _NEEDS_ESCAPE.search(found) is None else found.translate(_PLAIN)


def wrap_label(text: str, width: int = 28) -> str:
    """``text`` escaped with :func:`plain` and wrapped onto lines of about ``width``
    characters joined by ``<br>`` (our own markup, added after escaping)."""
    lines = textwrap.wrap(
        " ".join(str(text).split()), width, break_long_words=True, break_on_hyphens=True
    )
    return "<br>".join(plain(line) for line in lines) if lines else ""


def hover(
    heading: str, fields: Mapping[str, object] | None = None, *, context: Sequence[str] = ()
) -> str:
    """The hover text of one mark from raw text: ``heading`` in bold, each ``context`` line
    (what the mark is, e.g. a heatmap cell's dimension), then one line per named field,
    ``name: value`` (``n = value`` for :data:`COUNT_FIELD`); a field whose value is None is
    left out. Every part is escaped with :func:`plain`."""
    return hover_with(hover_block(heading, context), fields)


def hover_block(heading: str, context: Sequence[str] = ()) -> str:
    """The first lines of :func:`hover`, escaped: for marks that share them (a heatmap's
    row of cells), built once and completed by :func:`hover_with`."""
    return "<br>".join([f"<b>{plain(heading)}</b>", *(plain(line) for line in context)])


def hover_with(block: str, fields: Mapping[str, object] | None = None) -> str:
    """``block`` (from :func:`hover_block`) followed by the field lines of :func:`hover`."""
    lines = [block]
    for name, value in (fields or {}).items():
        if value is None:
            continue
        separator = " = " if name == COUNT_FIELD else ": "
        if type(value) is int:  # a count, grouped as the reader's locale groups it
            value = format_number(value, 0)
        lines.append(f"{plain(name)}{separator}{plain(value)}")
    return "<br>".join(lines)


def check_k(k: int) -> int:
    """``k`` (the disclosure threshold), or a ValueError unless it is a positive int."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    return k


HiddenReason = Reason
"""Why a group is hidden where its release tells it (app.reports.privacy.Reason)."""


def hidden_label(k: int, reason: HiddenReason | None = None) -> str:
    """The label of a hidden group: app.reports.privacy's own ("fewer than k", "withheld",
    or "fewer than k*" where the release does not tell which)."""
    return privacy_label(check_k(k), reason)


def hidden_labels(k: int) -> dict[HiddenReason | None, str]:
    """Every hidden label by reason, looked up once: a chart of 200 teams labels hundreds
    of hidden groups, and each translation lookup costs tens of microseconds."""
    return {reason: hidden_label(k, reason) for reason in (None, "under_k", "protects")}


def hidden_legend(k: int) -> dict[str, str]:
    """Each hidden label with its meaning, for a chart's notes, a page's legend or an
    export's legend sheet (app.reports.privacy's legend)."""
    return privacy_legend(check_k(k))


def hidden_sentence(count: int, k: int) -> str:
    """The description's sentence on ``count`` hidden groups ("" when there are none)."""
    if not count:
        return ""
    return " " + ngettext(
        "%(num)d group hidden (%(label)s).",
        "%(num)d groups hidden (%(label)s).",
        count,
        label=hidden_label(k),
    )


def number(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals as the reader's locale writes it ("3.80", "3,80"), a
    true minus sign, and no "-0.00"."""
    return format_number(x, digits)


def signed(x: float, digits: int = 2) -> str:
    """``x`` as a difference: "+0.40", "−0.50", and "0.00" without a sign when it rounds
    to zero (decimal comma in Spanish)."""
    return format_signed(x, digits)


def shortest(x: float) -> str:
    """``x`` in its shortest form, as a setting is written ("0.05", "0,05" in Spanish)."""
    return f"{x:g}".replace("-", MINUS).replace(".", number_symbols()[0])


def p_value(p: float) -> str:
    """A p value with three decimals, "< 0.001" below that (in the reader's locale)."""
    return "< " + format_number(0.001, 3) if p < 0.001 else format_number(p, 3)


def percent(x: float) -> str:
    """A percentage without decimals: "62%"."""
    return f"{x:.0f}%"


def count_text(n: int | None) -> str:
    """A count as a table cell, grouped as the reader's locale groups it ("1,234",
    "1.234"; "" when unknown)."""
    return "" if n is None else format_number(n, 0)


def direction(desirable: Desirable) -> str:
    """Which way is better, in words."""
    return _("higher is better") if desirable == "high" else _("lower is better")


def plural(n: int, one: str, many: str) -> str:
    """``n`` with the noun that agrees with it: "1 team", "2 teams"."""
    return f"{n} {one if n == 1 else many}"


def with_interval(e: Estimate, digits: int = 2) -> str:
    """The value with its interval, "3.80 [3.50, 4.10]", or the value alone."""
    if e.lower is None or e.upper is None:
        return number(e.value, digits)
    return f"{number(e.value, digits)} [{number(e.lower, digits)}, {number(e.upper, digits)}]"


def signed_with_interval(e: Estimate) -> str:
    """A difference with its interval, "+1.00 [+0.60, +1.40]", or the difference alone."""
    if e.lower is None or e.upper is None:
        return signed(e.value)
    return f"{signed(e.value)} [{signed(e.lower)}, {signed(e.upper)}]"


def interval(e: Estimate, digits: int = 2) -> str:
    """The interval alone as a table cell, "3.50–4.10" ("" without one)."""
    if e.lower is None or e.upper is None:
        return ""
    return f"{number(e.lower, digits)}{EN_DASH}{number(e.upper, digits)}"
