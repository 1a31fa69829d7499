"""What `--json` prints for each kind of value (docs/cli-json.md), and tables that keep identifiers
whole in a narrow terminal."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, EnumDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from rich.cells import cell_len
from rich.console import Console

import chengnuo
from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import dev_clock_pb2, sharing_pb2, subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import commitment_events_pb2
from chengnuo.verification.v1 import inspections_pb2, verification_pb2
from services.cli import output
from services.cli.events_cmd import decode
from services.cli.json_form import enum_name
from services.cli.verify_views import TASK_COLUMNS
from services.kernel import convert

USCC = "91350200MA2Y0QJ46X"
TASK_ID = "0b6f3c1e-2a44-4c1b-9a77-5d2e8f3b1c11"


def printed(capsys: pytest.CaptureFixture[str], *messages: Message) -> Any:
    """The messages through the path every list command takes with --json."""
    output.listing(list(messages), True, "unused", [])
    return json.loads(capsys.readouterr().out)


def test_a_date_is_an_iso_string(capsys: pytest.CaptureFixture[str]) -> None:
    record = credit_pb2.DishonestyRecord(decision_date=convert.to_date(dt.date(2026, 5, 4)))
    assert printed(capsys, record) == [{"decision_date": "2026-05-04"}]


def test_a_timestamp_is_rfc3339_in_utc(capsys: pytest.CaptureFixture[str]) -> None:
    record = credit_pb2.DishonestyRecord()
    record.created_at.FromDatetime(dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    (shown,) = printed(capsys, record)
    assert shown == {"created_at": "2026-05-04T01:30:00Z"}
    assert dt.datetime.fromisoformat(shown["created_at"]) == dt.datetime(2026, 5, 4, 1, 30, tzinfo=dt.UTC)


def test_a_duration_is_seconds_with_an_s(capsys: pytest.CaptureFixture[str]) -> None:
    answer = dev_clock_pb2.GetTimeResponse(offset=Duration(seconds=86400 * 3))
    assert printed(capsys, answer) == [{"offset": "259200s"}]


def test_an_enum_is_its_short_lower_case_name(capsys: pytest.CaptureFixture[str]) -> None:
    record = credit_pb2.DishonestyRecord(status=credit_pb2.RECORD_STATUS_EXPIRED)
    version = catalogue_pb2.CatalogueVersion(filing_status=catalogue_pb2.FILING_STATUS_FILED_LATE)
    assert printed(capsys, record, version) == [{"status": "expired"}, {"filing_status": "filed_late"}]
    assert enum_name(credit_pb2.Grade.DESCRIPTOR, credit_pb2.GRADE_B) == "b"


def test_repeated_enums_and_nested_messages_are_rendered_alike(capsys: pytest.CaptureFixture[str]) -> None:
    kinds = [subject_pb2.SUBJECT_KIND_LEGAL_PERSON, subject_pb2.SUBJECT_KIND_INDIVIDUAL_BUSINESS]
    plan = inspections_pb2.Plan(
        filter=inspections_pb2.SubjectFilter(kinds=kinds),
        ratios=[inspections_pb2.GradeRatio(grade=credit_pb2.GRADE_D, percent=100)],
    )
    assert printed(capsys, plan) == [
        {
            "filter": {"kinds": ["legal_person", "individual_business"]},
            "ratios": [{"grade": "d", "percent": 100}],
        }
    ]


def test_an_enum_number_this_build_does_not_know_stays_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert printed(capsys, credit_pb2.DishonestyRecord(status=99)) == [{"status": 99}]  # type: ignore[arg-type]


def test_an_int64_is_a_number_and_a_map_an_object(capsys: pytest.CaptureFixture[str]) -> None:
    draw = inspections_pb2.Draw(pool_size=30, drawn=6)
    pending = sharing_pb2.ListUnacknowledgedResponse(pending_by_receiver={"350200-FGW": 2})
    assert printed(capsys, draw, pending) == [
        {"pool_size": 30, "drawn": 6},
        {"pending_by_receiver": {"350200-FGW": 2}},
    ]


def test_fields_at_their_default_are_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    task = verification_pb2.Task(task_id=TASK_ID, overdue=False, extended_working_days=0)
    assert printed(capsys, task) == [{"task_id": TASK_ID}]


def test_bytes_are_base64(capsys: pytest.CaptureFixture[str]) -> None:
    file = descriptor_pb2.FileDescriptorProto(name="blob_test.proto", package="blobtest", syntax="proto3")
    blob = file.message_type.add(name="Blob")
    blob.field.add(name="data", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_BYTES)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    # A class made at run time: its fields are known to the descriptor, not to the type checker.
    blob_class: Any = message_factory.GetMessageClass(pool.FindMessageTypeByName("blobtest.Blob"))
    made = blob_class(data=b"\x00\xff")
    assert printed(capsys, made) == [{"data": "AP8="}]


def test_events_tail_renders_its_bodies_the_same_way() -> None:
    changed = commitment_events_pb2.CommitmentFulfilmentChanged(
        status=commitment_pb2.FULFILMENT_STATUS_PARTIALLY_FULFILLED,
        determined_on=convert.to_date(dt.date(2026, 5, 4)),
    )
    event = decode("commitment.fulfilment_changed", changed.SerializeToString(), {})
    assert event["data"] == {"status": "partially_fulfilled", "determined_on": "2026-05-04"}


def _enums(message: Descriptor) -> Iterator[EnumDescriptor]:
    yield from message.enum_types
    for nested in message.nested_types:
        yield from _enums(nested)


def _all_enums() -> Iterator[EnumDescriptor]:
    for found in pkgutil.walk_packages(chengnuo.__path__, "chengnuo."):
        if found.name.endswith("_pb2"):
            file = importlib.import_module(found.name).DESCRIPTOR
            yield from file.enum_types_by_name.values()
            for message in file.message_types_by_name.values():
                yield from _enums(message)


def test_every_enum_of_ours_has_a_prefix_to_strip() -> None:
    """The short names rely on `X_UNSPECIFIED = 0` and every value starting with `X_`."""
    enums = list(_all_enums())
    assert len(enums) > 30
    for enum in enums:
        prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED")
        assert prefix.endswith("_"), enum.full_name
        assert all(v.name.startswith(prefix) for v in enum.values), enum.full_name


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal of 60 columns, as a process started with COLUMNS=60 sees it."""
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(output, "console", Console())


def _task() -> verification_pb2.Task:
    return verification_pb2.Task(
        task_id=TASK_ID,
        due_date=convert.to_date(dt.date(2026, 5, 20)),
        status=verification_pb2.TASK_STATUS_OPEN,
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code=USCC),
        subject_name="厦门示例餐饮管理有限公司",
        item_name="食品经营许可证明",
        method="ON_SITE",
    )


@pytest.mark.usefixtures("narrow")
def test_a_narrow_table_keeps_the_uscc_and_the_task_id_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    output.listing([_task(), _task()], False, "verification tasks", TASK_COLUMNS)
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    assert sum(USCC in line for line in lines) == 2
    assert sum(TASK_ID in line for line in lines) == 2


@pytest.mark.usefixtures("narrow")
def test_a_table_that_fits_keeps_its_columns_and_the_uscc_whole(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[USCC, "NO_COMMITMENT_ROUTE, RESTRICTED_FINANCING, NO_HONOURS", "2027-01-01", "yes"]]
    output.table("hits", ["code", "measures", "until", "disputed"], rows)
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    (header,) = [line for line in lines if "code" in line]
    assert "measures" in header  # still one table, its text columns wrapped
    assert sum(USCC in line for line in lines) == 1


@pytest.mark.usefixtures("narrow")
def test_a_record_keeps_its_id_and_a_masked_resident_id_whole(capsys: pytest.CaptureFixture[str]) -> None:
    masked = "350203********123X"
    pairs = [
        ("record id", TASK_ID),
        ("subject", f"王某某 {masked}"),
        ("publish decision by (双公示)", "2026-05-06"),
        ("facts", "经核查，申请人承诺的从业人员健康证明与卫生健康部门系统记录不一致。" * 3),
    ]
    output.fields("record", pairs)
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    assert (sum(masked in line for line in lines), sum(TASK_ID in line for line in lines)) == (1, 1)
