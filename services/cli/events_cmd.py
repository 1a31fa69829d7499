"""`chengnuo events tail`: events printed live as they flow, decoded from protobuf;
`chengnuo events dead-letters`: the events a consumer could not apply and parked."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import signal
from typing import Annotated, Any

import nats
import typer
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.cli.clock_cmd import parse_span
from services.cli.connection import Connection
from services.cli.output import as_dict, console, emit_json, fail, table
from services.contracts.events import CATALOG
from services.kernel.bus import Names
from services.kernel.clock import CHINA
from services.kernel.inbox import DeadLetter, dead_letters

MAX_DEAD_LETTERS = 10_000
CONSUMER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
REASON_SHOWN = 160  # characters of the reason in the table; --json gives it whole

app = typer.Typer(no_args_is_help=True, help="Watch the event streams.")


def decode(subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    kind = CATALOG.for_subject(subject)
    body = as_dict(kind.message.FromString(data)) if kind else {}
    return {
        "subject": subject,
        "id": headers.get("ce-id", ""),
        "time": headers.get("ce-time", ""),
        "about": headers.get("ce-subject", ""),
        "data": body,
    }


def _matches(event: dict[str, Any], about: str) -> bool:
    return not about or about in json.dumps(event["data"], ensure_ascii=False)


def _line(event: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(event, ensure_ascii=False)
    stamp = (
        dt.datetime.fromisoformat(event["time"]).astimezone(CHINA).strftime("%H:%M:%S")
        if event["time"]
        else ""
    )
    body = json.dumps(event["data"], ensure_ascii=False)
    return f"{stamp} {event['subject']:<32} {event['about']:<48} {body[:240]}"


def _server(connection: Connection) -> tuple[str, Names]:
    if not connection.nats_url:
        fail("no NATS URL: start `chengnuo up` or set CHENGNUO_NATS_URL")
    return connection.nats_url, Names(connection.nats_prefix)


async def _tail(
    url: str, names: Names, pattern: str, about: str, since: dt.timedelta | None, limit: int, as_json: bool
) -> None:
    nc = await nats.connect(url)
    js, queue = nc.jetstream(), asyncio.Queue[dict[str, Any]]()

    async def on_message(msg: Any) -> None:
        event = decode(names.unprefixed(msg.subject), msg.data, dict(msg.headers or {}))
        if _matches(event, about):
            await queue.put(event)

    start = dt.datetime.now(dt.UTC) - since if since else None
    policy = DeliverPolicy.BY_START_TIME if start else DeliverPolicy.NEW
    for stream in CATALOG.streams.values():
        config = ConsumerConfig(deliver_policy=policy, opt_start_time=start)
        await js.subscribe(
            names.subject(pattern),
            stream=names.stream(stream.name),
            cb=on_message,
            ordered_consumer=True,
            config=config,
        )
    try:
        for _ in iter(int, 1) if not limit else range(limit):
            console.print(_line(await queue.get(), as_json), highlight=False, soft_wrap=True)
    finally:
        await nc.close()


@app.command("tail")
def tail(
    pattern: Annotated[str, typer.Argument(help="NATS subject filter, e.g. 'credit.>' (default all).")] = ">",
    about: Annotated[str, typer.Option(help="Only events mentioning this subject code or id.")] = "",
    since: Annotated[str, typer.Option(help="Start this far back, e.g. 10m or 1d (default: new only).")] = "",
    limit: Annotated[int, typer.Option(min=0, help="Stop after this many events (0: until Ctrl-C).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Print events live as they flow, decoded."""
    url, names = _server(Connection.discover())
    span = parse_span(since) if since else None

    async def run() -> None:
        task = asyncio.ensure_future(_tail(url, names, pattern, about, span, limit, as_json))
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run())


async def _dead_letters(url: str, names: Names, consumer: str, limit: int) -> list[DeadLetter]:
    nc = await nats.connect(url, max_reconnect_attempts=0)
    try:
        return await dead_letters(nc.jetstream(), names, consumer, limit)
    finally:
        await nc.close()


def _dead_letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "time": letter.parked_at.isoformat(),
        "subject": letter.subject,
        "consumer": letter.consumer,
        "reason": letter.reason,
        "event_id": letter.event_id,
        "sequence": letter.sequence,
    }


def _dead_letter_row(letter: DeadLetter) -> list[str]:
    reason = letter.reason if len(letter.reason) <= REASON_SHOWN else letter.reason[:REASON_SHOWN] + "…"
    stamp = letter.parked_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    return [stamp, letter.subject, letter.consumer, letter.event_id, reason]


@app.command("dead-letters")
def dead_letters_cmd(
    consumer: Annotated[str, typer.Option(help="Only this consumer's, e.g. credit-verification.")] = "",
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_DEAD_LETTERS, help="The newest this many (at most 10000).")
    ] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of the dead letters.")] = False,
) -> None:
    """List the events consumers parked after failing to apply them (never their bodies).

    The time is when the event was parked, in China time (--json: UTC)."""
    if consumer and not CONSUMER_NAME.fullmatch(consumer):
        fail(f"--consumer {consumer!r}: letters, digits, _ and - only, at most 64")
    url, names = _server(Connection.discover())
    try:
        found = asyncio.run(_dead_letters(url, names, consumer, limit))
    except (OSError, TimeoutError, NatsError) as exc:
        fail(f"cannot read the dead letters from NATS: {exc!r}")
    if as_json:
        emit_json([_dead_letter_json(letter) for letter in found])
    elif not found:
        console.print("dead letters: none", highlight=False)
    else:
        table(
            "dead letters",
            ["parked at", "subject", "consumer", "event id", "reason"],
            [_dead_letter_row(letter) for letter in found],
        )
