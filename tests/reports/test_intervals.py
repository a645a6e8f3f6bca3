"""Every interval of a mean a release shows stays on its scale (issue 13: 19 of 2,347
exported intervals left 1-5, e.g. n = 5, 4.35 [3.12, 5.58])."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.reports.queries import snapshot_of
from tests.reports.answering import release
from tests.reports.test_reliability_page import fill


def test_every_shown_interval_stays_within_the_scale(db_session: Any, bundled_version: Any) -> None:
    survey = fill(db_session, "relational-climate")
    snapshot = snapshot_of(release(survey))
    assert snapshot.aggregates.scales["mutuality"] == (1.0, 5.0)
    publication = snapshot.publication()
    seen = 0
    for cell in publication.cells:
        view = publication.view(cell.team, cell.level)
        for key in (*publication.family_keys, *publication.dimension_keys):
            mean = view.measure(key).mean
            if mean is None or mean.lower is None or mean.upper is None:
                continue
            seen += 1
            assert mean.bounded
            assert 1.0 <= mean.lower <= mean.mean <= mean.upper <= 5.0
    assert seen > 100
    # a release stored before scales were kept reads its t intervals, as it showed them
    old = replace(snapshot, aggregates=replace(snapshot.aggregates, scales={}), _memo={})
    assert old.publication().view().families["mutuality"].mean.bounded is False  # type: ignore[union-attr]
