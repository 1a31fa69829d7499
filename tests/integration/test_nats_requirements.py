"""What the services need of NATS, and what they do with an event they cannot apply.

A server older than 2.10 ignores multi-subject consumer filters and would send every event of a
stream to every consumer (and so to the dead-letter stream): the services refuse it at start.
The test against such a server runs only where one is named in CHENGNUO_TEST_OLD_NATS_URL (e.g.
Debian's packaged nats-server 2.9.10); the default suite needs none.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import structlog

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel.bus import NatsUnsuitable, connect
from services.kernel.events import EventMeta, headers
from services.kernel.inbox import Consumer, DeadLetter, Redelivery, Subscription, dead_letters
from services.kernel.keys import ensure_dev_keys
from services.kernel.uow import UnitOfWork
from tests.conftest import Servers, _fresh_database
from tests.integration.conftest import World
from tests.support import eventually

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")
OLD_NATS_URL = os.environ.get("CHENGNUO_TEST_OLD_NATS_URL", "")
BODY_CODE = "BODY-ONLY-7f3a"  # in the event's body alone: it must not reach a log or a listing


async def _run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_embedded_nats_meets_the_services_needs(servers: Servers) -> None:
    bus = await connect(servers.nats_url, "requirements")  # refuses an unsuitable server
    try:
        assert bus.nc.connected_server_version.minor >= 10 or bus.nc.connected_server_version.major > 2
    finally:
        await bus.close()


async def _poison(world: World) -> str:
    event_id = str(uuid.uuid4())
    attrs = headers(event_id, world.event, "/test", "thing/poison", world.clock.now())
    payload = commitment_events_pb2.CommitmentRecorded(code=BODY_CODE).SerializeToString()
    await world.bus.js.publish(world.event.subject, payload, headers=attrs)
    return event_id


async def _broken(event: Any, uow: UnitOfWork, meta: EventMeta) -> None:
    raise ValueError("no such catalogue item")


async def test_a_dead_letter_is_logged_with_its_reason_and_listed_without_its_body(
    world: World, servers: Servers, tmp_path: Path
) -> None:
    name = f"{world.schema}-reader"
    subscription = Subscription(name, world.stream.name, {world.event.subject: _broken})
    consumer = Consumer(
        world.bus, world.db, world.db.catalog, subscription, Redelivery(backoff=(0.1,), ack_wait=5)
    )
    with structlog.testing.capture_logs() as logs:
        task = asyncio.create_task(consumer.run())
        try:
            event_id = await _poison(world)
            (letter,) = await eventually(
                lambda: dead_letters(world.bus.js, world.bus.names, name), what="parked"
            )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert isinstance(letter, DeadLetter)
    assert (letter.subject, letter.consumer, letter.event_id) == (world.event.subject, name, event_id)
    assert letter.reason == "failed 2 times: ValueError('no such catalogue item')"
    (warning,) = [e for e in logs if e["event"] == "event dead-lettered"]
    assert warning == {
        "event": "event dead-lettered",
        "log_level": "warning",
        "consumer": name,
        "subject": world.event.subject,
        "event_id": event_id,
        "reason": letter.reason,
    }
    assert BODY_CODE not in repr(logs)

    env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
    env.update(CHENGNUO_NATS_URL=servers.nats_url, CHENGNUO_DATA_DIR=str(tmp_path))
    code, listed, _ = await _run([CHENGNUO, "events", "dead-letters", "--consumer", name, "--json"], env)
    assert code == 0
    (shown,) = json.loads(listed)
    assert shown == {
        "time": letter.parked_at.isoformat(),
        "subject": world.event.subject,
        "consumer": name,
        "reason": letter.reason,
        "event_id": event_id,
        "sequence": letter.sequence,
    }
    code, table, _ = await _run(
        [CHENGNUO, "events", "dead-letters", "--consumer", name], {**env, "COLUMNS": "200"}
    )
    assert code == 0
    for expected in (world.event.subject, name, event_id, "no such catalogue item"):
        assert expected in table
    assert BODY_CODE not in listed + table
    code, none, _ = await _run([CHENGNUO, "events", "dead-letters", "--consumer", f"{name}-other"], env)
    assert (code, none.strip()) == (0, "dead letters: none")


if OLD_NATS_URL:  # defined only when such a server is at hand: nothing is skipped otherwise

    async def test_a_nats_server_older_than_2_10_is_refused_on_connect() -> None:
        with pytest.raises(NatsUnsuitable) as raised:
            await connect(OLD_NATS_URL, "requirements")
        assert "needs nats-server 2.10.0 or later" in str(raised.value)

    async def test_a_service_refuses_to_start_on_a_nats_server_older_than_2_10(
        servers: Servers, tmp_path: Path
    ) -> None:
        keys = ensure_dev_keys(tmp_path / "keys", ("credit",))
        keys.service_token("credit").write_text("unused")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGNUO_")}
        env.update(
            CHENGNUO_ENV="development",
            CHENGNUO_PG_DSN=await _fresh_database(servers.pg_dsn, f"old_nats_{uuid.uuid4().hex[:8]}"),
            CHENGNUO_NATS_URL=OLD_NATS_URL,
            CHENGNUO_GRPC_LISTEN="127.0.0.1:0",
            CHENGNUO_TOKEN_PUBLIC_KEYS=str(keys.public_key),
            CHENGNUO_SERVICE_TOKEN_FILE=str(keys.service_token("credit")),
            CHENGNUO_AUDIT_KEY_FILE=str(keys.audit_key("credit")),
        )
        code, _, err = await _run([sys.executable, "-m", "services.credit"], env)
        print(err.strip().splitlines()[-1])  # the line an operator sees (pytest -s shows it)
        assert code == 2
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("credit: nats-server 2.9")
        assert "needs nats-server 2.10.0 or later" in err
