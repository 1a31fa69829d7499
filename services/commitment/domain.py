"""Commitment rules with no I/O: item validity, eligibility, the national commitment code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chengnuo.commitment.v1 import catalogue_pb2
from services.kernel.errors import PreconditionViolation, Violations
from services.kernel.identifiers import region_covers, validate_region_code

MAX_NAME = 200
MAX_TEXT = 4000
MAX_MATTERS = 100
MAX_TIME_LIMIT_WORKING_DAYS = 250  # about a year; longer limits are typing mistakes
CODE_SEQUENCE_MAX = 999_999

Method = catalogue_pb2.VerificationMethod


def check_item(v: Violations, item: catalogue_pb2.ItemDraft, caller_region: str) -> None:
    """Every field problem of a draft item, under the field names of CreateItemRequest."""
    _text(v, "item.name", item.name, MAX_NAME, required=True)
    _text(v, "item.legal_basis", item.legal_basis, MAX_TEXT, required=True)
    _text(v, "item.certified_content", item.certified_content, MAX_TEXT, required=True)
    _text(v, "item.issuing_authority", item.issuing_authority, MAX_NAME, required=False)
    if len(item.matters) > MAX_MATTERS:
        v.add("item.matters", f"at most {MAX_MATTERS} matters")
    for i, matter in enumerate(item.matters):
        _text(v, f"item.matters[{i}]", matter, MAX_NAME, required=True)
    _region(v, item.region_code, caller_region)
    if item.high_risk and item.commitment_allowed:
        v.add(
            "item.commitment_allowed",
            "a high-risk item (safety, health, finance, ecology, irreversible harm) may not allow commitment",
        )
    if item.commitment_allowed:
        _rule(v, item.verification)


def _text(v: Violations, field: str, value: str, limit: int, *, required: bool) -> None:
    if required and not value.strip():
        v.add(field, "required")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")


def _region(v: Violations, code: str, caller_region: str) -> None:
    try:
        validate_region_code(code)
    except ValueError as exc:
        v.add("item.region_code", str(exc))
        return
    if caller_region and not region_covers(caller_region, code):
        v.add("item.region_code", f"outside the caller's region {caller_region}")


def _rule(v: Violations, rule: catalogue_pb2.VerificationRule) -> None:
    if rule.method == Method.VERIFICATION_METHOD_UNSPECIFIED or rule.method not in Method.values():
        v.add("item.verification.method", "required when commitment is allowed")
    exempt = rule.method == Method.VERIFICATION_METHOD_EXEMPT
    if not exempt and not 1 <= rule.time_limit_working_days <= MAX_TIME_LIMIT_WORKING_DAYS:
        v.add(
            "item.verification.time_limit_working_days",
            f"must be 1 to {MAX_TIME_LIMIT_WORKING_DAYS} working days",
        )
    _text(v, "item.verification.standard", rule.standard, MAX_TEXT, required=False)


@dataclass(frozen=True)
class Restriction:
    """One reason that bars the commitment route: a credit restriction or the item itself."""

    cause: str  # BLACKLISTED, UNREPAIRED_RECORD, EARLIER_FALSE_COMMITMENT, ITEM_NOT_IN_FORCE, ...
    record_id: str
    description: str
    repairable_from: dt.date | None = None
    ends_on: dt.date | None = None

    def active_on(self, today: dt.date) -> bool:
        return self.ends_on is None or today < self.ends_on

    @property
    def lifts_at_earliest(self) -> dt.date | None:
        dates = [d for d in (self.repairable_from, self.ends_on) if d]
        return min(dates) if dates else None


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple[Restriction, ...]
    earliest_change: dt.date | None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def refusal(self) -> list[PreconditionViolation]:
        return [
            PreconditionViolation(r.cause, r.record_id, r.description, r.lifts_at_earliest)
            for r in self.reasons
        ]


def item_reasons(item_id: str, in_force: bool, commitment_allowed: bool) -> list[Restriction]:
    if not in_force:
        return [Restriction("ITEM_NOT_IN_FORCE", item_id, "the item is not listed in the catalogue in force")]
    if not commitment_allowed:
        return [
            Restriction(
                "COMMITMENT_NOT_ALLOWED",
                item_id,
                "the item is not in the commitment catalogue (告知承诺目录)",
            )
        ]
    return []


def eligibility(restrictions: list[Restriction], today: dt.date) -> Eligibility:
    """Not eligible while any reason holds (seed 001 §10). A credit restriction whose maximum
    period has ended no longer counts, even before the credit service's lifting event arrives."""
    active = tuple(r for r in restrictions if r.active_on(today))
    lifts = [r.lifts_at_earliest for r in active]
    # The answer can change only once every reason may be gone.
    earliest = max(d for d in lifts if d) if active and all(lifts) else None
    return Eligibility(active, earliest)


def commitment_code(region_code: str, day: dt.date, sequence: int) -> str:
    """National code of 信用承诺信息: region (6) + YYYYMMDD + sequence (6) = 20 characters."""
    if not 1 <= sequence <= CODE_SEQUENCE_MAX:
        raise ValueError(f"sequence {sequence} outside 1..{CODE_SEQUENCE_MAX}")
    return f"{region_code}{day:%Y%m%d}{sequence:06d}"
