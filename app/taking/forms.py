"""The employee's form, built from the pinned instrument version through the
question-type registry (one field per item and per prompt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import Field, Form, HiddenField
from wtforms.csrf.core import CSRF, CSRFTokenField
from wtforms.validators import ValidationError

from app.instruments.document import InstrumentDocument, Item, Prompt
from app.instruments.question_types import get_question_type
from app.taking.queries import SurveyLink

ITEM_PREFIX = "item_"
PROMPT_PREFIX = "prompt_"
# The name of the language buttons: the form comes back in that language, nothing stored.
SWITCH_LANGUAGE = "switch_lang"


CSRF_SALT = "mutuality.survey-link-csrf"


@dataclass(frozen=True)
class ServedVersion:
    """The instrument version a survey page was built from, as its CSRF token states it."""

    id: int
    sha256: str


def link_csrf_token(link_sha256: str, version: ServedVersion) -> str:
    """A CSRF token for the survey form of one personal link: the version the page was built
    from, signed with the app's secret key under a salt that includes the link's token
    hash."""
    return _serializer(link_sha256).dumps([version.id, version.sha256])


def verify_link_csrf(value: str | None, link_sha256: str) -> ServedVersion:
    """The version a valid CSRF token of the link states; ValidationError, with the
    message to show, for a missing, altered, expired or foreign token."""
    if not value:
        raise ValidationError(
            _(
                "The form's security token (CSRF token) is missing. Your answers are below: "
                "check them and submit again."
            )
        )
    max_age = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    try:
        payload = _serializer(link_sha256).loads(value, max_age=max_age)
    except BadData:
        payload = None
    match payload:
        case [int() as version_id, str() as sha256]:
            return ServedVersion(version_id, sha256)
    raise ValidationError(
        _(
            "The form's security token (CSRF token) is invalid or was issued for another "
            "survey link. Your answers are below: check them and submit again."
        )
    )


def _serializer(link_sha256: str) -> URLSafeTimedSerializer:
    # The link is part of the signing key (through the salt): the token shows nothing of the
    # link, and its signature holds for no other link.
    salt = f"{CSRF_SALT}:{link_sha256}"
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


class LinkBoundCSRF(CSRF):
    """CSRF protection of the survey form bound to the personal link, not to a session:
    the employee's page sets no cookie at all.

    The form's `csrf_context` is the SurveyLink. Only a page served for a link carries a
    token valid for it: a token taken from another link's page, or altered, fails its
    signature. (Whoever can load the page already holds the link, which is the real
    credential; the token keeps other sites from submitting forms through a respondent's
    browser.) The token also states the instrument version the page was built from, which
    lets a submission be checked before the link is read (taking/routes.py). A form without
    a link (the instrument editor's preview, for staff) falls back to Flask-WTF's
    session-bound token. The token's lifetime is Flask-WTF's setting, WTF_CSRF_TIME_LIMIT.
    """

    def setup_form(self, form: Form) -> list[tuple[str, Any]]:
        context = form.meta.csrf_context
        self.link = context if isinstance(context, SurveyLink) else None
        fields: list[tuple[str, Any]] = super().setup_form(form)
        return fields

    def generate_csrf_token(self, csrf_token_field: CSRFTokenField) -> str:
        if self.link is None:
            return str(generate_csrf())
        return link_csrf_token(self.link.token_sha256, served_version(self.link))

    def validate_csrf_token(self, form: Form, field: CSRFTokenField) -> None:
        if self.link is None:
            validate_csrf(field.data)
        else:
            verify_link_csrf(field.data, self.link.token_sha256)


def served_version(link: SurveyLink) -> ServedVersion:
    return ServedVersion(link.survey.instrument_version_id, link.survey.instrument_sha256)


class ResponseFormBase(FlaskForm):
    class Meta:
        csrf_class = LinkBoundCSRF
        csrf_context = None  # the SurveyLink; see LinkBoundCSRF

    # The chosen language travels with the form so that errors re-render in it.
    lang = HiddenField()


@dataclass(frozen=True)
class Section:
    """A group of items of one dimension (a part of the page), numbered from 1; `start` is
    the number of its first question."""

    number: int
    fields: tuple[Field, ...]
    start: int = 1


def field_name(question: Item | Prompt) -> str:
    return (PROMPT_PREFIX if isinstance(question, Prompt) else ITEM_PREFIX) + question.key


# Form classes by (content sha256, language); documents are immutable.
MAX_CACHED_FORMS = 64
_form_classes: dict[tuple[str, str], type[ResponseFormBase]] = {}


def response_form_class(
    sha256: str, document: InstrumentDocument, language: str
) -> type[ResponseFormBase]:
    """A form class for `document` in `language`: every item required (an answer or
    "prefer not to answer"), every prompt optional."""
    cached = _form_classes.get((sha256, language))
    if cached is None:
        if len(_form_classes) >= MAX_CACHED_FORMS:  # editor previews add drafts; keep it bounded
            _form_classes.pop(next(iter(_form_classes)))
        cached = _form_classes[(sha256, language)] = _build_form_class(document, language)
    return cached


def _build_form_class(document: InstrumentDocument, language: str) -> type[ResponseFormBase]:
    attrs: dict[str, object] = {}
    for item in document.items:
        attrs[field_name(item)] = get_question_type(item.type).build_field(
            item, language, fallback_language=document.default_language, required=True
        )
    for prompt in document.prompts:
        attrs[field_name(prompt)] = get_question_type(prompt.type).build_field(
            prompt, language, fallback_language=document.default_language
        )
    return type("ResponseForm", (ResponseFormBase,), attrs)


def sections(form: ResponseFormBase, document: InstrumentDocument) -> list[Section]:
    """The item fields grouped by dimension, in document order (unscored items last)."""
    groups: dict[str | None, list[Field]] = {}
    for item in document.items:
        groups.setdefault(item.dimension, []).append(form[field_name(item)])
    result: list[Section] = []
    start = 1
    for number, fields in enumerate(groups.values(), 1):
        result.append(Section(number, tuple(fields), start))
        start += len(fields)
    return result


def prompt_fields(form: ResponseFormBase, document: InstrumentDocument) -> list[Field]:
    return [form[field_name(p)] for p in document.prompts]


def expected_field_names(document: InstrumentDocument) -> set[str]:
    names = {field_name(item) for item in document.items}
    names |= {field_name(prompt) for prompt in document.prompts}
    return names | {"lang", "csrf_token", SWITCH_LANGUAGE}
