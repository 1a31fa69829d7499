"""The checks every request passes before its handler, whatever the RPC."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import audit_pb2, calendar_pb2, dev_clock_pb2, sharing_pb2
from services.kernel.errors import InvalidArgument
from services.kernel.rpc import request_check


def _refused(request: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidArgument) as refused:
        request_check.check(request)
    return [(v.field, v.description) for v in refused.value.violations]


def test_a_nul_anywhere_is_refused_with_its_field_path() -> None:
    row = catalogue_pb2.ImportRow(row_number=1, item=catalogue_pb2.ItemDraft(matters=["ok", "a\x00b"]))
    request = catalogue_pb2.ImportCatalogueRequest(request_id="r1", rows=[catalogue_pb2.ImportRow(), row])
    assert _refused(request) == [("rows[1].item.matters[1]", "must not contain the NUL character (U+0000)")]
    assert _refused(catalogue_pb2.ListCatalogueRequest(matter="a\x00b"))[0][0] == "matter"


def test_map_keys_and_values_are_checked() -> None:
    answer = sharing_pb2.ListUnacknowledgedResponse(pending_by_receiver={"a\x00": 1})
    assert _refused(answer)[0][0] == "pending_by_receiver['a\\x00']"


def test_out_of_range_dates_timestamps_and_durations_are_refused() -> None:
    since = audit_pb2.ListAuditRowsRequest(since=Timestamp(seconds=-1, nanos=2147483647))
    assert _refused(since)[0][0] == "since"
    start = calendar_pb2.AddWorkingDaysRequest(start=Date(year=9999, month=12, day=31), working_days=1000)
    assert _refused(start)[0] == (
        "start",
        "9999-12-31 is out of range: dates must lie between 1900-01-01 and 2199-12-31",
    )
    advance = dev_clock_pb2.AdvanceRequest(request_id="r")
    advance.by.seconds = 2**62
    assert _refused(advance)[0][0] == "by"


def test_good_requests_and_unset_dates_pass() -> None:
    request_check.check(calendar_pb2.AddWorkingDaysRequest(start=Date(), working_days=3))
    request_check.check(catalogue_pb2.ListCatalogueRequest(matter="食品经营许可"))


def test_undecodable_bytes_become_a_refusal_instead_of_an_exception() -> None:
    parse = request_check.tolerant(catalogue_pb2.ListCatalogueRequest.FromString)
    assert parse is not None
    bad_utf8 = b"\x22\x03\xed\xa0\x80"  # matter: the UTF-8 bytes of a lone surrogate
    refusal = _refused(parse(bad_utf8))
    assert refusal[0][0] == "request"
    assert "chengnuo.commitment.v1.ListCatalogueRequest" in refusal[0][1]
    assert parse(catalogue_pb2.ListCatalogueRequest(matter="x").SerializeToString()).matter == "x"
