"""`chengnuo credit persons`: responsible persons (法定代表人, 主要负责人, 直接责任人员) named on an
enterprise's record or listing, and the measures that reach a natural person through them. The
service never answers a resident ID: every table here shows it masked."""

from __future__ import annotations

from typing import Annotated

import typer

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import persons_pb2 as pb
from chengnuo.credit.v1 import persons_pb2_grpc
from services.cli.connection import Connection
from services.cli.names import Names, flagged, personal_names
from services.cli.options import Json
from services.cli.output import as_dict, emit_json, listing, reported, say
from services.cli.values import choose, day, label, moment, request_id

app = typer.Typer(
    no_args_is_help=True,
    help="Responsible persons (法定代表人, 主要负责人, 直接责任人员) of recorded or listed enterprises.",
)
ROLES = {
    "legal-representative": pb.PERSON_ROLE_LEGAL_REPRESENTATIVE,  # 法定代表人
    "法定代表人": pb.PERSON_ROLE_LEGAL_REPRESENTATIVE,
    "principal": pb.PERSON_ROLE_PRINCIPAL,  # 主要负责人
    "主要负责人": pb.PERSON_ROLE_PRINCIPAL,
    "directly-responsible": pb.PERSON_ROLE_DIRECTLY_RESPONSIBLE,  # 直接责任人员
    "直接责任人员": pb.PERSON_ROLE_DIRECTLY_RESPONSIBLE,
}
Person = Annotated[str, typer.Argument(help="The person's resident ID (18 characters).")]
Record = Annotated[str, typer.Option("--record", help="The dishonesty record.")]
EntryOption = Annotated[str, typer.Option("--entry", help="The list entry (proposed or listed).")]
PERSON_COLUMNS = [
    ("naming id", lambda p: p.naming_id),
    ("role", lambda p: label(pb.PersonRole, p.role)),
    ("person", lambda p: f"{p.person_masked_name}\n{p.person_masked_code}"),
    ("enterprise", lambda p: f"{p.subject_name}\n{p.subject.code}"),
    ("named on", lambda p: p.record_id or p.entry_id),
    ("basis", lambda p: p.basis),
    ("named", lambda p: f"{moment(p.named_at)} {p.named_by}"),
    (
        "withdrawn",
        lambda p: f"{moment(p.withdrawn_at)} {p.withdrawal_reason}" if p.HasField("withdrawn_at") else "",
    ),
]
MEASURE_COLUMNS = [
    ("measure", lambda m: f"{m.measure.name}\n{m.measure.code}"),
    ("role", lambda m: label(pb.PersonRole, m.role)),
    ("enterprise", lambda m: f"{m.subject_name}\n{m.subject.code}"),
    ("through", lambda m: m.source_id),
    ("until", lambda m: day(m.until)),
    ("legal basis", lambda m: m.legal_basis),
]


def _stub() -> persons_pb2_grpc.ResponsiblePersonServiceStub:
    return Connection.discover().stub("credit", persons_pb2_grpc.ResponsiblePersonServiceStub)


def _person(code: str) -> subject_pb2.SubjectRef:
    return subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=code.strip().upper())


@app.command("name")
def name(
    code: Person,
    person_name: Annotated[str, typer.Option("--name", help="The person's name as registered.")],
    role: Annotated[str, typer.Option(help="legal-representative, principal or directly-responsible.")],
    basis: Annotated[str, typer.Option(help="How the role is established, e.g. 营业执照登记的法定代表人.")],
    record: Record = "",
    entry: EntryOption = "",
    names: Names = "ask",
    as_json: Json = False,
) -> None:
    """Name the legal representative or a responsible person on a serious record or a listing, where
    the rule set allows it (credit_officer of the deciding department). The basis is shared."""
    request = pb.NameResponsiblePersonRequest(
        request_id=request_id(),
        record_id=record,
        entry_id=entry,
        person=_person(code),
        person_name=person_name,
        role=choose(role, ROLES, "--role"),
        basis=basis,
        personal_names=personal_names(names),
    )
    with reported(), flagged():
        named = _stub().NameResponsiblePerson(request)
    if as_json:
        emit_json(as_dict(named))
        return
    p = named.person
    who = f"{p.person_masked_name} ({p.person_masked_code})"
    say(f"naming {p.naming_id}: {who} as {label(pb.PersonRole, p.role)}")
    listing(named.measures, False, "measures that reach the person now", MEASURE_COLUMNS)


@app.command("withdraw")
def withdraw(
    naming_id: Annotated[str, typer.Argument(help="The naming.")],
    reason: Annotated[str, typer.Option(help="Why it was made in error (shared).")],
    names: Names = "ask",
) -> None:
    """Withdraw a naming made in error (credit_officer, credit_reviewer of the naming department)."""
    request = pb.WithdrawResponsiblePersonRequest(
        request_id=request_id(), naming_id=naming_id, reason=reason, personal_names=personal_names(names)
    )
    with reported(), flagged():
        done = _stub().WithdrawResponsiblePerson(request).person
    say(f"naming {done.naming_id} withdrawn: nothing reaches {done.person_masked_code} through it any more")


@app.command("list")
def list_persons(record: Record = "", entry: EntryOption = "", as_json: Json = False) -> None:
    """The persons named on a record or list entry, withdrawn ones too (masked)."""
    request = pb.ListResponsiblePersonsRequest(record_id=record, entry_id=entry)
    with reported():
        found = _stub().ListResponsiblePersons(request).persons
    listing(found, as_json, f"persons named on {record or entry}", PERSON_COLUMNS)


@app.command("measures")
def measures(
    code: Person,
    purpose: Annotated[
        str, typer.Option(help="Why you look (logged; other departments: as their agreement names it).")
    ] = "",
    as_json: Json = False,
) -> None:
    """The measures that apply to a natural person today through their role in recorded or listed
    enterprises, each until when."""
    with reported():
        found = _stub().GetPersonMeasures(pb.GetPersonMeasuresRequest(person=_person(code), purpose=purpose))
    title = f"measures for {found.person_masked_code} on {day(found.as_of)}"
    listing(found.measures, as_json, title, MEASURE_COLUMNS)
