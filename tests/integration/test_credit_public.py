"""Public views (公示): only what is in its publicity period, personal data masked, paged."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import public_pb2 as ppb
from services.kernel.identifiers import resident_id_check_char
from tests.conftest import Servers
from tests.integration.test_credit_world import FALSE, CreditWorld, credit_world, false_commitment, record_of
from tests.support import failure, new_uscc

D = dt.date


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def resident_id() -> str:
    first17 = f"35020319850214{random.randint(0, 999):03d}"
    return first17 + resident_id_check_char(first17)


async def test_natural_persons_are_masked_and_minor_records_not_published(credit: CreditWorld) -> None:
    person = resident_id()
    event = false_commitment("x", D(2026, 6, 1), name="张三丰")
    event.subject.CopyFrom(subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=person))
    event.findings = f"申请人张三丰（身份证号{person}，电话13812348000）提交的场所证明不实"
    await credit.deliver(FALSE, event)
    page = await credit.as_role("portal").public.ListPublicRecords(ppb.ListPublicRecordsRequest())
    (shown,) = page.records
    assert shown.subject_code == person[:6] + "********" + person[-4:]
    assert shown.subject_name == "张**"
    assert person not in shown.facts
    assert "138****8000" in shown.facts
    assert person[6:14] not in shown.facts  # never the birth date


async def test_only_records_within_their_publicity_period_are_shown(credit: CreditWorld) -> None:
    ended = await record_of(credit, new_uscc(), D(2023, 6, 1))  # NDRC-58: ended 2026-06-01
    current = await record_of(credit, new_uscc(), D(2026, 6, 1))
    page = await credit.as_role("data_consumer").public.ListPublicRecords(ppb.ListPublicRecordsRequest())
    assert [r.record_id for r in page.records] == [current]
    assert ended not in {r.record_id for r in page.records}


async def test_pages_follow_each_other_without_overlap(credit: CreditWorld) -> None:
    made = {await record_of(credit, new_uscc(), D(2026, 6, day)) for day in range(1, 6)}
    portal, seen, token = credit.as_role("portal"), [], ""
    while True:
        page = await portal.public.ListPublicRecords(
            ppb.ListPublicRecordsRequest(page_size=2, page_token=token)
        )
        seen += [r.record_id for r in page.records]
        if not (token := page.next_page_token):
            break
    assert len(seen) == 5
    assert set(seen) == made
    bad = await failure(portal.public.ListPublicRecords(ppb.ListPublicRecordsRequest(page_token="nonsense")))
    assert bad.fields() == ["page_token"]
