"""Invitation and reminder email through a transactional outbox.

Queueing (`queue_invitations`, `queue_reminders`) adds outbox rows in the caller's
transaction (add/flush, no commit), so an invitation and its email are stored together or
not at all. Delivery (`deliver_pending`, run by `flask outbox run`) is the one service that
commits: it is a worker loop whose correctness rests on short transactions of its own.

Tokens
------
The database never holds a raw token except in a pending outbox row, which needs it to
build the link; the token column is emptied in the transaction that records the message as
sent (or as failed), and a check constraint forbids a token on any row that is not pending.
The token is issued when the message is queued and the very same token is sent on every
retry, so every copy of a message that ever reaches the person carries the same link.

When does that link start to work? An invitation may hold several live links
(`InvitationToken` rows, one hash per link): a new one is added, never swapped for the
earlier ones, and using any of them ends them all (the invitation is answered).

* Invitation (and one person's new link, `queue_new_link`): at queueing. The link works
  whatever happens later: after a crash between the SMTP server's acceptance and our
  commit, or after a reply lost to a timeout, the person may get the email twice, but both
  copies work.
* Reminder: at sending, in the transaction that marks it sent. Until then the person's
  earlier links are what they hold; after it they hold one more. A crash after the SMTP
  server accepted the reminder and before our commit leaves the reminder's link inactive
  (the earlier links keep working) until the message is retried, when the same token is
  sent again and activated.
Either way the hash is recorded (if it is not already) when the message is recorded as
sent, so the link in every email sent works, and an earlier email's link keeps working.

Links reach people only this way once a survey is open: the links file
(`app.surveys.services.issue_links`) exists only before the opening, and no page shows a
person's link to staff.

Claiming and parallel workers
-----------------------------
A worker claims a batch in one short transaction: `SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL (parallel workers do not wait for each other and never pick the same rows),
then a conditional UPDATE that sets a lease (`claimed_by`, `claimed_until`) only where no
live lease exists; on SQLite, which has no row locks, the claim transaction takes the write
lock up front (BEGIN IMMEDIATE) and the same conditional UPDATE decides. No transaction
stays open while talking to the SMTP server, so a slow server never holds locks (nor, on
SQLite, the database's single write lock). Each message is then recorded in a transaction
of its own, conditional on still holding the lease. A worker that dies mid-batch leaves
leases that expire after `OUTBOX_LEASE_SECONDS`; its messages are then sent by another.
A worker stops sending from a batch when less than three SMTP timeouts remain on its lease,
and releases the rest: a lease cannot run out while its holder is still sending.

Crash windows
-------------
A message is marked sent only after the SMTP server accepted it. A crash (or a lost
database) between that acceptance and the commit that records it means the lease expires
and the message is sent again: at-least-once delivery, a duplicate at worst, never a loss.
The window is one UPDATE of two rows and a COMMIT, made right after the server's reply.

Retries
-------
A transient failure (server down, timeout, 4xx, refused login) leaves the message pending
with `attempts + 1` and `next_attempt_at = now + 1 min * 2^(attempts - 1)`, capped at one
hour (`OUTBOX_BACKOFF_SECONDS`, `OUTBOX_BACKOFF_MAX_SECONDS`). When no SMTP session can be
opened, every message of the batch counts the attempt. After `OUTBOX_MAX_ATTEMPTS`, or at
once when the server refuses the recipient or the content for good (5xx), the message
becomes "failed" (its token removed) and stays visible in `flask outbox status`.

Anonymity
---------
A message that has become pointless is deleted, not marked: the recipient has answered,
the survey has closed, the address was purged, the reminder limit is reached. A row saying
"cancelled because answered" with a time would date the person's response, which nothing
else in the schema does. Logs name outbox ids and outcomes only: never an address, a link
or a token.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select, update

from app.auth.queries import staff_language
from app.auth.services import normalize_email
from app.db import Session, begin_write_transaction, utcnow
from app.errors import Conflict, DomainError
from app.i18n import N_, _
from app.instruments.queries import document_of
from app.org.queries import organisation_profile
from app.outbox.mailer import Mailer, MailError, MailSettings, build_message
from app.outbox.models import PARTICIPANT_KINDS, MessageKind, MessageStatus, OutboxMessage
from app.surveys.labels import state_name
from app.surveys.models import Invitation, InvitationToken, Survey, SurveyState
from app.surveys.queries import survey_link
from app.surveys.services import add_link, get_survey
from app.surveys.tokens import new_token, token_sha256

log = logging.getLogger(__name__)

# Languages with email templates (app/templates/email/<kind>.<language>.txt).
EMAIL_LANGUAGES = ("en", "es")
FALLBACK_LANGUAGE = "en"

PENDING = MessageStatus.PENDING.value
SENT = MessageStatus.SENT.value
FAILED = MessageStatus.FAILED.value


@dataclass(frozen=True)
class OutboxSettings:
    public_base_url: str = "http://127.0.0.1:5000"
    max_reminders: int = 2
    max_attempts: int = 10
    backoff_seconds: float = 60.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 600.0
    mail: MailSettings = field(default_factory=MailSettings)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboxSettings:
        return cls(
            public_base_url=str(config.get("PUBLIC_BASE_URL", cls.public_base_url)),
            max_reminders=int(config.get("OUTBOX_MAX_REMINDERS", cls.max_reminders)),
            max_attempts=max(1, int(config.get("OUTBOX_MAX_ATTEMPTS", cls.max_attempts))),
            backoff_seconds=float(config.get("OUTBOX_BACKOFF_SECONDS", cls.backoff_seconds)),
            backoff_max_seconds=float(
                config.get("OUTBOX_BACKOFF_MAX_SECONDS", cls.backoff_max_seconds)
            ),
            lease_seconds=float(config.get("OUTBOX_LEASE_SECONDS", cls.lease_seconds)),
            mail=MailSettings.from_config(config),
        )

    @property
    def lease(self) -> dt.timedelta:
        # Long enough for several complete SMTP exchanges, whatever the configuration says.
        return dt.timedelta(seconds=max(self.lease_seconds, 10 * self.mail.timeout))

    @property
    def lease_margin(self) -> dt.timedelta:
        return dt.timedelta(seconds=3 * self.mail.timeout)


def _settings(settings: OutboxSettings | None) -> OutboxSettings:
    return settings if settings is not None else OutboxSettings.from_config(current_app.config)


def backoff(attempts: int, settings: OutboxSettings) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base * 2^(attempts - 1), capped."""
    exponent = min(max(attempts - 1, 0), 30)
    seconds = min(settings.backoff_seconds * 2**exponent, settings.backoff_max_seconds)
    return dt.timedelta(seconds=seconds)


# --- queueing (caller's transaction) ------------------------------------------------------


def _has_pending_message() -> Any:
    return exists().where(
        OutboxMessage.invitation_id == Invitation.id, OutboxMessage.status == PENDING
    )


# What cannot go out, and why (`what` of _require_accepting), marked for the catalog.
NOT_ACCEPTING = {
    "invitations": (
        N_("Survey %(id)s is %(state)s; invitations go out only while it is open."),
        N_("Survey %(id)s has passed its closing date; no invitations can go out."),
    ),
    "links": (
        N_("Survey %(id)s is %(state)s; links go out only while it is open."),
        N_("Survey %(id)s has passed its closing date; no links can go out."),
    ),
    "reminders": (
        N_("Survey %(id)s is %(state)s; reminders go out only while it is open."),
        N_("Survey %(id)s has passed its closing date; no reminders can go out."),
    ),
}


def _require_accepting(survey: Survey, now: dt.datetime, what: str) -> None:
    not_open, closed = NOT_ACCEPTING[what]
    if survey.state != SurveyState.OPEN.value:
        raise Conflict(_(not_open, id=survey.id, state=state_name(survey.state)))
    if survey.closes_at is not None and now >= survey.closes_at:
        raise Conflict(_(closed, id=survey.id))


def _invitation_emailed() -> Any:
    """The invitation has had an invitation email, sent or waiting."""
    return exists().where(
        OutboxMessage.invitation_id == Invitation.id,
        OutboxMessage.kind == MessageKind.INVITATION.value,
        OutboxMessage.status.in_((PENDING, SENT)),
    )


def _invitations_due(survey_id: int) -> Any:
    """Who an invitation email goes to: an address, no answer, and no invitation email
    pending or sent yet."""
    return and_(
        Invitation.survey_id == survey_id,
        Invitation.email.is_not(None),
        Invitation.responded.is_(False),
        ~_invitation_emailed(),
        ~_has_pending_message(),
    )


def _reminders_due(survey_id: int, limit: int) -> Any:
    """Who a reminder goes to: an address, an invitation email sent, no answer, fewer than
    `limit` reminders and no email pending."""
    return and_(
        Invitation.survey_id == survey_id,
        Invitation.email.is_not(None),
        Invitation.responded.is_(False),
        Invitation.sent_at.is_not(None),
        Invitation.reminder_count < limit,
        ~_has_pending_message(),
    )


# The send buttons' numbers are blind to answers. The exact number of people a reminder
# goes to is the number who have not answered (a response count, below k too, and dated
# by when it drops), and who has had fewer reminders than the limit is who answered early;
# so the buttons state how many people are considered, and never subtract those who
# answered.


def invitations_to_send(survey_id: int) -> int:
    """How many people the invitations button emails: everyone with an address and no
    invitation email sent or waiting. Exact unless some of them answered with a link of
    the links file: those are counted and get nothing."""
    emailable = and_(
        Invitation.survey_id == survey_id,
        Invitation.email.is_not(None),
        ~_invitation_emailed(),
    )
    return Session.scalar(select(func.count()).where(emailable)) or 0


def reminders_to_send(survey_id: int) -> int:
    """The most people the reminders button emails: everyone with an address who was
    sent an invitation email. Those who have answered, have had the most reminders or
    have an email waiting get none; how many that leaves is not said (see above)."""
    reminded = and_(
        Invitation.survey_id == survey_id,
        Invitation.email.is_not(None),
        Invitation.sent_at.is_not(None),
    )
    return Session.scalar(select(func.count()).where(reminded)) or 0


def queue_invitations(survey_id: int, now: dt.datetime | None = None) -> int:
    """Queue one invitation email per invited person who has an address, has not answered,
    and has no invitation email pending or sent yet. Returns the number queued.

    Each gets a fresh token, which becomes the invitation's link at once (see the module
    docstring). Only for an open survey; a survey that opens later (`opens_at`) gets its
    invitations sent from that moment.
    """
    now = now or utcnow()
    survey = get_survey(survey_id)
    _require_accepting(survey, now, "invitations")
    invitations = Session.scalars(
        select(Invitation).where(_invitations_due(survey.id)).order_by(Invitation.id)
    ).all()
    send_from = max(now, survey.opens_at) if survey.opens_at is not None else now
    for invitation in invitations:
        raw, digest = new_token()
        Session.add(InvitationToken(token_sha256=digest, invitation_id=invitation.id))
        _add_pending(invitation.id, MessageKind.INVITATION, raw, send_from, now)
    Session.flush()
    return len(invitations)


def queue_new_link(survey_id: int, email: str, now: dt.datetime | None = None) -> None:
    """Send one person a new link by email, to their own address (for someone who lost
    theirs): the link is added to their earlier ones, which keep working.

    Staff never see the link, and the outcome does not say whether the person has
    answered: a message is queued for an invited address whether they answered or not (the
    worker deletes it unsent for someone who has, as for any pointless message), and
    nothing is queued when an email to them is already waiting (it carries a link).
    DomainError when the address is not invited to this survey; Conflict when the survey
    is not open.
    """
    now = now or utcnow()
    survey = get_survey(survey_id)
    _require_accepting(survey, now, "links")
    address = normalize_email(email)
    invitation = Session.scalar(
        select(Invitation).where(Invitation.survey_id == survey.id, Invitation.email == address)
    )
    if invitation is None:
        raise DomainError(_("%(email)s is not invited to this survey.", email=address))
    pending = Session.scalar(
        select(
            exists().where(
                OutboxMessage.invitation_id == invitation.id, OutboxMessage.status == PENDING
            )
        )
    )
    if pending:
        return
    raw, digest = new_token()
    Session.add(InvitationToken(token_sha256=digest, invitation_id=invitation.id))
    send_from = max(now, survey.opens_at) if survey.opens_at is not None else now
    _add_pending(invitation.id, MessageKind.INVITATION, raw, send_from, now)
    Session.flush()


def queue_reminders(
    survey_id: int,
    now: dt.datetime | None = None,
    *,
    max_reminders: int | None = None,
    last_emailed_before: dt.datetime | None = None,
) -> int:
    """Queue a reminder for each person who was sent an invitation, has not answered, has
    had fewer than `max_reminders` reminders (config OUTBOX_MAX_REMINDERS) and has no email
    pending. Returns the number queued. The reminder count rises when a reminder is sent.
    With `last_emailed_before` (a cadence: app.worker.schedule), only people whose last
    invitation or reminder went out before that moment.
    """
    now = now or utcnow()
    survey = get_survey(survey_id)
    _require_accepting(survey, now, "reminders")
    if survey.opens_at is not None and now < survey.opens_at:
        raise Conflict(
            _("Survey %(id)s has not opened yet; there is nothing to remind of.", id=survey.id)
        )
    limit = max_reminders if max_reminders is not None else _settings(None).max_reminders
    invitation_ids = Session.scalars(
        select(Invitation.id)
        .where(
            _reminders_due(survey.id, limit),
            *(
                ()
                if last_emailed_before is None
                else (
                    func.coalesce(Invitation.reminded_at, Invitation.sent_at)
                    <= last_emailed_before,
                )
            ),
        )
        .order_by(Invitation.id)
    ).all()
    for invitation_id in invitation_ids:
        raw, _digest = new_token()  # the hash is stored when the reminder is sent
        _add_pending(invitation_id, MessageKind.REMINDER, raw, now, now)
    Session.flush()
    return len(invitation_ids)


def queue_test_email(
    survey_id: int, kind: str, language: str, recipient: str, now: dt.datetime | None = None
) -> OutboxMessage:
    """Queue a test send of the survey's invitation or reminder email, in one of its
    instrument's languages, to a staff member's own address (the signed-in admin's). Its
    link is the preview's placeholder, never a participant's; it goes out in any state of
    the survey. DomainError for another kind or language, or a bad address."""
    now = now or utcnow()
    survey = get_survey(survey_id)
    _check_preview(survey, kind, language)
    message = OutboxMessage(
        kind=MessageKind.TEST.value,
        recipient=normalize_email(recipient),
        payload={"survey_id": survey.id, "email": kind, "language": language},
        status=PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    Session.add(message)
    Session.flush()
    return message


def _check_preview(survey: Survey, kind: str, language: str) -> None:
    if kind not in PARTICIPANT_KINDS:
        raise DomainError(
            _(
                "%(kind)s is not an email of a survey (invitation or reminder).",
                kind=repr(kind),
            )
        )
    languages = document_of(survey.instrument_version).languages
    if language not in languages:
        raise DomainError(
            _(
                "%(language)s is not a language of this survey (%(languages)s).",
                language=repr(language),
                languages=", ".join(languages),
            )
        )


def _add_pending(
    invitation_id: int, kind: MessageKind, raw_token: str, send_at: dt.datetime, now: dt.datetime
) -> None:
    """A pending message carrying the raw token, to be sent from `send_at`."""
    Session.add(
        OutboxMessage(
            invitation_id=invitation_id,
            kind=kind.value,
            status=PENDING,
            raw_token=raw_token,
            next_attempt_at=send_at,
            created_at=now,
        )
    )


# --- email content ------------------------------------------------------------------------


def email_language(requested: str) -> str:
    """The template language for a survey language: itself, its primary language, or
    English."""
    if requested in EMAIL_LANGUAGES:
        return requested
    primary = requested.split("-")[0].split("_")[0].lower()
    return primary if primary in EMAIL_LANGUAGES else FALLBACK_LANGUAGE


def format_closing(closes_at: dt.datetime, language: str) -> str:
    moment = closes_at.astimezone(dt.UTC)
    return f"{format_date(moment.date(), 'long', locale=language)}, {moment:%H:%M} UTC"


@dataclass(frozen=True)
class RenderedEmail:
    """An email's subject and its two parts, plain text and HTML; and the HTML body's
    paragraphs and footer lines (for the admin preview, email/_body.html)."""

    subject: str
    text: str
    html: str
    paragraphs: list[list[tuple[str, bool]]]
    footer: list[str]


def organisation_context() -> dict[str, str | None]:
    """The organisation's name and contact for every email (None while unset)."""
    profile = organisation_profile()
    return {
        "organisation": profile.name if profile else None,
        "contact": profile.contact if profile else None,
    }


def render_email(kind: str, language: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Every email's one rendering path.

    app/templates/email/<kind>.<language>.txt (or <kind>.txt, translated through the
    catalogs) gives the subject (its first line,
    "Subject: ...") and the text (after a blank line); email/footer.<language>.txt adds
    the organisation's name and contact (settings) to every email; email/message.html
    makes the HTML part of that same text, escaped by Jinja, with each line that is a
    link alone made a link. The text templates are not HTML and escape nothing.
    """
    values = {**organisation_context(), **context}
    env = current_app.jinja_env
    # An email written per language (the participants'), else one whose text comes from
    # the catalogs (the staff's: rendered under force_locale in the recipient's language).
    template = env.select_template([f"email/{kind}.{language}.txt", f"email/{kind}.txt"])
    name = template.name or kind
    rendered = template.render(**values)
    head, _blank, body = rendered.partition("\n\n")
    if not head.startswith("Subject:"):
        raise RuntimeError(f"{name} must start with a Subject: line")
    subject = " ".join(head.removeprefix("Subject:").split())  # one line, whatever the title
    body = body.strip()
    footer = env.get_template(f"email/footer.{language}.txt").render(**values).strip()
    text = body + "\n" + (f"\n-- \n{footer}\n" if footer else "")
    paragraphs, footer_lines = _paragraphs(body), footer.splitlines()
    html = env.get_template("email/message.html").render(
        subject=subject, language=language, paragraphs=paragraphs, footer=footer_lines
    )
    return RenderedEmail(subject, text, html, paragraphs, footer_lines)


def _paragraphs(text: str) -> list[list[tuple[str, bool]]]:
    """Paragraphs (split at blank lines) of lines, each with whether it is a link alone."""
    return [
        [(line, _is_link(line)) for line in block.splitlines()]
        for block in text.split("\n\n")
        if block.strip()
    ]


def _is_link(line: str) -> bool:
    return line.startswith(("https://", "http://")) and not any(c.isspace() for c in line)


# The link of a preview and of a test send: a survey page address that opens nothing.
PLACEHOLDER_TOKEN = "example-link-not-a-real-one"  # noqa: S105 (no secret: a placeholder)


def survey_email(
    survey: Survey, kind: str, requested_language: str | None, link: str
) -> tuple[str, RenderedEmail]:
    """A survey's invitation or reminder in the language a person asked for (or the
    nearest one with templates), with `link`; returns (language, email)."""
    document = document_of(survey.instrument_version)
    survey_language = document.resolve_language(requested_language)
    language = email_language(survey_language)
    context = {
        "title": document.text(document.title, survey_language),
        "survey_title": survey.title,
        "link": link,
        "k": survey.k_scores,
        "closes_at": format_closing(survey.closes_at, language) if survey.closes_at else None,
    }
    return language, render_email(kind, language, context)


def preview_email(
    survey_id: int, kind: str, language: str, *, settings: OutboxSettings | None = None
) -> RenderedEmail:
    """The survey's invitation or reminder as a participant reading `language` would get
    it, with the placeholder link. DomainError for another kind or language."""
    survey = get_survey(survey_id)
    _check_preview(survey, kind, language)
    link = survey_link(_settings(settings).public_base_url, PLACEHOLDER_TOKEN)
    return survey_email(survey, kind, language, link)[1]


def preview_languages(survey_id: int) -> list[str]:
    """The languages of the survey's instrument, in its order."""
    return list(document_of(get_survey(survey_id).instrument_version).languages)


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    invitation_id: int | None  # None: to a staff member
    kind: str
    token_sha256: str | None
    email: EmailMessage


# A staff message's content by kind: (template, context) from the message. It is built and
# rendered in the recipient's language (their account's setting), so its text may be
# translated with gettext.
StaffEmail = Callable[[OutboxMessage, OutboxSettings], tuple[str, Mapping[str, Any]]]
STAFF_EMAILS: dict[str, StaffEmail] = {}
# Why a staff message of a kind has become pointless (deleted unsent), or None.
StaffEmailCheck = Callable[[OutboxMessage, dt.datetime], str | None]
STAFF_EMAIL_CHECKS: dict[str, StaffEmailCheck] = {}


def register_staff_email(
    kind: str, content: StaffEmail, pointless: StaffEmailCheck | None = None
) -> None:
    """Declare how messages of `kind` to staff (the account emails) are built: the
    template (email/<template>.txt, its text through the catalogs) and its context, both in
    the recipient's language. They are rendered by `render_email` like every other email,
    footer and HTML part included.
    `pointless` says why a message of the kind should no longer go (a link that was used
    or has expired), or None."""
    STAFF_EMAILS[kind] = content
    if pointless is not None:
        STAFF_EMAIL_CHECKS[kind] = pointless


def compose(
    message: OutboxMessage, invitation: Invitation | None, settings: OutboxSettings
) -> EmailMessage:
    """The email for a pending message: a participant's (its link holds the message's
    raw token), a test send, or a staff email of a registered kind."""
    if invitation is not None:
        assert message.raw_token is not None and invitation.email is not None
        link = survey_link(settings.public_base_url, message.raw_token)
        language, email = survey_email(invitation.survey, message.kind, invitation.language, link)
        recipient = invitation.email
    else:
        assert message.recipient is not None
        recipient = message.recipient
        if message.kind == MessageKind.TEST.value:
            language, email = _test_email(message, settings)
        else:
            language = staff_language(recipient)
            with force_locale(language):
                template, context = STAFF_EMAILS[message.kind](message, settings)
                email = render_email(template, language, context)
    return build_message(
        sender=settings.mail.sender,
        recipient=recipient,
        subject=email.subject,
        body=email.text,
        html=email.html,
        language=language,
    )


def _test_email(message: OutboxMessage, settings: OutboxSettings) -> tuple[str, RenderedEmail]:
    payload = message.payload or {}
    survey = get_survey(int(payload["survey_id"]))
    link = survey_link(settings.public_base_url, PLACEHOLDER_TOKEN)
    language, email = survey_email(survey, str(payload["email"]), payload.get("language"), link)
    return language, replace(email, subject=f"[Test] {email.subject}")


# --- delivery (commits: a worker, not part of a unit of work) -----------------------------


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    released: int = 0

    def __str__(self) -> str:
        parts = [f"{self.sent} sent", f"{self.retrying} to retry", f"{self.failed} failed"]
        if self.dropped:
            parts.append(f"{self.dropped} dropped (answered, closed or over the limit)")
        if self.released:
            parts.append(f"{self.released} left for later")
        return f"{self.claimed} claimed: " + ", ".join(parts)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _free_and_due(now: dt.datetime) -> Any:
    return and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


def claim_due(
    batch_size: int, now: dt.datetime, worker: str, settings: OutboxSettings
) -> list[int]:
    """Lease up to `batch_size` due messages to `worker`; commits. Returns their ids."""
    begin_write_transaction()
    candidates = Session.scalars(
        select(OutboxMessage.id)
        .where(_free_and_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    claimed: set[int] = set()
    if candidates:
        claimed = set(
            Session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates), _free_and_due(now))
                .values(claimed_by=worker, claimed_until=now + settings.lease)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
    Session.commit()
    return [message_id for message_id in candidates if message_id in claimed]


def deliver_pending(
    batch_size: int = 50,
    now: dt.datetime | None = None,
    *,
    settings: OutboxSettings | None = None,
    worker: str | None = None,
) -> BatchReport:
    """Claim up to `batch_size` due messages and send them; returns what happened.

    Commits its own short transactions (see the module docstring), so call it with no
    unit of work in progress: unflushed changes are refused.
    """
    if Session.new or Session.dirty or Session.deleted:
        raise RuntimeError("deliver_pending commits; flush and commit your own work first")
    settings = _settings(settings)
    start, started = now or utcnow(), time.monotonic()
    worker = worker or new_worker_id()

    def clock() -> dt.datetime:
        # A `now` given by the caller stands for the whole batch (a scheduler, a test).
        return now or utcnow()

    def lease_left() -> dt.timedelta:
        return settings.lease - dt.timedelta(seconds=time.monotonic() - started)

    Session.commit()
    claimed = claim_due(batch_size, start, worker, settings)
    report = BatchReport(claimed=len(claimed))
    with Mailer(settings.mail) as mailer:
        for index, message_id in enumerate(claimed):
            if lease_left() < settings.lease_margin:
                report.released += _release(claimed[index:], worker)
                break
            try:
                outgoing = _prepare(message_id, worker, clock(), settings)
                if outgoing is None:
                    report.dropped += 1
                    continue
                mailer.send(outgoing.email)
            except MailError as error:
                # No session at all: the rest of the batch cannot go either.
                failing = claimed[index:] if error.connection else [message_id]
                for failing_id in failing:
                    outcome = _record_failure(failing_id, worker, clock(), error, settings)
                    if outcome == FAILED:
                        report.failed += 1
                    elif outcome == PENDING:
                        report.retrying += 1
                if error.connection:
                    break
                continue
            _record_sent(outgoing, worker, clock())
            report.sent += 1
    return report


def _prepare(
    message_id: int, worker: str, now: dt.datetime, settings: OutboxSettings
) -> Outgoing | None:
    """Load a claimed message and build its email, or delete it when it has become
    pointless (None); MailError when the email cannot be built. Holds no transaction open
    on return."""
    # Fresh rows: the session may hold older copies from an earlier batch.
    row = Session.execute(
        select(OutboxMessage, Invitation, Survey)
        .outerjoin(Invitation, OutboxMessage.invitation_id == Invitation.id)
        .outerjoin(Survey, Invitation.survey_id == Survey.id)
        .where(OutboxMessage.id == message_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or row[0].claimed_by != worker or row[0].status != PENDING:
        Session.commit()
        return None
    message, invitation, _survey = row
    reason = _pointless(message, invitation, now, settings)
    if reason is None:
        try:
            email = compose(message, invitation, settings)
        except Exception as exc:  # a broken template or document: retried, with backoff
            Session.rollback()
            raise MailError(f"cannot compose: {type(exc).__name__}") from None
        digest = token_sha256(message.raw_token) if message.raw_token is not None else None
        outgoing = Outgoing(message.id, message.invitation_id, message.kind, digest, email)
        Session.commit()  # ends the read transaction before talking to the SMTP server
        return outgoing
    Session.commit()
    begin_write_transaction()
    Session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .execution_options(synchronize_session=False)
    )
    Session.commit()
    log.info("outbox message %d dropped: %s", message_id, reason)
    return None


def _pointless(
    message: OutboxMessage,
    invitation: Invitation | None,
    now: dt.datetime,
    settings: OutboxSettings,
) -> str | None:
    if invitation is None:
        if message.recipient is None:  # impossible (check constraint)
            return "no address"
        if message.kind == MessageKind.TEST.value:
            survey_id = (message.payload or {}).get("survey_id")
            if survey_id is None or Session.get(Survey, survey_id) is None:
                return "the survey is gone"
        check = STAFF_EMAIL_CHECKS.get(message.kind)
        return check(message, now) if check is not None else None
    survey = invitation.survey
    if survey.state != SurveyState.OPEN.value or (
        survey.closes_at is not None and now >= survey.closes_at
    ):
        return "the survey is closed"
    if invitation.email is None:
        return "no address"
    if invitation.responded:
        return "already answered"
    if message.kind == MessageKind.REMINDER.value and (
        invitation.reminder_count >= settings.max_reminders
    ):
        return "reminder limit reached"
    if message.raw_token is None:  # impossible (check constraint); never send a dead link
        return "no token"
    return None


def _record_sent(outgoing: Outgoing, worker: str, now: dt.datetime) -> None:
    """Right after the SMTP server accepted the message: mark it sent, forget its token,
    add its link to the invitation's (the earlier ones keep working), and count it."""
    begin_write_transaction()
    marked: CursorResult[Any] = Session.execute(  # type: ignore[assignment]
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outgoing.message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == PENDING,
        )
        .values(
            status=SENT,
            raw_token=None,
            recipient=None,
            sent_at=now,
            attempts=OutboxMessage.attempts + 1,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if outgoing.invitation_id is not None:
        _record_sent_to_participant(outgoing, now)
    Session.commit()
    if marked.rowcount != 1:
        # Only when sending outlasted the lease, which the lease margin prevents.
        log.warning("outbox message %d was sent after its lease ran out", outgoing.message_id)
    else:
        log.info("outbox message %d sent (%s)", outgoing.message_id, outgoing.kind)


def _record_sent_to_participant(outgoing: Outgoing, now: dt.datetime) -> None:
    assert outgoing.invitation_id is not None and outgoing.token_sha256 is not None
    add_link(outgoing.invitation_id, outgoing.token_sha256)
    values: dict[str, Any] = {}
    if outgoing.kind == MessageKind.INVITATION.value:
        values["sent_at"] = func.coalesce(Invitation.sent_at, now)
    else:
        values["reminder_count"] = Invitation.reminder_count + 1
        values["reminded_at"] = now
    Session.execute(
        update(Invitation)
        .where(Invitation.id == outgoing.invitation_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _record_failure(
    message_id: int, worker: str, now: dt.datetime, error: MailError, settings: OutboxSettings
) -> str | None:
    """Count a failed attempt: retry later, or give up. Returns the new status (None if
    the message is no longer this worker's)."""
    begin_write_transaction()
    message = Session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.claimed_by != worker or message.status != PENDING:
        Session.commit()
        return None
    message.attempts += 1
    message.last_error = error.summary[:200]
    message.claimed_by = None
    message.claimed_until = None
    if error.permanent or message.attempts >= settings.max_attempts:
        message.status = FAILED
        message.raw_token = None
        message.recipient = None
    else:
        message.next_attempt_at = now + backoff(message.attempts, settings)
    status, attempts, retry_at = message.status, message.attempts, message.next_attempt_at
    Session.commit()
    if status == FAILED:
        log.warning(
            "outbox message %d failed for good after %d attempt(s): %s",
            message_id,
            attempts,
            error.summary,
        )
    else:
        log.info(
            "outbox message %d not sent (attempt %d: %s); next attempt at %s",
            message_id,
            attempts,
            error.summary,
            retry_at.isoformat(timespec="seconds"),
        )
    return status


def _release(message_ids: Sequence[int], worker: str) -> int:
    begin_write_transaction()
    Session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    Session.commit()
    return len(message_ids)
