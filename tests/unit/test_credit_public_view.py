"""Which records and list changes credit publishes (公示), and the events that say so: pure rules
(domain/public_view.py) and the messages built from them (wire/public_events.py), masked at the
source so a natural person's resident ID and full name never leave."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import public_events_pb2 as pb
from services.credit.domain import public_view
from services.credit.domain.blacklist import LISTED, REMOVED, ListEntry, Notice
from services.credit.domain.public_view import RecordChange
from services.credit.domain.records import EXPIRED, PUBLISHED, REPAIRED, REVOKED, UNDER_OBJECTION, Record
from services.credit.wire import public_events
from services.kernel import convert
from services.kernel.identifiers import resident_id_check_char
from services.kernel.publicity import PAGE_KEY_PREFIX

D = dt.date
KEY = b"unit-test-pseudonym-key-32-bytes"
NOW = dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC)
FIRST17 = "35020319850214123"
PERSON_ID = FIRST17 + resident_id_check_char(FIRST17)
PERSON_NAME = "欧阳娜娜"
USCC = "91350200MA2YJ1XR9G"


def record(status: str = PUBLISHED, **changes: Any) -> Record:
    made = Record(
        record_id=uuid.uuid4(),
        subject_kind="SUBJECT_KIND_LEGAL_PERSON",
        subject_code=USCC,
        subject_name="厦门示例餐饮有限公司",
        source_event_id="e",
        commitment_id=None,
        facts="False commitment 350200202606010000001 for 营业场所使用证明: 不动产登记系统无记录",
        legal_basis="国家发展改革委令第36号",
        deciding_department="350200-SCJ",
        region_code="350200",
        decision_date=D(2026, 6, 1),
        record_class="ORDINARY",
        status=status,
        publicity_start=D(2026, 6, 1),
        repairable_from=D(2026, 9, 1),
        publicity_end=D(2027, 6, 1),
        published=True,
        restricts=("NO_COMMITMENT",),
        rule_set="NDRC-36",
        rule="default_false_commitment",
        created_at=NOW,
        safety_related_item=False,
        measures=(),
        measure_catalogue="MEASURES-2020",
        repair_notice="",
        ended_on=None,
        revision=0,
    )
    return replace(made, **changes)


def person_record(**changes: Any) -> Record:
    facts = (
        f"申请人{PERSON_NAME}（身份证号{PERSON_ID}，电话13812348000）提交的场所证明不实;"
        f" 复核时{PERSON_NAME}本人确认"
    )
    person = record(
        subject_kind="SUBJECT_KIND_NATURAL_PERSON",
        subject_code=PERSON_ID,
        subject_name=PERSON_NAME,
        facts=facts,
    )
    return replace(person, **changes)


# Which records are published, and what a change means for the public.


def test_a_record_in_force_of_a_published_class_is_shown() -> None:
    assert public_view.shown(record(PUBLISHED))
    assert public_view.shown(record(UNDER_OBJECTION))  # disputed, but still published
    assert not public_view.shown(record(PUBLISHED, record_class="MINOR", published=False))  # 轻微
    for ended in (REPAIRED, EXPIRED, REVOKED):
        assert not public_view.shown(record(ended))


def test_the_class_is_labelled_as_the_public_reads_it() -> None:
    labels = [public_view.class_label(c) for c in ("MINOR", "ORDINARY", "SERIOUS")]
    assert labels == ["轻微", "一般", "严重"]


def test_a_new_record_is_published_unless_its_class_is_not() -> None:
    assert public_view.record_change(None, record()) == RecordChange(publish=True)
    minor = record(record_class="MINOR", published=False)
    assert public_view.record_change(None, minor).nothing


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (REPAIRED, "REPAIRED"),  # 信用修复
        (EXPIRED, "EXPIRED"),  # 公示期满
        (REVOKED, "REVOKED"),  # 异议成立, 撤销
    ],
)
def test_a_published_record_that_ends_is_withdrawn_with_the_reason(status: str, reason: str) -> None:
    before = record(UNDER_OBJECTION)
    assert public_view.record_change(before, record(status)) == RecordChange(withdrawal=reason)
    assert public_view.record_ended(record(status)) == RecordChange(withdrawal=reason)


def test_an_unpublished_record_that_ends_says_nothing() -> None:
    minor = record(record_class="MINOR", published=False)
    assert public_view.record_change(minor, replace(minor, status=REPAIRED)).nothing
    assert public_view.record_ended(replace(minor, status=EXPIRED)).nothing


def test_a_record_reclassified_to_an_unpublished_class_is_withdrawn() -> None:
    minor = record(record_class="MINOR", published=False, revision=1)
    assert public_view.record_change(record(), minor) == RecordChange(withdrawal="RECLASSIFIED")


def test_a_corrected_record_of_a_published_class_is_published_again() -> None:
    corrected = record(record_class="SERIOUS", revision=1, publicity_end=D(2029, 6, 1))
    assert public_view.record_change(record(), corrected) == RecordChange(publish=True)
    # corrected while under objection: the revision, and the dispute ends
    change = public_view.record_change(record(UNDER_OBJECTION), corrected)
    assert change == RecordChange(publish=True, disputed=False)


def test_a_minor_record_corrected_into_a_published_class_is_published() -> None:
    minor = record(record_class="MINOR", published=False)
    corrected = record(record_class="ORDINARY", revision=1)
    assert public_view.record_change(minor, corrected) == RecordChange(publish=True)


def test_an_objection_marks_a_published_record_disputed_until_decided() -> None:
    assert public_view.record_change(record(), record(UNDER_OBJECTION)) == RecordChange(disputed=True)
    assert public_view.record_change(record(UNDER_OBJECTION), record()) == RecordChange(disputed=False)
    minor = record(record_class="MINOR", published=False)
    assert public_view.record_change(minor, replace(minor, status=UNDER_OBJECTION)).nothing


def test_a_listing_ends_with_the_reason_the_public_reads() -> None:
    reasons = {
        r: public_view.delisting_reason(r)
        for r in (
            "REMOVAL_REASON_EARLY_REMOVAL",
            "REMOVAL_REASON_PERIOD_ENDED",
            "REMOVAL_REASON_BASIS_REPAIRED",
            "REMOVAL_REASON_BASIS_WITHDRAWN",
        )
    }
    assert list(reasons.values()) == ["DELISTED", "EXPIRED", "REPAIRED", "REVOKED"]


# The events.


def test_a_record_is_published_with_its_class_basis_department_and_period() -> None:
    r = record(revision=2)
    made = public_events.record(KEY, r, NOW)
    assert (made.record_number, made.revision, made.record_class) == (str(r.record_id), 2, "一般")
    assert (made.subject.code, made.subject.key, made.subject.name) == (USCC, USCC, r.subject_name)
    assert made.subject.kind == subject_pb2.SUBJECT_KIND_LEGAL_PERSON
    assert (made.facts, made.legal_basis) == (r.facts, r.legal_basis)
    assert (made.deciding_department, made.region_code) == ("350200-SCJ", "350200")
    dates = (made.decision_date, made.publicity_start, made.publicity_end)
    assert [convert.from_date(d) for d in dates] == [D(2026, 6, 1), D(2026, 6, 1), D(2027, 6, 1)]
    assert not made.disputed
    assert made.published_at.ToDatetime(dt.UTC) == NOW
    assert public_events.record(KEY, record(UNDER_OBJECTION), NOW).disputed


def test_a_natural_persons_record_carries_no_resident_id_and_no_full_name() -> None:
    r = person_record()
    made = public_events.record(KEY, r, NOW)
    assert made.subject.code == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    assert made.subject.name == "欧***"
    assert made.subject.key.startswith(PAGE_KEY_PREFIX)
    assert made.facts == (
        f"申请人欧***（身份证号{made.subject.code}，电话138****8000）提交的场所证明不实; 复核时欧***本人确认"
    )
    serialized = made.SerializeToString()
    for secret in (PERSON_ID, PERSON_ID[6:14], PERSON_NAME, "13812348000"):
        assert secret.encode() not in serialized


def test_withdrawal_and_dispute_name_the_record_and_the_subjects_page() -> None:
    r = person_record(status=REPAIRED, ended_on=D(2026, 9, 2))
    withdrawn = public_events.record_withdrawn(KEY, r, "REPAIRED", D(2026, 9, 2), NOW)
    disputed = public_events.record_disputed(KEY, r, True, NOW)
    page = public_events.record(KEY, r, NOW).subject.key
    assert (withdrawn.record_number, withdrawn.subject_key) == (str(r.record_id), page)
    assert withdrawn.reason == pb.WITHDRAWAL_REPAIRED
    assert convert.from_date(withdrawn.withdrawn_on) == D(2026, 9, 2)
    assert (disputed.record_number, disputed.subject_key, disputed.disputed) == (str(r.record_id), page, True)
    for message in (withdrawn, disputed):
        assert PERSON_ID.encode() not in message.SerializeToString()


def entry(**changes: Any) -> ListEntry:
    notice = Notice(
        "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》",
        "虚假承诺",
        (),
        "",
        "",
        None,
        False,
    )
    made = ListEntry(
        entry_id=uuid.uuid4(),
        subject_kind="SUBJECT_KIND_NATURAL_PERSON",
        subject_code=PERSON_ID,
        subject_name=PERSON_NAME,
        status=LISTED,
        record_ids=(uuid.uuid4(), uuid.uuid4()),
        department="350200-SCJ",
        region_code="350200",
        reasons="虚假承诺",
        notice=notice,
        statements=(),
        proposed_on=D(2026, 7, 1),
        proposed_by="officer",
        listed_on=D(2026, 7, 20),
        early_removal_from=D(2027, 7, 20),
        removal_due=D(2029, 7, 20),
        removed_on=None,
        removal_reason="",
        decision_reason="",
        decided_by="",
        rule_set="GOV-2020-49",
        measures=(),
        measure_catalogue="",
        restricts=(),
        early_removal=None,
        created_at=NOW,
    )
    return replace(made, **changes)


def test_a_listing_is_published_masked_with_its_records_and_dates() -> None:
    e = entry()
    made = public_events.listing(KEY, e, NOW)
    assert made.entry_number == str(e.entry_id)
    assert list(made.record_numbers) == [str(i) for i in e.record_ids]
    assert (made.subject.name, made.department, made.region_code) == ("欧***", "350200-SCJ", "350200")
    assert made.basis == e.notice.legal_basis
    assert (convert.from_date(made.listed_on), convert.from_date(made.removal_due)) == (
        D(2026, 7, 20),
        D(2029, 7, 20),
    )
    serialized = made.SerializeToString()
    assert PERSON_ID.encode() not in serialized
    assert PERSON_NAME.encode() not in serialized


def test_a_delisting_says_when_and_why() -> None:
    e = entry(status=REMOVED, removed_on=D(2029, 7, 20), removal_reason="REMOVAL_REASON_PERIOD_ENDED")
    made = public_events.delisting(KEY, e, NOW)
    assert (made.entry_number, made.reason) == (str(e.entry_id), pb.WITHDRAWAL_EXPIRED)
    assert made.subject_key == public_events.listing(KEY, e, NOW).subject.key
    assert convert.from_date(made.removed_on) == D(2029, 7, 20)
    with pytest.raises(ValueError, match="not removed"):
        public_events.delisting(KEY, entry(), NOW)
