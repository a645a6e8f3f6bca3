"""What the audit page calls each recorded action and object type, in the reader's
language. The stored keys ("survey.open") never change: they are what the filters match
and what exports of the log hold; only the words shown beside them are translated. An
action recorded by a feature added later, and not named here, is shown by its key alone.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "email.queue_invitations": _l("Invitation emails queued"),
    "email.queue_link": _l("New link emailed to one person"),
    "email.queue_reminders": _l("Reminder emails queued"),
    "email.test": _l("Test email sent"),
    "instrument.publish": _l("Instrument version published"),
    "links.download": _l("Links file downloaded"),
    "participant.add": _l("Participant added"),
    "participant.remove": _l("Participant removed"),
    "participants.import": _l("Participants imported"),
    "participants.queue": _l("Participants file queued"),
    "plan.action.create": _l("Action added to a plan"),
    "plan.action.status": _l("Action status changed"),
    "plan.action.update": _l("Action changed"),
    "plan.create": _l("Action plan created"),
    "plan.export": _l("Action plans exported"),
    "plan.update": _l("Action plan changed"),
    "release.publish": _l("Results release published"),
    "release.schedule": _l("Interim release scheduled"),
    "release.unschedule": _l("Scheduled release cancelled"),
    "report.export": _l("Report exported"),
    "report.view": _l("Report viewed"),
    "retention.audit": _l("Old audit events deleted"),
    "retention.comments": _l("Old comments deleted"),
    "retention.responses": _l("Old responses deleted"),
    "settings.organisation": _l("Organisation settings saved"),
    "summary.link": _l("Employee results link made"),
    "summary.publish": _l("Results shared with employees"),
    "survey.archive": _l("Survey archived"),
    "survey.close": _l("Survey closed"),
    "survey.create": _l("Survey created"),
    "survey.delete": _l("Survey deleted"),
    "survey.open": _l("Survey opened"),
    "survey.pilot": _l("Pilot mark changed"),
    "survey.schedule": _l("Schedule saved"),
    "survey.update": _l("Survey settings saved"),
    "user.create": _l("Staff account created"),
    "user.deactivate": _l("Staff account deactivated"),
    "user.invite": _l("Staff account created and invited"),
    "user.invite_again": _l("Set-password link emailed again"),
    "user.language": _l("Own interface language changed"),
    "user.lift_sign_in_pause": _l("Sign-in pause lifted"),
    "user.link_sso": _l("Single sign-on linked"),
    "user.password_change": _l("Own password changed"),
    "user.password_reset": _l("Password set by an admin"),
    "user.password_reset_request": _l("Password reset requested"),
    "user.password_set": _l("Password set from an emailed link"),
    "user.reactivate": _l("Staff account reactivated"),
    "user.unlink_sso": _l("Single sign-on link forgotten"),
    "user.update": _l("Role and teams saved"),
}

OBJECT_TYPE_LABELS = {
    "action_plan": _l("action plan"),
    "instrument": _l("instrument"),
    "organisation": _l("organisation"),
    "plan_action": _l("plan action"),
    "staff_user": _l("staff account"),
    "survey": _l("survey"),
}


def action_label(action: str) -> str | None:
    """The words for a stored action key, or None when it has none (shown as its key)."""
    label = ACTION_LABELS.get(action)
    return None if label is None else str(label)


def object_type_label(object_type: str) -> str:
    """The words for a stored object type (its key with spaces when it has none)."""
    label = OBJECT_TYPE_LABELS.get(object_type)
    return object_type.replace("_", " ") if label is None else str(label)
