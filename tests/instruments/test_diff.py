"""Diffs between instrument versions and the items trends may compare."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from app.instruments.diff import ItemChange, comparable_items, diff_versions
from app.instruments.document import InstrumentDocument
from app.instruments.validation import validate_instrument_data
from tests.instruments.samples import small_instrument

ALL_ITEMS = ("tr_1", "tr_2", "tr_3", "fe_1", "fe_2", "fe_3", "tenure")


def document(data: dict[str, Any]) -> InstrumentDocument:
    result = validate_instrument_data(data)
    assert result.document is not None, [str(e) for e in result.errors]
    return result.document


def edited(change: Callable[[dict[str, Any]], object]) -> InstrumentDocument:
    data = copy.deepcopy(small_instrument())
    change(data)
    return document(data)


OLD = document(small_instrument())


def test_identical_versions_are_fully_comparable() -> None:
    diff = diff_versions(OLD, document(small_instrument()))
    assert diff.comparable_items() == ALL_ITEMS
    assert not diff.has_item_changes
    assert diff.changes == ()


def test_reworded_item_is_not_comparable() -> None:
    new = edited(
        lambda d: d["items"][0]["text"].update(en="In my work group, people keep promises.")
    )
    diff = diff_versions(OLD, new)
    assert diff.reworded == ("tr_1",)
    assert diff.rescored == ()
    assert "tr_1" not in diff.comparable_items()
    assert diff.details("tr_1") == (ItemChange("tr_1", "reworded", "text in 'en' changed"),)


def test_change_in_any_shared_language_is_a_rewording() -> None:
    new = edited(lambda d: d["items"][3]["text"].update(es="En mi grupo, se castigan los errores."))
    assert diff_versions(OLD, new).reworded == ("fe_1",)


def test_whitespace_only_edits_keep_items_comparable() -> None:
    def respace(data: dict[str, Any]) -> None:
        text = data["items"][0]["text"]
        text["en"] = "  In my work group,\n people   keep their word. "

    diff = diff_versions(OLD, edited(respace))
    assert diff.comparable_items() == ALL_ITEMS


def test_reverse_flag_change_is_a_rescoring() -> None:
    new = edited(lambda d: d["items"][2].pop("reverse"))
    diff = diff_versions(OLD, new)
    assert diff.rescored == ("tr_3",)
    assert diff.reworded == ()
    assert diff.details("tr_3")[0].detail == "reverse flag changed from True to False"
    assert "tr_3" not in comparable_items(diff)


def test_moving_an_item_to_another_dimension_is_a_rescoring() -> None:
    new = edited(lambda d: d["items"][0].update(dimension="fear"))
    diff = diff_versions(OLD, new)
    assert diff.rescored == ("tr_1",)
    assert "dimension changed from 'trust' to 'fear'" in diff.details("tr_1")[0].detail


def test_flipping_a_family_direction_rescores_its_items() -> None:
    new = edited(lambda d: d["families"][1].update(desirable="high"))
    diff = diff_versions(OLD, new)
    assert diff.rescored == ("fe_1", "fe_2", "fe_3")
    assert diff.comparable_items() == ("tr_1", "tr_2", "tr_3", "tenure")


def test_moving_a_dimension_to_another_family_rescores_its_items() -> None:
    # Swap the two dimensions' families (a family may not be left empty).
    new = edited(
        lambda d: (
            d["dimensions"][1].update(family="good"),
            d["dimensions"][0].update(family="bad"),
        )
    )
    diff = diff_versions(OLD, new)
    assert set(diff.rescored) == {"tr_1", "tr_2", "tr_3", "fe_1", "fe_2", "fe_3"}


def test_scale_range_change_rescores_and_label_change_rewords_every_likert_item() -> None:
    def relabel(data: dict[str, Any]) -> None:
        data["scales"][0]["points"][2]["label"]["en"] = "Neither agree nor disagree"

    diff = diff_versions(OLD, edited(relabel))
    assert diff.reworded == ("tr_1", "tr_2", "tr_3", "fe_1", "fe_2", "fe_3")
    assert diff.rescored == ()
    assert diff.comparable_items() == ("tenure",)

    def widen(data: dict[str, Any]) -> None:
        scale = data["scales"][0]
        scale["max"] = 6
        scale["bands"]["high"] = [5, 6]
        scale["points"].append({"value": 6, "label": {"en": "Totally", "es": "Totalmente"}})

    diff = diff_versions(OLD, edited(widen))
    assert diff.rescored == ("tr_1", "tr_2", "tr_3", "fe_1", "fe_2", "fe_3")
    assert "scale range changed from 1-5 to 1-6" in diff.details("fe_1")[0].detail


def test_band_change_is_a_rescoring_but_a_scale_rename_is_not() -> None:
    diff = diff_versions(OLD, edited(lambda d: d["scales"][0]["bands"].update(high=[5, 5])))
    assert diff.rescored == ("tr_1", "tr_2", "tr_3", "fe_1", "fe_2", "fe_3")

    def rename(data: dict[str, Any]) -> None:
        data["scales"][0]["key"] = "agreement"
        for item in data["items"]:
            if item["type"] == "likert":
                item["scale"] = "agreement"

    assert diff_versions(OLD, edited(rename)).comparable_items() == ALL_ITEMS


def test_option_order_matters_because_answers_are_stored_as_positions() -> None:
    new = edited(lambda d: d["items"][6]["options"].reverse())
    diff = diff_versions(OLD, new)
    assert diff.rescored == ("tenure",)
    relabelled = edited(lambda d: d["items"][6]["options"][0]["label"].update(en="Under a year"))
    assert diff_versions(OLD, relabelled).reworded == ("tenure",)


def test_added_and_removed_items() -> None:
    def change(data: dict[str, Any]) -> None:
        new_item = copy.deepcopy(data["items"][0])
        new_item["key"] = "tr_4"
        data["items"].insert(1, new_item)
        del data["items"][5]  # fe_2

    diff = diff_versions(OLD, edited(change))
    assert diff.added == ("tr_4",)
    assert diff.removed == ("fe_2",)
    assert diff.comparable_items() == ("tr_1", "tr_2", "tr_3", "fe_1", "fe_3", "tenure")


def test_an_item_can_be_both_reworded_and_rescored() -> None:
    def change(data: dict[str, Any]) -> None:
        data["items"][0]["reverse"] = True
        data["items"][0]["text"]["es"] = "Otra frase."

    diff = diff_versions(OLD, edited(change))
    assert diff.reworded == ("tr_1",)
    assert diff.rescored == ("tr_1",)
    assert [c.kind for c in diff.details("tr_1")] == ["reworded", "rescored"]


def test_adding_a_language_keeps_items_comparable() -> None:
    def add_french(data: dict[str, Any]) -> None:
        data["languages"].append("fr")

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if "en" in value and isinstance(value["en"], str):
                    value["fr"] = value["en"] + " (fr)"
                for member in value.values():
                    walk(member)
            elif isinstance(value, list):
                for member in value:
                    walk(member)

        walk(data)

    new = edited(add_french)
    diff = diff_versions(OLD, new)
    assert diff.languages_added == ("fr",)
    assert diff.comparable_items() == ALL_ITEMS
    back = diff_versions(new, OLD)
    assert back.languages_removed == ("fr",)
    assert back.comparable_items() == ALL_ITEMS


def test_prompt_changes() -> None:
    def change(data: dict[str, Any]) -> None:
        data["prompts"][0]["max_length"] = 500
        data["prompts"].append(
            {"key": "more", "text": {"en": "More?", "es": "¿Más?"}, "max_length": 10}
        )

    diff = diff_versions(OLD, edited(change))
    assert diff.prompts_changed == ("ideas",)
    assert diff.prompts_added == ("more",)
    assert diff.comparable_items() == ALL_ITEMS
    assert diff_versions(edited(change), OLD).prompts_removed == ("more",)
