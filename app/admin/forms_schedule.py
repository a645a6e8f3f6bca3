"""Forms of the survey schedule page: when the survey opens and closes, its reminder
cadence, and the interim releases the worker publishes.

The forms check the shape of what was typed (numbers, in range); the rules that compare
times (a close after the opening, a cadence that fits the survey, times not passed) are
the service's (app.worker.services), one message each.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.admin.forms_surveys import DATETIME_FORMAT
from app.forms_base import SafeForm
from app.worker.services import MAX_REMIND_AFTER_DAYS, MAX_REMINDERS


class ScheduleForm(SafeForm):
    opens_at = DateTimeLocalField(
        _l("Opens at (UTC)"),
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description=_l("A date and time in UTC, not your local time. Optional."),
    )
    open_automatically = BooleanField(
        _l("Open the survey at this time and email the invitations"),
        description=_l(
            "The worker opens the draft at the opening time and queues every "
            "participant's invitation. Without this, open it yourself."
        ),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (UTC)"),
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description=_l(
            "The worker closes the survey at this time and publishes its final "
            "release. Optional; it must come after the opening."
        ),
    )
    remind_after_days = IntegerField(
        _l("Remind after (days)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_REMIND_AFTER_DAYS,
                message=_l(
                    "Give a whole number of days from 1 to %(max)s.", max=MAX_REMIND_AFTER_DAYS
                ),
            ),
        ],
        description=_l(
            "Those who have not answered get a reminder this many days after their "
            "last email. Empty: no reminders on a cadence."
        ),
    )
    max_reminders = IntegerField(
        _l("At most this many reminders per person"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_REMINDERS,
                message=_l("Give a whole number from 0 to %(max)s.", max=MAX_REMINDERS),
            ),
        ],
        description=_l("Empty: the installation's setting (OUTBOX_MAX_REMINDERS)."),
    )


class ScheduledReleaseForm(SafeForm):
    publish_at = DateTimeLocalField(
        _l("Publish an interim release at (UTC)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired(message=_l("Give a date and time."))],
        description=_l("While the survey is open; the close publishes the final release."),
    )


class CancelReleaseForm(SafeForm):
    """A button: cancel one scheduled release (its id is in the URL)."""
