from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from services.kernel import errors
from services.kernel.rpc.status import details_of, to_status


def _details(exc: errors.ServiceError) -> tuple[grpc.StatusCode, list[Message]]:
    status = to_status(exc)
    return status.code, details_of(status.trailing_metadata)


def test_invalid_argument_names_every_field() -> None:
    code, details = _details(
        errors.InvalidArgument(
            [
                errors.FieldViolation("subject.code", "bad check"),
                errors.FieldViolation("case_number", "required"),
            ]
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    (bad_request,) = details
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("subject.code", "bad check"),
        ("case_number", "required"),
    ]


def test_not_found_names_the_resource_and_the_field() -> None:
    code, details = _details(errors.NotFound("catalogue item", "abc", "item_id"))
    assert code == grpc.StatusCode.NOT_FOUND
    info, where = details
    assert isinstance(info, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("catalogue item", "abc")
    assert isinstance(where, error_details_pb2.BadRequest)
    assert where.field_violations[0].field == "item_id"


def test_failed_precondition_carries_reasons_and_dates() -> None:
    violation = errors.PreconditionViolation("BLACKLISTED", "record-1", "listed", dt.date(2027, 1, 2))
    code, details = _details(errors.FailedPrecondition("not eligible", [violation]))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    failure, info = details
    assert isinstance(failure, error_details_pb2.PreconditionFailure)
    assert (failure.violations[0].type, failure.violations[0].subject) == ("BLACKLISTED", "record-1")
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "BLACKLISTED"
    assert info.metadata["until.record-1"] == "2027-01-02"


def test_auth_errors_map_to_their_codes() -> None:
    assert to_status(errors.Unauthenticated("x")).code == grpc.StatusCode.UNAUTHENTICATED
    assert to_status(errors.PermissionDenied("x")).code == grpc.StatusCode.PERMISSION_DENIED
    assert to_status(errors.AlreadyExists("item", "x")).code == grpc.StatusCode.ALREADY_EXISTS
