"""A report page's export, written as CSV or XLSX from its typed table (app.reports.tables).

Only what the page shows goes out: the table reads the same publication, so a hidden
statistic exports empty numbers and its marker in the "note" column. Raw responses are never
exported.

No cell ever becomes a formula. In CSV, a text cell starting with = + - @, a tab or a
carriage return is written with a single quote before it (the usual defence against CSV
injection: a spreadsheet then shows the text, quote hidden or visible, instead of running
it); numbers are written as numbers. In XLSX, text is written as strings (never parsed as
formulas, numbers or links), numbers as numbers, percentages as numbers formatted as
percentages; the sheet has a frozen header row, filters and column widths, and a "Legend"
sheet says what each column means, what the markers mean and what the export covers.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Mapping, Sequence

import xlsxwriter

from app.i18n import N_, _
from app.reports.tables import Column, Table, Value

CHUNK = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_NOTE = N_(
    "In this CSV file, a text cell that starts with =, +, -, @, a tab or a carriage return "
    "is written with a single quote (') before it, so that no spreadsheet reads it as a "
    "formula."
)
MAX_WIDTH = 60


def neutralised(text: str) -> str:
    """A CSV text cell that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rounded(column: Column, value: float | int) -> float:
    """A number or percentage to the column's decimals, without a "-0.0"."""
    result = round(float(value), column.decimals)
    return 0.0 if result == 0 else result


def legend_lines(
    table: Table, about: Mapping[str, str], notes: Sequence[str]
) -> list[tuple[str, str]]:
    """The legend as (term, meaning), in the reader's language: what the export covers
    (`about`'s terms are the catalog's English, its meanings already in that language), each
    column, then notes. The numbers themselves are never translated."""
    lines = [(_(term), meaning) for term, meaning in about.items()]
    lines += [
        (_(column.name), f"{_(KINDS[column.kind])}: {_(column.meaning)}")
        for column in table.columns
    ]
    note = _("note")
    lines += [(note, _(line)) for line in (*table.notes, *notes)]
    return lines


# The columns' types as the legend names them.
KINDS = {
    "text": N_("text"),
    "integer": N_("integer"),
    "number": N_("number"),
    "percent": N_("percent"),
}
# The terms of what an export covers (the keys of the routes' `about`), for the catalog.
ABOUT_TERMS = (
    N_("survey"),
    N_("page"),
    N_("release"),
    N_("team"),
    N_("level"),
    N_("k"),
    N_("k_comments"),
    N_("exported"),
)


def _csv_cell(column: Column, value: Value) -> str:
    if value is None:
        return ""
    if column.kind == "text":
        return neutralised(str(value))
    if column.kind == "integer":
        return str(value)
    assert not isinstance(value, str)
    return f"{rounded(column, value):.{column.decimals}f}"


def csv_chunks(table: Table, legend: Sequence[tuple[str, str]]) -> Iterator[str]:
    """CSV text in chunks of about 64 KiB: the header, the rows, an empty line, then the
    legend (term and meaning)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralised(_(column.name)) for column in table.columns])
    for row in table.checked_rows():
        writer.writerow(
            [_csv_cell(column, value) for column, value in zip(table.columns, row, strict=True)]
        )
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerow([])
    for term, meaning in [*legend, ("csv", _(CSV_NOTE))]:
        writer.writerow([neutralised(term), neutralised(meaning)])
    yield buffer.getvalue()


def xlsx_chunks(table: Table, legend: Sequence[tuple[str, str]]) -> Iterator[bytes]:
    """An XLSX workbook, built row by row in constant memory in a temporary file, then
    read back in chunks (a zip file can only be finished once every row is in)."""
    with tempfile.TemporaryFile() as handle:
        workbook = xlsxwriter.Workbook(
            handle,
            {
                "constant_memory": True,
                "in_memory": False,
                # Text stays text: never a formula, a number or a link.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        _write_table(workbook, table)
        _write_legend(workbook, legend)
        workbook.close()
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk


def _write_table(workbook: xlsxwriter.Workbook, table: Table) -> None:
    sheet = workbook.add_worksheet(_(table.name)[:31])
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        i: workbook.add_format({"num_format": _number_format(column)})
        for i, column in enumerate(table.columns)
        if column.kind != "text"
    }
    names = [_(column.name) for column in table.columns]
    widths = [min(MAX_WIDTH, len(name) + 2) for name in names]
    for i, name in enumerate(names):
        sheet.write_string(0, i, name, header)
    last = 0
    for last, row in enumerate(table.checked_rows(), start=1):
        for i, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(last, i, value)
                widths[i] = max(widths[i], min(MAX_WIDTH, len(value) + 2))
            else:
                number = rounded(column, value)
                if column.kind == "percent":
                    number = number / 100
                sheet.write_number(last, i, number, formats[i])
                widths[i] = max(widths[i], 10)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), len(table.columns) - 1)


def _number_format(column: Column) -> str:
    if column.kind == "integer":
        return "#,##0"
    decimals = "." + "0" * column.decimals if column.decimals else ""
    return f"0{decimals}%" if column.kind == "percent" else f"0{decimals}"


def _write_legend(workbook: xlsxwriter.Workbook, legend: Sequence[tuple[str, str]]) -> None:
    sheet = workbook.add_worksheet(_("Legend"))
    bold = workbook.add_format({"bold": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 100)
    sheet.write_string(0, 0, "term", bold)
    sheet.write_string(0, 1, "meaning", bold)
    for i, (term, meaning) in enumerate(legend, start=1):
        sheet.write_string(i, 0, term, bold)
        sheet.write_string(i, 1, meaning, wrap)
    sheet.freeze_panes(1, 0)
