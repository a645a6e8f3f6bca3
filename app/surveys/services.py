"""Writes for surveys (waves): lifecycle, participants, links.

Services add and flush and raise DomainError; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from sqlalchemy import delete, event, exists, insert, inspect, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from app.auth.services import normalize_email
from app.db import Session, get_or_404, utcnow
from app.errors import Conflict, DomainError, NotFound
from app.i18n import N_, _
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of, latest_version
from app.org.services import ensure_team, normalize_team_path
from app.outbox.models import MessageStatus, OutboxMessage
from app.surveys.labels import state_name
from app.surveys.models import (
    MIN_THRESHOLD,
    Invitation,
    InvitationToken,
    Level,
    ParticipantImport,
    Survey,
    SurveyState,
)
from app.surveys.participants_file import FileLimits, RowError, read_participants
from app.surveys.tokens import new_token

DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (
    ("individual_contributor", "Individual contributor"),
    ("manager", "Manager"),
    ("senior_leader", "Senior leader"),
)
MAX_PARTICIPANT_FILE_BYTES = FileLimits.max_bytes
# The columns' sizes: longer text is refused here, the same on both engines (PostgreSQL
# refused it with an error, SQLite stored it).
MAX_TITLE = 200
MAX_LEVEL_KEY = 64
MAX_LEVEL_LABEL = 120


def create_survey(
    *,
    instrument_key: str,
    title: str,
    version: int | None = None,
    team_paths: Sequence[str] = (),
    levels: Sequence[tuple[str, str]] = DEFAULT_LEVELS,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    k_scores: int = 5,
    k_comments: int = 10,
    pilot: bool = False,
    results_expected_on: dt.date | None = None,
    leading_levels: Collection[str] | None = None,
    mixed_item_order: bool = False,
) -> Survey:
    """Create a draft survey pinned to an instrument version (the latest unless `version`).

    `levels` are (key, label) pairs from the bottom of the hierarchy to the top; a `pilot`
    is left out of trends (see `set_pilot`). `results_expected_on`, optional, is when the
    results are expected back (the employee's thank-you page says so).
    `leading_levels` names (by key or label) the levels whose people lead the work group
    their link names: the instrument's items about that group's leader are not asked of
    them. None: every level above the lowest (`leading_flags`). With `mixed_item_order`
    each respondent sees the items of each part of the page in an order of their own.
    """
    title = _checked_title(title)
    pinned = _pick_version(instrument_key, version)
    _check_thresholds(k_scores, k_comments)
    _check_dates(opens_at, closes_at, results_expected_on)
    survey = Survey(
        title=title,
        instrument_version=pinned,
        opens_at=opens_at,
        closes_at=closes_at,
        k_scores=k_scores,
        k_comments=k_comments,
        state=SurveyState.DRAFT.value,
        pilot=pilot,
        results_expected_on=results_expected_on,
        mixed_item_order=mixed_item_order,
    )
    survey.levels = _make_levels(levels, leading_levels)
    survey.teams = [ensure_team(p)[0] for p in dict.fromkeys(team_paths)]
    Session.add(survey)
    Session.flush()
    return survey


def _check_dates(
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    results_expected_on: dt.date | None,
) -> None:
    if opens_at and closes_at and opens_at >= closes_at:
        raise DomainError(_("The survey must open before it closes."))
    last_day = closes_at or opens_at
    if results_expected_on and last_day and results_expected_on < last_day.date():
        raise DomainError(
            _("The results cannot be expected before the survey closes.")
            if closes_at
            else _("The results cannot be expected before the survey opens.")
        )


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise DomainError(_("A survey needs a title."))
    if len(title) > MAX_TITLE:
        raise DomainError(
            _(
                "The title has %(count)s characters; at most %(most)s.",
                count=len(title),
                most=MAX_TITLE,
            )
        )
    return title


def _pick_version(instrument_key: str, version: int | None) -> InstrumentVersion:
    latest = latest_version(instrument_key)
    if version is None or version == latest.version:
        return latest
    chosen = next((v for v in latest.instrument.versions if v.version == version), None)
    if chosen is None:
        raise DomainError(
            _(
                "Instrument %(key)s has no version %(version)s.",
                key=repr(instrument_key),
                version=version,
            )
        )
    return chosen


def _check_thresholds(k_scores: int, k_comments: int) -> None:
    for message, k in (
        (N_("The k for scores is %(k)s; it can never be below %(least)s."), k_scores),
        (N_("The k for comments is %(k)s; it can never be below %(least)s."), k_comments),
    ):
        if k < MIN_THRESHOLD:
            raise DomainError(_(message, k=k, least=MIN_THRESHOLD))


def _make_levels(
    levels: Sequence[tuple[str, str]], leading_levels: Collection[str] | None
) -> list[Level]:
    _check_level_pairs(levels)
    flags = leading_flags(levels, leading_levels)
    return [
        Level(key=key, label=label, rank=rank, leads_work_group=leads)
        for rank, ((key, label), leads) in enumerate(zip(levels, flags, strict=True), 1)
    ]


def leading_flags(
    levels: Sequence[tuple[str, str]], leading_levels: Collection[str] | None
) -> list[bool]:
    """Whether each of `levels` (bottom first) leads its work group.

    `leading_levels` names the leading levels by key or label (case does not matter); None
    gives the default: every level above the lowest leads a work group (a manager leads a
    team, an individual contributor does not). A name that is no level is refused
    (DomainError naming it and the levels).
    """
    if leading_levels is None:
        return [rank > 1 for rank in range(1, len(levels) + 1)]
    names: dict[str, int] = {}
    for index, (key, label) in enumerate(levels):
        names.setdefault(label.strip().lower(), index)
        names[key.strip().lower()] = index  # a key wins over another level's label
    chosen: set[int] = set()
    for name in leading_levels:
        found = names.get(name.strip().lower())
        if found is None:
            known = ", ".join(key for key, _label in levels)
            raise DomainError(
                _(
                    "%(name)s is not a level of this survey, so it cannot lead a work "
                    "group (levels: %(known)s).",
                    name=repr(name[:60]),
                    known=known,
                )
            )
        chosen.add(found)
    return [index in chosen for index in range(len(levels))]


def get_survey(survey_id: int) -> Survey:
    return get_or_404(Survey, survey_id)


def set_pilot(survey_id: int, pilot: bool) -> Survey:
    """Mark a survey as a pilot, or as a wave, in any state: a try-out with a few people is
    reported on its own but is no wave of a trend, and never the "last comparable wave" a
    change is measured from. Its releases are untouched (they hold no such mark)."""
    survey = get_survey(survey_id)
    survey.pilot = pilot
    Session.flush()
    return survey


# What a survey in the wrong state cannot be (the `action` of _require_state).
REFUSED_ACTIONS = {
    "opened": N_("Survey %(id)s is %(state)s; it cannot be opened."),
    "closed": N_("Survey %(id)s is %(state)s; it cannot be closed."),
    "purged": N_("Survey %(id)s is %(state)s; it cannot be purged."),
    "archived": N_("Survey %(id)s is %(state)s; it cannot be archived."),
    "given participants": N_("Survey %(id)s is %(state)s; it cannot be given participants."),
    "changed": N_("Survey %(id)s is %(state)s; it cannot be changed."),
    "edited": N_("Survey %(id)s is %(state)s; it cannot be edited."),
}


def _require_state(survey: Survey, *allowed: SurveyState, action: str) -> None:
    if survey.state not in {s.value for s in allowed}:
        raise Conflict(_(REFUSED_ACTIONS[action], id=survey.id, state=state_name(survey.state)))


def open_survey(survey_id: int) -> Survey:
    """draft -> open. The pinned version, teams and levels are locked from here on."""
    survey = _move(survey_id, SurveyState.DRAFT, SurveyState.OPEN, action="opened")
    Session.flush()
    return survey


def close_survey(survey_id: int) -> Survey:
    """open -> closed: the survey takes no more answers.

    The survey's row is locked first (FOR UPDATE on PostgreSQL; SQLite has one writer): a
    submission's conditional UPDATE holds a key-share lock on it, so the close waits for the
    submissions in flight, whose sealed ballots it then sees, and a later one finds the
    survey closed. The final release (app.reports.releases.close_with_final_release) opens
    the ballots in this transaction; the contacts are purged in the next one
    (`purge_contacts`), so that no transaction opening ballots touches an invitation.
    """
    Session.get(Survey, survey_id, with_for_update=True, populate_existing=True)
    survey = _move(survey_id, SurveyState.OPEN, SurveyState.CLOSED, action="closed")
    Session.flush()
    return survey


def purge_contacts(survey_id: int) -> None:
    """Clear a closed survey's addresses and the people's languages, and delete its unsent
    emails (their raw tokens open the survey page, and their rows refer to the invitations)
    and its participants import jobs (files and problems quote addresses): they are no
    longer needed. A person's language only chose their emails' and survey page's language;
    kept beside their team and level, it would help tie them to a response. After the
    commit, `app.surveys.storage.compact_storage` takes them out of the
    database files too."""
    survey = get_survey(survey_id)
    _require_state(survey, SurveyState.CLOSED, SurveyState.ARCHIVED, action="purged")
    invitations = select(Invitation.id).where(Invitation.survey_id == survey.id)
    Session.execute(
        update(Invitation)
        .where(Invitation.survey_id == survey.id)
        .values(email=None, language=None)
    )
    # Queued participants files, done or not, hold addresses too (a file, a refusal's lines).
    Session.execute(delete(ParticipantImport).where(ParticipantImport.survey_id == survey.id))
    Session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.invitation_id.in_(invitations),
            OutboxMessage.status != MessageStatus.SENT.value,
        )
        .execution_options(synchronize_session="fetch")
    )
    Session.flush()


def archive_survey(survey_id: int) -> Survey:
    survey = _move(survey_id, SurveyState.CLOSED, SurveyState.ARCHIVED, action="archived")
    Session.flush()
    return survey


def _move(survey_id: int, source: SurveyState, target: SurveyState, *, action: str) -> Survey:
    """The survey, moved from state `source` to `target` (Conflict from any other state)."""
    survey = get_survey(survey_id)
    _require_state(survey, source, action=action)
    survey.state = target.value
    return survey


class SurveyDates(Protocol):
    """What decides whether a survey takes answers (a Survey, or the survey page's
    LinkedSurvey)."""

    @property
    def state(self) -> str: ...
    @property
    def opens_at(self) -> dt.datetime | None: ...
    @property
    def closes_at(self) -> dt.datetime | None: ...


def accepts_responses(survey: SurveyDates, now: dt.datetime | None = None) -> bool:
    """True when the survey is open and `now` lies within its dates (when set)."""
    now = now or utcnow()
    if survey.state != SurveyState.OPEN.value:
        return False
    if survey.opens_at is not None and now < survey.opens_at:
        return False
    return survey.closes_at is None or now < survey.closes_at


# --- participants -------------------------------------------------------------------------


class ParticipantsInvalid(DomainError):
    """The file has bad rows; nothing was imported. `errors` lists the first
    MAX_KEPT_ERRORS of them in file order, `count` says how many there are."""

    def __init__(self, errors: list[RowError], count: int | None = None) -> None:
        count = len(errors) if count is None else count
        shown = "\n".join(str(e) for e in errors)
        more = (
            "\n" + _("... and %(count)s more", count=count - len(errors))
            if count > len(errors)
            else ""
        )
        said = _("%(count)s problem(s); nothing was imported.", count=count)
        super().__init__(f"{said}\n{shown}{more}")
        self.errors = errors
        self.count = count


@dataclass
class ImportReport:
    invited: int = 0
    teams_created: list[str] = field(default_factory=list)
    # Lines of the rows left out because their person is invited already (a roster
    # imported again adds only its new people).
    skipped: list[int] = field(default_factory=list)

    def skipped_summary(self, shown: int = 20) -> str:
        """ "3 row(s) already invited, skipped (lines 2, 5, 9)", or "" when none were."""
        if not self.skipped:
            return ""
        lines = ", ".join(str(line) for line in self.skipped[:shown])
        if len(self.skipped) > shown:
            lines = _(
                "%(lines)s and %(count)s more", lines=lines, count=f"{len(self.skipped) - shown:,}"
            )
        return _(
            "%(count)s row(s) already invited, skipped (lines %(lines)s).",
            count=f"{len(self.skipped):,}",
            lines=lines,
        )


@dataclass(frozen=True)
class _Row:
    line: int
    email: str
    team_path: str
    level: Level
    language: str | None


# Problems kept (and shown) of a refused file; the rest are counted.
MAX_KEPT_ERRORS = 1000
# Rows inserted per statement, and between two progress reports.
IMPORT_CHUNK = 2000

# Told how far an import has got: the stage ("checking", "checked" once at the end of the
# checks, or "writing") and the rows done.
ImportProgress = Callable[[str, int], None]


def _no_progress(_stage: str, _rows: int) -> None:
    return None


@dataclass(frozen=True)
class CheckedParticipants:
    """A participants file read and checked against its survey, ready to be invited."""

    survey: Survey
    rows: list[_Row]
    skipped: list[int] = field(default_factory=list)


def import_participants(
    survey_id: int,
    content: bytes | str | BinaryIO,
    *,
    limits: FileLimits | None = None,
    progress: ImportProgress = _no_progress,
) -> ImportReport:
    """Invite everyone listed in a CSV (columns email, team, level; optional language).

    All rows or none: the file is read in one streaming pass (app.surveys.participants_file,
    within `limits`), every bad row is reported (line, column, reason) and nothing is
    stored when any row is bad (ParticipantsInvalid). A person invited already is skipped
    and reported by line (`ImportReport.skipped`), so a whole roster can be imported again
    to add its new people; an address twice in the file is a problem of its own. Teams
    are matched by path and created when missing (only while the survey is a draft: an
    open survey's teams are locked).
    Each person gets one invitation, with no link yet: links go out by email (app.outbox)
    or, before the opening only, in the links file (`issue_links`).
    """
    checked = check_participants(survey_id, content, limits=limits, progress=progress)
    return invite_participants(checked, progress)


def check_participants(
    survey_id: int,
    content: bytes | str | BinaryIO,
    *,
    limits: FileLimits | None = None,
    progress: ImportProgress = _no_progress,
) -> CheckedParticipants:
    """Read and check a participants file (reads only); ParticipantsInvalid listing its
    problems by line when any row is bad. Reports "checked" with the row count at the end."""
    survey = get_survey(survey_id)
    _require_state(survey, SurveyState.DRAFT, SurveyState.OPEN, action="given participants")
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    rules = _ParticipantRules.of(survey)
    rows = _checked_rows(rules, stream, limits or FileLimits(), progress)
    progress("checked", len(rows))
    return CheckedParticipants(survey, rows, rules.skipped)


def _checked_rows(
    rules: _ParticipantRules, stream: BinaryIO, limits: FileLimits, progress: ImportProgress
) -> list[_Row]:
    """Every row of the file, checked; ParticipantsInvalid when any is bad."""
    rows: list[_Row] = []
    errors: list[RowError] = []
    count = 0
    for read in read_participants(stream, limits):
        row_errors: list[RowError]
        if isinstance(read, RowError):
            row_errors = [read]
        elif not any(value.strip() for value in read.values.values()):
            continue  # a line of empty fields
        else:
            row, row_errors = rules.check(read.line, read.values)
            if row is not None:
                rows.append(row)
                if len(rows) % IMPORT_CHUNK == 0:
                    progress("checking", len(rows))
        count += len(row_errors)
        errors.extend(row_errors[: MAX_KEPT_ERRORS - len(errors)])
    if not rows and not count and not rules.skipped:
        errors, count = [RowError(1, "-", _("the file lists no participants"))], 1
    if count:
        raise ParticipantsInvalid(errors, count)
    return rows


def invite_participants(
    checked: CheckedParticipants, progress: ImportProgress = _no_progress
) -> ImportReport:
    """Insert the invitations of a checked file (creating missing teams once each)."""
    survey, rows = checked.survey, checked.rows
    _require_state(survey, SurveyState.DRAFT, SurveyState.OPEN, action="given participants")
    report = ImportReport(skipped=list(checked.skipped))
    in_scope = {t.id for t in survey.teams}
    team_ids: dict[str, int] = {}
    for path in dict.fromkeys(row.team_path for row in rows):
        team, created = ensure_team(path)
        if created:
            report.teams_created.append(team.path)
        if team.id not in in_scope:
            survey.teams.append(team)
            in_scope.add(team.id)
        team_ids[path] = team.id
    Session.flush()
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        Session.execute(
            insert(Invitation),
            [
                {
                    "survey_id": survey.id,
                    "team_id": team_ids[row.team_path],
                    "level_id": row.level.id,
                    "email": row.email,
                    "language": row.language,
                }
                for row in chunk
            ],
        )
        report.invited += len(chunk)
        progress("writing", report.invited)
    return report


@dataclass
class _ParticipantRules:
    """What a participants row is checked against: the survey's levels (by key or label),
    its teams once open, its languages, who is already invited and who came earlier in
    the file (email -> line)."""

    survey: Survey
    levels: dict[str, Level]
    open_teams: set[str] | None
    languages: Sequence[str]
    already: set[str]
    seen: dict[str, int] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, survey: Survey, *, only: str | None = None) -> _ParticipantRules:
        """The rules of `survey`'s participants; with `only` (one address, normalised),
        who is invited already is looked up for that address alone."""
        levels: dict[str, Level] = {}
        for level in survey.levels:
            levels[level.key.lower()] = level
            levels[level.label.lower()] = level
        is_open = survey.state == SurveyState.OPEN.value
        invited = select(Invitation.email).where(
            Invitation.survey_id == survey.id, Invitation.email.is_not(None)
        )
        already = Session.scalars(
            invited if only is None else invited.where(Invitation.email == only)
        )
        return cls(
            survey,
            levels,
            {t.path for t in survey.teams} if is_open else None,
            document_of(survey.instrument_version).languages,
            {email for email in already if email is not None},
        )

    def check(self, line: int, record: dict[str, str]) -> tuple[_Row | None, list[RowError]]:
        """One row: the participant, or every reason the row is refused."""
        errors: list[RowError] = []
        email = self._email(line, record.get("email"), errors)
        team_path = self._team(line, record.get("team") or "", errors)
        level = self.levels.get((record.get("level") or "").strip().lower())
        if level is None:
            known = ", ".join(lv.key for lv in self.survey.levels)
            errors.append(
                RowError(
                    line,
                    "level",
                    _(
                        "%(value)s is not a level (%(known)s)",
                        value=repr(record.get("level")),
                        known=known,
                    ),
                )
            )
        language = (record.get("language") or "").strip() or None
        if language is not None and language not in self.languages:
            errors.append(
                RowError(
                    line,
                    "language",
                    _(
                        "%(value)s is not one of %(languages)s",
                        value=repr(language),
                        languages=self.languages,
                    ),
                )
            )
        if errors or level is None:
            return None, errors
        if email in self.already:
            self.skipped.append(line)
            return None, []
        return _Row(line, email, team_path, level, language), []

    def _email(self, line: int, raw: str | None, errors: list[RowError]) -> str:
        try:
            email = normalize_email(raw or "")
        except DomainError:
            errors.append(RowError(line, "email", _("%(value)s is not an email", value=repr(raw))))
            return ""
        if email in self.seen:
            errors.append(
                RowError(
                    line,
                    "email",
                    _(
                        "%(email)s is also on line %(line)s: list each person once",
                        email=email,
                        line=self.seen[email],
                    ),
                )
            )
        self.seen.setdefault(email, line)
        return email

    def _team(self, line: int, raw: str, errors: list[RowError]) -> str:
        try:
            team_path = normalize_team_path(raw)
        except DomainError as exc:
            errors.append(RowError(line, "team", exc.message))
            return ""
        if self.open_teams is not None and team_path not in self.open_teams:
            errors.append(
                RowError(
                    line,
                    "team",
                    _("%(team)s is not in this survey, which is open", team=team_path),
                )
            )
        return team_path


def add_participant(
    survey_id: int, *, email: str, team: str, level: str, language: str | None = None
) -> Invitation:
    """Invite one person (the participants page's form), checked by the rules of a file's
    row: a valid address, a team (created in a draft; one of the survey's once it is
    open), one of its levels (key or label), one of its languages. DomainError naming each
    problem; Conflict when the person is invited already or the survey is closed."""
    survey = get_survey(survey_id)
    _require_state(survey, SurveyState.DRAFT, SurveyState.OPEN, action="given participants")
    try:
        only: str | None = normalize_email(email)
    except DomainError:
        only = None  # the rules name the bad address
    rules = _ParticipantRules.of(survey, only=only)
    record = {"email": email, "team": team, "level": level, "language": language or ""}
    row, errors = rules.check(1, record)
    if errors:
        raise DomainError(" ".join(f"{e.column.capitalize()}: {e.reason}." for e in errors))
    if row is None:
        raise Conflict(_("%(email)s is already invited to this survey.", email=only))
    invite_participants(CheckedParticipants(survey, [row]))
    invitation = Session.scalar(
        select(Invitation).where(Invitation.survey_id == survey.id, Invitation.email == row.email)
    )
    assert invitation is not None
    return invitation


def remove_participant(survey_id: int, invitation_id: int) -> None:
    """Take a person who has not been invited yet off the survey: no email, no links file
    and no link of any kind has reached them. Conflict for anyone who holds a link (they
    may have answered: the response rates must keep them), and once the survey is closed;
    NotFound for a person of another survey."""
    survey = get_survey(survey_id)
    _require_state(survey, SurveyState.DRAFT, SurveyState.OPEN, action="changed")
    invitation = Session.get(Invitation, invitation_id)
    if invitation is None or invitation.survey_id != survey.id:
        raise NotFound(_("This survey has no such participant."))
    if not _removable(invitation):
        raise Conflict(
            _(
                "This person has been invited (they hold a link), so they stay on the survey: "
                "only people not invited yet can be removed."
            )
        )
    Session.delete(invitation)
    Session.flush()


def _removable(invitation: Invitation) -> bool:
    # `responded` implies a link: checking it here refuses nobody a link would not.
    has_link = Session.scalar(
        select(exists().where(InvitationToken.invitation_id == invitation.id))
    )
    has_email = Session.scalar(select(exists().where(OutboxMessage.invitation_id == invitation.id)))
    return not (has_link or has_email or invitation.sent_at or invitation.responded)


# Marked for the catalog; the survey's page shows it translated, the CLI in English.
LINKS_FILE_WARNING = N_(
    "Whoever holds the links file can see who answered (a used link says so) and answer "
    "for anyone who has not: keep it safe, hand each link only to its person, and delete "
    "the file once the links are handed out. It can be made only before the survey opens."
)


def check_links_file_allowed(survey: Survey) -> None:
    """Conflict unless the survey is a draft: once it opens, whoever held a links file
    could see who answered and answer for them."""
    if survey.state != SurveyState.DRAFT.value:
        raise Conflict(
            _(
                "Survey %(id)s is %(state)s: a links file can be made only before the "
                "survey opens. Links now reach people only by email, each at their own "
                "address.",
                id=survey.id,
                state=state_name(survey.state),
            )
        )


def issue_links(survey_id: int) -> list[tuple[str, str]]:
    """The links file of a draft survey: a fresh token for every invited person, as
    (email, token) by email. Refused (Conflict) once the survey has opened: from then on
    links reach people only by email, through the outbox, to their own address.

    The new links replace every earlier one of these people (before the opening, the
    only links are those of earlier files), so a file that went astray can be revoked by
    making another. The caller audit-logs it (see LINKS_FILE_WARNING).
    """
    survey = get_survey(survey_id)
    check_links_file_allowed(survey)
    invitations = Session.scalars(
        select(Invitation)
        .where(Invitation.survey_id == survey.id, Invitation.email.is_not(None))
        .order_by(Invitation.email)
    ).all()
    Session.execute(
        delete(InvitationToken)
        .where(
            InvitationToken.invitation_id.in_(
                select(Invitation.id).where(Invitation.survey_id == survey.id)
            )
        )
        .execution_options(synchronize_session=False)
    )
    links: list[tuple[str, str]] = []
    for invitation in invitations:
        raw, digest = new_token()
        Session.add(InvitationToken(token_sha256=digest, invitation_id=invitation.id))
        assert invitation.email is not None
        links.append((invitation.email, raw))
    Session.flush()
    return links


def add_link(invitation_id: int, digest: str) -> None:
    """Make the token whose sha256 is `digest` one more live link of the invitation; the
    earlier links keep working. A link recorded already is left as it is (an email sent
    twice after a retry carries the same token)."""
    already = Session.scalar(select(exists().where(InvitationToken.token_sha256 == digest)))
    if not already:
        Session.add(InvitationToken(token_sha256=digest, invitation_id=invitation_id))
        Session.flush()


# --- locks --------------------------------------------------------------------------------


def _was_draft(survey: Survey) -> bool:
    """The state the survey had when loaded (a survey opened in this very flush counts as
    a draft until the flush is done)."""
    history = inspect(survey).attrs.state.history
    committed = history.deleted[0] if history.deleted else survey.state
    return bool(committed == SurveyState.DRAFT.value)


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_locked_surveys(
    session: OrmSession, _flush_context: UOWTransaction, _instances: object
) -> None:
    """Once a survey has opened, its pinned version, levels and teams are locked: responses
    were given against them, and reports compare like with like."""
    for obj in session.dirty:
        if isinstance(obj, Survey) and not _was_draft(obj) and obj.id is not None:
            attrs = inspect(obj).attrs
            for name in (
                "instrument_version_id",
                "instrument_version",
                "levels",
                "teams",
                "mixed_item_order",
            ):
                if attrs[name].history.has_changes():
                    raise Conflict(
                        f"Survey {obj.id} has opened; its {name.replace('_', ' ')} "
                        "can no longer change."
                    )
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Level) and obj.survey is not None and not _was_draft(obj.survey):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            raise Conflict(f"Survey {obj.survey.id} has opened; its levels can no longer change.")


# --- editing a draft ----------------------------------------------------------------------


def check_reminder_cadence(
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    remind_after_days: int | None,
    now: dt.datetime,
) -> None:
    """Refuse a reminder cadence whose first reminder would come after the close: the one
    rule of the schedule page (app.worker.services.set_schedule) and of a draft's settings,
    which may move the dates under a cadence already set."""
    if remind_after_days is None or closes_at is None:
        return
    start = opens_at if opens_at is not None and opens_at > now else now
    if start + dt.timedelta(days=remind_after_days) >= closes_at:
        days = (closes_at - start) / dt.timedelta(days=1)
        raise DomainError(
            _(
                "A first reminder %(after)s day(s) after the invitation would come "
                "after the close: the survey takes answers for %(days)s day(s) "
                "(until %(until)s UTC). Choose fewer days, or a later close.",
                after=remind_after_days,
                days=f"{days:.1f}",
                until=f"{closes_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
            )
        )


def update_draft_survey(
    survey_id: int,
    *,
    title: str,
    team_paths: Sequence[str],
    levels: Sequence[tuple[str, str]],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    k_scores: int,
    k_comments: int,
    results_expected_on: dt.date | None = None,
    leading_levels: Collection[str] | None = None,
    mixed_item_order: bool | None = None,
) -> Survey:
    """Change the settings of a draft survey: title, teams in scope, levels (and which of
    them lead their work group: `leading_levels` as in `create_survey`, None for the
    default), dates (with when the results are expected), thresholds and whether the item
    order is mixed (None keeps it); the pinned version stays: create another survey for
    another version.

    Refused (Conflict) once the survey has opened. The same rules as `create_survey` apply
    (DomainError). Missing teams are created. A level keeps its row, and so its invitations,
    when its key stays, whatever its new label or rank; a team or level that invitations
    refer to cannot be dropped (DomainError naming it).
    """
    survey = get_survey(survey_id)
    _require_state(survey, SurveyState.DRAFT, action="edited")
    title = _checked_title(title)
    _check_thresholds(k_scores, k_comments)
    _check_dates(opens_at, closes_at, results_expected_on)
    check_reminder_cadence(opens_at, closes_at, survey.remind_after_days, utcnow())
    _check_level_pairs(levels)
    flags = leading_flags(levels, leading_levels)
    teams = list({t.id: t for t in (ensure_team(p)[0] for p in team_paths)}.values())
    kept_ids = {t.id for t in teams}
    dropped_teams = [t for t in survey.teams if t.id not in kept_ids]
    if dropped_teams:
        in_use = set(
            Session.scalars(
                select(Invitation.team_id)
                .where(
                    Invitation.survey_id == survey.id,
                    Invitation.team_id.in_([t.id for t in dropped_teams]),
                )
                .distinct()
            )
        )
        if in_use:
            paths = ", ".join(t.path for t in dropped_teams if t.id in in_use)
            raise DomainError(
                _("Participants are invited in %(teams)s; keep these teams.", teams=paths)
            )
    survey.title = title
    survey.opens_at = opens_at
    survey.closes_at = closes_at
    survey.results_expected_on = results_expected_on
    survey.k_scores = k_scores
    survey.k_comments = k_comments
    survey.teams = teams
    if mixed_item_order is not None:
        survey.mixed_item_order = mixed_item_order
    _replace_levels(survey, levels, flags)
    Session.flush()
    return survey


def _check_level_pairs(levels: Sequence[tuple[str, str]]) -> None:
    if not levels:
        raise DomainError(_("A survey needs at least one level."))
    keys = [key for key, _label in levels]
    if len(set(keys)) != len(keys):
        raise DomainError(_("Level keys must be unique."))
    for key, label in levels:
        if not 1 <= len(key) <= MAX_LEVEL_KEY or len(label) > MAX_LEVEL_LABEL:
            raise DomainError(
                _(
                    "Level %(key)s: a key has 1 to %(most_key)s characters, a label at "
                    "most %(most_label)s.",
                    key=repr(key[:30]),
                    most_key=MAX_LEVEL_KEY,
                    most_label=MAX_LEVEL_LABEL,
                )
            )


def _replace_levels(
    survey: Survey, levels: Sequence[tuple[str, str]], leading: Sequence[bool]
) -> None:
    """Make the survey's levels `levels` (bottom first), keeping the rows of kept keys;
    `leading[i]` says whether `levels[i]` leads its work group.

    Ranks are unique per survey and a flush may write rows in any order, so kept levels
    move to negative ranks first, and dropped ones are deleted before new ranks are taken.
    """
    wanted = {key for key, _label in levels}
    current = {lv.key: lv for lv in survey.levels}
    dropped = [lv for key, lv in current.items() if key not in wanted]
    if dropped:
        used = set(
            Session.scalars(
                select(Invitation.level_id)
                .where(Invitation.level_id.in_([lv.id for lv in dropped]))
                .distinct()
            )
        )
        if used:
            keys = ", ".join(lv.key for lv in dropped if lv.id in used)
            raise DomainError(
                _("Participants are invited at level(s) %(keys)s; keep these levels.", keys=keys)
            )
        for level in dropped:
            survey.levels.remove(level)
        Session.flush()
    kept = [lv for key, lv in current.items() if key in wanted]
    for n, level in enumerate(kept, 1):
        level.rank = -n
    Session.flush()
    for rank, ((key, label), leads) in enumerate(zip(levels, leading, strict=True), 1):
        existing = current.get(key)
        if existing is not None:
            existing.label = label
            existing.rank = rank
            existing.leads_work_group = leads
        else:
            survey.levels.append(Level(key=key, label=label, rank=rank, leads_work_group=leads))
    Session.flush()
