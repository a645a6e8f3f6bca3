"""Every model, imported once so that `Base.metadata` is complete (Alembic, create_all)."""

from app.audit.models import AuditEvent
from app.auth.models import (
    LinkPurpose,
    PasswordLink,
    Role,
    StaffSession,
    StaffUser,
    staff_team_scope,
)
from app.ballots.models import Ballot
from app.instruments.models import Instrument, InstrumentVersion
from app.org.models import Team
from app.outbox.models import OutboxMessage
from app.plans.models import ActionPlan, PlanAction, PlanFocus
from app.reports.models import Release
from app.sharing.models import EmployeeSummary
from app.surveys.models import (
    Invitation,
    Level,
    ParticipantImport,
    Survey,
    SurveyState,
    survey_team,
)
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response
from app.worker.models import ScheduledRelease, WorkerHeartbeat

__all__ = [
    "ActionPlan",
    "Answer",
    "AuditEvent",
    "Ballot",
    "Comment",
    "DimensionScore",
    "EmployeeSummary",
    "FamilyScore",
    "Instrument",
    "InstrumentVersion",
    "Invitation",
    "Level",
    "LinkPurpose",
    "OutboxMessage",
    "ParticipantImport",
    "PasswordLink",
    "PlanAction",
    "PlanFocus",
    "Release",
    "Response",
    "Role",
    "ScheduledRelease",
    "StaffSession",
    "StaffUser",
    "Survey",
    "SurveyState",
    "Team",
    "WorkerHeartbeat",
    "staff_team_scope",
    "survey_team",
]
