"""A parsed, immutable instrument document.

`InstrumentDocument.from_dict` turns a dict that has already passed
`app.instruments.validation` into frozen dataclasses. It does not validate: on an
unvalidated dict it may raise KeyError or TypeError, or build an inconsistent document.

`canonical_json` / `content_sha256` give a stable byte form of an instrument so that
two documents that differ only in key order or whitespace share one sha256 (the
InstrumentVersion identity).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

# The question types items and prompts use; app.instruments.question_types registers one
# class per name (tests/instruments/test_question_types.py checks they agree).
ItemType = Literal["likert", "single_choice"]
PromptType = Literal["open_text"]
Desirable = Literal["high", "low"]
Status = Literal["draft", "pilot", "validated"]
Referent = Literal["group", "leader"]
Audience = Literal["everyone", "led"]

# Placeholders the intro and privacy texts may contain; filled in per survey.
PLACEHOLDERS: tuple[str, ...] = ("k_scores", "k_comments")


def canonical_json(data: Any) -> bytes:
    """Serialize `data` deterministically: keys sorted, no insignificant whitespace,
    UTF-8 (non-ASCII kept as is), NaN and infinities refused.

    Equal JSON values give equal bytes, so the sha256 of these bytes identifies the
    content independently of formatting.
    """
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_sha256(data: Any) -> str:
    """Hex sha256 of `canonical_json(data)`."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def fill_placeholders(text: str, values: Mapping[str, object]) -> str:
    """Replace `{name}` for each name in `values`; other braces are left untouched.

    str.format is not used because an instrument author may legitimately write
    braces, and a stray one must not crash a respondent's page.
    """
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


@dataclass(frozen=True)
class LocalizedText(Mapping[str, str]):
    """One text in several languages, read-only; behaves as a Mapping {language: text}."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> LocalizedText:
        return cls(tuple(sorted(data.items())))

    def __getitem__(self, language: str) -> str:
        for code, text in self.pairs:
            if code == language:
                return text
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return (code for code, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def for_language(self, language: str, fallback: str | None = None) -> str:
        """The text in `language`, else in `fallback`; KeyError if neither exists."""
        if language in self:
            return self[language]
        if fallback is not None and fallback in self:
            return self[fallback]
        raise KeyError(f"no text in {language!r}" + (f" or {fallback!r}" if fallback else ""))

    def as_dict(self) -> dict[str, str]:
        return dict(self.pairs)


@dataclass(frozen=True)
class KeyedText(Mapping[str, str]):
    """{key: text}, read-only, in the order the file gives (e.g. construct definitions
    or revision reasons by item, dimension or family key)."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> KeyedText:
        return cls(tuple(data.items()))

    def __getitem__(self, key: str) -> str:
        for name, text in self.pairs:
            if name == key:
                return text
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class Band:
    """An inclusive range of scale points, e.g. [4, 5] for "agree"."""

    first: int
    last: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.first <= value <= self.last


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: LocalizedText


@dataclass(frozen=True)
class Scale:
    """A fully labelled integer response scale from `min` to `max`.

    "Prefer not to answer" is not a point of the scale: it is stored as a missing
    value and is never scored.
    """

    key: str
    min: int
    max: int
    points: tuple[ScalePoint, ...]  # sorted by value, one per integer in [min, max]
    prefer_not_label: LocalizedText
    low: Band
    high: Band

    def contains(self, value: int) -> bool:
        return self.min <= value <= self.max

    def label(self, value: int, language: str, fallback: str | None = None) -> str:
        for point in self.points:
            if point.value == value:
                return point.label.for_language(language, fallback)
        raise ValueError(f"{value} is not a point of scale {self.key!r}")


@dataclass(frozen=True)
class Family:
    key: str
    label: LocalizedText
    desirable: Desirable


@dataclass(frozen=True)
class Dimension:
    key: str
    family: str
    label: LocalizedText
    description: LocalizedText
    min_answered: int


@dataclass(frozen=True)
class Option:
    key: str
    label: LocalizedText


@dataclass(frozen=True)
class Item:
    """A closed question. Likert items carry their resolved `scale` and `dimension`;
    single-choice items carry `options` and are not scored."""

    key: str
    type: ItemType
    text: LocalizedText
    dimension: str | None = None
    scale: Scale | None = None
    reverse: bool = False
    options: tuple[Option, ...] = ()
    referent: Referent = "group"  # whom the item asks about
    audience: Audience = "everyone"  # who is asked it

    @property
    def is_scored(self) -> bool:
        return self.type == "likert"

    def asked_of(self, *, leads_work_group: bool) -> bool:
        """Whether a respondent is asked this item: items for the led are not asked of
        someone whose level leads the work group (they would rate themself)."""
        return not (self.audience == "led" and leads_work_group)


@dataclass(frozen=True)
class Prompt:
    """An optional open-text question; answers are stored as comments."""

    key: str
    text: LocalizedText
    help: LocalizedText | None
    max_length: int

    @property
    def type(self) -> PromptType:
        # Lets the question-type registry treat items and prompts alike.
        return "open_text"


@dataclass(frozen=True)
class ChangelogEntry:
    date: str
    note: str


@dataclass(frozen=True)
class Revision:
    """Why this version differs from `from_version`: a short reason per item, dimension,
    family or prompt key (added, removed, reworded, moved or kept)."""

    from_version: int
    reasons: KeyedText = KeyedText()


@dataclass(frozen=True)
class ValidationReport:
    """The evidence behind status "validated"."""

    date: str
    sample: str
    factor_structure: str
    invariance_levels: str
    invariance_languages: str
    reliability: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Metadata:
    status: Status
    authors: tuple[str, ...] = ()
    changelog: tuple[ChangelogEntry, ...] = ()
    notes: str = ""
    # {language: its target variety}, e.g. {"es": "Latin American Spanish (es-419), usted"}
    varieties: LocalizedText | None = None
    definitions: KeyedText = KeyedText()  # {dimension or family key: construct definition}
    revision: Revision | None = None
    validation_report: ValidationReport | None = None


def _text(data: Mapping[str, str]) -> LocalizedText:
    return LocalizedText.from_dict(data)


def _metadata(meta: Mapping[str, Any]) -> Metadata:
    revision = meta.get("revision")
    report = meta.get("validation_report")
    return Metadata(
        status=meta["status"],
        authors=tuple(meta.get("authors", ())),
        changelog=tuple(ChangelogEntry(e["date"], e["note"]) for e in meta.get("changelog", ())),
        notes=meta.get("notes", ""),
        varieties=_text(meta["varieties"]) if "varieties" in meta else None,
        definitions=KeyedText.from_dict(meta.get("definitions", {})),
        revision=(
            Revision(int(revision["from_version"]), KeyedText.from_dict(revision["reasons"]))
            if revision is not None
            else None
        ),
        validation_report=(
            ValidationReport(
                date=report["date"],
                sample=report["sample"],
                factor_structure=report["factor_structure"],
                invariance_levels=report["invariance_levels"],
                invariance_languages=report["invariance_languages"],
                reliability=report.get("reliability"),
                url=report.get("url"),
            )
            if report is not None
            else None
        ),
    )


def _scale(data: Mapping[str, Any]) -> Scale:
    points = sorted(
        (ScalePoint(int(p["value"]), _text(p["label"])) for p in data["points"]),
        key=lambda point: point.value,
    )
    bands = data["bands"]
    return Scale(
        key=data["key"],
        min=int(data["min"]),
        max=int(data["max"]),
        points=tuple(points),
        prefer_not_label=_text(data["prefer_not_label"]),
        low=Band(int(bands["low"][0]), int(bands["low"][1])),
        high=Band(int(bands["high"][0]), int(bands["high"][1])),
    )


@dataclass(frozen=True)
class InstrumentDocument:
    """A whole instrument. Collections keep the order of the JSON file, which is the
    order questions are shown in."""

    schema_version: int
    key: str
    title: LocalizedText
    metadata: Metadata
    languages: tuple[str, ...]
    default_language: str
    intro: LocalizedText
    privacy: LocalizedText
    scales: tuple[Scale, ...]
    families: tuple[Family, ...]
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    prompts: tuple[Prompt, ...] = ()
    # Lookup tables, derived from the fields above.
    _index: Mapping[str, Mapping[str, Any]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        index: dict[str, Mapping[str, Any]] = {
            "scales": MappingProxyType({s.key: s for s in self.scales}),
            "families": MappingProxyType({f.key: f for f in self.families}),
            "dimensions": MappingProxyType({d.key: d for d in self.dimensions}),
            "items": MappingProxyType({i.key: i for i in self.items}),
            "prompts": MappingProxyType({p.key: p for p in self.prompts}),
        }
        # Groupings used per scored response: computed once, since documents are immutable.
        by_dimension: dict[str, list[Item]] = {d.key: [] for d in self.dimensions}
        for item in self.items:
            if item.is_scored and item.dimension is not None:
                by_dimension[item.dimension].append(item)
        by_family: dict[str, list[Dimension]] = {f.key: [] for f in self.families}
        for dimension in self.dimensions:
            by_family[dimension.family].append(dimension)
        index["items_by_dimension"] = MappingProxyType(
            {key: tuple(items) for key, items in by_dimension.items()}
        )
        index["dimensions_by_family"] = MappingProxyType(
            {key: tuple(dims) for key, dims in by_family.items()}
        )
        index["scored_items"] = MappingProxyType({i.key: i for i in self.items if i.is_scored})
        object.__setattr__(self, "_index", MappingProxyType(index))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstrumentDocument:
        """Build from a dict that passed `validate_instrument_data` (not re-checked)."""
        scales = tuple(_scale(s) for s in data["scales"])
        scale_by_key = {s.key: s for s in scales}
        return cls(
            schema_version=int(data["schema_version"]),
            key=data["key"],
            title=_text(data["title"]),
            metadata=_metadata(data["metadata"]),
            languages=tuple(data["languages"]),
            default_language=data["default_language"],
            intro=_text(data["intro"]),
            privacy=_text(data["privacy"]),
            scales=scales,
            families=tuple(
                Family(f["key"], _text(f["label"]), f["desirable"]) for f in data["families"]
            ),
            dimensions=tuple(
                Dimension(
                    key=d["key"],
                    family=d["family"],
                    label=_text(d["label"]),
                    description=_text(d["description"]),
                    min_answered=int(d["min_answered"]),
                )
                for d in data["dimensions"]
            ),
            items=tuple(
                Item(
                    key=i["key"],
                    type=i["type"],
                    text=_text(i["text"]),
                    dimension=i.get("dimension"),
                    scale=scale_by_key[i["scale"]] if "scale" in i else None,
                    reverse=bool(i.get("reverse", False)),
                    options=tuple(
                        Option(o["key"], _text(o["label"])) for o in i.get("options", ())
                    ),
                    referent=i.get("referent", "group"),
                    audience=i.get("audience", "everyone"),
                )
                for i in data["items"]
            ),
            prompts=tuple(
                Prompt(
                    key=p["key"],
                    text=_text(p["text"]),
                    help=_text(p["help"]) if "help" in p else None,
                    max_length=int(p["max_length"]),
                )
                for p in data.get("prompts", ())
            ),
        )

    # Lookups (KeyError on an unknown key).
    def scale(self, key: str) -> Scale:
        scale: Scale = self._index["scales"][key]
        return scale

    def family(self, key: str) -> Family:
        family: Family = self._index["families"][key]
        return family

    def dimension(self, key: str) -> Dimension:
        dimension: Dimension = self._index["dimensions"][key]
        return dimension

    def item(self, key: str) -> Item:
        item: Item = self._index["items"][key]
        return item

    def prompt(self, key: str) -> Prompt:
        prompt: Prompt = self._index["prompts"][key]
        return prompt

    def family_of_item(self, item: Item) -> Family | None:
        if item.dimension is None:
            return None
        return self.family(self.dimension(item.dimension).family)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(self._index["scored_items"].values())

    def items_asked_of(self, *, leads_work_group: bool) -> tuple[Item, ...]:
        """The items a respondent is asked, in display order (see `Item.asked_of`)."""
        return tuple(i for i in self.items if i.asked_of(leads_work_group=leads_work_group))

    def items_by_dimension(self) -> dict[str, tuple[Item, ...]]:
        """{dimension key: its scored items in document order}, every dimension present."""
        return dict(self._index["items_by_dimension"])

    def dimensions_by_family(self) -> dict[str, tuple[Dimension, ...]]:
        """{family key: its dimensions in document order}, every family present."""
        return dict(self._index["dimensions_by_family"])

    def resolve_language(self, requested: str | None) -> str:
        """The declared language closest to `requested` (exact match, then the same
        primary language, e.g. 'es-MX' -> 'es'), else the default language."""
        if requested:
            wanted = requested.lower()
            for code in self.languages:
                if code.lower() == wanted:
                    return code
            primary = wanted.split("-")[0]
            for code in self.languages:
                if code.lower().split("-")[0] == primary:
                    return code
        return self.default_language

    def text(self, localized: LocalizedText, language: str) -> str:
        """`localized` in `language`, falling back to the default language."""
        return localized.for_language(language, self.default_language)

    def texts(self, language: str) -> dict[str, str]:
        """{item or prompt key: its question text in `language`} in display order."""
        texts = {item.key: self.text(item.text, language) for item in self.items}
        texts.update({prompt.key: self.text(prompt.text, language) for prompt in self.prompts})
        return texts

    def privacy_text(self, language: str, *, k_scores: int, k_comments: int) -> str:
        """The privacy notice in `language` with the survey's thresholds filled in."""
        return fill_placeholders(
            self.text(self.privacy, language), {"k_scores": k_scores, "k_comments": k_comments}
        )

    def intro_text(self, language: str, *, k_scores: int, k_comments: int) -> str:
        return fill_placeholders(
            self.text(self.intro, language), {"k_scores": k_scores, "k_comments": k_comments}
        )
