"""The bundled relational-climate instrument against CONSTRUCTS.md and its item-writing
rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.instruments.document import InstrumentDocument, content_sha256
from app.instruments.scoring import score_response
from app.instruments.validation import validate_instrument_text

PATH = (
    Path(__file__).resolve().parents[2] / "instruments" / "archive" / "relational-climate.v1.json"
)

FAMILIES = {
    "mutuality": (
        "high",
        [
            "empathic_attunement",
            "authenticity",
            "accountability",
            "mutual_empowerment",
            "voice_influence",
        ],
    ),
    "power_over": (
        "low",
        [
            "hyper_competitiveness",
            "unilateral_control",
            "rank_ordering",
            "silencing",
            "disconnection",
        ],
    ),
    "outcomes": ("high", ["zest_worth", "clarity_action", "connection_resilience"]),
}


def load() -> tuple[dict[str, Any], InstrumentDocument]:
    result = validate_instrument_text(PATH.read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.data is not None
    assert result.document is not None
    return result.data, result.document


DATA, DOC = load()
EN = {item.key: item.text["en"] for item in DOC.items}
ES = {item.key: item.text["es"] for item in DOC.items}


def test_identity_and_status() -> None:
    assert DOC.key == "relational-climate"
    assert DOC.schema_version == 1
    assert DOC.languages == ("en", "es")
    assert DOC.default_language == "en"
    assert DOC.metadata.status == "draft"
    notes = DOC.metadata.notes.lower()
    assert "unvalidated draft" in notes
    assert "pilot" in notes
    assert DOC.metadata.changelog


def test_counts() -> None:
    assert len(DOC.items) == 52
    assert len(DOC.dimensions) == 13
    assert len(DOC.families) == 3
    assert len(DOC.prompts) == 2


def test_families_and_dimensions_follow_constructs() -> None:
    grouped = DOC.dimensions_by_family()
    assert list(grouped) == list(FAMILIES)
    for family_key, (desirable, dimensions) in FAMILIES.items():
        assert DOC.family(family_key).desirable == desirable
        assert [d.key for d in grouped[family_key]] == dimensions


def test_four_items_per_dimension_three_needed() -> None:
    for dimension_key, items in DOC.items_by_dimension().items():
        assert len(items) == 4, dimension_key
        assert DOC.dimension(dimension_key).min_answered == 3


def test_item_keys_are_readable_and_stable() -> None:
    for dimension_key, items in DOC.items_by_dimension().items():
        prefixes = {item.key.split("_")[0] for item in items}
        assert len(prefixes) == 1, dimension_key
        (prefix,) = prefixes
        assert re.fullmatch(r"[a-z]{2}", prefix)
        assert [item.key for item in items] == [f"{prefix}_{n}" for n in range(1, 5)]


def test_one_fully_labelled_five_point_agreement_scale() -> None:
    (scale,) = DOC.scales
    assert (scale.min, scale.max) == (1, 5)
    assert [scale.label(v, "en") for v in range(1, 6)] == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert scale.label(1, "es") == "Totalmente en desacuerdo"
    assert scale.prefer_not_label.as_dict() == {
        "en": "Prefer not to answer",
        "es": "Prefiero no responder",
    }
    assert (scale.low.first, scale.low.last, scale.high.first, scale.high.last) == (1, 2, 4, 5)
    assert all(item.scale == scale for item in DOC.items)


def test_reverse_keyed_items_are_rare() -> None:
    per_dimension = Counter(item.dimension for item in DOC.items if item.reverse)
    assert max(per_dimension.values()) <= 1
    assert 6 <= sum(per_dimension.values()) <= 8


def test_same_referent_in_every_item() -> None:
    for key in EN:
        assert "my work group" in EN[key].lower(), key
        assert "mi grupo de trabajo" in ES[key].lower(), key


def test_recall_window_is_stated_in_the_intro_in_both_languages() -> None:
    assert "past 3 months" in DOC.intro["en"]
    assert "últimos 3 meses" in DOC.intro["es"]
    assert "my work group" in DOC.intro["en"]
    assert "mi grupo de trabajo" in DOC.intro["es"]


@pytest.mark.parametrize("key", sorted(EN))
def test_items_are_short_single_claims_without_negations(key: str) -> None:
    text = EN[key]
    words = re.findall(r"[a-z']+", text.lower())
    # One idea per item: no conjunction joining two claims.
    assert "and" not in words
    assert "or" not in words
    # No negations, so a "disagree" answer is never a double negative.
    assert not {"not", "no", "never", "nobody", "none", "nothing"} & set(words)
    assert not any(word.endswith("n't") for word in words)
    assert len(words) <= 16
    assert text.endswith(".")


def test_items_are_distinct_in_each_language() -> None:
    assert len(set(EN.values())) == 52
    assert len(set(ES.values())) == 52


def test_prompts() -> None:
    keys = [prompt.key for prompt in DOC.prompts]
    assert keys == ["change_together", "safer_to_speak"]
    for prompt in DOC.prompts:
        assert prompt.max_length == 2000
        assert prompt.help is not None
        assert "do not name anyone" in prompt.help["en"]
        assert "no nombre a nadie" in prompt.help["es"]
    assert "change possible" in DOC.prompt("change_together").text["en"]
    assert "safer to speak honestly" in DOC.prompt("safer_to_speak").text["en"]


def test_privacy_text_states_thresholds_through_placeholders() -> None:
    for language in ("en", "es"):
        text = DOC.privacy[language]
        assert "{k_scores}" in text
        assert "{k_comments}" in text
    filled = DOC.privacy_text("en", k_scores=5, k_comments=10)
    assert "at least 5 people in it have answered" in filled
    assert "at least 10 people in the group have commented" in filled
    # Who reads comments is stated by the page from the rule the reports enforce
    # (app/reports/readers.py), never by the instrument's own text, which could drift.
    for language in ("en", "es"):
        assert not re.search(r"\bHR\b|Recursos Humanos", DOC.privacy[language])
    assert "{" not in DOC.privacy_text("es", k_scores=5, k_comments=10)


def test_spanish_prompts_address_the_respondent_as_usted() -> None:
    # "su grupo" (usted), never the informal "tu grupo".
    for prompt in DOC.prompts:
        assert "su grupo de trabajo" in prompt.text["es"]
        assert not re.search(r"\btu\b|\btú\b", prompt.text["es"])
    assert "usted" in DOC.intro["es"]


def test_a_fully_favorable_response_scores_best_on_every_family() -> None:
    answers: dict[str, int | None] = {}
    for item in DOC.items:
        family = DOC.family_of_item(item)
        assert family is not None
        wants_high = (family.desirable == "high") != item.reverse
        answers[item.key] = 5 if wants_high else 1
    scores = score_response(DOC, answers)
    assert scores.families == {"mutuality": 5, "power_over": 1, "outcomes": 5}


def test_hash_ignores_formatting() -> None:
    reformatted = json.loads(json.dumps(DATA, indent=None, sort_keys=False))
    assert content_sha256(reformatted) == content_sha256(DATA)
    assert re.fullmatch(r"[0-9a-f]{64}", content_sha256(DATA))
