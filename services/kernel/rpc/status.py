"""Rich gRPC statuses (google.rpc.Status with details) for ServiceErrors, and back again."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.kernel import errors

DOMAIN = "chengnuo"
_DETAILS_KEY = "grpc-status-details-bin"


def _pack(*details: Message) -> list[any_pb2.Any]:
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    return packed


def _details(exc: errors.ServiceError) -> tuple[int, list[any_pb2.Any]]:
    match exc:
        case errors.InvalidArgument():
            violations = [
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in exc.violations
            ]
            return code_pb2.INVALID_ARGUMENT, _pack(error_details_pb2.BadRequest(field_violations=violations))
        case errors.NotFound():
            info = error_details_pb2.ResourceInfo(
                resource_type=exc.resource, resource_name=exc.name, description=exc.message
            )
            where = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=exc.field, description=exc.message)
                ]
            )
            return code_pb2.NOT_FOUND, _pack(info, where) if exc.field else _pack(info)
        case errors.AlreadyExists():
            info = error_details_pb2.ResourceInfo(resource_type=exc.resource, resource_name=exc.name)
            return code_pb2.ALREADY_EXISTS, _pack(info)
        case errors.FailedPrecondition():
            return code_pb2.FAILED_PRECONDITION, _pack(*_precondition(exc))
        case errors.PermissionDenied():
            return code_pb2.PERMISSION_DENIED, _pack(_info("PERMISSION_DENIED"))
        case errors.Unauthenticated():
            return code_pb2.UNAUTHENTICATED, _pack(_info("UNAUTHENTICATED"))
        case errors.Unavailable():
            retry = error_details_pb2.RetryInfo()
            retry.retry_delay.FromTimedelta(dt.timedelta(seconds=exc.retry_after))
            return code_pb2.UNAVAILABLE, _pack(retry, _info("UNAVAILABLE", dependency=exc.dependency))
    return code_pb2.UNKNOWN, []


def _info(reason: str, **metadata: str) -> error_details_pb2.ErrorInfo:
    return error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)


def _precondition(exc: errors.FailedPrecondition) -> list[Message]:
    failure = error_details_pb2.PreconditionFailure(
        violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type=v.type, subject=v.subject, description=v.description
            )
            for v in exc.violations
        ]
    )
    # The dates from which each condition may stop holding, machine-readable for portals.
    until = {f"until.{v.subject}": v.until.isoformat() for v in exc.violations if v.until}
    first = exc.violations[0].type if exc.violations else "FAILED_PRECONDITION"
    return [failure, _info(first, **until)]


def to_status(exc: errors.ServiceError) -> grpc.Status:
    code, details = _details(exc)
    status: grpc.Status = rpc_status.to_status(
        status_pb2.Status(code=code, message=exc.message, details=details)
    )
    return status


def details_of(metadata: tuple[tuple[str, str | bytes], ...] | None) -> list[Message]:
    """Decode the rich details from an error's trailing metadata (for clients and tests)."""
    for key, value in metadata or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            return [_unpack(d) for d in status_pb2.Status.FromString(value).details]
    return []


_KNOWN: tuple[type[Message], ...] = (
    error_details_pb2.BadRequest,
    error_details_pb2.ResourceInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ErrorInfo,
    error_details_pb2.RetryInfo,
)


def _unpack(item: any_pb2.Any) -> Message:
    for kind in _KNOWN:
        if item.TypeName() == kind.DESCRIPTOR.full_name:
            message = kind()
            item.Unpack(message)
            return message
    return item
