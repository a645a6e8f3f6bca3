"""Compare two versions of an instrument, item by item (matched by stable key).

A trend across waves may compare an item only if respondents of both waves saw the same
question and it was scored the same way. This module decides which items qualify:

- reworded: the question a respondent reads changed in a language both versions have:
  the item text, a scale point label, the "prefer not to answer" label or an option
  label. Whitespace differences (spaces, line breaks) do not count. A language added to
  or removed from the instrument is reported separately and does not break
  comparability: respondents of the other languages saw identical questions.
- rescored: what a given answer contributes changed: item type, dimension, the
  dimension's family or that family's desirable direction, the reverse flag, the scale's
  range or favorability bands, or the option keys and their order (single-choice answers
  are stored as option positions). A change of whom the item asks about (referent) or
  of who is asked it (audience) counts too: the same answer then stands for something
  else, or comes from other people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from app.instruments.document import InstrumentDocument, Item, LocalizedText, Prompt

ChangeKind = Literal["reworded", "rescored"]

_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class ItemChange:
    """One difference of one item, e.g. ("ea_1", "reworded", "text in 'es' changed")."""

    key: str
    kind: ChangeKind
    detail: str


@dataclass(frozen=True)
class InstrumentDiff:
    """Differences from `old` to `new`. Key tuples follow the new document's order
    (removed keys: the old one's)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    reworded: tuple[str, ...]
    rescored: tuple[str, ...]
    unchanged: tuple[str, ...]  # in both, neither reworded nor rescored
    changes: tuple[ItemChange, ...]
    prompts_added: tuple[str, ...] = ()
    prompts_removed: tuple[str, ...] = ()
    prompts_changed: tuple[str, ...] = ()  # text, help text or max_length
    languages_added: tuple[str, ...] = ()
    languages_removed: tuple[str, ...] = ()

    @property
    def has_item_changes(self) -> bool:
        return bool(self.added or self.removed or self.reworded or self.rescored)

    def comparable_items(self) -> tuple[str, ...]:
        """Item keys whose key, wording and scoring are identical in both versions."""
        return self.unchanged

    def details(self, key: str) -> tuple[ItemChange, ...]:
        return tuple(change for change in self.changes if change.key == key)


def comparable_items(diff: InstrumentDiff) -> tuple[str, ...]:
    """Item keys a trend across the two versions may compare."""
    return diff.comparable_items()


def _normalize(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def _text_changes(
    old: LocalizedText, new: LocalizedText, languages: tuple[str, ...], what: str
) -> Iterator[str]:
    for language in languages:
        before, after = old.get(language), new.get(language)
        if before is not None and after is not None and _normalize(before) != _normalize(after):
            yield f"{what} in '{language}' changed"


def _wording_changes(old: Item, new: Item, languages: tuple[str, ...]) -> Iterator[str]:
    yield from _text_changes(old.text, new.text, languages, "text")
    if old.scale is not None and new.scale is not None:
        old_points = {p.value: p.label for p in old.scale.points}
        for point in new.scale.points:
            if point.value in old_points:
                yield from _text_changes(
                    old_points[point.value], point.label, languages, f"label of point {point.value}"
                )
        yield from _text_changes(
            old.scale.prefer_not_label,
            new.scale.prefer_not_label,
            languages,
            "'prefer not to answer' label",
        )
    old_options = {o.key: o.label for o in old.options}
    for option in new.options:
        if option.key in old_options:
            yield from _text_changes(
                old_options[option.key], option.label, languages, f"label of option '{option.key}'"
            )


def _scoring_changes(
    old_doc: InstrumentDocument, new_doc: InstrumentDocument, old: Item, new: Item
) -> Iterator[str]:
    if old.type != new.type:
        yield f"type changed from {old.type} to {new.type}"
        return
    if old.dimension != new.dimension:
        yield f"dimension changed from {old.dimension!r} to {new.dimension!r}"
    else:
        old_family, new_family = old_doc.family_of_item(old), new_doc.family_of_item(new)
        if old_family is not None and new_family is not None:
            if old_family.key != new_family.key:
                yield f"dimension moved from family {old_family.key!r} to {new_family.key!r}"
            elif old_family.desirable != new_family.desirable:
                yield (
                    f"family {new_family.key!r} desirable direction changed from "
                    f"{old_family.desirable} to {new_family.desirable}"
                )
    if old.reverse != new.reverse:
        yield f"reverse flag changed from {old.reverse} to {new.reverse}"
    if old.scale is not None and new.scale is not None:
        # The scale key is a name; what matters is the range and the bands.
        before = (old.scale.min, old.scale.max, old.scale.low, old.scale.high)
        after = (new.scale.min, new.scale.max, new.scale.low, new.scale.high)
        if before[:2] != after[:2]:
            yield (
                f"scale range changed from {old.scale.min}-{old.scale.max} "
                f"to {new.scale.min}-{new.scale.max}"
            )
        elif before != after:
            yield "scale favorability bands changed"
    old_options = [o.key for o in old.options]
    new_options = [o.key for o in new.options]
    if old_options != new_options:
        yield f"options changed from {old_options} to {new_options}"
    if old.referent != new.referent:
        yield f"referent changed from {old.referent} to {new.referent}"
    if old.audience != new.audience:
        yield f"audience changed from {old.audience} to {new.audience}"


def diff_versions(old: InstrumentDocument, new: InstrumentDocument) -> InstrumentDiff:
    """Compare `old` and `new` (two versions of one instrument) item by item."""
    shared_languages = tuple(code for code in new.languages if code in old.languages)
    old_items = {item.key: item for item in old.items}
    new_keys = {item.key for item in new.items}

    changes: list[ItemChange] = []
    added: list[str] = []
    unchanged: list[str] = []
    for item in new.items:
        before = old_items.get(item.key)
        if before is None:
            added.append(item.key)
            continue
        found = [
            ItemChange(item.key, "reworded", detail)
            for detail in _wording_changes(before, item, shared_languages)
        ] + [
            ItemChange(item.key, "rescored", detail)
            for detail in _scoring_changes(old, new, before, item)
        ]
        changes.extend(found)
        if not found:
            unchanged.append(item.key)

    def keys_of(kind: ChangeKind) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.key for c in changes if c.kind == kind))

    old_prompts = {prompt.key: prompt for prompt in old.prompts}
    new_prompt_keys = {prompt.key for prompt in new.prompts}
    return InstrumentDiff(
        added=tuple(added),
        removed=tuple(item.key for item in old.items if item.key not in new_keys),
        reworded=keys_of("reworded"),
        rescored=keys_of("rescored"),
        unchanged=tuple(unchanged),
        changes=tuple(changes),
        prompts_added=tuple(p.key for p in new.prompts if p.key not in old_prompts),
        prompts_removed=tuple(p.key for p in old.prompts if p.key not in new_prompt_keys),
        prompts_changed=tuple(
            prompt.key
            for prompt in new.prompts
            if prompt.key in old_prompts
            and _prompt_changed(old_prompts[prompt.key], prompt, shared_languages)
        ),
        languages_added=tuple(code for code in new.languages if code not in old.languages),
        languages_removed=tuple(code for code in old.languages if code not in new.languages),
    )


def _prompt_changed(before: Prompt, after: Prompt, languages: tuple[str, ...]) -> bool:
    """Whether a comment prompt's text, help or length limit changed."""
    empty = LocalizedText(())
    return (
        any(_text_changes(before.text, after.text, languages, "text"))
        or any(_text_changes(before.help or empty, after.help or empty, languages, "help"))
        or (before.help is None) != (after.help is None)
        or before.max_length != after.max_length
    )


@dataclass(frozen=True)
class Rewording:
    """One reworded item: its text per shared language before and after, and why."""

    key: str
    texts: list[tuple[str, str, str]]  # (language, old text, new text)
    details: list[str]


def rewordings(
    changes: InstrumentDiff, old_doc: InstrumentDocument, new_doc: InstrumentDocument
) -> list[Rewording]:
    """The reworded items of `changes`, side by side in the languages both versions have."""
    shared = [code for code in new_doc.languages if code in old_doc.languages]
    found = []
    for item_key in changes.reworded:
        before, after = old_doc.item(item_key), new_doc.item(item_key)
        found.append(
            Rewording(
                key=item_key,
                texts=[(code, before.text[code], after.text[code]) for code in shared],
                details=[c.detail for c in changes.details(item_key) if c.kind == "reworded"],
            )
        )
    return found


@dataclass(frozen=True)
class FamilyComparability:
    """Whether a family index of a wave on one version may be compared with the same index
    of a wave on another, and if not, why (one reason per item or membership change)."""

    family: str
    reasons: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        """The reasons in one sentence, for a page ("" when comparable)."""
        return "; ".join(self.reasons)


def _family_items(document: InstrumentDocument) -> dict[str, tuple[str, ...]]:
    items = document.items_by_dimension()
    return {
        family: tuple(item.key for d in dimensions for item in items[d.key])
        for family, dimensions in document.dimensions_by_family().items()
    }


def family_comparability(
    earlier: InstrumentDocument, later: InstrumentDocument
) -> dict[str, FamilyComparability]:
    """The one comparability rule of the reports, for a pair of waves (the earlier wave's
    version, the later wave's version), whichever page asks: a family index is comparable
    only if the family is in both versions with the same items, and each of them kept its
    wording and its scoring (`diff_versions`). Every family of either version is answered;
    two waves on the same version compare every family."""
    return _comparability(earlier, later, _family_items, "index")


def dimension_comparability(
    earlier: InstrumentDocument, later: InstrumentDocument
) -> dict[str, FamilyComparability]:
    """The same rule for each dimension's score (an action plan's focus areas, a team's
    change per dimension): comparable only with the same items, wording and scoring."""
    return _comparability(earlier, later, _dimension_items, "dimension")


def _dimension_items(document: InstrumentDocument) -> dict[str, tuple[str, ...]]:
    items = document.items_by_dimension()
    return {d.key: tuple(item.key for item in items[d.key]) for d in document.dimensions}


def _comparability(
    earlier: InstrumentDocument,
    later: InstrumentDocument,
    items_of: Callable[[InstrumentDocument], dict[str, tuple[str, ...]]],
    noun: str,
) -> dict[str, FamilyComparability]:
    before, after = items_of(earlier), items_of(later)
    if earlier is later:
        return {key: FamilyComparability(key) for key in after}
    changes = diff_versions(earlier, later)
    found: dict[str, FamilyComparability] = {}
    for key in dict.fromkeys([*after, *before]):
        if key not in before:
            found[key] = FamilyComparability(key, (f"the earlier version has no such {noun}",))
            continue
        if key not in after:
            found[key] = FamilyComparability(key, (f"the later version has no such {noun}",))
            continue
        reasons = [f"item {item} is new" for item in after[key] if item not in before[key]]
        reasons += [f"item {item} was left out" for item in before[key] if item not in after[key]]
        reasons += [
            f"item {item}: {change.detail}"
            for item in after[key]
            if item in before[key]
            for change in changes.details(item)
        ]
        found[key] = FamilyComparability(key, tuple(reasons))
    return found
