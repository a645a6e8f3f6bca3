"""Exports of the disclosed aggregates (CSV and XLSX), written row by row.

Only what the publication shows goes out: a hidden statistic exports its label and empty
numbers. Raw responses are never exported.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import xlsxwriter

from app.reports.publication import Measure, Publication

COLUMNS = (
    "team",
    "level",
    "kind",
    "key",
    "label",
    "responses",
    "mean",
    "ci_lower",
    "ci_upper",
    "favorable_pct",  # percent of answers at the favourable end (as on the items page)
    "favorable_answers",  # the answers it is a percent of
)
ORGANISATION = "(whole organisation)"
ALL_LEVELS = "(all levels)"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Statistic:
    kind: str  # "family" or "dimension"
    key: str
    label: str


def aggregate_rows(
    publication: Publication,
    teams: Sequence[tuple[int | None, str]],
    levels: Sequence[tuple[int | None, str]],
    statistics: Sequence[Statistic],
) -> Iterator[tuple[object, ...]]:
    """One row per (team, level, statistic) of the disclosed publication, in the order
    given. `teams` and `levels` are (id, display name) pairs; None means all."""
    for team, team_name in teams:
        for level, level_name in levels:
            view = publication.view(team, level)
            responses = view.responses.n if view.responses.shown else view.responses.label
            for stat in statistics:
                yield (
                    team_name,
                    level_name,
                    stat.kind,
                    stat.key,
                    stat.label,
                    responses,
                    *_numbers(view.measure(stat.key)),
                )


def _numbers(measure: Measure) -> tuple[object, ...]:
    if measure.mean is None:
        return ("", "", "", "", "")
    mean, fav = measure.mean, measure.favorable
    return (
        round(mean.mean, 3),
        "" if mean.lower is None else round(mean.lower, 3),
        "" if mean.upper is None else round(mean.upper, 3),
        "" if fav is None else round(100 * fav.estimate, 1),
        "" if fav is None else fav.answers,
    )


def csv_chunks(rows: Iterable[Sequence[object]], footnote: str) -> Iterator[str]:
    """CSV text in chunks of about 64 KiB, header first and the footnote last."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerow([footnote])
    yield buffer.getvalue()


def xlsx_chunks(
    rows: Iterable[Sequence[object]], footnote: str, metadata: Mapping[str, str]
) -> Iterator[bytes]:
    """An XLSX workbook, built row by row in constant memory in a temporary file, then
    read back in chunks (a zip file can only be finished once every row is in)."""
    with tempfile.TemporaryFile() as handle:
        workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "in_memory": False})
        sheet = workbook.add_worksheet("Aggregates")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, COLUMNS, bold)
        line = 0
        for line, row in enumerate(rows, start=1):
            sheet.write_row(line, 0, row)
        sheet.write(line + 2, 0, footnote)
        about = workbook.add_worksheet("About")
        for i, (name, value) in enumerate(metadata.items()):
            about.write(i, 0, name, bold)
            about.write(i, 1, value)
        workbook.close()
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
