"""`chengnuo sharing`: agreements between departments, and pushes awaiting feedback."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import typer

from chengnuo.common.v1 import sharing_pb2, sharing_pb2_grpc
from services.cli.connection import Connection
from services.cli.output import console, fail, listing, reported
from services.kernel import convert
from services.kernel.config import SERVICES

app = typer.Typer(no_args_is_help=True, help="Cross-department sharing agreements and pushes (信息共享).")

# Which service owns which data class.
OWNER = {
    "commitments": "commitment",
    "verification_results": "verification",
    "credit_records": "credit",
    "blacklist": "credit",
    "grades": "credit",
}
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _stub(service: str) -> sharing_pb2_grpc.SharingServiceStub:
    return Connection.discover().stub(service, sharing_pb2_grpc.SharingServiceStub)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


@app.command("agree")
def agree(
    consumer: Annotated[str, typer.Option(help="Receiving department or platform.")],
    data_class: Annotated[str, typer.Option(help=f"One of {', '.join(OWNER)}.")],
    purpose: Annotated[list[str], typer.Option(help="Allowed purpose(s), e.g. administrative_licensing.")],
    region: Annotated[str, typer.Option(help="Region whose data may be queried.")],
    until: Annotated[str, typer.Option(help="Last day of validity, YYYY-MM-DD.")],
    legal_basis: Annotated[str, typer.Option(help="The law or document allowing the sharing.")],
    since: Annotated[str, typer.Option(help="First day of validity (default today).")] = "",
    field: Annotated[list[str] | None, typer.Option(help="Allowed answer field(s); default all.")] = None,
    push: Annotated[bool, typer.Option(help="Also push the data class's events to the consumer.")] = False,
) -> None:
    """Create a sharing agreement (admin role) on the service that owns the data class."""
    if data_class not in OWNER:
        fail(f"--data-class: one of {', '.join(OWNER)}")
    agreement = sharing_pb2.Agreement(
        consumer=consumer,
        data_class=data_class,
        purposes=purpose,
        region_code=region,
        fields=field or [],
        push=push,
        legal_basis=legal_basis,
        valid_from=convert.to_date(_date(since, "--since") if since else dt.date.today()),
        valid_until=convert.to_date(_date(until, "--until")),
    )
    with reported():
        made = _stub(OWNER[data_class]).CreateAgreement(
            sharing_pb2.CreateAgreementRequest(request_id=str(uuid.uuid4()), agreement=agreement)
        )
    console.print(f"agreement {made.agreement.agreement_id}")


@app.command("list")
def list_agreements(
    consumer: Annotated[str, typer.Option(help="Only this consumer.")] = "", as_json: Json = False
) -> None:
    """Agreements on every service."""
    found: list[sharing_pb2.Agreement] = []
    with reported():
        for service in SERVICES:
            found += (
                _stub(service).ListAgreements(sharing_pb2.ListAgreementsRequest(consumer=consumer)).agreements
            )
    columns = [
        ("id", lambda a: a.agreement_id),
        ("consumer", lambda a: a.consumer),
        ("data", lambda a: a.data_class),
        ("purposes", lambda a: ", ".join(a.purposes)),
        ("region", lambda a: a.region_code),
        ("until", lambda a: convert.from_date(a.valid_until)),
        ("push", lambda a: "yes" if a.push else ""),
        ("revoked", lambda a: "yes" if a.HasField("revoked_at") else ""),
    ]
    listing(found, as_json, "sharing agreements", columns)


@app.command("revoke")
def revoke(
    agreement_id: Annotated[str, typer.Argument(help="The agreement.")],
    data_class: Annotated[str, typer.Option(help="Its data class (says which service holds it).")],
    reason: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Revoke an agreement (admin role)."""
    if data_class not in OWNER:
        fail(f"--data-class: one of {', '.join(OWNER)}")
    request = sharing_pb2.RevokeAgreementRequest(
        request_id=str(uuid.uuid4()), agreement_id=agreement_id, reason=reason
    )
    with reported():
        _stub(OWNER[data_class]).RevokeAgreement(request)
    console.print("revoked")


@app.command("pending")
def pending(
    receiver: Annotated[str, typer.Option(help="Only this receiver.")] = "", as_json: Json = False
) -> None:
    """Pushed events not yet acknowledged, with counts per receiver."""
    found: list[sharing_pb2.PushDelivery] = []
    counts: dict[str, int] = {}
    with reported():
        for service in SERVICES:
            answer = _stub(service).ListUnacknowledged(
                sharing_pb2.ListUnacknowledgedRequest(receiver=receiver)
            )
            found += answer.deliveries
            for name, n in answer.pending_by_receiver.items():
                counts[name] = counts.get(name, 0) + n
    columns = [
        ("receiver", lambda d: d.receiver),
        ("event", lambda d: d.event),
        ("entity", lambda d: d.entity),
        ("event id", lambda d: d.event_id),
        ("since", lambda d: d.occurred_at.ToDatetime().isoformat()),
    ]
    listing(found, as_json, "unacknowledged pushes", columns)
    if not as_json:
        for name, n in sorted(counts.items()):
            console.print(f"{name}: {n} pending")
