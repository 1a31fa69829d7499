"""`chengnuo credit blacklist`: the serious-dishonesty list (严重失信主体名单)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.credit.v1 import lists_pb2 as lpb
from chengnuo.credit.v1 import lists_pb2_grpc, public_pb2, public_pb2_grpc
from services.cli import paging
from services.cli.connection import Connection
from services.cli.credit_views import show_entry
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json, Limit
from services.cli.output import listing, reported, say, shown
from services.cli.values import choose, day, label, proto_date, request_id, service_today, subject
from services.kernel import convert

app = typer.Typer(no_args_is_help=True, help="The serious-dishonesty list: entries, proposals, decisions.")
Entry = Annotated[str, typer.Argument(help="The list entry.")]
Reasoning = Annotated[str, typer.Option(help="The decision's reasoning (shared with the listing).")]
LISTING = {"list": lpb.LISTING_DECISION_LIST, "do-not-list": lpb.LISTING_DECISION_DO_NOT_LIST}
REMOVAL = {"approve": lpb.REMOVAL_DECISION_APPROVE, "refuse": lpb.REMOVAL_DECISION_REFUSE}
SERVICE = {
    "direct": lpb.SERVICE_METHOD_DIRECT,  # 直接送达
    "post": lpb.SERVICE_METHOD_POSTAL,  # 邮寄送达
    "electronic": lpb.SERVICE_METHOD_ELECTRONIC,  # 电子送达
    "left": lpb.SERVICE_METHOD_LEFT_AT_ADDRESS,  # 留置送达
    "entrusted": lpb.SERVICE_METHOD_ENTRUSTED,  # 委托送达
    "announcement": lpb.SERVICE_METHOD_PUBLIC_NOTICE,  # 公告送达
}


def _stub() -> lists_pb2_grpc.BlacklistServiceStub:
    return Connection.discover().stub("credit", lists_pb2_grpc.BlacklistServiceStub)


@app.command("list")
def list_entries(
    region: Annotated[str, typer.Option(help="Only subjects of this region.")] = "",
    limit: Limit = 100,
    as_json: Json = False,
) -> None:
    """The subjects on the list now, as published (natural persons masked)."""
    with reported():
        stub = Connection.discover().stub("credit", public_pb2_grpc.PublicCreditServiceStub)
        found = paging.pages(
            stub.ListBlacklist, public_pb2.ListBlacklistRequest(region_code=region), "entries", limit
        )
    columns = [
        ("entry id", lambda e: e.entry_id),
        ("subject", lambda e: f"{e.subject_name}\n{e.subject_code}"),
        ("department", lambda e: e.department),
        ("listed", lambda e: day(e.listed_on)),
        ("removal due", lambda e: day(e.removal_due)),
        ("reasons", lambda e: e.reasons),
    ]
    listing(found, as_json, "serious-dishonesty list (严重失信主体名单)", columns)


@app.command("show")
def show(entry_id: Entry, as_json: Json = False) -> None:
    """One entry with its pre-notice (告知), statements, decision and removal dates."""
    with reported():
        found = _stub().GetListEntry(lpb.GetListEntryRequest(entry_id=entry_id)).entry
    shown(found, as_json, show_entry)


@app.command("propose")
def propose(
    code: Annotated[str, typer.Argument(help="The subject's USCC or resident ID.")],
    record: Annotated[list[str], typer.Option(help="A serious record the listing rests on; repeat.")],
    reasons: Annotated[str, typer.Option(help="The facts, in your words (they go into the pre-notice).")],
    kind: Annotated[str, typer.Option(help="auto, legal, person or individual.")] = "auto",
    names: Names = "ask",
) -> None:
    """Propose listing a subject: the pre-notice goes out and the statement period starts (credit_officer).
    The reasons are published with the listing."""
    request = lpb.ProposeListingRequest(
        request_id=request_id(),
        subject=subject(code, kind),
        record_ids=record,
        reasons=reasons,
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        entry = _stub().ProposeListing(request).entry
    say(f"entry {entry.entry_id} proposed; serve the pre-notice (serve), the statement period runs from then")


@app.command("serve")
def serve(
    entry_id: Entry,
    method: Annotated[str, typer.Option(help="direct, post, electronic, left, entrusted or announcement.")],
    proof: Annotated[
        str, typer.Option(help="The service receipt (送达回证), tracking or announcement number.")
    ],
    on: Annotated[str, typer.Option(help="The day service took effect, YYYY-MM-DD (default today).")] = "",
) -> None:
    """Record how and when the pre-notice (告知书) was served (送达); the statement period (陈述申辩)
    runs from that day (credit_officer of the proposing department)."""
    request = lpb.RecordNoticeServiceRequest(
        request_id=request_id(),
        entry_id=entry_id,
        method=choose(method, SERVICE, "--method"),
        proof_reference=proof,
    )
    conn = Connection.discover()
    with reported():
        served_on = proto_date(on, "--on") if on else convert.to_date(service_today(conn, "credit"))
        request.served_on.CopyFrom(served_on)
        entry = conn.stub("credit", lists_pb2_grpc.BlacklistServiceStub).RecordNoticeService(request).entry
    say(
        f"entry {entry.entry_id}: pre-notice served on {day(entry.notice.service.served_on)}; "
        f"statements may be made until {day(entry.notice.statement_until)}"
    )


@app.command("decide")
def decide(
    entry_id: Entry,
    decision: Annotated[str, typer.Argument(help="list or do-not-list.")],
    reason: Reasoning,
    names: Names = "ask",
) -> None:
    """Decide a proposal once the statement period is over (credit_reviewer)."""
    request = lpb.DecideListingRequest(
        request_id=request_id(),
        entry_id=entry_id,
        decision=choose(decision, LISTING, "DECISION"),
        reason=reason,
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        entry = _stub().DecideListing(request).entry
    until = f"; early removal from {day(entry.early_removal_from)}, removed by {day(entry.removal_due)}"
    say(_entry_state(entry) + (until if entry.listed_on.year else ""))


@app.command("removal")
def removal(
    entry_id: Entry,
    decision: Annotated[str, typer.Argument(help="approve or refuse.")],
    reason: Reasoning,
    names: Names = "ask",
) -> None:
    """Decide an application for early removal (提前移出) (credit_reviewer)."""
    request = lpb.DecideEarlyRemovalRequest(
        request_id=request_id(),
        entry_id=entry_id,
        decision=choose(decision, REMOVAL, "DECISION"),
        reason=reason,
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        entry = _stub().DecideEarlyRemoval(request).entry
    say(_entry_state(entry))


def _entry_state(entry: lpb.ListEntry) -> str:
    return f"entry {entry.entry_id}: {label(lpb.ListEntryStatus, entry.status)}"
