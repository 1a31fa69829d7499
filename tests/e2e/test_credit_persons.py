"""Responsible persons through the real processes (issue 17): a credit officer names the legal
representative of an enterprise on the serious-dishonesty list (the CLI), the measures that reach the
person are queried, and they end when the listing's basis is repaired and the listing removed. Bad
input stores nothing; no byte a platform receives, and no row of the outbox, holds the resident ID."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import lists_pb2_grpc, persons_pb2_grpc, repair_pb2_grpc
from chengnuo.credit.v1 import persons_pb2 as pb
from chengnuo.credit.v1 import repair_pb2 as repair
from chengnuo.events.v1 import person_events_pb2 as events
from services.kernel import convert
from services.kernel.masking import mask_resident_id
from services.kernel.pii import fold
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.conftest import count_rows, service_today
from tests.e2e.test_credit_cycle import as_role_on
from tests.e2e.test_credit_flow import dishonest
from tests.e2e.test_platform_feed import ANY_RESIDENT_ID, Platform, drain, raw_bytes
from tests.e2e.test_sharing_masking import resident_id
from tests.e2e.test_sharing_queries import agree
from tests.e2e.test_verification_flow import rid
from tests.support import channel, failure

LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


@pytest.fixture
async def platform(own_stack: Stack) -> AsyncIterator[tuple[str, Platform]]:
    name = f"xinyong-{uuid.uuid4().hex[:8]}"
    await agree(own_stack, "credit_records", name, ["daily_supervision"], push=True)
    made = await Platform.login(own_stack, name)
    yield name, made
    await made.nc.close()


def _measures(stack: Stack, code: str) -> list[dict[str, object]]:
    status, out = Cli(stack, ["credit_officer"])(
        "credit", "persons", "measures", code, "--purpose", "评优评先审查", "--json"
    )
    assert status == 0, out
    assert code not in out
    found: list[dict[str, object]] = json.loads(out)
    return found


async def test_a_legal_representative_of_a_listed_enterprise_until_the_listing_ends(
    own_stack: Stack, platform: tuple[str, Platform]
) -> None:
    stack, (platform_name, feed_reader) = own_stack, platform
    today = await service_today(stack, "credit")
    decided = today - dt.timedelta(days=400)  # repairable under either records rule set
    uscc, _, record = await dishonest(lambda role: as_role_on(stack, role), decided, referred=True)
    officer, reviewer, portal = (
        as_role_on(stack, r) for r in ("credit_officer", "credit_reviewer", "portal")
    )
    subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)
    person = resident_id(dt.date(1979, 3, 14))
    async with (
        channel(stack.endpoints()["credit"], officer.token) as officer_ch,
        channel(stack.endpoints()["credit"], reviewer.token) as reviewer_ch,
        channel(stack.endpoints()["credit"], portal.token) as portal_ch,
    ):
        lists = lists_pb2_grpc.BlacklistServiceStub(officer_ch)
        proposal = lpb.ProposeListingRequest(
            request_id=rid(), subject=subject, record_ids=[record.record_id], reasons="虚假承诺已移送司法机关"
        )
        entry = (await lists.ProposeListing(proposal)).entry
        cli = Cli(stack, ["credit_officer"])
        assert (
            cli(
                "credit",
                "blacklist",
                "serve",
                entry.entry_id,
                "--method",
                "direct",
                "--proof",
                "送达回证 第9号",
            )[0]
            == 0
        )
        assert Cli(stack, ["admin"])("clock", "advance", "10d")[0] == 0  # past the statement period
        decide = lpb.DecideListingRequest(
            request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="未陈述申辩"
        )
        listed = (await lists_pb2_grpc.BlacklistServiceStub(reviewer_ch).DecideListing(decide)).entry
        assert listed.status == lpb.LIST_ENTRY_STATUS_LISTED

        # Bad input: refused with the field named, nothing stored.
        persons = persons_pb2_grpc.ResponsiblePersonServiceStub(officer_ch)
        before = await count_rows(stack, "credit", "responsible_person")
        wrong = pb.NameResponsiblePersonRequest(
            request_id=rid(),
            entry_id=entry.entry_id,
            person=subject_pb2.SubjectRef(
                kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=person[:-1] + "A"
            ),
            person_name="王",
            role=pb.PERSON_ROLE_LEGAL_REPRESENTATIVE,
            basis="营业执照",
        )
        refused = await failure(persons.NameResponsiblePerson(wrong))
        assert refused.fields() == ["person.code", "person_name"]
        status, out = cli(
            "credit", "persons", "name", person, "--name", "王建国", "--role", "mayor", "--basis", "营业执照",
            "--entry", entry.entry_id,
        )  # fmt: skip
        assert status != 0
        assert "--role" in out
        assert await count_rows(stack, "credit", "responsible_person") == before

        # The legal representative named on the listing (the CLI) and on the record.
        status, out = cli(
            "credit", "persons", "name", person, "--name", "王建国", "--role", "法定代表人",
            "--basis", "营业执照登记的法定代表人", "--entry", entry.entry_id,
        )  # fmt: skip
        assert status == 0, out
        assert mask_resident_id(person) in out
        assert person not in out
        assert "王**" in out
        on_record = pb.NameResponsiblePersonRequest(
            request_id=rid(),
            record_id=record.record_id,
            person=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=person),
            person_name="王建国",
            role=pb.PERSON_ROLE_LEGAL_REPRESENTATIVE,
            basis="营业执照登记的法定代表人",
        )
        await persons.NameResponsiblePerson(on_record)
        found = _measures(stack, person)
        assert sorted((m["source_id"], m["measure"]["code"]) for m in found) == sorted(  # type: ignore[index]
            [(entry.entry_id, "HONOURS_LIMIT"), (record.record_id, "HONOURS_LIMIT")]
        )
        until = {m["source_id"]: m["until"] for m in found}
        assert until[entry.entry_id] == convert.from_date(listed.removal_due).isoformat()
        assert until[record.record_id] == convert.from_date(record.publicity_end).isoformat()
        assert all("法定代表人" in str(m["description"]) for m in found)

        # Repair of the listing's only basis: the record is repaired, the listing removed early, and
        # nothing reaches the person any more.
        repairs = repair_pb2_grpc.RepairServiceStub(portal_ch)
        applied = await repairs.ApplyRepair(
            repair.ApplyRepairRequest(
                request_id=rid(),
                record_id=record.record_id,
                applicant=subject,
                obligations_performed="已补正经营场所使用权证明并纠正失信行为",
                repair_commitment="本单位承诺依法诚信经营（信用修复承诺）",
            )
        )
        approve = repair.DecideRepairRequest(
            request_id=rid(),
            application_id=applied.application.application_id,
            decision=repair.REPAIR_DECISION_APPROVE,
        )
        await repair_pb2_grpc.RepairServiceStub(reviewer_ch).DecideRepair(approve)
        removed = (await lists.GetListEntry(lpb.GetListEntryRequest(entry_id=entry.entry_id))).entry
        assert removed.status == lpb.LIST_ENTRY_STATUS_REMOVED
        assert _measures(stack, person) == []

    # The platform received the namings, the person masked; no byte it read holds the number.
    sub = await feed_reader.feed()
    received = []
    for _ in range(30):
        received += await drain(sub)
        if sum(m.subject.endswith("credit.person_named") for m in received) >= 2:
            break
    named = [
        events.ResponsiblePersonNamed.FromString(m.data)
        for m in received
        if m.subject == f"feed.{platform_name}.credit.person_named"
    ]
    assert len(named) == 2, [m.subject for m in received]
    assert {n.person.person_masked_code for n in named} == {mask_resident_id(person)}
    assert {n.person.subject.code for n in named} == {uscc}
    for msg in received:
        raw = raw_bytes(msg)
        assert person.encode() not in raw
        assert person[6:14].encode() not in raw  # not even the birth date
        assert ANY_RESIDENT_ID.findall(fold(raw.decode("utf-8", errors="replace"))) == []
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        rows = await conn.fetch("SELECT subject, payload FROM credit.outbox WHERE subject LIKE '%person_%'")
    finally:
        await conn.close()
    assert {r["subject"] for r in rows} >= {
        "credit.person_named",
        f"feed.{platform_name}.credit.person_named",
    }
    assert all(person.encode() not in bytes(r["payload"]) for r in rows)
