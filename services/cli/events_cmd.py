"""`chengnuo events tail`: events printed live as they flow, decoded from protobuf."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal
from typing import Annotated, Any

import nats
import typer
from google.protobuf.json_format import MessageToDict
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.cli.clock_cmd import parse_span
from services.cli.connection import Connection
from services.cli.output import console, fail
from services.contracts.events import CATALOG
from services.kernel.clock import CHINA

app = typer.Typer(no_args_is_help=True, help="Watch the event streams.")


def decode(subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    kind = CATALOG.for_subject(subject)
    body = MessageToDict(kind.message.FromString(data), preserving_proto_field_name=True) if kind else {}
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


async def _tail(
    url: str, pattern: str, about: str, since: dt.timedelta | None, limit: int, as_json: bool
) -> None:
    nc = await nats.connect(url)
    js, queue = nc.jetstream(), asyncio.Queue[dict[str, Any]]()

    async def on_message(msg: Any) -> None:
        event = decode(msg.subject, msg.data, dict(msg.headers or {}))
        if _matches(event, about):
            await queue.put(event)

    start = dt.datetime.now(dt.UTC) - since if since else None
    policy = DeliverPolicy.BY_START_TIME if start else DeliverPolicy.NEW
    for stream in CATALOG.streams.values():
        config = ConsumerConfig(deliver_policy=policy, opt_start_time=start)
        await js.subscribe(pattern, stream=stream.name, cb=on_message, ordered_consumer=True, config=config)
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
    url = Connection.discover().nats_url
    if not url:
        fail("no NATS URL: start `chengnuo up` or set CHENGNUO_NATS_URL")
    span = parse_span(since) if since else None

    async def run() -> None:
        task = asyncio.ensure_future(_tail(url, pattern, about, span, limit, as_json))
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run())
