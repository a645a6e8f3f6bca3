"""Translation for code that imports neither Flask nor the database (the pure report
modules, the instrument validator): `_`, `ngettext` and `N_` with flask-babel's meaning.

The application installs flask-babel's functions at start (`use_translations`), so a string
is translated into the locale of the request being served, or of `force_locale` (staff
emails in the recipient's language). Until then, and in pure unit tests, the message is
returned in English with its `%(name)s` placeholders filled in. `N_` only marks a string
for the catalog; whoever shows it later translates it with `_`.

Numbers written into text for reading (chart hover text and notes, the team view's
sentences, a plan's "did it work?" reading) go through `format_number` and
`format_signed`, which write them as the same locale does ("1,234.50" in English,
"1.234,50" in Spanish). The application installs its locale with `use_locale`; until then
they write English. Never use them for anything a machine reads (exports, JSON data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol

# Languages the interface is translated into (app/translations), in the order offered.
UI_LANGUAGES = ("en", "es")

Gettext = Callable[..., str]
Ngettext = Callable[..., str]


def _english(message: str, **variables: Any) -> str:
    return message % variables if variables else message


def _english_plural(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


_installed: dict[str, Callable[..., str]] = {"gettext": _english, "ngettext": _english_plural}

MINUS = "\u2212"  # a true minus sign: a hyphen reads as a dash beside a number


def _english_locale() -> str:
    return "en"


_locale: list[Callable[[], object]] = [_english_locale]
# (decimal, grouping) symbols by locale name: asked of babel once per locale, since a chart
# of 200 teams writes thousands of numbers and a babel lookup costs tens of microseconds.
_symbols: dict[str, tuple[str, str]] = {"en": (".", ",")}


def use_translations(gettext: Gettext, ngettext: Ngettext) -> None:
    """Install the functions that translate (flask-babel's gettext and ngettext)."""
    _installed["gettext"] = gettext
    _installed["ngettext"] = ngettext


def use_locale(current: Callable[[], object]) -> None:
    """Install the function that names the current locale (flask-babel's get_locale; it
    may return None outside a request, which means English)."""
    _locale[0] = current


# The symbols pinned by `pinned_numbers` for the block being run (None: ask the locale).
_pinned: ContextVar[tuple[str, str] | None] = ContextVar("number_symbols", default=None)


@contextmanager
def pinned_numbers() -> Iterator[None]:
    """Within the block (or the function it decorates), numbers are written with the
    symbols of the locale current when it starts, asked once: a chart of 200 teams writes
    some 20,000 numbers, and asking the locale costs a couple of microseconds each time."""
    token = _pinned.set(number_symbols())
    try:
        yield
    finally:
        _pinned.reset(token)


def number_symbols() -> tuple[str, str]:
    """The current locale's decimal and grouping symbols ("." and "," in English)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    name = str(_locale[0]() or "en")
    found = _symbols.get(name)
    if found is None:
        try:
            found = (get_decimal_symbol(name), get_group_symbol(name))
        except (ValueError, UnknownLocaleError):
            found = _symbols["en"]
        _symbols[name] = found
    return found


def format_number(value: float, digits: int = 2) -> str:
    """`value` with `digits` decimals and grouped thousands as the current locale writes
    it ("1,234.5" in English, "1.234,5" in Spanish, for digits=1), with a true minus sign;
    a value that rounds to zero is written without one ("0.00", never "-0.00")."""
    text = f"{value:,.{digits}f}"
    if text[0] == "-":
        text = MINUS + text[1:] if text.strip("-0.,") else text[1:]
    decimal, group = number_symbols()
    if decimal == "." and group == ",":
        return text
    # One pass so that the two symbols swap places without clobbering each other.
    return text.translate({ord("."): decimal, ord(","): group})


def format_signed(value: float, digits: int = 2) -> str:
    """A difference with its sign as the current locale writes it ("+0.40", "−0,50"); a
    difference that rounds to zero has no sign ("0.00", "0,00"): "+0.00" would claim a
    direction the figure does not have."""
    text = format_number(value, digits)
    if text[0] == MINUS or not text.strip("0.,"):
        return text
    return "+" + text


def _(message: str, **variables: Any) -> str:
    """`message` in the current locale, `%(name)s` placeholders filled from `variables`."""
    return _installed["gettext"](message, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for `num` in the current locale (`%(num)d` is filled)."""
    return _installed["ngettext"](singular, plural, num, **variables)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now."""
    return message


def language_name(code: str) -> str:
    """A language's name in itself ("Español"), for language switchers."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]
