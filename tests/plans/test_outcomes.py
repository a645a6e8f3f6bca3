""" "Did it work?": a plan's focus areas measured again at a later wave's release, against
the releases' own figures and an independent Welch reference; what is not shown says why."""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
from typing import Any

from flask.testing import FlaskClient
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.scoring import score_response
from app.instruments.services import publish_instrument_version
from app.plans import services
from app.plans.outcomes import plan_checks
from app.reports.queries import latest_release, snapshot_of
from app.reports.stats import floored_welch_t
from app.surveys.models import Survey
from tests.conftest import AuthActions
from tests.plans.conftest import FIRST, SECOND, Staff, make_second_wave
from tests.reports.test_change import wave


def _scores(version: InstrumentVersion, values: list[int], key: str) -> list[float]:
    document = document_of(version)
    found = [score_response(document, {i.key: v for i in document.items}) for v in values]
    return [float(s.dimensions[key]) for s in found]  # type: ignore[arg-type]


def _rows(page: str) -> list[list[str]]:
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        )
    ]


def test_no_later_release_yet(
    db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    plan = services.create_plan(staff.hr, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    assert plan_checks(plan) == []


def test_the_change_matches_the_releases_and_a_welch_reference(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    focus = ["voice_influence", "silencing", "empathic_attunement"]
    alpha = teams["Eng/Alpha"]
    plan = services.create_plan(staff.eng, first_wave.id, alpha, focus)
    db_session.commit()
    second = make_second_wave(db_session, bundled_version)
    (check,) = plan_checks(plan)
    assert check.wave_id == second.id and check.wave_label == "Wave two (2027-03-01)"
    then_pub = snapshot_of(latest_release(first_wave.id)).publication()  # type: ignore[arg-type]
    now_pub = snapshot_of(latest_release(second.id)).publication()  # type: ignore[arg-type]
    for key, row in zip(focus, check.changes, strict=True):
        then = then_pub.view(alpha, None).dimensions[key].summary
        now = now_pub.view(alpha, None).dimensions[key].summary
        assert then is not None and now is not None
        released = floored_welch_t(now, then)
        assert released is not None
        assert (row.difference, row.lower, row.upper) == (
            released.difference,
            released.lower,
            released.upper,
        )
        assert (row.then, row.now) == (then.mean, now.mean)
        # the same answers, scored and tested independently (equal variances: Welch's own)
        after = _scores(bundled_version, SECOND["Eng/Alpha"], key)
        before = _scores(bundled_version, FIRST["Eng/Alpha"], key)
        reference = stats.ttest_ind(after, before, equal_var=False)
        ci = reference.confidence_interval(0.95)
        assert row.difference is not None and row.lower is not None and row.upper is not None
        assert abs(row.difference - (sum(after) / 6 - sum(before) / 6)) < 1e-9
        assert abs(row.lower - ci.low) < 1e-9 and abs(row.upper - ci.high) < 1e-9
    auth.login("eng@example.org")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    rows = {r[0]: r for r in _rows(page) if len(r) == 5}
    voice = check.changes[0]
    assert rows["Voice and influence"][3] == (
        f"{voice.difference:+.2f} ({voice.lower:+.2f} to {voice.upper:+.2f})"
    )
    assert rows["Voice and influence"][4].startswith(f"Changed by {voice.difference:+.2f}")
    assert "a clear change" in voice.reading
    # power-over: these answers went up, which is worse
    silencing = check.changes[1]
    assert silencing.clear == (silencing.lower > 0 or silencing.upper < 0)  # type: ignore[operator]


def test_a_change_not_distinguishable_from_zero_is_said_in_words(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    plan = services.create_plan(staff.hr, first_wave.id, teams["Eng/Beta"], ["authenticity"])
    db_session.commit()
    make_second_wave(db_session, bundled_version)
    ((row,),) = [check.changes for check in plan_checks(plan)]
    assert row.lower is not None and row.lower < 0 < row.upper  # type: ignore[operator]
    assert not row.clear
    assert "not distinguishable from zero" in row.reading
    auth.login("hr@example.org")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "not distinguishable from zero" in page


def test_a_team_under_k_shows_no_change_and_says_why(
    client: FlaskClient,
    auth: AuthActions,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    plan = services.create_plan(staff.ops, first_wave.id, teams["Ops/North"], ["silencing"])
    db_session.commit()
    make_second_wave(db_session, bundled_version)
    ((row,),) = [check.changes for check in plan_checks(plan)]
    assert row.difference is None and row.then is None and row.now is None
    assert row.note.startswith("the team's score is not disclosed in Wave one (2026-03-01)")
    assert "fewer than 5" in row.note
    auth.login("ops@example.org")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Not shown: the team&#39;s score is not disclosed" in page


def test_a_dimension_reworded_in_the_later_version_is_not_compared(
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    data = copy.deepcopy(bundled_version.document)
    item = next(i for i in data["items"] if i.get("dimension") == "authenticity")
    item["text"]["en"] += " (reworded)"
    newer = publish_instrument_version(data).version
    plan = services.create_plan(
        staff.hr, first_wave.id, teams["Eng/Alpha"], ["authenticity", "silencing"]
    )
    wave(db_session, newer, "Wave two", dt.datetime(2027, 3, 1, tzinfo=dt.UTC), SECOND, closed=True)
    (check,) = plan_checks(plan)
    reworded, kept = check.changes
    assert reworded.difference is None
    assert reworded.note.startswith("the dimension is not comparable across the two versions")
    assert f"item {item['key']}: text in 'en' changed" in reworded.note
    assert kept.difference is not None


def test_pilots_and_waves_without_a_release_are_left_out(
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    bundled_version: InstrumentVersion,
) -> None:
    plan = services.create_plan(staff.hr, first_wave.id, teams["Eng/Alpha"], ["silencing"])
    wave(
        db_session,
        bundled_version,
        "Pilot",
        dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
        SECOND,
        closed=True,
        pilot=True,
    )
    assert plan_checks(plan) == []
