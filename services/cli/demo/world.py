"""What the demo has done so far, shared by its steps."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from google.protobuf.duration_pb2 import Duration

from chengnuo.common.v1 import dev_clock_pb2, subject_pb2
from services.cli.demo.data import Enterprise
from services.cli.demo.desks import Office
from services.cli.demo.narrate import Narrator
from services.kernel.clock import china_date
from services.kernel.config import SERVICES

LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


T = TypeVar("T")
WAIT_SECONDS = 60.0  # events take milliseconds; this only bounds a demo on a very busy machine


async def until(probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    """Poll until `probe` answers (what the services do next happens through events)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (found := await probe()) is None or found is False:
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)
    return found


def rid() -> str:
    return str(uuid.uuid4())


def ref(enterprise: Enterprise) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=LEGAL, code=enterprise.code)


@dataclass
class World:
    office: Office
    say: Narrator
    items: dict[str, str] = field(default_factory=dict)  # item name -> item id
    roster: list[Enterprise] = field(default_factory=list)
    housing_only: set[str] = field(default_factory=set)  # codes only the housing bureau supervises
    accepted: dict[str, str] = field(default_factory=dict)  # commitment id -> its department
    refused: int = 0
    false_subjects: list[Enterprise] = field(default_factory=list)
    referred: Enterprise | None = None  # the one whose case went to the judiciary

    async def today(self) -> dt.date:
        answer = await self.office.desk("admin").clock("verification").GetTime(dev_clock_pb2.GetTimeRequest())
        return china_date(answer.now.ToDatetime(dt.UTC))

    async def let_time_pass(self, days: int) -> dt.date:
        """Every service's clock moves on; scheduled work that fell due runs at once."""
        span = Duration()
        span.FromTimedelta(dt.timedelta(days=days))
        request = dev_clock_pb2.AdvanceRequest(request_id=rid(), by=span)
        for service in SERVICES:
            await self.office.desk("admin").clock(service).Advance(request)
        return await self.today()
