"""The text rule of app.input_rules at the web boundary: every staff form's fields, and
every segment of a URL.

`SafeForm` (POST forms, with Flask-WTF's CSRF token) and `SafeQueryForm` (GET filters,
no token) check every submitted string of every field, whatever its type (a select or a
date field's raw text too), after the field's own validators: a control character is the
field's one error, naming it. Text areas allow tab and line breaks; every other field
refuses them. So no staff form hands a NUL byte to a service, on any database.

The employee's survey form (app.taking.forms) is the exception by design: its comments have
such characters removed rather than refused (see app.input_rules).

URL segments go through `URL_CONVERTERS` (installed by the application factory): a text
segment with a control character, or a number no database column holds, matches no route
(404) instead of reaching a query (`/admin/instruments/%00/edit` answered 500 on
PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter, ValidationError
from wtforms import Field, Form, TextAreaField

from app.i18n import _
from app.input_rules import describe_character, refused_character, text_problem


def field_text_problem(field: Field) -> str | None:
    """What the rule says about the strings submitted for `field` (None when they obey it),
    in the reader's language."""
    name = str(field.label.text) if field.label and field.label.text else field.name
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str):
            found = refused_character(value, multiline=multiline)
            if found is not None:
                return _character_problem(name, *found, multiline=multiline)
    return None


def _character_problem(field: str, position: int, char: str, *, multiline: bool) -> str:
    """app.input_rules.text_problem's sentence, translated (that module is pure)."""
    values = {"field": field, "char": describe_character(char), "position": position + 1}
    if multiline:
        return _(
            "%(field)s contains a control character, %(char)s, at character %(position)s; "
            "only tab and line breaks are allowed. Remove it and try again.",
            **values,
        )
    return _(
        "%(field)s contains a control character, %(char)s, at character %(position)s. "
        "Remove it and try again.",
        **values,
    )


class TextRule:
    """Mixin for a WTForms form: `validate` also applies the text rule to every field."""

    _fields: dict[str, Field]

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[misc]
        for field in self._fields.values():
            problem = field_text_problem(field)
            if problem is not None:
                field.errors = [problem]
                valid = False
            # A validator's lazily translated message becomes text in the request's
            # language here: a lazy string would reach the page unescaped (its __html__).
            field.errors = [str(error) for error in field.errors]
        return valid


class SafeForm(TextRule, FlaskForm):
    """A staff form posted with a CSRF token."""


class SafeQueryForm(TextRule, Form):
    """Filters read from the query string (GET: no CSRF token). WTForms' own messages
    come in the page's language, as on Flask-WTF's forms."""

    class Meta:
        def get_translations(self, form: Form) -> Any:
            return wtforms_translations


class RuledTextConverter(UnicodeConverter):
    """A text segment (`<key>`, `<token>`) that obeys the text rule."""

    def to_python(self, value: str) -> str:
        if text_problem(value, "segment") is not None:
            raise ValidationError()
        return value


# The largest id or number of an INTEGER column (PostgreSQL's, and SQLite's reads of it).
MAX_URL_NUMBER = 2**31 - 1


class DatabaseIntegerConverter(IntegerConverter):
    """An `<int:...>` segment no larger than an INTEGER column holds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_URL_NUMBER)
        super().__init__(*args, **kwargs)


URL_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": RuledTextConverter,
    "string": RuledTextConverter,
    "int": DatabaseIntegerConverter,
}
