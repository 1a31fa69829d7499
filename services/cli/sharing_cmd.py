"""`chengnuo sharing`: agreements between departments, and pushes awaiting feedback."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated

import typer

from chengnuo.common.v1 import sharing_pb2, sharing_pb2_grpc
from chengnuo.credit.v1 import credit_pb2
from chengnuo.credit.v1 import sharing_pb2 as credit_sharing_pb2
from chengnuo.credit.v1 import sharing_pb2_grpc as credit_sharing_pb2_grpc
from services.cli import values
from services.cli.connection import Connection
from services.cli.options import Json
from services.cli.output import console, emit_json, fail, listing, reported, shown, table
from services.kernel import convert
from services.kernel.config import SERVICES

app = typer.Typer(no_args_is_help=True, help="Cross-department sharing agreements and pushes (信息共享).")

# Which service owns which data class.
OWNER = {
    "commitments": "commitment",
    "verification_results": "verification",
    "inspection_results": "verification",
    "credit_records": "credit",
    "blacklist": "credit",
    "grades": "credit",
}


def _stub(service: str) -> sharing_pb2_grpc.SharingServiceStub:
    return Connection.discover().stub(service, sharing_pb2_grpc.SharingServiceStub)


def _owner_today(data_class: str) -> dt.date:
    """Today on the owning service's clock (a development stack's may differ from this machine's)."""
    return values.service_today(Connection.discover(), OWNER[data_class])


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
    resident_ids: Annotated[
        bool, typer.Option(help="The legal basis grants natural persons' resident ID numbers in clear.")
    ] = False,
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
        resident_ids=resident_ids,
        legal_basis=legal_basis,
        valid_from=convert.to_date(_date(since, "--since") if since else _owner_today(data_class)),
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
    receiver: Annotated[str, typer.Option(help="Only this receiver.")] = "",
    overdue: Annotated[bool, typer.Option(help="Only those past their push deadline.")] = False,
    as_json: Json = False,
) -> None:
    """Pushed events not yet acknowledged, with counts per receiver."""
    found: list[sharing_pb2.PushDelivery] = []
    counts: dict[str, int] = {}
    with reported():
        for service in SERVICES:
            answer = _stub(service).ListUnacknowledged(
                sharing_pb2.ListUnacknowledgedRequest(receiver=receiver, overdue_only=overdue)
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
        ("push by", lambda d: values.day(d.push_deadline) + (" overdue" if d.overdue else "")),
    ]
    listing(found, as_json, "unacknowledged pushes", columns)
    if not as_json:
        for name, n in sorted(counts.items()):
            console.print(f"{name}: {n} pending")


@app.command("report")
def report(
    code: Annotated[str, typer.Argument(help="USCC or resident ID of the subject.")],
    purpose: Annotated[str, typer.Option(help="Why you look, as your agreement names it.")],
    kind: Annotated[str, typer.Option(help="auto, legal, person or individual.")] = "auto",
    as_json: Json = False,
) -> None:
    """A subject's credit report for a purpose, within your department's agreements (data_consumer)."""
    request = credit_sharing_pb2.GetCreditReportRequest(subject=values.subject(code, kind), purpose=purpose)
    with reported():
        answer = _credit_sharing().GetCreditReport(request)
    shown(answer, as_json, lambda found: _print_report(found, purpose))


def _print_report(answer: credit_sharing_pb2.GetCreditReportResponse, purpose: str) -> None:
    console.print(f"credit report of {answer.subject.code} for {purpose}")
    if answer.HasField("grade"):
        console.print(
            f"grade {values.label(credit_pb2.Grade, answer.grade.grade)} (score {answer.grade.score})"
        )
    for record in answer.credit_records.records:
        console.print(
            f"record {record.record_id}: {values.label(credit_pb2.RecordClass, record.record_class)}, "
            f"until {values.day(record.publicity_end)} — {record.facts[:80]}"
        )
    for entry in answer.blacklist.entries:
        console.print(f"on the serious-dishonesty list since {values.day(entry.listed_on)}")
    for part in answer.withheld:
        console.print(f"[dim]{part.data_class} withheld: {part.reason}[/dim]")


@app.command("match")
def match(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Subject codes, one per line.")],
    purpose: Annotated[str, typer.Option(help="Why you compare, as your agreement names it.")],
    as_json: Json = False,
) -> None:
    """批量比对: which subjects of a list carry measures relevant to the purpose (data_consumer)."""
    codes = [line.split(",")[0].strip() for line in file.read_text(encoding="utf-8-sig").splitlines()]
    codes = [c for c in codes if c]
    request = credit_sharing_pb2.BulkMatchRequest(
        purpose=purpose, subjects=[values.subject(c) for c in codes]
    )
    with reported():
        answer = _credit_sharing().BulkMatch(request)
    hits = [(codes[h.index], list(h.measures), values.day(h.until), h.disputed) for h in answer.hits]
    if as_json:
        emit_json(
            [
                {"line": codes.index(c) + 1, "code": c, "measures": m, "until": u, "disputed": d}
                for c, m, u, d in hits
            ]
        )
        return
    table(
        f"{len(hits)} of {answer.compared} subjects carry measures for {purpose}",
        ["code", "measures", "until", "disputed"],
        [[c, ", ".join(m), u, values.yes(d)] for c, m, u, d in hits],
    )
    if answer.outside_region:
        console.print(f"[dim]{len(answer.outside_region)} subjects outside your agreements' regions[/dim]")


def _credit_sharing() -> credit_sharing_pb2_grpc.CreditSharingServiceStub:
    return Connection.discover().stub("credit", credit_sharing_pb2_grpc.CreditSharingServiceStub)
