"""How commands answer: Rich tables for people, JSON for scripts, one line per error."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import grpc
import typer
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.cli.connection import NotConfigured
from services.kernel.rpc.status import details_of

console = Console()
WIDE = 120  # terminal columns from which ids are kept on one line
errors = Console(stderr=True)


def as_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    shown = Table(title=title, show_lines=False)
    for column in columns:
        # Ids are copied into the next command: never cut, and on one line where there is room.
        whole = column.endswith("id") and console.width >= WIDE
        shown.add_column(column, overflow="fold", no_wrap=whole)
    for row in rows:
        shown.add_row(*("" if v is None else str(v) for v in row))
    console.print(shown)


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


def say(text: str) -> None:
    """One line of news for people, never wrapped (scripts and grep see it whole)."""
    console.print(text, soft_wrap=True, highlight=False)


def fields(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """One record as a two-column table of labels and values (empty values left out)."""
    shown = Table(title=title, show_header=False, title_justify="left")
    shown.add_column(style="bold")
    shown.add_column(overflow="fold")
    for name, value in pairs:
        if value not in (None, "", []):
            shown.add_row(name, str(value))
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
