"""Errors quote bounded excerpts, so the status always fits the client's metadata limit."""

from __future__ import annotations

from google.rpc import error_details_pb2

from services.kernel import errors
from services.kernel.rpc.status import details_of, to_status

# grpc clients refuse trailing metadata beyond 8 KiB (soft limit) with RESOURCE_EXHAUSTED.
METADATA_LIMIT = 8 * 1024


def _metadata_bytes(exc: errors.ServiceError) -> int:
    status = to_status(exc)
    encoded = status.details.encode("utf-8")
    # grpc-message is percent-encoded: a non-ASCII byte takes three.
    message = sum(3 if b >= 0x80 else 1 for b in encoded)
    details = sum(len(v) * 4 // 3 + 4 for _, v in status.trailing_metadata)  # base64 on the wire
    return message + details


def test_excerpt_cuts_with_an_ellipsis() -> None:
    assert errors.excerpt("short") == "short"
    cut = errors.excerpt("x" * 20_000)
    assert len(cut) == errors.VALUE_EXCERPT
    assert cut.endswith("…")


def test_a_huge_value_quoted_in_a_violation_is_cut() -> None:
    value = "中" * 20_000
    exc = errors.InvalidArgument.one("matter", f"{value!r} is not a matter")
    (violation,) = exc.violations
    assert violation.field == "matter"
    assert len(violation.description) == errors.DESCRIPTION_LIMIT
    assert _metadata_bytes(exc) < METADATA_LIMIT


def test_many_violations_are_summed_up_within_the_budget() -> None:
    exc = errors.InvalidArgument([errors.FieldViolation(f"rows[{i}].名称", "名" * 300) for i in range(5000)])
    assert exc.violations[0].field == "rows[0].名称"
    assert exc.violations[-1].field == "request"
    assert exc.violations[-1].description == f"and {5000 - len(exc.violations) + 1} more problems"
    assert _metadata_bytes(exc) < METADATA_LIMIT
    (bad_request,) = details_of(to_status(exc).trailing_metadata)
    assert isinstance(bad_request, error_details_pb2.BadRequest)


def test_every_error_kind_bounds_what_it_quotes() -> None:
    huge = "中" * 20_000
    kinds: list[errors.ServiceError] = [
        errors.NotFound("item", huge, field=huge),
        errors.AlreadyExists(huge, huge),
        errors.FailedPrecondition(huge, [errors.PreconditionViolation(huge, huge, huge)] * 1000),
        errors.PermissionDenied(huge),
        errors.Unauthenticated(huge),
    ]
    for exc in kinds:
        assert len(exc.message) <= errors.MESSAGE_LIMIT
        assert _metadata_bytes(exc) < METADATA_LIMIT, type(exc).__name__
