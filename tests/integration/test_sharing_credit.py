"""Credit shared with other departments: reports answered part by part within agreements, bulk
matches by purpose from the measure catalogue, and every look in the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import grpc
import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import sharing_pb2 as spb
from chengnuo.credit.v1 import sharing_pb2_grpc
from services.kernel import audit, convert
from services.kernel.identifiers import USCC_ALPHABET
from tests.conftest import Servers
from tests.integration.test_commitment_world import resident_id
from tests.integration.test_credit_world import (
    FALSE,
    CreditWorld,
    credit_world,
    false_commitment,
    record_of,
    ref,
    rid,
    serve_notice,
)
from tests.support import failure, new_uscc

D = dt.date
FGW = "350200-FGW"  # the city development and reform commission, running public procurement
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


async def agree(
    credit: CreditWorld,
    data_class: str,
    purposes: Sequence[str],
    *,
    consumer: str = FGW,
    region: str = "350200",
    until: dt.date | None = None,
    fields: Sequence[str] = (),
    resident_ids: bool = False,
) -> None:
    """An agreement as SharingService.CreateAgreement stores it (that servicer is the kernel's)."""
    await credit.pool.execute(
        "INSERT INTO sharing_agreement VALUES"
        " ($1, $2, $3, $4, $5, $6, $7, $8, false, 'law', now(), 'admin', NULL, $9)",
        uuid.uuid4(),
        consumer,
        data_class,
        list(purposes),
        region,
        list(fields),
        D(2026, 1, 1),
        until or D(2027, 12, 31),
        resident_ids,
    )


def shared(credit: CreditWorld, department: str = FGW) -> sharing_pb2_grpc.CreditSharingServiceAsyncStub:
    return sharing_pb2_grpc.CreditSharingServiceStub(
        credit.as_role("data_consumer", department=department).channel
    )


def asked(
    subject: str, purpose: str, kind: subject_pb2.SubjectKind.ValueType = LEGAL
) -> spb.GetCreditReportRequest:
    return spb.GetCreditReportRequest(
        subject=subject_pb2.SubjectRef(kind=kind, code=subject), purpose=purpose
    )


async def listed(credit: CreditWorld, uscc: str) -> str:
    """A subject on the serious-dishonesty list from 2026-07-09 (statement period over)."""
    record_id = await record_of(credit, uscc, D(2026, 6, 1), referred=True)
    proposal = lpb.ProposeListingRequest(
        request_id=rid(), subject=ref(uscc), record_ids=[record_id], reasons="虚假承诺情节严重"
    )
    entry = (await credit.as_role("credit_officer").lists.ProposeListing(proposal)).entry
    await serve_notice(credit, entry.entry_id)
    credit.set_today(D(2026, 7, 9))
    decide = lpb.DecideListingRequest(
        request_id=rid(), entry_id=entry.entry_id, decision=lpb.LISTING_DECISION_LIST, reason="未陈述申辩"
    )
    await credit.as_role("credit_reviewer").lists.DecideListing(decide)
    return entry.entry_id


async def audit_rows(credit: CreditWorld, prefix: str = "share.") -> list[tuple[str, str, str, str, str]]:
    rows = await credit.pool.fetch(
        "SELECT action, department, subject_code, purpose, outcome FROM audit_log"
        " WHERE action LIKE $1 || '%' ORDER BY seq",
        prefix,
    )
    return [(r["action"], r["department"], r["subject_code"], r["purpose"], r["outcome"]) for r in rows]


async def test_a_report_answers_each_part_only_within_its_agreement(credit: CreditWorld) -> None:
    uscc = new_uscc()
    entry_id = await listed(credit, uscc)
    await agree(credit, "credit_records", ["public_procurement"])
    await agree(credit, "blacklist", ["public_procurement"], fields=["entries"])
    report = await shared(credit).GetCreditReport(asked(uscc, "public_procurement"))

    (record,) = report.credit_records.records
    assert record.record_class == pb.RECORD_CLASS_SERIOUS
    kinds = [r.kind for r in report.credit_records.restrictions]
    assert kinds == [pb.RESTRICTION_KIND_NO_COMMITMENT, pb.RESTRICTION_KIND_PRIORITY_SUPERVISION]
    assert "PROCUREMENT_LIMIT" not in {m.measure.code for m in report.credit_records.measures}
    assert [e.entry_id for e in report.blacklist.entries] == [entry_id]
    assert list(report.blacklist.restrictions) == []  # the agreement's fields: entries only
    assert list(report.blacklist.measures) == []
    assert not report.HasField("grade")
    (withheld,) = report.withheld
    assert (withheld.data_class, withheld.reason) == (
        "grades",
        "no sharing agreement covers this data class for the caller",
    )
    assert await audit_rows(credit) == [
        ("share.credit_records", FGW, uscc, "public_procurement", "allowed"),
        ("share.blacklist", FGW, uscc, "public_procurement", "allowed"),
        ("share.grades", FGW, uscc, "public_procurement", "denied"),
    ]


async def test_no_agreement_another_purpose_or_region_and_expiry_are_refused_and_logged(
    credit: CreditWorld,
) -> None:
    uscc, elsewhere = new_uscc(), new_uscc("110105")
    await record_of(credit, uscc, D(2026, 6, 1))
    refused = await failure(shared(credit).GetCreditReport(asked(uscc, "public_procurement")))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    assert "credit_records: no sharing agreement" in refused.message
    await agree(credit, "credit_records", ["public_procurement"], until=D(2026, 12, 31))
    await agree(credit, "grades", ["public_procurement"], until=D(2026, 12, 31))
    other = await failure(shared(credit).GetCreditReport(asked(uscc, "honours_and_awards")))
    assert "credit_records: no agreement in force allows the purpose 'honours_and_awards'" in other.message
    outside = await failure(shared(credit).GetCreditReport(asked(elsewhere, "public_procurement")))
    assert "does not cover region 110105" in outside.message
    report = await shared(credit).GetCreditReport(asked(uscc, "public_procurement"))
    assert len(report.credit_records.records) == 1
    assert report.grade.grade == pb.GRADE_C
    credit.set_today(D(2027, 1, 1))
    expired = await failure(shared(credit).GetCreditReport(asked(uscc, "public_procurement")))
    assert (expired.code, "not in force" in expired.message) == (grpc.StatusCode.PERMISSION_DENIED, True)
    outcomes = [(a, p, o) for a, _, _, p, o in await audit_rows(credit) if a == "share.credit_records"]
    assert outcomes == [
        ("share.credit_records", "public_procurement", "denied"),
        ("share.credit_records", "honours_and_awards", "denied"),
        ("share.credit_records", "public_procurement", "denied"),
        ("share.credit_records", "public_procurement", "allowed"),
        ("share.credit_records", "public_procurement", "denied"),
    ]


async def test_only_what_is_in_force_is_shared_and_personal_data_is_masked(credit: CreditWorld) -> None:
    person = resident_id()
    event = false_commitment(person, D(2026, 6, 1), name="陈小明")
    event.subject.kind = NATURAL
    event.findings = f"承诺人（身份证{person}，手机13912345678）无该场所使用权"
    await credit.deliver(FALSE, event)
    await agree(credit, "credit_records", ["administrative_licensing"])
    report = await shared(credit).GetCreditReport(asked(person, "administrative_licensing", NATURAL))
    (record,) = report.credit_records.records
    masked = f"{person[:6]}********{person[-4:]}"
    assert (report.subject.code, record.subject.code, record.subject_name) == (masked, masked, "陈**")
    assert person not in record.facts
    assert "139****5678" in record.facts
    credit.set_today(D(2027, 6, 2))  # an ordinary record's maximum publicity period (1 year) is over
    await credit.run_jobs()
    later = await shared(credit).GetCreditReport(asked(person, "administrative_licensing", NATURAL))
    assert later.HasField("credit_records")
    assert list(later.credit_records.records) == []


async def test_an_agreement_whose_basis_grants_resident_ids_shares_the_number_and_masks_free_text(
    credit: CreditWorld,
) -> None:
    person = resident_id()
    event = false_commitment(person, D(2026, 6, 1), name="陈小明")
    event.subject.kind = NATURAL
    event.findings = f"承诺人（身份证{person}，手机13912345678）无该场所使用权"
    await credit.deliver(FALSE, event)
    await agree(credit, "credit_records", ["joint_punishment"], resident_ids=True)
    report = await shared(credit).GetCreditReport(asked(person, "joint_punishment", NATURAL))
    (record,) = report.credit_records.records
    assert record.subject.code == person
    assert person not in record.facts
    assert "139****5678" in record.facts


def _filler(n: int) -> list[subject_pb2.SubjectRef]:
    """Codes of the shape of Xiamen USCCs; none is stored, so none may match."""
    letters = USCC_ALPHABET
    return [
        subject_pb2.SubjectRef(kind=LEGAL, code="91350200" + "".join(random.choices(letters, k=10)))
        for _ in range(n)
    ]


async def test_bulk_match_of_100000_subjects_by_purpose(credit: CreditWorld) -> None:
    ordinary, serious, blacklisted, elsewhere = new_uscc(), new_uscc(), new_uscc(), new_uscc("110105")
    await record_of(credit, ordinary, D(2026, 6, 1))
    await record_of(credit, serious, D(2026, 6, 1), referred=True)
    await record_of(credit, elsewhere, D(2026, 6, 1), referred=True, region="110105")
    await listed(credit, blacklisted)
    purposes = ["public_procurement", "fiscal_subsidy", "administrative_licensing"]
    await agree(credit, "credit_records", purposes)
    await agree(credit, "blacklist", purposes)
    subjects = _filler(100_000)
    positions = {10: ordinary, 50_000: serious, 77_777: blacklisted, 99_999: elsewhere}
    for index, code in positions.items():
        subjects[index] = ref(code)
    request = spb.BulkMatchRequest(purpose="public_procurement", subjects=subjects)
    print(f"\nBulkMatch request: {request.ByteSize() / 2**20:.1f} MiB")
    started = time.perf_counter()
    procurement = await shared(credit).BulkMatch(request)
    print(f"BulkMatch of 100,000 subjects: {time.perf_counter() - started:.2f} s (not asserted)")

    assert [(h.index, list(h.measures)) for h in procurement.hits] == [(77_777, ["PROCUREMENT_LIMIT"])]
    assert convert.from_date(procurement.hits[0].until) == D(2029, 7, 9)  # automatic removal
    assert (list(procurement.outside_region), procurement.compared) == ([99_999], 99_999)
    assert list(procurement.relevant_measures) == ["MEASURES-2020/PROCUREMENT_LIMIT"]
    request.purpose = "fiscal_subsidy"
    subsidy = await shared(credit).BulkMatch(request)
    assert [h.index for h in subsidy.hits] == [50_000, 77_777]
    request.purpose = "administrative_licensing"
    licensing = await shared(credit).BulkMatch(request)
    assert [(h.index, list(h.measures)) for h in licensing.hits] == [
        (10, ["NO_COMMITMENT_ROUTE"]),
        (50_000, ["NO_COMMITMENT_ROUTE"]),
        (77_777, ["NO_COMMITMENT_ROUTE"]),
    ]
    fingerprint = {"sha256": hashlib.sha256("\n".join(s.code for s in subjects).encode()).hexdigest()}
    fingerprint["subjects"] = 100_000  # type: ignore[assignment]
    logged = await credit.pool.fetch("SELECT change_digest FROM audit_log WHERE action = 'share.blacklist'")
    assert {bytes(r["change_digest"]) for r in logged} == {audit.digest(fingerprint)}  # the list, provably
    revealed = [(s, p) for a, _, s, p, _ in await audit_rows(credit, "share.bulk_match")]
    assert revealed[0] == (blacklisted, "public_procurement")
    assert len(revealed) == 1 + 2 + 3  # one row per subject revealed, per call


async def test_bulk_match_counts_only_what_the_agreements_allow(credit: CreditWorld) -> None:
    blacklisted = new_uscc()
    await listed(credit, blacklisted)
    await agree(credit, "credit_records", ["public_procurement"], consumer="350200-CZJ")
    request = spb.BulkMatchRequest(purpose="public_procurement", subjects=[ref(blacklisted)])
    answer = await shared(credit, "350200-CZJ").BulkMatch(request)
    assert list(answer.hits) == []  # the procurement limit comes from the listing: not shared
    assert [w.data_class for w in answer.withheld] == ["blacklist"]
    refused = await failure(shared(credit, "350200-JYJ").BulkMatch(request))
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED


async def test_bulk_match_names_bad_input(credit: CreditWorld) -> None:
    consumer = shared(credit)
    good = ref(new_uscc())
    subjects = [
        good,
        subject_pb2.SubjectRef(kind=LEGAL, code="91350200MA2YJ1XR9"),
        subject_pb2.SubjectRef(code=new_uscc()),
        subject_pb2.SubjectRef(kind=NATURAL, code="11010519491231002Y"),
    ]
    bad = await failure(
        consumer.BulkMatch(spb.BulkMatchRequest(purpose="public_procurement", subjects=subjects))
    )
    assert (bad.code, bad.fields()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        ["subjects[1].code", "subjects[2].kind", "subjects[3].code"],
    )
    empty = await failure(consumer.BulkMatch(spb.BulkMatchRequest(purpose="public_procurement")))
    assert empty.fields() == ["subjects"]
    nameless = await failure(consumer.BulkMatch(spb.BulkMatchRequest(purpose="政府采购", subjects=[good])))
    assert nameless.fields() == ["purpose"]
    # Refused before anything was looked at.
    assert await credit.count("audit_log", "action LIKE 'share.%'") == 0


def test_every_packaged_measure_names_the_purposes_it_concerns() -> None:
    path = Path(__file__).resolve().parents[2] / "services" / "credit" / "rules" / "MEASURES-2020.json"
    measures = json.loads(path.read_text(encoding="utf-8"))["measures"]
    purposes = {m["code"]: m["purposes"] for m in measures}
    assert purposes["PROCUREMENT_LIMIT"] == ["public_procurement"]
    assert all(purposes.values())
