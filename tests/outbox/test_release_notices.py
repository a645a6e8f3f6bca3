"""Release notices: a published release queues an email to every active HR user and to the
managers of the survey's teams, with a link to their view and no figure; sent by the outbox
to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.auth.models import Role
from app.org.models import Team
from app.outbox.models import OutboxMessage
from app.outbox.services import deliver_pending
from app.reports.notices import RELEASE_NOTICE
from app.reports.releases import close_with_final_release, publish_release
from app.surveys.models import Survey
from tests.outbox.conftest import SmtpServer


def _notices(db: Any) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == RELEASE_NOTICE)
            .order_by(OutboxMessage.id)
        )
    )


def test_the_final_release_emails_hr_and_the_survey_managers_links_without_figures(
    db_session: Any,
    people_survey: Survey,
    mail_server: SmtpServer,
    make_user: Any,
    make_team: Any,
) -> None:
    make_team("Marketing")  # not in the survey
    make_user("hr@example.org", Role.HR)
    gone = make_user("former-hr@example.org", Role.HR)
    gone.is_active = False
    make_user("admin@example.org", Role.ADMIN)
    make_user("lead@example.org", Role.MANAGER, ["Engineering"])
    make_user("elsewhere@example.org", Role.MANAGER, ["Marketing"])
    db_session.commit()

    release = close_with_final_release(people_survey.id, actor=None)
    db_session.commit()
    notices = _notices(db_session)
    assert sorted(n.recipient for n in notices) == ["hr@example.org", "lead@example.org"]
    engineering = db_session.scalar(select(Team.id).where(Team.path == "Engineering"))
    for notice in notices:
        # The row holds where to look, never a number of the release.
        assert set(notice.payload) == {"survey_id", "release", "final", "teams"}
        assert notice.payload["release"] == release.number and notice.payload["final"]
    lead = next(n for n in notices if n.recipient == "lead@example.org")
    assert lead.payload["teams"] == [engineering]

    report = deliver_pending(batch_size=10)
    assert (report.sent, report.failed) == (2, 0)
    received = {r.rcpt_tos[0]: r for r in mail_server.received}
    assert sorted(received) == ["hr@example.org", "lead@example.org"]
    base = f"http://survey.test/reports/surveys/{people_survey.id}"
    hr_mail, lead_mail = received["hr@example.org"], received["lead@example.org"]
    assert hr_mail.subject == 'Final results of "Spring wave" are published'
    assert f"{base}/\r\n" in hr_mail.body
    assert f"{base}/teams/{engineering}\r\n" in lead_mail.body
    assert "Engineering:" in lead_mail.body
    for mail in (hr_mail, lead_mail):
        assert not re.search(r"\d[.,]\d", mail.body), "no figure in a release notice"
        assert "/s/" not in mail.body  # no survey link of anyone
    # Sent: the outbox forgets the addresses.
    db_session.expire_all()
    assert {(n.status, n.recipient) for n in _notices(db_session)} == {("sent", None)}


def test_the_demo_can_publish_without_notices(
    db_session: Any, people_survey: Survey, make_user: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    publish_release(people_survey, actor=None, final=True, notify=False)
    db_session.commit()
    assert _notices(db_session) == []
