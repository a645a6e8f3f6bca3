"""Version 2 of the bundled relational-climate instrument against CONSTRUCTS.md, issue #18
and the item-writing rules; version 1 stays, unchanged and valid, in the archive."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role
from app.instruments.diff import diff_versions, family_comparability
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.scoring import score_response
from app.instruments.services import sync_instruments
from app.instruments.validation import validate_instrument_data, validate_instrument_text
from tests.conftest import BUNDLED_INSTRUMENT, BUNDLED_INSTRUMENT_V2, AuthActions


def load(path: Any) -> tuple[dict[str, Any], InstrumentDocument]:
    result = validate_instrument_text(path.read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.data is not None
    assert result.document is not None
    return result.data, result.document


DATA, DOC = load(BUNDLED_INSTRUMENT_V2)
V1_DATA, V1 = load(BUNDLED_INSTRUMENT)
ITEMS = {item.key: item for item in DOC.items}
LEADER_ITEMS = {"ac_6", "ac_8", "vi_8"}

FAMILIES = {
    "mutuality": [
        "empathic_attunement",
        "authenticity",
        "accountability",
        "mutual_empowerment",
        "voice_influence",
    ],
    "power_over": [
        "hyper_competitiveness",
        "unilateral_control",
        "rank_ordering",
        "silencing",
        "disconnection",
    ],
    "outcomes": ["zest_worth", "clarity_action", "connection_resilience"],
}

# Idioms version 1 used (issue #18) and others of the kind that hurt comprehension and
# translation; none may appear in an item, a prompt or the intro.
IDIOMS_EN = (
    "outshin",
    "talked over",
    "handed down",
    "bounce back",
    "pay a price",
    "under control",
    "keep the peace",
    "off limits",
    "same page",
    "in the loop",
    "step up",
    "speak up",
    "extra mile",
    "rock the boat",
    "toe the line",
    "walk on eggshells",
    "on board",
    "behind closed doors",
)
IDIOMS_ES = (
    "empezar por",
    "cuál es mi lugar",
    "salir adelante",
    "lo pagan",
    "hacer sombra",
    "haciendo sombra",
    "desde arriba",
    "dar la cara",
    "de boca",
)
NEGATIONS = {"not", "no", "never", "nobody", "none", "nothing", "neither", "nor"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-záéíóúñü']+", text.lower())


def test_the_bundled_file_is_version_2_in_pilot() -> None:
    assert DOC.key == V1.key == "relational-climate"
    assert DOC.schema_version == 1
    assert DOC.languages == ("en", "es")
    assert DOC.metadata.status == "pilot"
    assert DOC.metadata.changelog[-1].note.startswith("Version 2")
    # The pilot plan: cognitive interviews, bilingual review, back-translation, item report.
    notes = DOC.metadata.notes.lower()
    for step in ("cognitive interview", "bilingual review", "back-translation", "item-rest"):
        assert step in notes, step
    assert "not yet validated" in notes
    assert DOC.metadata.validation_report is None


def test_the_v1_archive_is_unchanged_and_still_valid() -> None:
    assert BUNDLED_INSTRUMENT.parent.name == "archive"
    assert V1.metadata.status == "draft"
    assert len(V1.items) == 52
    # No referent or audience: version 1 predates them, and is kept as it was published.
    assert all(item.referent == "group" and item.audience == "everyone" for item in V1.items)


def test_families_and_dimensions() -> None:
    grouped = DOC.dimensions_by_family()
    assert {family: [d.key for d in dims] for family, dims in grouped.items()} == FAMILIES
    assert [(f.key, f.desirable) for f in DOC.families] == [
        ("mutuality", "high"),
        ("power_over", "low"),
        ("outcomes", "high"),
    ]


def test_the_spanish_mutuality_label_reads_right() -> None:
    label = DOC.family("mutuality").label
    assert label["en"] == "Mutuality"
    # "Mutualidad" is a mutual insurance society in everyday Spanish.
    assert "mutualidad" not in label["es"].lower()
    assert label["es"] == "Reciprocidad"


@pytest.mark.parametrize("dimension", [d for dims in FAMILIES.values() for d in dims])
def test_four_to_six_items_and_a_reverse_keyed_one_per_dimension(dimension: str) -> None:
    items = DOC.items_by_dimension()[dimension]
    assert 4 <= len(items) <= 6
    assert DOC.dimension(dimension).min_answered == 3
    assert sum(item.reverse for item in items) == 1
    # Someone whose level leads the work group still answers enough items for a score.
    asked = [item for item in items if item.asked_of(leads_work_group=True)]
    assert len(asked) >= DOC.dimension(dimension).min_answered


def test_reverse_keyed_items_are_not_always_in_the_same_position() -> None:
    positions = Counter(
        [item.reverse for item in items].index(True) + 1
        for items in DOC.items_by_dimension().values()
    )
    assert len(positions) >= 4, positions
    # No position holds most of them (version 1 put all seven fourth).
    assert max(positions.values()) <= 5, positions
    assert 1 in positions  # some block opens with one


def test_every_item_about_the_leader_is_asked_only_of_those_they_lead() -> None:
    leader = {key for key, item in ITEMS.items() if item.referent == "leader"}
    assert leader == LEADER_ITEMS
    for key in leader:
        assert ITEMS[key].audience == "led", key
        assert "the person who leads my work group" in ITEMS[key].text["en"].lower()
        assert "la persona que dirige mi grupo de trabajo" in ITEMS[key].text["es"].lower()
    # Items about the group are asked of everyone, and never name the leader.
    for key, item in ITEMS.items():
        if key not in leader:
            assert item.audience == "everyone", key
            assert "person who leads" not in item.text["en"], key
            assert "persona que dirige" not in item.text["es"], key


def test_a_leader_is_asked_every_item_but_those_about_the_leader() -> None:
    asked = {item.key for item in DOC.items_asked_of(leads_work_group=True)}
    assert asked == set(ITEMS) - LEADER_ITEMS
    assert {item.key for item in DOC.items_asked_of(leads_work_group=False)} == set(ITEMS)


def test_the_intro_defines_the_work_group_and_its_leader() -> None:
    en, es = DOC.intro["en"], DOC.intro["es"]
    assert '"My work group" means the team your survey link was issued for' in en
    assert "you and the colleagues you work with most closely" in en
    assert '"The person who leads my work group" means the person in charge' in en
    assert "asked only of the people they lead" in en
    assert "including the person who leads" not in en  # version 1's double referent
    assert "«Mi grupo de trabajo» es el equipo para el que se emitió su enlace" in es
    assert "«La persona que dirige mi grupo de trabajo»" in es
    assert "solo a quienes ella dirige" in es
    assert "past 3 months" in en
    assert "últimos 3 meses" in es
    assert "usted" in es


def test_no_item_says_we_or_us() -> None:
    # Outside items asked only of the led, "we"/"us" would assume the respondent's position;
    # version 2 uses them nowhere.
    first_plural_en = {"we", "us", "our", "ours", "ourselves"}
    first_plural_es = {"nos", "nosotros", "nosotras", "nuestro", "nuestra", "digamos"}
    for item in DOC.items:
        if item.audience == "led":
            continue
        assert not first_plural_en & set(words(item.text["en"])), item.key
        assert not first_plural_es & set(words(item.text["es"])), item.key


def texts_in(language: str) -> dict[str, str]:
    found = {f"item {item.key}": item.text[language] for item in DOC.items}
    for prompt in DOC.prompts:
        found[f"prompt {prompt.key}"] = prompt.text[language]
        assert prompt.help is not None
        found[f"help {prompt.key}"] = prompt.help[language]
    found["intro"] = DOC.intro[language]
    return found


def test_no_idioms_in_either_language() -> None:
    for where, text in texts_in("en").items():
        for idiom in IDIOMS_EN:
            assert idiom not in text.lower(), (where, idiom)
    for where, text in texts_in("es").items():
        for idiom in IDIOMS_ES:
            assert idiom not in text.lower(), (where, idiom)


@pytest.mark.parametrize("key", sorted(ITEMS))
def test_items_are_short_single_claims_without_negations(key: str) -> None:
    text = ITEMS[key].text["en"]
    found = words(text)
    assert "and" not in found  # one idea per item
    # "or" only inside ro_5's list of lines of social value (one idea: social ranking)
    assert "or" not in found or key == "ro_5"
    assert not NEGATIONS & set(found)  # a "disagree" is never a double negative
    assert not any(word.endswith("n't") for word in found)
    assert not {"no", "nunca", "nadie", "ninguna", "ninguno", "ni"} & set(
        words(ITEMS[key].text["es"])
    )
    assert len(found) <= 16
    assert text.endswith(".")
    assert ITEMS[key].text["es"].endswith(".")


@pytest.mark.parametrize("key", sorted(ITEMS))
def test_no_comparisons_or_presuppositions(key: str) -> None:
    text = ITEMS[key].text["en"].lower()
    # Comparisons (version 1's uc_2, dc_3, ro_2, ro_3) and "more ... than" of any kind.
    assert " than " not in text
    assert "count for more" not in text
    # Presuppositions of an event version 1 made (si_1, si_4): "people who disagree ...",
    # "when people disagree ...", "people who raise concerns ...".
    assert not re.search(r"\b(who|when) (disagree|raise|speak|complain)", text), key
    # Mind-reading verbs of version 1 (ea_4, ac_4, au_4, dc_2): what others want or pretend.
    assert not re.search(r"\b(pretend|want to hear|think about the people|to be accepted)", text)


def test_items_and_keys_are_distinct() -> None:
    assert len({item.text["en"] for item in DOC.items}) == len(DOC.items)
    assert len({item.text["es"] for item in DOC.items}) == len(DOC.items)
    for dimension, items in DOC.items_by_dimension().items():
        prefixes = {item.key.split("_")[0] for item in items}
        assert len(prefixes) == 1, dimension


def test_a_kept_key_is_kept_word_for_word_and_a_changed_question_gets_a_new_key() -> None:
    diff = diff_versions(V1, DOC)
    # Nothing is reworded or rescored under an old key: a changed question has a new key.
    assert diff.reworded == ()
    assert diff.rescored == ()
    kept = set(diff.unchanged)
    assert len(kept) == 19
    v1_items = {item.key: item for item in V1.items}
    for key in kept:
        before, after = v1_items[key], ITEMS[key]
        assert before.text.as_dict() == after.text.as_dict()
        assert (before.dimension, before.reverse) == (after.dimension, after.reverse)
    # New keys continue each prefix's numbering, so no version 1 key is reused.
    for key in diff.added:
        assert int(key.split("_")[1]) >= 5, key
    assert len(diff.added) + len(kept) == len(DOC.items) == 56
    assert len(diff.removed) == 52 - 19


def test_no_family_index_is_comparable_with_version_1() -> None:
    comparability = family_comparability(V1, DOC)
    assert set(comparability) == set(FAMILIES)
    assert not any(c.comparable for c in comparability.values())


def test_every_changed_or_kept_key_has_its_reason() -> None:
    revision = DOC.metadata.revision
    assert revision is not None
    assert revision.from_version == 1
    diff = diff_versions(V1, DOC)
    keys = (
        set(diff.added)
        | set(diff.removed)
        | set(diff.unchanged)
        | {d.key for d in DOC.dimensions}
        | {f.key for f in DOC.families}
        | {p.key for p in DOC.prompts}
        | {p.key for p in V1.prompts}
    )
    assert set(revision.reasons) == keys
    for key in diff.removed:
        assert revision.reasons[key].startswith("Removed"), key
    for key in diff.added:
        assert revision.reasons[key].startswith("Added"), key
    for key in diff.unchanged:
        assert revision.reasons[key].startswith("Kept word for word"), key
    assert "Mutualidad" in revision.reasons["mutuality"]


def test_definitions_and_varieties() -> None:
    definitions = DOC.metadata.definitions
    assert set(definitions) == {d.key for d in DOC.dimensions} | {f.key for f in DOC.families}
    for key, text in definitions.items():
        assert len(text) >= 150, key
    assert "participation in decisions" in definitions["unilateral_control"]
    assert "no demographic data" in definitions["rank_ordering"]
    varieties = DOC.metadata.varieties
    assert varieties is not None
    assert set(varieties) == {"en", "es"}
    assert "es-419" in varieties["es"]
    assert "usted" in varieties["es"]


def test_reverse_keyed_items_are_listed_in_the_pilot_plan() -> None:
    for item in DOC.items:
        if item.reverse:
            assert item.key in DOC.metadata.notes, item.key


def test_missing_content_of_issue_18_is_asked() -> None:
    en = {key: item.text["en"].lower() for key, item in ITEMS.items()}
    # Ranking along lines of social value, asked as a perception (no demographic item).
    assert all(word in en["ro_5"] for word in ("race", "class", "gender", "age"))
    assert ITEMS["ro_5"].dimension == "rank_ordering"
    assert all(item.type == "likert" for item in DOC.items)
    expected = {
        "ro_7": ("rank_ordering", "kept waiting"),  # everyday status signal
        "ro_9": ("rank_ordering", "hierarchy is treated as necessary"),
        "si_7": ("silencing", "subjects that people avoid"),
        "ac_7": ("accountability", "mistakes of senior staff"),
        "dc_7": ("disconnection", "outsider"),
        "me_7": ("mutual_empowerment", "ask colleagues for help"),
    }
    for key, (dimension, phrase) in expected.items():
        assert ITEMS[key].dimension == dimension, key
        assert phrase in en[key], key


def test_participation_in_decisions_has_one_home() -> None:
    for item in DOC.items:
        mentions = "decision" in item.text["en"].lower() or "decisi" in item.text["es"].lower()
        assert not mentions or item.dimension == "unilateral_control", item.key


def test_spanish_is_usted_and_free_of_known_ambiguities() -> None:
    for where, text in texts_in("es").items():
        assert not re.search(r"\btu\b|\btú\b|\bti\b|\btus\b", text.lower()), where
    for prompt in DOC.prompts:
        assert "su grupo de trabajo" in prompt.text["es"]


def test_prompts_ask_what_helped_and_warn_about_identifying_details() -> None:
    assert [p.key for p in DOC.prompts] == ["what_helped", "safer_to_speak"]
    for prompt in DOC.prompts:
        assert prompt.max_length == 2000
        text = prompt.text["en"].lower()
        assert "help" in text or "would make" in text
        assert "what happened" not in text and "think of a time" not in text
        assert prompt.help is not None
        for detail in ("role", "date", "incident"):
            assert detail in prompt.help["en"], detail
        for detail in ("cargo", "fecha", "incidente"):
            assert detail in prompt.help["es"], detail


def test_privacy_receipt_keeps_its_placeholders_and_names_the_language() -> None:
    for language in ("en", "es"):
        assert "{k_scores}" in DOC.privacy[language]
        assert "{k_comments}" in DOC.privacy[language]
    filled = DOC.privacy_text("en", k_scores=5, k_comments=10)
    assert "the language you answer in" in filled
    assert "at least 5 people in it have answered" in filled
    assert "at least 10 people in the group have commented" in filled
    assert "el idioma en que responde" in DOC.privacy_text("es", k_scores=5, k_comments=10)
    # Otherwise the receipt says what version 1's did.
    assert DOC.privacy["en"].replace("the language you answer in, ", "") == V1.privacy["en"]
    assert DOC.privacy["es"].replace("el idioma en que responde, ", "") == V1.privacy["es"]


def test_a_fully_favorable_response_scores_best_on_every_family() -> None:
    answers: dict[str, int | None] = {}
    for item in DOC.items:
        family = DOC.family_of_item(item)
        assert family is not None
        wants_high = (family.desirable == "high") != item.reverse
        answers[item.key] = 5 if wants_high else 1
    scores = score_response(DOC, answers)
    assert scores.families == {"mutuality": 5, "power_over": 1, "outcomes": 5}


def _without(data: dict[str, Any], change: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    change(copy)
    return copy


def test_the_validator_refuses_a_leader_item_without_its_audience() -> None:
    index = next(i for i, item in enumerate(DATA["items"]) if item["key"] == "vi_8")
    broken = _without(DATA, lambda d: d["items"][index].pop("audience"))
    result = validate_instrument_data(broken)
    assert not result.ok
    assert [e.pointer for e in result.errors] == [f"/items/{index}"]
    assert "audience" in result.errors[0].message


def test_the_validator_refuses_a_missing_spanish_text() -> None:
    index = next(i for i, item in enumerate(DATA["items"]) if item["key"] == "ro_5")
    broken = _without(DATA, lambda d: d["items"][index]["text"].pop("es"))
    result = validate_instrument_data(broken)
    assert not result.ok
    assert [e.pointer for e in result.errors] == [f"/items/{index}/text/es"]
    # The file on disk is untouched.
    assert load(BUNDLED_INSTRUMENT_V2)[0] == DATA


def test_leader_items_sit_in_the_mutuality_family_only() -> None:
    # The leader is asked about as accountable and open to influence (mutuality); the
    # power-over dimensions ask about the group, which a leader rates too.
    for item in (item for item in DOC.items if item.referent == "leader"):
        family = DOC.family_of_item(item)
        assert family is not None and family.key == "mutuality", item.key


def test_the_editors_diff_page_shows_version_1_to_2_with_the_reasons(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    bundled_version: InstrumentVersion,
    db_session: Any,
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    assert auth.login("admin@example.org").status_code == 302
    (outcome,) = sync_instruments([BUNDLED_INSTRUMENT_V2])
    db_session.commit()
    assert (bundled_version.version, outcome.version.version) == (1, 2)
    response = client.get("/admin/instruments/relational-climate/diff?from=1&to=2")
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    assert "Added (37)" in page
    assert "Removed (33)" in page
    reasons = DOC.metadata.revision.reasons if DOC.metadata.revision else {}
    for key in ("vi_8", "uc_1", "ro_5", "ca_4", "ea_2", "what_helped"):
        assert reasons[key] in page, key
