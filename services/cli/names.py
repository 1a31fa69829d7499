"""`--names mask|none` on the commands whose text is published or shared (findings, facts, reasons):
what to do with the likely names of natural persons (自然人姓名) the service finds in it, and the
refusal, when the option is missing, shown as the excerpts found and the option that decides."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import grpc
import typer
from google.rpc import error_details_pb2

from chengnuo.common.v1 import personal_data_pb2 as pb
from services.cli.output import fail
from services.cli.values import choose
from services.kernel.rpc.status import details_of
from services.kernel.screening import FIELD, REQUIRED

CHOICES = {
    "ask": pb.PERSONAL_NAMES_UNSPECIFIED,
    "mask": pb.PERSONAL_NAMES_MASK,
    "none": pb.PERSONAL_NAMES_NONE,
}
Names = Annotated[
    str,
    typer.Option(
        "--names",
        help="Likely names of natural persons in the published text: mask (张三丰 -> 张**) or none "
        "(you confirm there are none). Without it (ask), text naming likely persons is refused, "
        "showing what was found.",
    ),
]
HINT = "rerun with --names mask to mask them (张三丰 -> 张**) or --names none to confirm there are none"


def personal_names(value: str) -> Any:
    return choose(value or "ask", CHOICES, "--names")


@contextmanager
def flagged() -> Iterator[None]:
    """Inside `reported()`: a refusal for likely names becomes the excerpts found and the hint."""
    try:
        yield
    except grpc.RpcError as error:
        found = names_found(error)
        if found is None:
            raise
        fail(f"INVALID_ARGUMENT {found}; {HINT}")


def names_found(error: grpc.RpcError) -> str | None:
    """`findings: likely names of natural persons: 代理人张三丰` for each field flagged, or None
    when the error is not a refusal for likely names."""
    call: Any = error
    if call.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return None
    violations = [
        v
        for detail in details_of(call.trailing_metadata())
        if isinstance(detail, error_details_pb2.BadRequest)
        for v in detail.field_violations
    ]
    if not any(v.field == FIELD and v.description.startswith(REQUIRED) for v in violations):
        return None
    return "; ".join(f"{v.field}: {v.description}" for v in violations if v.field != FIELD)
