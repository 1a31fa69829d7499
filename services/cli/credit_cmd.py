"""`chengnuo credit`: a subject's credit standing (信用状况), records, measures and rule sets."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import credit_pb2_grpc, rule_sets_pb2, rule_sets_pb2_grpc
from services.cli import blacklist_cmd, credit_cases_cmd, feeds_cmd, persons_cmd
from services.cli.connection import Connection
from services.cli.credit_views import MEASURE_COLUMNS, RECORD_COLUMNS, record_fields, show_status
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json
from services.cli.output import emit_json, fields, listing, reported, say, shown
from services.cli.values import choose, day, label, moment, proto_date, request_id, subject

app = typer.Typer(
    no_args_is_help=True, help="Credit supervision: standing, records, lists, repair, measures."
)
app.add_typer(blacklist_cmd.app, name="blacklist")
app.add_typer(credit_cases_cmd.repairs, name="repairs")
app.add_typer(credit_cases_cmd.objections, name="objections")
app.add_typer(feeds_cmd.app, name="feeds")
app.add_typer(persons_cmd.app, name="persons")
measures = typer.Typer(
    no_args_is_help=True, help="Punishment measures (失信惩戒措施): catalogue and in force."
)
rules = typer.Typer(no_args_is_help=True, help="The versioned credit rule sets in force.")
app.add_typer(measures, name="measures")
app.add_typer(rules, name="rules")

Code = Annotated[str, typer.Argument(help="The subject's USCC or resident ID.")]
Kind = Annotated[str, typer.Option(help="auto (from the code), legal, person or individual.")]
Purpose = Annotated[str, typer.Option(help="Why you look (logged; required for other departments).")]
RULE_KINDS = {
    "all": rule_sets_pb2.RULE_SET_KIND_UNSPECIFIED,
    "records": rule_sets_pb2.RULE_SET_KIND_RECORDS,
    "grading": rule_sets_pb2.RULE_SET_KIND_GRADING,
    "blacklist": rule_sets_pb2.RULE_SET_KIND_BLACKLIST,
    "measures": rule_sets_pb2.RULE_SET_KIND_MEASURES,
    "inspection-records": rule_sets_pb2.RULE_SET_KIND_INSPECTION_RECORDS,
    "responsible-persons": rule_sets_pb2.RULE_SET_KIND_RESPONSIBLE_PERSONS,
}


def _stub() -> credit_pb2_grpc.CreditServiceStub:
    return Connection.discover().stub("credit", credit_pb2_grpc.CreditServiceStub)


def _status(code: str, kind: str, purpose: str) -> pb.GetCreditStatusResponse:
    request = pb.GetCreditStatusRequest(subject=subject(code, kind), purpose=purpose)
    with reported():
        return _stub().GetCreditStatus(request)


@app.command("status")
def status(code: Code, kind: Kind = "auto", purpose: Purpose = "", as_json: Json = False) -> None:
    """A subject's grade with its reasons, restrictions, records, list entries and measures."""
    shown(_status(code, kind, purpose), as_json, lambda found: show_status(code, found))


@app.command("records")
def records(code: Code, kind: Kind = "auto", purpose: Purpose = "", as_json: Json = False) -> None:
    """A subject's dishonesty records (失信信息), in force or ended."""
    listing(_status(code, kind, purpose).records, as_json, f"dishonesty records of {code}", RECORD_COLUMNS)


@app.command("record")
def record(record_id: Annotated[str, typer.Argument(help="The record.")], as_json: Json = False) -> None:
    """One dishonesty record with its facts, periods and repair notice."""
    with reported():
        found = _stub().GetRecord(pb.GetRecordRequest(record_id=record_id)).record
    shown(found, as_json, lambda r: fields(f"record {r.record_id}", record_fields(r)))


@measures.command("catalogue")
def catalogue(
    as_of: Annotated[str, typer.Option(help="In force on this date (default today).")] = "",
    region: Annotated[str, typer.Option(help="A region's own catalogue (default national).")] = "",
    as_json: Json = False,
) -> None:
    """The punishment measure catalogue (失信惩戒措施清单) in force."""
    request = pb.ListMeasureCatalogueRequest(region_code=region)
    if as_of:
        request.as_of.CopyFrom(proto_date(as_of, "--as-of"))
    with reported():
        answer = _stub().ListMeasureCatalogue(request)
    columns = [
        ("code", lambda m: m.code),
        ("measure", lambda m: m.name),
        ("when", lambda m: ", ".join(label(pb.MeasureTrigger, t) for t in m.applies_to)),
        ("applied by", lambda m: ", ".join(m.implementing_departments)),
        ("legal basis", lambda m: m.legal_basis),
    ]
    listing(answer.measures, as_json, f"{answer.rule_set}: {answer.citation}", columns)


@measures.command("in-force")
def in_force(code: Code, kind: Kind = "auto", purpose: Purpose = "", as_json: Json = False) -> None:
    """The measures departments must apply to a subject now, with their feedback (反馈)."""
    request = pb.ListMeasuresInForceRequest(subject=subject(code, kind), purpose=purpose)
    with reported():
        found = _stub().ListMeasuresInForce(request).measures
    listing(found, as_json, f"measures in force for {code}", MEASURE_COLUMNS)


@measures.command("applied")
def applied(
    code: Code,
    measure: Annotated[str, typer.Option(help="The measure's code.")],
    source: Annotated[str, typer.Option(help="The record or list entry it is in force for.")],
    action: Annotated[str, typer.Option(help="What your department did, e.g. 不予适用告知承诺制.")],
    on: Annotated[str, typer.Option(help="When, YYYY-MM-DD.")],
    kind: Kind = "auto",
    names: Names = "ask",
) -> None:
    """Report that your department applied a measure (反馈) (credit_officer, data_consumer).
    The action is shared with the measure in credit reports."""
    request = pb.ReportMeasureAppliedRequest(
        request_id=request_id(),
        subject=subject(code, kind),
        measure_code=measure,
        source_id=source,
        applied_on=proto_date(on, "--on"),
        action=action,
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        done = _stub().ReportMeasureApplied(request).feedback
    what = f"{done.department} applied {done.measure_code} on {day(done.applied_on)}"
    say(f"feedback {done.feedback_id}: {what}")


def _rule_stub() -> rule_sets_pb2_grpc.RuleSetServiceStub:
    return Connection.discover().stub("credit", rule_sets_pb2_grpc.RuleSetServiceStub)


@rules.command("list")
def list_rules(
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(RULE_KINDS)}.")] = "all", as_json: Json = False
) -> None:
    """Rule sets with their effective dates and citations."""
    request = rule_sets_pb2.ListRuleSetsRequest(kind=choose(kind, RULE_KINDS, "--kind"))
    with reported():
        found = _rule_stub().ListRuleSets(request).rule_sets
    columns = [
        ("id", lambda r: r.id),
        ("kind", lambda r: label(rule_sets_pb2.RuleSetKind, r.kind)),
        ("region", lambda r: r.region or "national"),
        ("from", lambda r: day(r.effective_from)),
        ("to", lambda r: day(r.effective_to)),
        ("citation", lambda r: r.citation),
        ("loaded", lambda r: f"{moment(r.loaded_at)} {r.loaded_by}"),
    ]
    listing(found, as_json, "credit rule sets", columns)


@rules.command("show")
def show_rules(rule_set_id: Annotated[str, typer.Argument(help="The rule set, e.g. NDRC-58.")]) -> None:
    """A rule set's whole document (JSON), as loaded."""
    with reported():
        found = _rule_stub().GetRuleSet(rule_sets_pb2.GetRuleSetRequest(id=rule_set_id)).rule_set
    emit_json(json.loads(found.document))
