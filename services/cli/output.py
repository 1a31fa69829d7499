"""How commands answer: Rich tables for people, JSON for scripts, one line per error."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import grpc
import typer
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.cli.connection import NotConfigured
from services.cli.json_form import message_json
from services.kernel.rpc.status import details_of

M = TypeVar("M", bound=Message)
console = Console()
errors = Console(stderr=True)
# What staff copy into the next command or compare by eye, so never split across lines: USCCs and
# resident ID numbers (masked or not, 18 characters; old IDs 15 digits) and our UUIDs.
IDENTIFIER = re.compile(
    r"(?<![\w*-])(?:[0-9A-Z*]{18}|\d{15}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\w*-])"
)
NARROWEST_TEXT = 8  # cells (four Chinese characters) a text column keeps before rows are stacked
CELL_EDGES = 3  # a column's left border and padding on each side


def as_dict(message: Message) -> dict[str, Any]:
    """A message as `--json` shows it (docs/cli-json.md)."""
    return message_json(message)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as a table that never splits an identifier: where the terminal is too narrow for the
    whole table, identifier columns keep their width and the others wrap; where it is too narrow
    even for that, each row becomes its own block of labels and values."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    shown = Table(title=title, show_lines=False)
    widths = [identifier_width([row[i] for row in cells]) for i in range(len(columns))]
    natural = [max(_cells(text) for text in [c, *(row[i] for row in cells)]) for i, c in enumerate(columns)]
    if _table_width(natural) <= console.width:
        for column in columns:
            shown.add_column(column, overflow="fold")
    elif _table_width([max(w, min(n, NARROWEST_TEXT)) for w, n in zip(widths, natural, strict=True)]) <= (
        console.width
    ):
        for column, width in zip(columns, widths, strict=True):
            # A fixed width is the one thing rich never takes from a column when it shrinks a table.
            shown.add_column(column, overflow="fold", width=width or None)
    else:
        _stacked(title, columns, cells)
        return
    for row in cells:
        shown.add_row(*row)
    console.print(shown)


def _stacked(title: str, columns: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
    console.print(f"[bold]{escape(title)}[/bold]", highlight=False, soft_wrap=True)
    for row in cells:
        fields("", list(zip(columns, row, strict=True)))


def _cells(text: str) -> int:
    return max(cell_len(line) for line in text.split("\n"))


def _table_width(contents: Sequence[int]) -> int:
    return sum(c + CELL_EDGES for c in contents) + 1  # and the right border


def identifier_width(values: Sequence[str]) -> int:
    """The longest identifier in the values: the narrowest a column may be without splitting one."""
    return max((len(found) for v in values for found in IDENTIFIER.findall(v)), default=0)


def listing(
    messages: Sequence[Message],
    as_json: bool,
    title: str,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
) -> None:
    """Print a list of messages as a table, or as JSON for scripts."""
    if as_json:
        emit_json([as_dict(m) for m in messages])
        return
    if not messages:
        console.print(f"{title}: none")
        return
    table(title, [c for c, _ in columns], [[get(m) for _, get in columns] for m in messages])


def shown(message: M, as_json: bool, render: Callable[[M], None]) -> None:
    """One message as JSON for scripts, or as `render` shows it to people."""
    if as_json:
        emit_json(as_dict(message))
    else:
        render(message)


def say(text: str) -> None:
    """One line of news for people, never wrapped (scripts and grep see it whole)."""
    console.print(text, soft_wrap=True, highlight=False)


def fields(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """One record as a two-column table of labels and values (empty values left out)."""
    shown = Table(title=title or None, show_header=False, title_justify="left")
    kept = [(name, str(value)) for name, value in pairs if value not in (None, "", [])]
    whole = identifier_width([v for _, v in kept])
    # Rich shrinks the wider column first, whatever its minimum: cap the labels instead, so the
    # values keep room for their longest identifier.
    labels = max(1, console.width - whole - 2 * CELL_EDGES - 1) if whole else None
    shown.add_column(style="bold", overflow="fold", max_width=labels)
    shown.add_column(overflow="fold", min_width=whole or None)
    for name, value in kept:
        shown.add_row(name, value)
    console.print(shown)


def describe(error: grpc.RpcError) -> str:
    """`INVALID_ARGUMENT subject.code: bad check; case_number: required` — one readable line."""
    call: Any = error  # a grpc.Call as well as an RpcError
    code = call.code().name
    details = details_of(call.trailing_metadata())
    parts = []
    for detail in details:
        if isinstance(detail, error_details_pb2.BadRequest):
            parts += [f"{v.field}: {v.description}" for v in detail.field_violations]
        elif isinstance(detail, error_details_pb2.PreconditionFailure):
            parts += [f"{v.type} {v.subject}: {v.description}" for v in detail.violations]
    message = "; ".join(parts) or call.details()
    return f"{code} {message}"


def fail(message: str) -> NoReturn:
    # One line, never wrapped; the message is shown as written, never read as markup.
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def reported() -> Iterator[None]:
    """Turn gRPC and configuration errors into one line on stderr and exit status 1."""
    try:
        yield
    except grpc.RpcError as error:
        fail(describe(error))
    except NotConfigured as error:
        fail(str(error))
