"""Reading the lists departments keep in Excel (.xlsx) or CSV, with Chinese or English headers.

A sheet may start with a title line above its header; the header is the row among the first ten
that names the most known columns. Rows keep the number Excel shows, so every report can say
"row 7" and the clerk finds it at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.cli.output import emit_json, fail, say, table

HEADER_SEARCH = 10
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves CSV as GBK unless told otherwise
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
YES = {"是", "yes", "y", "true", "1", "√", "✓", "在岗", "有效", "启用"}
NO = {"否", "no", "n", "false", "0", "×", "✗", "离岗", "停用", "无效"}


class TableError(Exception):
    """The file cannot be read as a table of the expected columns."""


@dataclass(frozen=True)
class Column:
    key: str  # the English header, also the name the code uses
    field: str  # the request field it fills, as the services name it in their errors
    aliases: tuple[str, ...]  # Chinese headers departments use
    meaning: str
    required: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


@dataclass(frozen=True)
class SourceRow:
    number: int  # as Excel shows it (the header row counts)
    values: dict[str, str]  # column key -> text

    def get(self, key: str) -> str:
        return self.values.get(key, "")


# A template's example row is marked in its first column and skipped by the import, so a template
# imports as written and a forgotten example never becomes a real catalogue item, inspector or a
# subject that random draws could pick. Without the mark the example is a valid row.
EXAMPLE_MARK = "示例："


def is_example(source: SourceRow, first_key: str) -> bool:
    """A template's example row (its first column starts with 示例); no real name or code does."""
    return source.get(first_key).strip().startswith(EXAMPLE_MARK[:2])


@dataclass(frozen=True)
class Table:
    rows: list[SourceRow]
    headers: dict[str, str]  # column key -> the header as written in the file
    ignored: list[str]  # headers of the file no column knows


def normalise(header: str) -> str:
    """`*核查时限（工作日）` and `核查时限` match; so do `Legal basis` and `legal_basis`."""
    text = _BRACKETS.sub("", header).replace("*", "").strip().lower()
    return re.sub(r"[\s_\-]+", "_", text)


def read_table(path: Path, columns: Sequence[Column], sheet: str = "") -> Table:
    raw = list(_xlsx_rows(path, sheet) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path))
    known = {normalise(h): c.key for c in columns for h in c.headers}
    at = _header_row(raw, known, path.name)
    header = raw[at]
    where = {i: known[normalise(h)] for i, h in enumerate(header) if normalise(h) in known}
    missing = [c.key for c in columns if c.required and c.key not in where.values()]
    if missing:
        raise TableError(f"{path.name}: no column for {', '.join(_names(columns, missing))}")
    rows = [
        SourceRow(at + 1 + n, {key: cells[i] for i, key in where.items() if i < len(cells)})
        for n, cells in enumerate(raw[at + 1 :], start=1)
        if any(cells)
    ]
    ignored = [h for i, h in enumerate(header) if h and i not in where]
    return Table(rows, {key: header[i] for i, key in where.items()}, ignored)


def _names(columns: Sequence[Column], keys: Sequence[str]) -> list[str]:
    by_key = {c.key: c for c in columns}
    return [f"{by_key[k].aliases[0]} ({k})" if by_key[k].aliases else k for k in keys]


def _header_row(raw: list[list[str]], known: dict[str, str], name: str) -> int:
    scores = [(sum(normalise(h) in known for h in row), i) for i, row in enumerate(raw[:HEADER_SEARCH])]
    best, at = max(scores, key=lambda s: (s[0], -s[1]), default=(0, 0))
    if not best:
        raise TableError(f"{name}: no header row with a known column name in the first {HEADER_SEARCH} rows")
    return at


def _xlsx_rows(path: Path, sheet: str) -> Iterator[list[str]]:
    import openpyxl  # only when a workbook is read: it takes a tenth of a second to load
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        raise TableError(f"{path.name}: not a readable .xlsx file ({error})") from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise TableError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
        for row in book[sheet] if sheet else book.worksheets[0]:
            yield [cell_text(c.value) for c in row]
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[list[str]]:
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [c.strip() for c in row]
        return
    raise TableError(f"{path.name}: neither UTF-8 nor GB18030 text")


def cell_text(value: object) -> str:
    """An Excel cell as the text a clerk sees: 350200 not 350200.0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def flag(text: str) -> bool | None:
    """是/否, yes/no, √/× ...; None when blank; ValueError otherwise."""
    key = text.strip().lower()
    if not key:
        return None
    if key in YES or key in NO:
        return key in YES
    raise ValueError(f"{text!r} is not yes or no (是/否)")


def split_list(text: str) -> list[str]:
    """Values in one cell, separated by 、 , ; or line breaks."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def whole_number(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def show_columns(title: str, columns: Sequence[Column], as_json: bool) -> None:
    """What an import understands: every column's headers, whether required, what it holds."""
    found = [
        {
            "header": c.aliases[0] if c.aliases else c.key,
            "key": c.key,
            "aliases": list(c.aliases),
            "required": c.required,
            "meaning": c.meaning,
        }
        for c in columns
    ]
    if as_json:
        emit_json(found)
        return
    rows = [[f["header"], f["key"], "yes" if f["required"] else "", f["meaning"]] for f in found]
    table(title, ["中文表头", "English header", "required", "meaning"], rows)


def save_template(path: Path, columns: Sequence[Column], example: Sequence[str]) -> None:
    """What every `template FILE` command does: refuse a kind of file it cannot write, else write
    the template there and say so."""
    if path.suffix.lower() not in (".xlsx", ".csv"):
        fail(f"{path.name}: the template is written as .xlsx or .csv")
    write_template(path, columns, example)
    say(f"wrote {path}")


def write_template(path: Path, columns: Sequence[Column], example: Sequence[str]) -> None:
    """An empty list to fill: Chinese headers (English in brackets), one example row."""
    headers = [f"{c.aliases[0]}({c.key})" if c.aliases else c.key for c in columns]
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(headers)
        sheet.append(list(example))
        book.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([headers, list(example)])
