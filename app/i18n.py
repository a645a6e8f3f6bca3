"""Translation for code that imports neither Flask nor the database (the pure report
modules, the instrument validator): `_`, `ngettext` and `N_` with flask-babel's meaning.

The application installs flask-babel's functions at start (`use_translations`), so a string
is translated into the locale of the request being served, or of `force_locale` (staff
emails in the recipient's language). Until then, and in pure unit tests, the message is
returned in English with its `%(name)s` placeholders filled in. `N_` only marks a string
for the catalog; whoever shows it later translates it with `_`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError

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


def use_translations(gettext: Gettext, ngettext: Ngettext) -> None:
    """Install the functions that translate (flask-babel's gettext and ngettext)."""
    _installed["gettext"] = gettext
    _installed["ngettext"] = ngettext


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
