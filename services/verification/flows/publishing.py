"""Publishing (公示) in the transaction of the decision published: the publication-safe events
(wire/public_events.py) go to the outbox with the conclusion, the draw or the result they show,
so the public sees what was decided or nothing at all.

Each published thing gets its public number (公示编号) here, once: a republication (the final
conclusion of an escalated task, a superseding finding) carries the same number, and the
publication service replaces what it showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork
from services.verification.domain import publication as words
from services.verification.domain.rules import PublicationRules
from services.verification.store.draws import Draw
from services.verification.store.plans import Plan
from services.verification.store.results import StoredResult
from services.verification.store.stores import Stores
from services.verification.store.tasks import Task
from services.verification.wire import public_events as public


@dataclass(frozen=True)
class Publisher:
    """Publishes through `store`; `key` is the installation's pseudonym key (Runtime.public_key)."""

    store: Stores
    key: bytes


async def conclusion(p: Publisher, uow: UnitOfWork, t: Task, rules: PublicationRules) -> None:
    """`public.verification_outcome`, and `public.decision` for each penalty or revocation the
    conclusion decided that the rule set publishes (双公示)."""
    assert t.decision_date is not None
    store, entity, year = p.store.publicity, f"task/{t.task_id}", t.decision_date.year
    number = await store.number(
        uow.conn, entity, words.OUTCOME, department=t.department, year=year, at=uow.now
    )
    uow.emit(public.outcome(p.key, t, number, uow.now), entity=f"outcome/{number}")
    made = words.decisions(t.measures, rules.decision_measures)
    if not made:
        return
    by = await store.authority(uow.conn, t.department, t.region_code)
    for decision in made:
        number = await store.number(
            uow.conn, entity, decision.kind, department=t.department, year=year, at=uow.now
        )
        event = public.decision(p.key, t, decision, number=number, by=by, at=uow.now)
        uow.emit(event, entity=f"decision/{number}")


async def draw(p: Publisher, uow: UnitOfWork, d: Draw, plan: Plan) -> None:
    """`public.draw` and its pool as `public.draw_pool` chunks (一公开)."""
    store, draws = p.store.publicity, p.store.draws
    year = china_date(d.drawn_at).year
    number = await store.number(
        uow.conn, f"draw/{d.draw_id}", words.DRAW, department=d.owner_department, year=year, at=uow.now
    )
    regions = plan.filter.region_codes
    by = await store.authority(uow.conn, d.owner_department, regions[0] if len(regions) == 1 else "")
    inspectors = await draws.inspectors(uow.conn, d.draw_id)
    natural = await store.natural_conflicts(uow.conn, [i.certificate_number for i in inspectors])
    drawn = await draws.results(uow.conn, d, 0, words.MAX_DRAWN_PUBLISHED)
    chunks = words.chunk_count(d.run.pool_size)
    facts = public.DrawFacts(number, by, inspectors, natural, drawn, chunks)
    event = public.draw(p.key, d, plan, facts)
    uow.emit(event, entity=f"draw/{number}")
    if chunks:
        subjects = await store.pool_subjects(uow.conn, d.draw_id, d.departments)
        for part in public.pool(number, subjects):
            uow.emit(part, entity=f"draw/{number}")


async def result(p: Publisher, uow: UnitOfWork, r: StoredResult, region_code: str) -> None:
    """`public.inspection_result`, naming the draw's public number when it was drawn."""
    store = p.store.publicity
    number = await store.number(
        uow.conn,
        f"result/{r.result_id}",
        words.RESULT,
        department=r.recording_department,
        year=r.inspection_date.year,
        at=uow.now,
    )
    drawn = await store.known(uow.conn, f"draw/{r.draw_id}", words.DRAW) if r.draw_id else None
    event = public.inspection_result(
        p.key, r, number=number, draw_number=drawn or "", region_code=region_code, at=uow.now
    )
    uow.emit(event, entity=f"result/{number}")
