"""The sign-in throttle: pauses per account and address that double, per address across
accounts, an administrator's lift; counted in memory or shared through Redis; and the
production server that refuses to multiply the limits."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role, StaffUser
from app.db import Base, make_engine
from app.security import (
    ACCOUNT_AT_ADDRESS,
    ADDRESS,
    MemoryCounts,
    SignInThrottle,
    lockout_message,
)
from config import ConfigError, load_config, new_ballot_key
from tests.admin.conftest import ADMIN, audit_events, page_text, page_token, submit
from tests.conftest import ROOT, TEST_PASSWORD, AuthActions, csrf_token_from

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
OWNER, OUTSIDER = "10.0.0.1", "203.0.113.66"


def redis_or_skip() -> str:
    """A Redis database for the test, or a skip (a failure when MUTUALITY_REQUIRE_REDIS=1,
    set by .ci/run)."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        missing = "Redis is not running on 127.0.0.1:6379"
        if os.environ.get("MUTUALITY_REQUIRE_REDIS") == "1":
            pytest.fail(f"MUTUALITY_REQUIRE_REDIS=1 but {missing}", pytrace=False)
        pytest.skip(f"shared sign-in counts not tested: {missing}")
    return REDIS_TEST_URL


@pytest.fixture
def redis_url() -> str:
    return redis_or_skip()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def throttle(request: pytest.FixtureRequest) -> Iterator[tuple[SignInThrottle, Clock]]:
    """A throttle on each storage, with a clock the test moves."""
    clock = Clock()
    uri = "memory://" if request.param == "memory" else redis_or_skip()
    made = SignInThrottle(uri, clock)
    made.reset()  # Redis database 15 is the tests' own
    yield made, clock
    made.reset()


def _fail(throttle: SignInThrottle, times: int, address: str, account: str) -> None:
    for _ in range(times):
        assert throttle.wait(address, account) == 0
        throttle.count_failure(address, account)


def test_the_pause_doubles_with_each_failure_up_to_an_hour(
    throttle: tuple[SignInThrottle, Clock],
) -> None:
    made, clock = throttle
    account = "target@example.org"
    _fail(made, ACCOUNT_AT_ADDRESS.free - 1, OWNER, account)
    assert made.wait(OWNER, account) == 0  # four mistypes: no pause
    made.count_failure(OWNER, account)
    pauses = []
    for _ in range(10):
        pauses.append(made.wait(OWNER, account))
        clock.now += pauses[-1]
        assert made.wait(OWNER, account) == 0
        made.count_failure(OWNER, account)
    assert pauses[:4] == [60, 120, 240, 480]
    assert pauses[-1] == ACCOUNT_AT_ADDRESS.max_pause == 3600
    assert made.wait(f" {OWNER} ".strip(), account.upper()) == 3600  # the same account


def test_an_outsider_pauses_an_account_only_for_their_own_address(
    throttle: tuple[SignInThrottle, Clock],
) -> None:
    made, clock = throttle
    account = "target@example.org"
    for _ in range(40):  # fails again each time the pause ends, as long as they like
        clock.now += made.wait(OUTSIDER, account)
        made.count_failure(OUTSIDER, account)
    assert made.wait(OUTSIDER, account) > 0
    assert made.wait(OWNER, account) == 0


def test_one_address_spraying_many_accounts_is_paused(
    throttle: tuple[SignInThrottle, Clock],
) -> None:
    made, _clock = throttle
    for n in range(ADDRESS.free):
        _fail(made, 1, OUTSIDER, f"user{n}@example.org")
    assert made.wait(OUTSIDER, "fresh@example.org") == ADDRESS.first_pause
    assert made.wait(OWNER, "fresh@example.org") == 0


def test_a_successful_sign_in_forgets_its_pair_only(
    throttle: tuple[SignInThrottle, Clock],
) -> None:
    made, _clock = throttle
    account = "target@example.org"
    _fail(made, 4, OWNER, account)
    _fail(made, 3, OUTSIDER, account)
    made.count_success(OWNER, account)
    _fail(made, 4, OWNER, account)  # four more mistypes: still no pause
    assert made.wait(OWNER, account) == 0
    counts = sorted((p.address, p.failures) for p in made.pauses(account))
    assert counts == [(OWNER, 4), (OUTSIDER, 3)]


def test_lifting_forgets_the_account_and_its_addresses(
    throttle: tuple[SignInThrottle, Clock],
) -> None:
    made, _clock = throttle
    account = "target@example.org"
    _fail(made, ACCOUNT_AT_ADDRESS.free, OWNER, account)
    for n in range(ADDRESS.free - ACCOUNT_AT_ADDRESS.free):
        _fail(made, 1, OWNER, f"other{n}@example.org")
    assert made.paused(account)
    assert made.wait(OWNER, "third@example.org") > 0  # the address too
    assert made.lift(account.upper()) == [OWNER]
    assert made.paused(account) == []
    assert made.wait(OWNER, account) == 0
    assert made.wait(OWNER, "third@example.org") == 0


def test_workers_share_the_counts_through_redis(redis_url: str) -> None:
    """Two throttles, as two gunicorn workers hold them: failures counted by either pause
    the account for both, and a lift by one holds for the other."""
    clock = Clock()
    first, second = SignInThrottle(redis_url, clock), SignInThrottle(redis_url, clock)
    first.reset()
    account = "target@example.org"
    for throttle in (first, second, first, second, first):
        assert throttle.wait(OWNER, account) == 0
        throttle.count_failure(OWNER, account)
    assert second.wait(OWNER, account) == 60
    assert first.wait(OWNER, account) == 60
    second.lift(account)
    assert first.wait(OWNER, account) == 0
    first.reset()


def test_counts_are_forgotten_a_day_after_the_last_failure() -> None:
    clock = Clock()
    made = SignInThrottle("memory://", clock)
    _fail(made, ACCOUNT_AT_ADDRESS.free, OWNER, "target@example.org")
    clock.now += ACCOUNT_AT_ADDRESS.forget_after + 1
    assert made.pauses("target@example.org") == []


# --- through the sign-in page -----------------------------------------------------------------


@pytest.fixture
def admin(auth: AuthActions, make_user: Any) -> StaffUser:
    """An admin, signed in through the login form."""
    user: StaffUser = make_user(ADMIN, Role.ADMIN)
    assert auth.login(ADMIN).status_code == 302
    return user


def login_from(client: FlaskClient, address: str, email: str, password: str) -> Any:
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ)
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data, environ_base=environ)


def test_the_sign_in_page_pauses_and_says_for_how_long(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    make_user("target@example.org", Role.HR)
    for _ in range(ACCOUNT_AT_ADDRESS.free):
        wrong = login_from(client, OUTSIDER, "target@example.org", "wrong password!")
        assert wrong.status_code == 401
    paused = login_from(client, OUTSIDER, "target@example.org", TEST_PASSWORD)
    assert paused.status_code == 429  # even the right password waits
    assert lockout_message(60) in page_text(paused)
    assert paused.headers["Retry-After"] == "60"
    owner = app.test_client()
    assert login_from(owner, OWNER, "target@example.org", TEST_PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user("often@example.org", Role.HR)
    for _ in range(12):
        assert auth.login("often@example.org").status_code == 302
        auth.logout()


def _pause_from_the_owners_address(app: Flask) -> FlaskClient:
    owner = app.test_client()
    for _ in range(ACCOUNT_AT_ADDRESS.free):
        login_from(owner, OWNER, "hr@example.org", "wrong password!")
    assert login_from(owner, OWNER, "hr@example.org", TEST_PASSWORD).status_code == 429
    return owner


def test_an_admin_lifts_a_pause_from_the_users_page(
    app: Flask, client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    owner = _pause_from_the_owners_address(app)
    assert "sign-in paused" in page_text(client.get("/admin/users/"))
    page = page_text(client.get(f"/admin/users/{hr.id}"))
    assert OWNER in page and "5 failed attempts; paused for 1 more minute" in page
    response = submit(client, f"/admin/users/{hr.id}/lift-pause", {}, f"/admin/users/{hr.id}")
    assert response.status_code == 302
    assert "may sign in again at once" in page_text(client.get(response.location))
    (event,) = audit_events(db_session, "user.lift_sign_in_pause")
    assert event.actor_id == admin.id
    assert event.detail == {"email": "hr@example.org", "addresses": [OWNER]}
    assert "No sign-in pause" in page_text(client.get(f"/admin/users/{hr.id}"))
    assert login_from(owner, OWNER, "hr@example.org", TEST_PASSWORD).status_code == 302


def test_lifting_needs_an_admin_and_a_csrf_token(
    app: Flask, client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    _pause_from_the_owners_address(app)
    assert client.post(f"/admin/users/{hr.id}/lift-pause").status_code == 400
    hr_client = app.test_client()
    make_user("other-hr@example.org", Role.HR)
    assert AuthActions(hr_client).login("other-hr@example.org").status_code == 302
    token = page_token(hr_client, "/")
    forbidden = hr_client.post(f"/admin/users/{hr.id}/lift-pause", data={"csrf_token": token})
    assert forbidden.status_code == 403
    assert audit_events(db_session, "user.lift_sign_in_pause") == []
    assert login_from(app.test_client(), OWNER, "hr@example.org", TEST_PASSWORD).status_code == 429


def test_an_admins_password_reset_lifts_the_pause_too(
    app: Flask, client: FlaskClient, admin: StaffUser, make_user: Any, db_session: Any
) -> None:
    hr = make_user("hr@example.org", Role.HR)
    owner = _pause_from_the_owners_address(app)
    new = "a much longer secret 42"
    url = f"/admin/users/{hr.id}/password"
    assert submit(client, url, {"password": new, "password_again": new}).status_code == 302
    (event,) = audit_events(db_session, "user.password_reset")
    assert event.detail["lifted_pauses"] == [OWNER]
    assert login_from(owner, OWNER, "hr@example.org", new).status_code == 302


def test_wrong_current_passwords_count_as_failed_sign_ins(
    app: Flask, client: FlaskClient, admin: StaffUser
) -> None:
    data = {"password": "a much longer secret 42", "password_again": "a much longer secret 42"}
    for _ in range(ACCOUNT_AT_ADDRESS.free):
        wrong = submit(client, "/account/password", data | {"current_password": "guess!"})
        assert wrong.status_code == 400
    right = submit(client, "/account/password", data | {"current_password": TEST_PASSWORD})
    assert right.status_code == 429


# --- production: several workers need a shared store --------------------------------------


def test_production_refuses_several_processes_without_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BALLOT_KEYS", new_ballot_key())
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://survey.example.org")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("ALLOW_PER_PROCESS_THROTTLE", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    for name in ("REDIS_URL", "ALLOW_PER_PROCESS_THROTTLE=1", "multiplies every sign-in limit"):
        assert name in str(refused.value)
    monkeypatch.setenv("ALLOW_PER_PROCESS_THROTTLE", "1")
    assert load_config("production").RATELIMIT_STORAGE_URI == "memory://"
    monkeypatch.delenv("ALLOW_PER_PROCESS_THROTTLE")
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    assert load_config("production").RATELIMIT_STORAGE_URI == REDIS_TEST_URL
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    monkeypatch.delenv("REDIS_URL")
    assert load_config("production").RATELIMIT_STORAGE_URI == "memory://"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _gunicorn(tmp_path: Path, workers: int, **env: str) -> Iterator[tuple[Any, int, Path]]:
    """The README's production command (gunicorn.conf.py read from the project directory)
    on a SQLite file; (process, port, log)."""
    database = tmp_path / "mutuality.sqlite3"
    Base.metadata.create_all(make_engine(f"sqlite:///{database}"))
    port, log = _free_port(), tmp_path / "gunicorn.log"
    ours = ("REDIS_URL", "WEB_CONCURRENCY", "ALLOW_PER_PROCESS_THROTTLE")
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ours},
        "MUTUALITY_CONFIG": "production",
        "SECRET_KEY": "throttle-test-secret",
        "BALLOT_KEYS": new_ballot_key(),
        "PUBLIC_BASE_URL": "https://survey.example.org",
        "DATABASE_URL": f"sqlite:///{database}",
        **env,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "-w", str(workers),
             "-b", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield proc, port, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _listening(proc: Any, port: int) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        time.sleep(0.1)
    return False


def test_gunicorn_with_two_workers_and_no_redis_stops_with_a_message(tmp_path: Path) -> None:
    with _gunicorn(tmp_path, 2) as (proc, _port, log):
        assert proc.wait(timeout=60) == 1
    output = log.read_text()
    assert "2 worker processes without REDIS_URL" in output
    assert "ALLOW_PER_PROCESS_THROTTLE=1" in output
    assert "Booting worker" not in output


def test_gunicorn_serves_two_workers_when_allowed(tmp_path: Path) -> None:
    with _gunicorn(tmp_path, 2, ALLOW_PER_PROCESS_THROTTLE="1") as (proc, port, log):
        assert _listening(proc, port), log.read_text()


def test_gunicorn_serves_two_workers_sharing_redis(tmp_path: Path, redis_url: str) -> None:
    with _gunicorn(tmp_path, 2, REDIS_URL=redis_url) as (proc, port, log):
        assert _listening(proc, port), log.read_text()


def test_memory_counts_drop_forgotten_groups_when_many() -> None:
    clock = Clock()
    made = SignInThrottle("memory://", clock)
    counts = made.counts
    assert isinstance(counts, MemoryCounts)
    for n in range(MemoryCounts.PRUNE_ABOVE):
        made.count_failure(OUTSIDER, f"user{n}@example.org")  # two groups each
    clock.now += ADDRESS.forget_after + 1
    made.count_failure(OWNER, "fresh@example.org")
    assert len(counts._groups) == 2
