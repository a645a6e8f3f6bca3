"""The demo's latent-variable model, on its own (no database)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from app.demo.model import (
    COMMENT_POOLS,
    MISSING,
    OrgPlan,
    Population,
    WaveResponses,
    draw_population,
    plan_org,
    simulate_wave,
)
from app.instruments.document import InstrumentDocument
from app.instruments.scoring import score_response
from app.instruments.validation import validate_instrument_text
from app.reports.stats import (
    Summary,
    cronbach_alpha,
    icc1,
    item_rest_correlations,
    standpoint_gap,
)
from tests.conftest import BUNDLED_INSTRUMENT


@dataclass
class Generated:
    org: OrgPlan
    population: Population
    waves: list[WaveResponses]


@pytest.fixture(scope="module")
def document() -> InstrumentDocument:
    result = validate_instrument_text(BUNDLED_INSTRUMENT.read_bytes())
    assert result.document is not None
    return result.document


def generate(
    document: InstrumentDocument, seed: int, teams: int = 60, people: int = 3000, waves: int = 2
) -> Generated:
    rng = np.random.default_rng(seed)
    org = plan_org(teams, people, 3, rng)
    population = draw_population(document, org, waves, rng)
    return Generated(
        org, population, [simulate_wave(document, population, w, rng) for w in range(waves)]
    )


@pytest.fixture(scope="module")
def generated(document: InstrumentDocument) -> Generated:
    return generate(document, seed=11)


def keyed_matrix(document: InstrumentDocument, wave: WaveResponses) -> np.ndarray:
    """Answers keyed so that higher means more of the dimension; NaN when missing."""
    values = wave.values.astype(float)
    values[wave.values == MISSING] = np.nan
    for j, item in enumerate(document.items):
        if item.reverse:
            values[:, j] = 6 - values[:, j]
    return values


def family_scores(document: InstrumentDocument, wave: WaveResponses, family: str) -> np.ndarray:
    scores = [score_response(document, a).families[family] for a in wave.answer_dicts()]
    return np.array([np.nan if s is None else s for s in scores])


def test_a_seed_gives_the_same_data_and_another_seed_other_data(
    document: InstrumentDocument, generated: Generated
) -> None:
    again = generate(document, seed=11)
    assert again.org.team_paths == generated.org.team_paths
    assert np.array_equal(again.org.team_of, generated.org.team_of)
    assert np.array_equal(again.org.level_of, generated.org.level_of)
    for first, second in zip(generated.waves, again.waves, strict=True):
        assert np.array_equal(first.respondents, second.respondents)
        assert np.array_equal(first.values, second.values)
        assert np.array_equal(first.day_offsets, second.day_offsets)
        assert first.comments == second.comments
    other = generate(document, seed=12)
    assert other.org.team_of.tolist() != generated.org.team_of.tolist()
    assert other.waves[0].comments != generated.waves[0].comments


def test_the_org_has_departments_small_teams_and_few_people_at_the_top(
    generated: Generated,
) -> None:
    org = generated.org
    assert org.n_people == 3000
    assert len(set(org.team_paths)) == 60
    assert all(path.count("/") == 1 for path in org.team_paths)
    assert {path.split("/")[0] for path in org.team_paths} == set(org.departments)
    sizes = np.bincount(org.team_of, minlength=org.n_teams)
    assert sizes.sum() == 3000
    assert 5 <= ((sizes >= 2) & (sizes <= 4)).sum() <= 12  # about 15% of the teams
    shares = np.bincount(org.level_of, minlength=3) / org.n_people
    assert shares[0] > 0.6 > shares[1] > shares[2] > 0.02


def test_one_person_per_team_is_the_smallest_org(document: InstrumentDocument) -> None:
    org = plan_org(5, 5, 3, np.random.default_rng(0))
    assert np.bincount(org.team_of, minlength=org.n_teams).tolist() == [1, 1, 1, 1, 1]
    with pytest.raises(ValueError, match="one person per team"):
        plan_org(5, 4, 3, np.random.default_rng(0))


def test_answers_lie_on_the_scale_and_about_two_percent_prefer_not_to_answer(
    document: InstrumentDocument, generated: Generated
) -> None:
    wave = generated.waves[0]
    assert wave.values.shape == (len(wave), len(document.items))
    assert set(np.unique(wave.values).tolist()) == {MISSING, 1, 2, 3, 4, 5}
    assert 0.015 < (wave.values == MISSING).mean() < 0.025
    everyone = wave.answer_dicts()
    assert wave.answer_dicts([2, 0]) == [everyone[2], everyone[0]]
    first = everyone[0]
    assert list(first) == [item.key for item in document.items]
    assert all(v is None or v in range(1, 6) for v in first.values())
    # Every answer is used, not only the agreeable end of the scale.
    share = np.bincount(wave.values[wave.values != MISSING], minlength=6)[1:] / wave.values.size
    assert share.min() > 0.02
    assert share.max() < 0.45


def test_response_rates_are_between_65_and_88_percent(generated: Generated) -> None:
    for wave in generated.waves:
        assert 0.7 < len(wave) / generated.org.n_people < 0.83
        assert np.all(np.diff(wave.respondents) > 0)


def test_reverse_keyed_items_are_answered_consistently(
    document: InstrumentDocument, generated: Generated
) -> None:
    wave = generated.waves[0]
    keyed = keyed_matrix(document, wave)
    keys = [item.key for item in document.items]
    reversed_items = [item for item in document.items if item.reverse]
    assert reversed_items
    for dimension, items in document.items_by_dimension().items():
        columns = [keys.index(item.key) for item in items]
        correlations = item_rest_correlations(keyed[:, columns])
        assert correlations is not None
        for item, r in zip(items, correlations, strict=True):
            assert r is not None
            assert r > 0.4, (dimension, item.key, r)
            if item.reverse:  # raw, a reverse-keyed item runs against its dimension
                raw = wave.values[:, keys.index(item.key)].astype(float)
                rest = np.nansum(np.delete(keyed[:, columns], items.index(item), axis=1), axis=1)
                ok = wave.values[:, keys.index(item.key)] != MISSING
                assert np.corrcoef(raw[ok], rest[ok])[0, 1] < -0.4


def test_cronbach_alpha_lands_near_point_eight(
    document: InstrumentDocument, generated: Generated
) -> None:
    keyed = keyed_matrix(document, generated.waves[0])
    keys = [item.key for item in document.items]
    alphas = []
    for items in document.items_by_dimension().values():
        reliability = cronbach_alpha(keyed[:, [keys.index(item.key) for item in items]])
        assert reliability is not None
        alphas.append(reliability.alpha)
    assert min(alphas) > 0.74
    assert max(alphas) < 0.9
    assert 0.77 < float(np.mean(alphas)) < 0.86


def test_teams_differ(document: InstrumentDocument, generated: Generated) -> None:
    wave = generated.waves[0]
    team = generated.org.team_of[wave.respondents]
    for family in ("mutuality", "power_over"):
        scores = family_scores(document, wave, family)
        groups = [
            Summary.from_values(scores[(team == t) & ~np.isnan(scores)]) for t in np.unique(team)
        ]
        result = icc1(groups)
        assert result is not None
        assert 0.1 < result.icc1 < 0.4, (family, result.icc1)
        assert result.p < 0.001


def test_the_top_sees_a_kinder_climate_than_the_bottom(
    document: InstrumentDocument, generated: Generated
) -> None:
    wave = generated.waves[0]
    level = generated.org.level_of[wave.respondents]
    gaps = {}
    for family in ("mutuality", "power_over", "outcomes"):
        scores = family_scores(document, wave, family)
        by_level = {
            rank: Summary.from_values(scores[(level == rank) & ~np.isnan(scores)])
            for rank in range(3)
        }
        gap = standpoint_gap(by_level)
        assert gap is not None
        gaps[family] = gap.gap
        assert gap.p is not None
        assert gap.p < 0.01
    assert gaps["mutuality"] > 0.2
    assert gaps["outcomes"] > 0.2
    assert gaps["power_over"] < -0.2


def test_the_last_wave_improves_on_the_one_before(
    document: InstrumentDocument, generated: Generated
) -> None:
    before, after = generated.waves
    for family, direction in (("mutuality", 1), ("power_over", -1), ("outcomes", 1)):
        change = np.nanmean(family_scores(document, after, family)) - np.nanmean(
            family_scores(document, before, family)
        )
        assert direction * change > 0.15, (family, change)
    shift = generated.population.team_shift
    improved = (shift[1, :, 0] - shift[0, :, 0]) > 0
    assert 0.6 < improved.mean() < 0.95  # most teams, not all


def test_a_single_wave_has_no_built_in_improvement(document: InstrumentDocument) -> None:
    one = generate(document, seed=5, teams=20, people=400, waves=1)
    assert np.abs(one.population.team_shift).max() < 0.5
    with pytest.raises(ValueError, match="outside"):
        simulate_wave(document, one.population, 1, np.random.default_rng(0))


def test_some_respondents_comment_with_texts_from_the_pools(
    document: InstrumentDocument, generated: Generated
) -> None:
    wave = generated.waves[0]
    commenters = {row for row, _, _ in wave.comments}
    assert 0.1 < len(commenters) / len(wave) < 0.2
    prompts = {prompt.key for prompt in document.prompts}
    sentences = {s for pools in COMMENT_POOLS.values() for pool in pools for s in pool}
    for row, prompt, text in wave.comments:
        assert 0 <= row < len(wave)
        assert prompt in prompts
        assert any(text.startswith(s) for s in sentences)
    by_row = wave.comments_by_row()
    assert sum(len(c) for c in by_row.values()) == len(wave.comments)
    # Tone follows the climate: critical texts come from people who see a worse climate.
    critical = tuple(s for pools in COMMENT_POOLS.values() for s in pools[1])
    tone_critical = np.array([text.startswith(critical) for _, _, text in wave.comments])
    climate = wave.climate[[row for row, _, _ in wave.comments]]
    assert climate[tone_critical].mean() + 0.5 < climate[~tone_critical].mean()


def test_the_comment_pool_names_nobody() -> None:
    texts = [s for pools in COMMENT_POOLS.values() for pool in pools for s in pool]
    assert len(texts) == len(set(texts)) >= 30
    for text in texts:
        for sentence in text.split(". "):
            later_words = sentence.replace(",", " ").split()[1:]
            # Capitalised words only open sentences ("I" aside): no names of people.
            assert all(w == "I" or not w[0].isupper() for w in later_words), sentence
