"""The employee's form, built from the pinned instrument version through the
question-type registry (one field per item and per prompt)."""

from __future__ import annotations

import random
import re
import secrets
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
# The hidden field that carries the seed of a respondent's item order (mixed item order):
# the page comes back in the same order after an error or a language switch. Never stored.
ORDER_SEED = "order"
_ORDER_SEED_RE = re.compile(r"[0-9a-f]{16}")


CSRF_SALT = "mutuality.survey-link-csrf"


@dataclass(frozen=True)
class ServedVersion:
    """The instrument version a survey page was built from, as its CSRF token states it,
    and whether the page was built for someone who leads the work group (so without the
    items about its leader); None in a token issued before tokens said so."""

    id: int
    sha256: str
    leads_work_group: bool | None = None


def link_csrf_token(link_sha256: str, version: ServedVersion) -> str:
    """A CSRF token for the survey form of one personal link: the version the page was built
    from (and for whom: a leader of the work group or not), signed with the app's secret key
    under a salt that includes the link's token hash."""
    return _serializer(link_sha256).dumps(
        [version.id, version.sha256, bool(version.leads_work_group)]
    )


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
        case [int() as version_id, str() as sha256, bool() as leads]:
            return ServedVersion(version_id, sha256, leads)
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
    return ServedVersion(
        link.survey.instrument_version_id, link.survey.instrument_sha256, link.leads_work_group
    )


class ResponseFormBase(FlaskForm):
    class Meta:
        csrf_class = LinkBoundCSRF
        csrf_context = None  # the SurveyLink; see LinkBoundCSRF

    # The chosen language travels with the form so that errors re-render in it.
    lang = HiddenField()
    # The seed of the respondent's item order, when the survey mixes it (see ORDER_SEED).
    order = HiddenField()


@dataclass(frozen=True)
class Section:
    """A group of items of one dimension (a part of the page), numbered from 1; `start` is
    the number of its first question."""

    number: int
    fields: tuple[Field, ...]
    start: int = 1


def field_name(question: Item | Prompt) -> str:
    return (PROMPT_PREFIX if isinstance(question, Prompt) else ITEM_PREFIX) + question.key


# Form classes by (content sha256, language, for a leader of the work group); documents are
# immutable.
MAX_CACHED_FORMS = 64
_form_classes: dict[tuple[str, str, bool], type[ResponseFormBase]] = {}


def response_form_class(
    sha256: str, document: InstrumentDocument, language: str, *, leads_work_group: bool = False
) -> type[ResponseFormBase]:
    """A form class for `document` in `language`: every item asked of the respondent
    required (an answer or "prefer not to answer"), every prompt optional. The items about
    the group's leader are not asked of someone who `leads_work_group`
    (`InstrumentDocument.items_asked_of`): they are not fields of that form."""
    key = (sha256, language, leads_work_group)
    cached = _form_classes.get(key)
    if cached is None:
        if len(_form_classes) >= MAX_CACHED_FORMS:  # editor previews add drafts; keep it bounded
            _form_classes.pop(next(iter(_form_classes)))
        cached = _form_classes[key] = _build_form_class(document, language, leads_work_group)
    return cached


def _build_form_class(
    document: InstrumentDocument, language: str, leads_work_group: bool
) -> type[ResponseFormBase]:
    attrs: dict[str, object] = {}
    for item in document.items_asked_of(leads_work_group=leads_work_group):
        attrs[field_name(item)] = get_question_type(item.type).build_field(
            item, language, fallback_language=document.default_language, required=True
        )
    for prompt in document.prompts:
        attrs[field_name(prompt)] = get_question_type(prompt.type).build_field(
            prompt, language, fallback_language=document.default_language
        )
    return type("ResponseForm", (ResponseFormBase,), attrs)


def new_order_seed() -> str:
    """A fresh seed for one respondent's item order: 64 random bits, as 16 hex digits."""
    return secrets.token_hex(8)


def checked_order_seed(value: str | None) -> str | None:
    """`value` if it is a seed as `new_order_seed` makes them, else None (a forged or
    damaged value only ever gets a fresh order, never an error)."""
    if value and _ORDER_SEED_RE.fullmatch(value):
        return value
    return None


def sections(
    form: ResponseFormBase, document: InstrumentDocument, *, order_seed: str | None = None
) -> list[Section]:
    """The item fields of `form` grouped by dimension (the parts of the page), the parts in
    document order (unscored items last).

    Within each part the items keep the document's order, or, with an `order_seed` (a
    survey with mixed item order), follow a permutation drawn from the seed and the
    part's dimension: the same seed gives the same order, whatever the language, and a
    part's order does not depend on the other parts' items (a leader, who is not asked
    some items, gets an order of their own). Questions are numbered in the shown order.
    """
    groups: dict[str | None, list[Field]] = {}
    for item in document.items:
        name = field_name(item)
        if name in form:  # an item not asked of the respondent is no field of the form
            groups.setdefault(item.dimension, []).append(form[name])
    if order_seed is not None:
        for dimension, fields in groups.items():
            # Not a secret: the order only has to differ between respondents and stay put
            # for one of them; the seed itself comes from `secrets`.
            shuffler = random.Random(f"{order_seed}:{dimension}")  # noqa: S311  # nosec B311
            shuffler.shuffle(fields)
    result: list[Section] = []
    start = 1
    for number, fields in enumerate(groups.values(), 1):
        result.append(Section(number, tuple(fields), start))
        start += len(fields)
    return result


def prompt_fields(form: ResponseFormBase, document: InstrumentDocument) -> list[Field]:
    return [form[field_name(p)] for p in document.prompts]


def expected_field_names(document: InstrumentDocument) -> set[str]:
    """Every name a survey form of `document` may send: every item (an answer to an item
    not asked of the respondent is accepted and then dropped), every prompt and the form's
    own fields."""
    names = {field_name(item) for item in document.items}
    names |= {field_name(prompt) for prompt in document.prompts}
    return names | {"lang", "csrf_token", SWITCH_LANGUAGE, ORDER_SEED}
