"""An action plan: a team of a survey (the wave whose release motivated it), one to three
focus areas (dimension keys of the survey's instrument version) and its actions.

Plans hold staff decisions, never anything of a respondent: no response, answer or
invitation is referred to, and nothing here is personal beyond the staff accounts that
created a plan or own an action (accounts are deactivated, not deleted, so an action keeps
its owner).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import StaffUser
from app.db import Base, UTCDateTime, utcnow
from app.i18n import N_, _
from app.org.models import Team
from app.surveys.models import Survey

MAX_FOCUS_AREAS = 3
MAX_ACTION_TEXT = 500
MAX_NOTES = 4000


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The status in the reader's language ("In progress", "En curso")."""
        return _(STATUS_LABELS[self])


# Each status's name, marked for the catalog and translated when shown.
STATUS_LABELS = {
    ActionStatus.PLANNED: N_("Planned"),
    ActionStatus.IN_PROGRESS: N_("In progress"),
    ActionStatus.DONE: N_("Done"),
    ActionStatus.DROPPED: N_("Dropped"),
}


# Actions nobody needs reminding of.
FINISHED = (ActionStatus.DONE.value, ActionStatus.DROPPED.value)


class ActionPlan(Base):
    """A team's plan, made from a release of `survey`."""

    __tablename__ = "action_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting a survey deletes the plans made from it (everything derived from a wave goes).
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()
    team: Mapped[Team] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()
    focus_areas: Mapped[list[PlanFocus]] = relationship(
        order_by="PlanFocus.position", cascade="all, delete-orphan", passive_deletes=True
    )
    actions: Mapped[list[PlanAction]] = relationship(
        order_by="PlanAction.id",
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def focus_keys(self) -> list[str]:
        return [focus.dimension_key for focus in self.focus_areas]

    def __repr__(self) -> str:
        return f"<ActionPlan {self.id} survey {self.survey_id} team {self.team_id}>"


class PlanFocus(Base):
    """One focus area of a plan: a dimension of the survey's instrument version."""

    __tablename__ = "plan_focus"
    __table_args__ = (
        CheckConstraint(f"position BETWEEN 1 AND {MAX_FOCUS_AREAS}", name="position"),
    )

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("action_plan.id", ondelete="CASCADE"), primary_key=True
    )
    dimension_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class PlanAction(Base):
    """One action of a plan: what, who (a staff user), by when, how far along."""

    __tablename__ = "plan_action"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("action_plan.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(MAX_ACTION_TEXT))
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PLANNED.value)
    notes: Mapped[str | None] = mapped_column(Text)
    # The due date the owner's reminder was queued for: one reminder per action and due
    # date (a new due date earns a new reminder).
    reminded_for: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="actions")
    owner: Mapped[StaffUser] = relationship()

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    def __repr__(self) -> str:
        return f"<PlanAction {self.id} of plan {self.plan_id} {self.status}>"
