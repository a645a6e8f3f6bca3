"""The password rule: at least 12 characters that zxcvbn cannot guess quickly, none built on
the account's email; stated on every form that sets a password, one message everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.auth.models import StaffUser
from app.auth.passwords import PASSWORD_RULE, check_password_strength
from app.errors import DomainError
from tests.admin.conftest import page_text, submit

EMAIL = "ana.lopez@example.org"

WEAK = {
    "short one": "at least 12 characters",
    "aaaaaaaaaaaa": 'Repeats like "aaa"',
    "123456789012": "too easy to guess",
    "password1234": "very common password",
    "qwertyuiop[]": "rows of keys",
    "iloveyou2024": "too easy to guess",
    EMAIL: "built on the account's email",
    "AnaLopez2027!": "built on the account's email",
    "ana-lopez-42-x": "built on the account's email",
    "lopezexample": "built on the account's email",
}
STRONG = ["correct horse battery", "a much longer secret 42", "Summer2024!! at the lake"]


@pytest.mark.parametrize("password", sorted(WEAK))
def test_weak_passwords_are_refused_saying_why(password: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_password_strength(password, EMAIL)
    assert WEAK[password] in refused.value.message


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_pass(password: str) -> None:
    check_password_strength(password, EMAIL)


def test_a_very_long_password_is_judged_on_its_start_quickly() -> None:
    check_password_strength("correct horse battery " * 40, EMAIL)
    with pytest.raises(DomainError):
        check_password_strength("a" * 1024, EMAIL)


def test_the_admin_forms_state_the_rule_and_refuse_a_weak_password(
    client: Any, auth: Any, make_user: Any, db_session: Any
) -> None:
    make_user("admin@example.org")
    auth.login("admin@example.org")
    assert str(PASSWORD_RULE) in page_text(client.get("/admin/users/new"))
    weak = EMAIL
    data = {"email": EMAIL, "role": "hr", "teams": "", "password": weak, "password_again": weak}
    response = submit(client, "/admin/users/new", data)
    assert response.status_code == 400
    assert "built on the account's email address" in page_text(response)
    count = select(func.count()).select_from(StaffUser).where(StaffUser.email == EMAIL)
    assert db_session.scalar(count) == 0
    hr = make_user("hr@example.org", "hr")
    assert str(PASSWORD_RULE) in page_text(client.get(f"/admin/users/{hr.id}/password"))


def test_the_cli_refuses_a_common_password(runner: FlaskCliRunner, db_session: Any) -> None:
    result = runner.invoke(args=["create-admin", "root@example.org", "--password", "password1234"])
    assert result.exit_code == 1
    assert "very common password" in result.output
    assert db_session.scalar(select(func.count()).select_from(StaffUser)) == 0
