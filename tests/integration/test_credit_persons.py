"""Responsible persons on real PostgreSQL: a legal representative or responsible person named on an
enterprise's serious record or listing, the measures that reach them until the record or listing
ends, and the person's resident ID kept for matching but never answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from chengnuo.common.v1 import personal_data_pb2, subject_pb2
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import persons_pb2 as pb
from chengnuo.credit.v1 import persons_pb2_grpc
from chengnuo.credit.v1 import repair_pb2 as rpb
from chengnuo.events.v1 import person_events_pb2 as events
from services.kernel import convert
from services.kernel.masking import mask_resident_id
from tests.conftest import Servers
from tests.integration.test_commitment_world import resident_id
from tests.integration.test_credit_world import CreditWorld, credit_world, record_of, ref, rid, serve_notice
from tests.integration.test_sharing_credit import FGW, agree, audit_rows
from tests.support import failure, new_uscc

D = dt.date
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
LEGAL_REPRESENTATIVE = pb.PERSON_ROLE_LEGAL_REPRESENTATIVE
TABLES = ("responsible_person", "outbox", "idempotency", "audit_log")


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def stub(
    credit: CreditWorld, *roles: str, department: str = "350200-SCJ"
) -> persons_pb2_grpc.ResponsiblePersonServiceAsyncStub:
    return persons_pb2_grpc.ResponsiblePersonServiceStub(
        credit.as_role(*roles, department=department).channel
    )


def person(code: str) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=NATURAL, code=code)


def naming(
    code: str,
    *,
    record_id: str = "",
    entry_id: str = "",
    role: pb.PersonRole.ValueType = LEGAL_REPRESENTATIVE,
) -> pb.NameResponsiblePersonRequest:
    return pb.NameResponsiblePersonRequest(
        request_id=rid(),
        record_id=record_id,
        entry_id=entry_id,
        person=person(code),
        person_name="张三丰",
        role=role,
        basis="营业执照登记的法定代表人",
    )


def measures_of(code: str, purpose: str = "") -> pb.GetPersonMeasuresRequest:
    return pb.GetPersonMeasuresRequest(person=person(code), purpose=purpose)


async def written(credit: CreditWorld) -> tuple[int, ...]:
    return tuple([await credit.count(t) for t in TABLES])


async def test_a_legal_representative_of_a_serious_record_gets_its_honours_limit_until_repair(
    credit: CreditWorld,
) -> None:
    uscc, code = new_uscc(), resident_id()
    record_id = await record_of(
        credit, uscc, D(2026, 6, 1), referred=True
    )  # serious: 2026-06-01 .. 2029-06-01
    officer = stub(credit, "credit_officer")
    named = await officer.NameResponsiblePerson(naming(code, record_id=record_id))
    assert named.person.person_masked_code == mask_resident_id(code)
    assert named.person.person_masked_name == "张**"
    assert (named.person.record_id, named.person.rule_set) == (record_id, "PERSONS-2020")
    assert [(m.measure.code, m.until) for m in named.measures] == [
        ("HONOURS_LIMIT", convert.to_date(D(2029, 6, 1)))
    ]
    assert code.encode() not in named.SerializeToString()
    stored = await credit.pool.fetchval("SELECT person_code FROM responsible_person")
    assert stored == code  # kept for matching

    found = await officer.GetPersonMeasures(measures_of(code, "评优评先资格审查"))
    assert [m.measure.code for m in found.measures] == ["HONOURS_LIMIT"]
    assert found.measures[0].subject.code == uscc
    assert "法定代表人" in found.measures[0].description
    assert "until 2029-06-01" in found.measures[0].description
    assert found.person_masked_code == mask_resident_id(code)
    assert code.encode() not in found.SerializeToString()
    assert ("credit.read_person", "350200-SCJ", code, "评优评先资格审查", "ok") in await audit_rows(
        credit, "credit.read_person"
    )

    [payload] = await credit.events("credit.person_named")
    assert code.encode() not in payload
    assert mask_resident_id(code).encode() in payload
    assert events.ResponsiblePersonNamed.FromString(payload).measures[0].measure.code == "HONOURS_LIMIT"

    credit.set_today(D(2027, 6, 2))  # the serious record's minimum period is over: repair
    applied = await credit.as_role("portal").repair.ApplyRepair(
        rpb.ApplyRepairRequest(
            request_id=rid(),
            record_id=record_id,
            applicant=ref(uscc),
            obligations_performed="已纠正失信行为",
            repair_commitment="本单位承诺依法诚信经营",
        )
    )
    await credit.as_role("credit_reviewer").repair.DecideRepair(
        rpb.DecideRepairRequest(
            request_id=rid(),
            application_id=applied.application.application_id,
            decision=rpb.REPAIR_DECISION_APPROVE,
        )
    )
    after = await officer.GetPersonMeasures(measures_of(code))
    assert list(after.measures) == []
    assert list(after.namings) == []


async def test_a_principal_of_a_listed_enterprise_is_reached_once_listed_until_removal(
    credit: CreditWorld,
) -> None:
    uscc, code = new_uscc(), resident_id()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    officer = stub(credit, "credit_officer")
    proposal = lpb.ProposeListingRequest(
        request_id=rid(), subject=ref(uscc), record_ids=[record_id], reasons="虚假承诺情节严重"
    )
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal)).entry
    named = await officer.NameResponsiblePerson(
        naming(code, entry_id=entry.entry_id, role=pb.PERSON_ROLE_PRINCIPAL)
    )
    assert list(named.measures) == []  # proposed only: nothing reaches the person yet
    await serve_notice(credit, entry.entry_id)
    credit.set_today(D(2026, 7, 9))
    decide = lpb.DecideListingRequest(
        request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="未陈述申辩"
    )
    listed = (await credit.as_role("credit_reviewer").lists.DecideListing(decide)).entry
    found = await officer.GetPersonMeasures(measures_of(code))
    by_source = sorted((m.source_id, m.measure.code, m.until.year) for m in found.measures)
    assert by_source == [(entry.entry_id, "HONOURS_LIMIT", listed.removal_due.year)]
    assert "主要负责人" in found.measures[0].description
    assert "serious-dishonesty list" in found.measures[0].description

    credit.set_today(D(2029, 7, 9))  # the listing's period is over: removed by the job
    await credit.run_jobs()
    assert list((await officer.GetPersonMeasures(measures_of(code))).measures) == []


async def test_bad_input_is_refused_precisely_and_nothing_is_stored(credit: CreditWorld) -> None:
    uscc, code = new_uscc(), resident_id()
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    officer = stub(credit, "credit_officer")
    before = await written(credit)
    cases: list[tuple[pb.NameResponsiblePersonRequest, list[str]]] = []
    bad_code = naming(code, record_id=record_id)
    bad_code.person.code = code[:-1] + ("0" if code[-1] != "0" else "1")
    cases.append((bad_code, ["person.code"]))
    legal = naming(code, record_id=record_id)
    legal.person.CopyFrom(ref(uscc))
    cases.append((legal, ["person.kind"]))
    both = naming(code, record_id=record_id, entry_id=record_id)
    cases.append((both, ["record_id"]))
    nameless = naming(code, record_id=record_id)
    nameless.person_name = "张3"
    nameless.role = pb.PERSON_ROLE_UNSPECIFIED
    nameless.basis = ""
    cases.append((nameless, ["person_name", "role", "basis"]))
    long_basis = naming(code, record_id="not-an-id")
    long_basis.basis = "营" * 501
    cases.append((long_basis, ["record_id", "basis"]))
    for request, fields in cases:
        refused = await failure(officer.NameResponsiblePerson(request))
        assert (refused.code, refused.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, fields)
        assert code not in refused.message
    flagged = naming(code, record_id=record_id)
    flagged.basis = "法定代表人张三丰签字确认"
    refused = await failure(officer.NameResponsiblePerson(flagged))
    assert "personal_names" in refused.fields()
    missing = await failure(officer.NameResponsiblePerson(naming(code, record_id=rid())))
    assert (missing.code, missing.fields()) == (grpc.StatusCode.NOT_FOUND, ["record_id"])
    assert await written(credit) == before


async def test_the_rules_and_the_department_decide_who_may_be_named_where(credit: CreditWorld) -> None:
    uscc, code, other = new_uscc(), resident_id(), resident_id()
    ordinary = await record_of(credit, uscc, D(2026, 6, 1))
    serious = await record_of(credit, new_uscc(), D(2026, 6, 1), referred=True)
    officer = stub(credit, "credit_officer")
    before = await written(credit)
    refused = await failure(officer.NameResponsiblePerson(naming(code, record_id=ordinary)))
    assert refused.precondition_types() == [("PERSONS_NOT_NAMEABLE", ordinary)]
    elsewhere = stub(credit, "credit_officer", department="350200-SWJ")
    assert (await failure(elsewhere.NameResponsiblePerson(naming(code, record_id=serious)))).code == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    reviewer = stub(credit, "credit_reviewer")
    assert (await failure(reviewer.NameResponsiblePerson(naming(code, record_id=serious)))).code == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert await written(credit) == before

    first = (await officer.NameResponsiblePerson(naming(code, record_id=serious))).person
    again = await failure(officer.NameResponsiblePerson(naming(code, record_id=serious)))
    assert again.precondition_types() == [("ALREADY_NAMED", first.naming_id)]
    second = await failure(officer.NameResponsiblePerson(naming(other, record_id=serious)))
    assert second.precondition_types() == [("ROLE_FILLED", first.naming_id)]
    assert other not in second.message
    direct = naming(other, record_id=serious, role=pb.PERSON_ROLE_DIRECTLY_RESPONSIBLE)
    await officer.NameResponsiblePerson(direct)
    listed = await officer.ListResponsiblePersons(pb.ListResponsiblePersonsRequest(record_id=serious))
    assert [p.role for p in listed.persons] == [LEGAL_REPRESENTATIVE, pb.PERSON_ROLE_DIRECTLY_RESPONSIBLE]
    assert code.encode() not in listed.SerializeToString()
    assert other.encode() not in listed.SerializeToString()
    assert (
        await failure(elsewhere.ListResponsiblePersons(pb.ListResponsiblePersonsRequest(record_id=serious)))
    ).code == grpc.StatusCode.PERMISSION_DENIED


async def test_a_withdrawn_naming_reaches_the_person_no_more(credit: CreditWorld) -> None:
    code = resident_id()
    record_id = await record_of(credit, new_uscc(), D(2026, 6, 1), referred=True)
    officer = stub(credit, "credit_officer")
    named = (await officer.NameResponsiblePerson(naming(code, record_id=record_id))).person
    withdraw = pb.WithdrawResponsiblePersonRequest(
        request_id=rid(), naming_id=named.naming_id, reason="经核实该人员非涉案企业法定代表人"
    )
    assert (
        await failure(
            stub(credit, "credit_reviewer", department="350200-SWJ").WithdrawResponsiblePerson(withdraw)
        )
    ).code == (grpc.StatusCode.PERMISSION_DENIED)
    withdrawn = (await stub(credit, "credit_reviewer").WithdrawResponsiblePerson(withdraw)).person
    assert withdrawn.HasField("withdrawn_at")
    assert list((await officer.GetPersonMeasures(measures_of(code))).measures) == []
    [payload] = await credit.events("credit.person_withdrawn")
    assert code.encode() not in payload
    withdraw.request_id = rid()
    refused = await failure(officer.WithdrawResponsiblePerson(withdraw))
    assert refused.precondition_types() == [("ALREADY_WITHDRAWN", named.naming_id)]
    named_again = await officer.NameResponsiblePerson(
        naming(code, record_id=record_id)
    )  # the role is free again
    assert named_again.person.naming_id != named.naming_id


async def test_other_departments_read_a_person_within_their_agreements_and_every_read_is_logged(
    credit: CreditWorld,
) -> None:
    code = resident_id()
    record_id = await record_of(credit, new_uscc(), D(2026, 6, 1), referred=True)
    await stub(credit, "credit_officer").NameResponsiblePerson(naming(code, record_id=record_id))
    consumer = stub(credit, "data_consumer", department=FGW)
    denied = await failure(consumer.GetPersonMeasures(measures_of(code, "honours_and_awards")))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    vague = await failure(consumer.GetPersonMeasures(measures_of(code, "想看看")))
    assert (vague.code, vague.fields()) == (grpc.StatusCode.INVALID_ARGUMENT, ["purpose"])
    await agree(credit, "blacklist", ["honours_and_awards"])
    listings_only = await consumer.GetPersonMeasures(measures_of(code, "honours_and_awards"))
    assert list(listings_only.measures) == []  # the record is shared under credit_records only
    fuzhou = stub(credit, "data_consumer", department="350100-FGW")
    await agree(credit, "credit_records", ["honours_and_awards"], consumer="350100-FGW", region="350100")
    assert list((await fuzhou.GetPersonMeasures(measures_of(code, "honours_and_awards"))).measures) == []
    await agree(credit, "credit_records", ["honours_and_awards"])
    shared = await consumer.GetPersonMeasures(measures_of(code, "honours_and_awards"))
    assert [m.measure.code for m in shared.measures] == ["HONOURS_LIMIT"]
    assert code.encode() not in shared.SerializeToString()
    rows = await audit_rows(credit)
    assert ("share.credit_records", FGW, code, "honours_and_awards", "denied") in rows
    assert ("share.credit_records", FGW, code, "honours_and_awards", "allowed") in rows


async def test_the_basis_may_have_its_names_masked(credit: CreditWorld) -> None:
    code = resident_id()
    record_id = await record_of(credit, new_uscc(), D(2026, 6, 1), referred=True)
    request = naming(code, record_id=record_id)
    request.basis = f"法定代表人张三丰（{code}）签字确认"
    request.personal_names = personal_data_pb2.PERSONAL_NAMES_MASK
    named = (await stub(credit, "credit_officer").NameResponsiblePerson(request)).person
    assert named.basis == f"法定代表人张**（{mask_resident_id(code)}）签字确认"
    [payload] = await credit.events("credit.person_named")
    assert code.encode() not in payload
    assert "张三丰".encode() not in payload
