"""Staff emails go out in the recipient's language: their account's setting, else English.
Release notices and password emails, through the outbox to a real SMTP server (aiosmtpd);
the subject, the text part, the HTML part and the footer agree."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import Role, StaffUser
from app.auth.password_links import LinkLifetimes, duration_text, request_password_reset
from app.org.services import set_organisation_profile
from app.outbox.services import deliver_pending
from app.reports.releases import close_with_final_release
from app.surveys.models import Survey
from tests.outbox.conftest import SmtpServer


def _html(mail: Any) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_a_release_notice_reads_in_each_recipients_language(
    db_session: Any,
    people_survey: Survey,
    mail_server: SmtpServer,
    make_user: Any,
) -> None:
    make_user("hr@example.org", Role.HR)
    spanish = make_user("rrhh@example.org", Role.HR)
    spanish.language = "es"
    lead = make_user("lead@example.org", Role.MANAGER, ["Engineering"])
    lead.language = "es"
    db_session.commit()

    close_with_final_release(people_survey.id, actor=None)
    db_session.commit()
    report = deliver_pending(batch_size=10)
    assert (report.sent, report.failed) == (3, 0)
    received = {r.rcpt_tos[0]: r for r in mail_server.received}

    english = received["hr@example.org"]
    assert english.subject == 'Final results of "Spring wave" are published'
    assert english.body.startswith("Hello,")
    assert "the survey has closed and these are its final results" in english.body
    assert english.message["Content-Language"] in (None, "en")

    es = received["rrhh@example.org"]
    assert es.subject == "Se publicaron los resultados finales de «Spring wave»"
    assert es.body.startswith("Hola:")
    assert "la encuesta se cerró y estos son sus resultados finales" in es.body
    assert "Debe iniciar sesión para verla." in es.body
    assert "Hello" not in es.body and "Read it" not in es.body
    html = _html(es)
    assert '<html lang="es">' in html and "resultados finales" in html

    manager = received["lead@example.org"]
    assert "La vista de su equipo, con por dónde empezar:" in manager.body
    assert "Engineering:" in manager.body  # the team's name is data, as it is


def test_password_emails_follow_the_account_setting_and_the_footer_its_language(
    app: Flask, db_session: Any, mail_server: SmtpServer, make_user: Any
) -> None:
    set_organisation_profile("Acme", "people@acme.example")
    make_user("ana@example.org", Role.HR)
    beto = make_user("beto@example.org", Role.HR)
    beto.language = "es"
    db_session.commit()
    with app.test_request_context(headers={"Accept-Language": "es"}):
        # Asked from a Spanish browser, but Ana's account has no setting: English.
        request_password_reset("ana@example.org", lifetimes=LinkLifetimes())
        request_password_reset("beto@example.org", lifetimes=LinkLifetimes())
        db_session.commit()
    with app.app_context():
        report = deliver_pending(batch_size=10)
    assert report.failed == 0
    (ana,) = mail_server.handler.to("ana@example.org")
    (beto_mail,) = mail_server.handler.to("beto@example.org")
    assert ana.subject == "Set a new Mutuality password"
    assert "The link works once and for 1 hour." in ana.body
    assert "Sent on behalf of Acme." in ana.body
    assert beto_mail.subject == "Establezca una nueva contraseña de Mutuality"
    assert "El enlace funciona una sola vez y durante 1 hora." in beto_mail.body
    assert "Enviado en nombre de Acme." in beto_mail.body
    assert "Hello" not in beto_mail.body and "Sent on behalf" not in beto_mail.body


def test_a_language_the_interface_lacks_reads_english(
    app: Flask, db_session: Any, mail_server: SmtpServer, make_user: Any
) -> None:
    user = make_user("cleo@example.org", Role.ADMIN)
    user.language = "fr"
    db_session.commit()
    with app.test_request_context():
        request_password_reset("cleo@example.org", lifetimes=LinkLifetimes())
        db_session.commit()
    with app.app_context():
        deliver_pending(batch_size=10)
    (mail,) = mail_server.handler.to("cleo@example.org")
    assert mail.subject == "Set a new Mutuality password"
    assert db_session.scalar(select(StaffUser.language).where(StaffUser.id == user.id)) == "fr"


def test_link_lifetimes_read_as_the_language_writes_them(app: Flask) -> None:
    with app.test_request_context():
        assert [duration_text(m) for m in (60, 4320, 90, 1)] == [
            "1 hour",
            "72 hours",
            "90 minutes",
            "1 minute",
        ]
        with force_locale("es"):
            assert [duration_text(m) for m in (60, 4320, 90)] == [
                "1 hora",
                "72 horas",
                "90 minutos",
            ]
