"""Forms of the survey management pages.

Thresholds are checked by the survey services (one rule, one message, for the CLI too);
these forms check what a service cannot see: the shape of the text the admin typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.errors import DomainError
from app.forms_base import SafeForm
from app.org.services import normalize_team_path
from app.surveys.services import (
    DEFAULT_LEVELS,
    MAX_LEVEL_KEY,
    MAX_LEVEL_LABEL,
    MAX_PARTICIPANT_FILE_BYTES,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
MAX_THRESHOLD = 100_000


def levels_text(levels: Any) -> str:
    """(key, label) pairs as the textarea shows them, one "key = Label" per line."""
    return "\n".join(f"{key} = {label}" for key, label in levels)


def parse_levels(text: str) -> list[tuple[str, str]]:
    """Read "key = Label" lines (bottom first; a line without "=" uses the key as label).
    Raises ValueError naming the first bad line."""
    levels: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    lines = [line.strip() for line in (text or "").splitlines()]
    for number, line in enumerate((ln for ln in lines if ln), 1):
        key, _equals, label = (part.strip() for part in line.partition("="))
        label = label or key
        if not key or len(key) > MAX_LEVEL_KEY:
            raise ValueError(
                _(
                    "Level %(number)s (%(line)s) needs a key of 1 to %(most)s characters "
                    "before the =, like individual_contributor = Individual contributor.",
                    number=number,
                    line=repr(line),
                    most=MAX_LEVEL_KEY,
                )
            )
        if len(label) > MAX_LEVEL_LABEL:
            raise ValueError(
                _(
                    "Level %(number)s: the label is over %(most)s characters.",
                    number=number,
                    most=MAX_LEVEL_LABEL,
                )
            )
        if key.lower() in seen:
            raise ValueError(
                _(
                    "Level %(number)s: the key %(key)s is already level %(other)s.",
                    number=number,
                    key=repr(key),
                    other=seen[key.lower()],
                )
            )
        seen[key.lower()] = number
        levels.append((key, label))
    if not levels:
        raise ValueError(_("Give at least one level."))
    return levels


def parse_leading_levels(text: str | None) -> list[str] | None:
    """The levels (keys or labels) named as leading their work group, separated by commas
    or lines: None when blank (the default: every level above the lowest), [] for "none"
    (no level leads one). The survey services check the names against the levels."""
    names = [name.strip() for line in (text or "").splitlines() for name in line.split(",")]
    names = [name for name in names if name]
    if len(names) == 1 and names[0].lower() in {"none", str(_("none")).lower()}:
        return []
    return names or None


def leading_levels_text(levels: Any) -> str:
    """What the field shows for a survey's levels: the keys of those that lead, or
    "none"."""
    keys = [level.key for level in levels if level.leads_work_group]
    return ", ".join(keys) if keys else "none"


def parse_team_paths(text: str) -> list[str]:
    """Read team paths, one a line, in canonical form and without repeats. Raises
    ValueError naming the first bad line."""
    paths: list[str] = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        try:
            path = normalize_team_path(line)
        except DomainError as exc:
            raise ValueError(
                _("Line %(number)s: %(problem)s", number=number, problem=exc.message)
            ) from None
        if path not in paths:
            paths.append(path)
    return paths


def check_parses(parse: Callable[[str], object], field: Any) -> None:
    """The field's text must be read by `parse`, whose ValueError message becomes the
    field's error (for a form's validate_<field> method)."""
    try:
        parse(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class SurveySettingsForm(SafeForm):
    """The settings of a survey that stay editable while it is a draft."""

    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    teams = TextAreaField(
        _l("Teams"),
        description=_l(
            "One team path per line, like Engineering/Platform; missing teams are created. "
            "Optional: the participants file adds the teams it names."
        ),
        render_kw={"rows": 5},
    )
    levels = TextAreaField(
        _l("Levels"),
        default=levels_text(DEFAULT_LEVELS),
        description=_l(
            "One level per line as key = Label, from the bottom of the hierarchy to the top. "
            "The participants file names a level by its key or its label."
        ),
        render_kw={"rows": 4},
    )
    leading_levels = StringField(
        _l("Levels that lead their work group"),
        validators=[Length(max=2000)],
        description=_l(
            "Optional. The levels (keys or labels, separated by commas) whose people lead the "
            "work group their link names: the questions about the group's leader are not "
            "asked of them, so nobody rates themself. Left blank, every level above the "
            "lowest leads a work group; write none if no level does."
        ),
    )
    mixed_item_order = BooleanField(
        _l("Mix the order of the questions"),
        description=_l(
            "Each person sees the questions of each part of the page in an order of their "
            "own; the parts and the answer scale keep theirs. This evens out the effect of "
            "the order on the answers. Nothing about the order is stored. Fixed once the "
            "survey opens."
        ),
    )
    opens_at = DateTimeLocalField(
        _l("Opens at (UTC)"),
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description=_l("Optional. A date and time in UTC, not your local time."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (UTC)"),
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description=_l("Optional. A date and time in UTC; it must come after the opening."),
    )
    results_expected_on = DateField(
        _l("Results expected on"),
        validators=[Optional()],
        description=_l(
            "Optional. When the results are expected back; the participants' thank-you page "
            "says so. Not before the closing date."
        ),
    )
    k_scores = IntegerField(
        _l("Smallest group shown with scores (k)"),
        default=5,
        validators=[InputRequired(), NumberRange(max=MAX_THRESHOLD)],
        description=_l("A team or level with fewer responses shows no scores. At least 3."),
    )
    k_comments = IntegerField(
        _l("Smallest group shown with comments (k for comments)"),
        default=10,
        validators=[InputRequired(), NumberRange(max=MAX_THRESHOLD)],
        description=_l("Comments of a group with fewer responses are not shown. At least 3."),
    )

    def validate_levels(self, field: Any) -> None:
        check_parses(parse_levels, field)

    def validate_teams(self, field: Any) -> None:
        check_parses(parse_team_paths, field)


class CreateSurveyForm(SurveySettingsForm):
    version_id = SelectField(
        _l("Instrument version"),
        coerce=int,
        description=_l("A published version; the survey keeps it for good."),
    )


class StateForm(SafeForm):
    """Open, close or archive: the admin ticks the box that states the consequence."""

    confirm = BooleanField(
        _l("I understand"), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )


class PilotForm(SafeForm):
    """Whether the survey is a pilot (left out of trends and of changes between waves)."""

    kind = RadioField(
        _l("This survey is"),
        choices=[
            SelectChoice("wave", _l("A wave: trends and changes between waves include it")),
            SelectChoice(
                "pilot",
                _l(
                    "A pilot (a try-out with a few people): it keeps its own report, but "
                    "trends and “change since the last comparable wave” leave it out"
                ),
            ),
        ],
        validators=[InputRequired(message=_l("Choose a wave or a pilot."))],
    )


class LinksForm(SafeForm):
    understood = BooleanField(
        _l(
            "I understand that whoever holds this file can see who answered and answer for "
            "these people, and that links issued before for them stop working"
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


MAX_MB = MAX_PARTICIPANT_FILE_BYTES // (1024 * 1024)


class ParticipantsForm(SafeForm):
    file = FileField(
        _l("Participants file (CSV)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv"], _l("The file must be a .csv file.")),
            FileSize(
                MAX_PARTICIPANT_FILE_BYTES, message=_l("The file is over %(mb)s MB.", mb=MAX_MB)
            ),
        ],
        description=_l(
            "UTF-8 CSV with the columns email, team, level (and optionally language), "
            "at most %(mb)s MB. All rows or none: when any row is wrong, nothing is "
            "imported and every problem is listed.",
            mb=MAX_MB,
        ),
    )


class NewLinkForm(SafeForm):
    """One person's new link, by their email address (the survey page's own markup)."""

    email = EmailField(_l("Their email address"), validators=[InputRequired(), Length(max=254)])
