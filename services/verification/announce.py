"""The events the verification service emits about tasks, built from stored rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.uow import UnitOfWork
from services.verification.api.task_views import identity
from services.verification.domain import tasks


def _about(row: asyncpg.Record) -> dict[str, Any]:
    """The fields every task event starts with: the task, its commitment, subject and department."""
    return {
        "task_id": str(row["task_id"]),
        "commitment_id": str(row["commitment_id"]),
        "subject": subject_of(row["subject_kind"], row["subject_code"]),
        "department": row["department"],
    }


def concluded(uow: UnitOfWork, row: asyncpg.Record, measures: Sequence[pb.Measure]) -> None:
    """`verification.concluded` for every outcome; `verification.false_commitment` as well when false."""
    entity = f"task/{row['task_id']}"
    uow.emit(_concluded(row, measures), entity=entity)
    if row["outcome"] == "OUTCOME_FALSE":
        uow.emit(_false(row, measures), entity=entity)


def _concluded(row: asyncpg.Record, measures: Sequence[pb.Measure]) -> events.VerificationConcluded:
    return events.VerificationConcluded(
        **_about(row),
        outcome=pb.Outcome.Value(row["outcome"]),
        decision_date=convert.to_date(row["decision_date"]),
        concluded_at=convert.to_timestamp(row["concluded_at"]),
        push_deadline=convert.opt_date(row["push_deadline"]),
        publication_deadline=convert.opt_date(row["publication_deadline"]),
        publication_deadline_provisional=row["publication_provisional"],
        decision_publication_deadline=convert.opt_date(row["decision_publication_deadline"]),
        publication_rule_set=row["publication_rule_set"],
        item_id=str(row["item_id"]),
        measures=measures,
    )


def _false(row: asyncpg.Record, measures: Sequence[pb.Measure]) -> events.FalseCommitmentFound:
    """Everything the credit service needs to create and classify a dishonesty record."""
    return events.FalseCommitmentFound(
        **identity(row),
        item_version=row["item_version"],
        deciding_department=row["department"],
        region_code=row["region_code"],
        decision_date=convert.to_date(row["decision_date"]),
        findings=row["findings"],
        measures=measures,
        referred_to_judiciary=tasks.referred_to_judiciary(measures),
        concluded_at=convert.to_timestamp(row["concluded_at"]),
        safety_related_item=row["safety_related"],
    )


def rectified(uow: UnitOfWork, row: asyncpg.Record, rectification: pb.Rectification) -> None:
    uow.emit(
        events.RectificationRecorded(
            **_about(row),
            rectification=rectification,
            corrected_in_time_without_harm=rectification.in_time and not rectification.harm_caused,
        ),
        entity=f"task/{row['task_id']}",
    )


def overdue(uow: UnitOfWork, row: asyncpg.Record, today: dt.date) -> None:
    uow.emit(
        events.TaskOverdue(
            **_about(row),
            due_date=convert.to_date(row["due_date"]),
            detected_on=convert.to_date(today),
        ),
        entity=f"task/{row['task_id']}",
    )
