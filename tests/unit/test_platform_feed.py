"""A platform's feed copy of a pushed event (features/sharing/feed.py) and the NATS permissions
of each user of the embedded stack (launcher/nats_auth.py)."""

from __future__ import annotations

import datetime as dt
import stat
import uuid
from pathlib import Path

import pytest

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2 as events
from services.kernel.bus import Names
from services.kernel.events import inner_subject
from services.kernel.features.sharing.feed import feed_copy, feed_subject, pseudonym
from services.kernel.features.sharing.gate import Grant
from services.kernel.features.sharing.push import _grants
from services.kernel.features.sharing.store import Agreement
from services.kernel.identifiers import resident_id_check_char
from services.launcher.nats_auth import NatsCredentials, platform_user, service_user

PERSON = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
LEGAL = subject_pb2.SUBJECT_KIND_LEGAL_PERSON
KEY = b"k" * 32


def _id(region: str = "350203") -> str:
    first17 = f"{region}19850314123"
    return first17 + resident_id_check_char(first17)


def _created(code: str, kind: subject_pb2.SubjectKind.ValueType = PERSON) -> events.RecordCreated:
    record = credit_pb2.DishonestyRecord(
        record_id="r-1",
        subject=subject_pb2.SubjectRef(kind=kind, code=code),
        subject_name="陈小明",
        facts=f"承诺人身份证{code}，电话13912345678",
    )
    return events.RecordCreated(record=record)


def test_a_natural_person_is_a_stable_keyed_pseudonym_and_nothing_else_shows_the_number() -> None:
    person = _id()
    copy = feed_copy(_created(person), Grant("a", frozenset(), "350200"), KEY)
    assert copy is not None
    record = copy.record  # type: ignore[attr-defined]
    assert record.subject.code == pseudonym(KEY, person) == pseudonym(KEY, person.lower())
    assert record.subject.code.startswith("pn-")
    assert len(record.subject.code) == 35
    assert pseudonym(b"another key" * 3, person) != record.subject.code
    assert person not in copy.SerializeToString().decode("utf-8", "replace")
    assert person[6:14] not in copy.SerializeToString().decode("utf-8", "replace")
    assert record.subject_name == "陈**"
    assert "139****5678" in record.facts


def test_without_a_key_the_number_is_masked() -> None:
    person = _id()
    copy = feed_copy(_created(person), Grant("a", frozenset(), ""), None)
    assert copy is not None
    assert copy.record.subject.code == f"{person[:6]}********{person[-4:]}"  # type: ignore[attr-defined]


def test_an_agreement_whose_basis_grants_the_number_keeps_it_in_the_subject_only() -> None:
    person = _id()
    copy = feed_copy(_created(person), Grant("a", frozenset(), "350200", resident_ids=True), KEY)
    assert copy is not None
    record = copy.record  # type: ignore[attr-defined]
    assert record.subject.code == person  # neither pseudonymised nor masked
    assert person not in record.facts  # free text is masked all the same
    assert "139****5678" in record.facts
    assert record.subject_name == "陈**"


def test_an_event_about_a_subject_outside_the_agreements_region_is_not_copied() -> None:
    assert feed_copy(_created(_id("350203")), Grant("a", frozenset(), "350100"), KEY) is None
    assert feed_copy(_created(_id("350203")), Grant("a", frozenset(), "350000"), KEY) is not None
    uscc = "91350200MA2XYZ1234"  # registered in 350200 (characters 3-8), checked for shape only here
    assert feed_copy(_created(uscc, LEGAL), Grant("a", frozenset(), "350100"), KEY) is None


def test_only_the_agreed_fields_are_copied() -> None:
    grades = events.GradeChanged(subject=subject_pb2.SubjectRef(kind=LEGAL, code="91350200MA2XYZ1234"))
    grades.version = 3
    copy = feed_copy(grades, Grant("a", frozenset({"subject"}), ""), KEY)
    assert copy is not None
    assert [f.name for f, _ in copy.ListFields()] == ["subject"]


def test_feed_subjects_name_the_receiver_and_the_event() -> None:
    subject = feed_subject("xinyong-xiamen", "credit.record_created")
    assert subject == "feed.xinyong-xiamen.credit.record_created"
    assert inner_subject(subject) == "credit.record_created"
    assert inner_subject("credit.record_created") is None
    assert inner_subject("feed.only-receiver") is None


def test_a_platform_may_only_read_its_own_feed_through_its_own_consumer() -> None:
    user = platform_user("xinyong-xiamen", Names())
    assert user.name == "platform-xinyong-xiamen"
    assert user.subscribe == ("_INBOX_xinyong-xiamen.>",)
    assert "$JS.API.CONSUMER.CREATE.FEED.xinyong-xiamen.feed.xinyong-xiamen.>" in user.publish
    assert all(".FEED." in s and "xinyong-xiamen" in s for s in user.publish)
    assert not any(s.startswith(("credit.", "feed.", "$JS.API.STREAM", ">")) for s in user.publish)
    prefixed = platform_user("xinyong-xiamen", Names("acme"))
    assert (
        "$JS.API.CONSUMER.CREATE.acme_FEED.acme_xinyong-xiamen.acme.feed.xinyong-xiamen.>" in prefixed.publish
    )


@pytest.mark.parametrize("name", ["", "Xinyong", "a.b", "a*", "a>", "-a", "a" * 65, "信用"])
def test_a_platform_name_that_is_not_one_subject_token_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="platform name"):
        platform_user(name, Names())


def test_a_service_publishes_only_its_own_events_and_the_kernels_subjects() -> None:
    credit = service_user("credit", Names())
    assert "credit.>" in credit.publish
    assert not any(s.startswith(("commitment.", "verification.", "catalogue.")) for s in credit.publish)
    assert "audit.checkpoint.credit" in credit.publish
    assert credit.subscribe == ("_INBOX.>",)


def test_passwords_are_made_once_and_private(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    creds = NatsCredentials(folder)
    first = creds.password("platform-xinyong-xiamen")
    assert creds.password("platform-xinyong-xiamen") == first
    assert len(first) >= 40
    assert stat.S_IMODE(creds.password_file("platform-xinyong-xiamen").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert creds.platforms() == ["xinyong-xiamen"]
    block = creds.authorization([platform_user("xinyong-xiamen", Names())])
    assert first in block
    assert "_INBOX_xinyong-xiamen.>" in block


def _agreement(consumer: str, region: str) -> Agreement:
    day = dt.date(2027, 1, 1)
    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    return Agreement(
        uuid.uuid4(),
        consumer,
        "credit_records",
        ("daily_supervision",),
        region,
        (),
        day,
        day,
        True,
        "",
        at,
        "",
        None,
    )


def test_a_delivery_goes_only_to_receivers_whose_agreement_covers_the_events_region() -> None:
    agreements = [
        _agreement("city", "350200"),
        _agreement("other-city", "350100"),
        _agreement("province", "350000"),
    ]
    assert sorted(_grants(agreements, {"350203"})) == ["city", "province"]
    assert sorted(_grants(agreements, {"350203", "350102"})) == ["province"]
    assert sorted(_grants(agreements, set())) == ["city", "other-city", "province"]  # about no subject
