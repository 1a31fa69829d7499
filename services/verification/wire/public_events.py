"""Publication-safe events (公示, services/contracts/public_events.py) built from the service's
records: masked here, at the source (kernel/publicity.py), so no natural person's resident ID,
phone number or full name reaches the PUBLIC stream.

`key` is the installation's pseudonym key (Runtime.public_key): it keys natural persons' pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from chengnuo.events.v1 import public_events_pb2 as pb
from services.contracts.draw_algorithm import ALGORITHM
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.masking import mask_resident_id
from services.kernel.publicity import public_subject, public_text
from services.verification.domain import publication as words
from services.verification.store.draws import Draw, DrawInspector, DrawnSubject
from services.verification.store.plans import Plan
from services.verification.store.publicity import Authority, PoolSubject
from services.verification.store.results import StoredResult
from services.verification.store.tasks import Task

NATURAL_PERSON = "SUBJECT_KIND_NATURAL_PERSON"
DECISION_KIND = {
    words.PENALTY: pb.PUBLIC_DECISION_KIND_PENALTY,
    words.REVOCATION: pb.PUBLIC_DECISION_KIND_LICENCE,  # 行政许可, its revocation (撤销)
}


def _names(kind: str, name: str) -> tuple[str, ...]:
    """The names masked in free text: a natural person's own name (an organisation's is public)."""
    return (name,) if kind == NATURAL_PERSON else ()


def _subject(key: bytes, kind: str, code: str, name: str) -> pb.PublicSubject:
    return public_subject(key, subject_of(kind, code), name)


def outcome(key: bytes, t: Task, number: str, at: dt.datetime) -> pb.PublicVerificationOutcome:
    """`public.verification_outcome`: the conclusion as published (事后公开)."""
    assert t.decision_date is not None
    names = _names(t.subject_kind, t.subject_name)
    return pb.PublicVerificationOutcome(
        outcome_number=number,
        commitment_code=t.commitment_code,
        subject=_subject(key, t.subject_kind, t.subject_code, t.subject_name),
        item_name=public_text(t.item_name, *names),
        department=t.department,
        region_code=t.region_code,
        outcome=words.outcome_words(t.outcome),
        decided_on=convert.to_date(t.decision_date),
        publication_deadline=convert.opt_date(t.publication_deadline),
        measures=[public_text(words.measure_words(m), *names) for m in t.measures],
        published_at=convert.to_timestamp(at),
    )


def decision(
    key: bytes, t: Task, made: words.Decision, *, number: str, by: Authority, at: dt.datetime
) -> pb.PublicDecision:
    """`public.decision`: a penalty (行政处罚) or a revocation (撤销) the conclusion decided, with
    the fields of the national 行政处罚 / 行政许可 信息 data standard (双公示)."""
    assert t.decision_date is not None
    kind = made.kind
    names = _names(t.subject_kind, t.subject_name)
    return pb.PublicDecision(
        kind=DECISION_KIND[kind],
        decision_number=number,
        subject=_subject(key, t.subject_kind, t.subject_code, t.subject_name),
        subject_category=words.SUBJECT_CATEGORY.get(t.subject_kind, ""),
        category=made.category,
        content=public_text(_content(t, made), *names),
        legal_basis=made.legal_basis,
        decided_on=convert.to_date(t.decision_date),
        valid_from=convert.to_date(t.decision_date),
        deciding_authority=by.name,
        region_code=t.region_code,
        fine_yuan=made.fine_fen / 100,
        status=words.IN_FORCE,
        publication_deadline=convert.opt_date(t.decision_publication_deadline),
        published_at=convert.to_timestamp(at),
        source_department=t.department,
    )


def _content(t: Task, made: words.Decision) -> str:
    """许可内容 / 处罚内容: what was decided, on which commitment, and why (违法事实)."""
    if made.kind == words.REVOCATION:
        what = f"撤销{t.item_name}的行政决定（承诺编号{t.commitment_code}）：告知承诺经核查不实"
    else:
        what = f"违法事实：告知承诺经核查不实（承诺编号{t.commitment_code}）"
        what += f"，{t.findings.strip()}" if t.findings.strip() else ""
    return f"{what}；{made.note}" if made.note else what


@dataclass(frozen=True)
class DrawFacts:
    """What a published draw says besides the draw and its plan."""

    number: str
    by: Authority
    inspectors: Sequence[DrawInspector]  # in rank order, those beyond the last team as well
    natural: Collection[str]  # natural persons among the inspectors' conflicts (published masked)
    drawn: Sequence[DrawnSubject]  # by position, at most MAX_DRAWN_PUBLISHED
    pool_chunks: int


def draw(key: bytes, d: Draw, plan: Plan, facts: DrawFacts) -> pb.PublicDraw:
    """`public.draw`: everything the public needs to re-run the draw (algorithm
    services/contracts/draw_algorithm.py), with the pool following in `pool_chunks` chunks."""
    run = d.run
    return pb.PublicDraw(
        draw_number=facts.number,
        plan_name=plan.name,
        department=d.owner_department,
        departments=d.departments,
        region_code=facts.by.region_code,
        check_item="、".join(i.name for i in d.check_items),
        seed=d.seed,
        algorithm=d.algorithm or ALGORITHM,
        pool_digest=run.pool_digest,
        inspector_digest=run.inspector_digest,
        result_digest=run.result_digest,
        pool_size=run.pool_size,
        ratios_bp=d.ratios_bp,
        team_size=d.team_size,
        inspectors=[_inspector(i, facts.natural) for i in facts.inspectors],
        drawn=[_drawn(key, s) for s in facts.drawn],
        drawn_at=convert.to_timestamp(d.drawn_at),
        pool_chunks=facts.pool_chunks,
    )


def _inspector(i: DrawInspector, natural: Collection[str]) -> pb.PublicInspector:
    conflicts = sorted(mask_resident_id(c) if c in natural else c for c in i.conflicts)
    return pb.PublicInspector(certificate_number=i.certificate_number, name=i.name, conflicts=conflicts)


def _drawn(key: bytes, s: DrawnSubject) -> pb.PublicDrawn:
    return pb.PublicDrawn(
        subject=_subject(key, s.subject_kind, s.subject_code, s.name),
        grade=s.grade,
        priority=s.priority,
        position=s.position,
        team=-1 if s.team is None else s.team,
    )


def pool(number: str, subjects: Sequence[PoolSubject]) -> list[pb.PublicDrawPool]:
    """`public.draw_pool` chunks of the pool in its stored order; natural persons' codes masked
    (such a pool cannot be re-run by the public, only checked against its digest by the service)."""
    parts = list(words.chunks(subjects))
    return [
        pb.PublicDrawPool(
            draw_number=number,
            chunk=i,
            chunks=len(parts),
            entries=[
                pb.PublicPoolEntry(
                    code=mask_resident_id(s.code) if s.natural else s.code, grade=s.grade, priority=s.priority
                )
                for s in part
            ],
        )
        for i, part in enumerate(parts)
    ]


def inspection_result(
    key: bytes, r: StoredResult, *, number: str, draw_number: str, region_code: str, at: dt.datetime
) -> pb.PublicInspectionResult:
    """`public.inspection_result`: a random, joint or registered inspection's result."""
    names = _names(r.subject_kind, r.subject_name)
    return pb.PublicInspectionResult(
        result_number=number,
        draw_number=draw_number,
        subject=_subject(key, r.subject_kind, r.subject_code, r.subject_name),
        department=r.recording_department,
        departments=r.departments,
        region_code=region_code,
        inspection_date=convert.to_date(r.inspection_date),
        problem_found=r.problem_found,
        findings=[public_text(words.item_words(i), *names) for i in r.items],
        measures=[public_text(words.result_measure_words(m), *names) for m in r.measures],
        publication_deadline=convert.to_date(r.publication_deadline),
        published_at=convert.to_timestamp(at),
    )
