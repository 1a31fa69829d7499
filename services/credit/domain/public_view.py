"""What the public sees of dishonesty records and the serious-dishonesty list (公示), as rules.

Credit information is published "while protecting public safety, state secrets, trade secrets and
personal privacy" (《阿巴嘎旗进一步加强事中事后监管工作的实施方案》二(六)17). A record is published
while it is in force and of a class its rule set publishes: the flag pinned with the record when it
was decided or reclassified (`Record.published`, the rule set's `periods.<class>.published`), so
minor records (轻微) of NDRC-58 and NDRC-36 are never published. The dates bound it further: the
public site shows it from `publicity_start` to the day before `publicity_end` by itself; these rules
say when the site must be told (a record published, a revision, a dispute, a withdrawal).

Reasons are names of the `Withdrawal` values of the publication events without their prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.credit.domain.records import EXPIRED, REPAIRED, REVOKED, Record

CLASS_LABELS = {"MINOR": "轻微", "ORDINARY": "一般", "SERIOUS": "严重"}

REPAIRED_REASON = "REPAIRED"  # 信用修复
EXPIRED_REASON = "EXPIRED"  # 公示期满
REVOKED_REASON = "REVOKED"  # 异议成立, 撤销
RECLASSIFIED_REASON = "RECLASSIFIED"  # reclassified to a class its rule set does not publish
DELISTED_REASON = "DELISTED"  # 移出名单 early, on the subject's application

_ENDED = {REPAIRED: REPAIRED_REASON, EXPIRED: EXPIRED_REASON, REVOKED: REVOKED_REASON}

# Why a listing ended, as the public is told: removal on application is the list's own removal
# (移出名单); at the end of the period it is the period's end (期满); a listing whose every record
# was repaired or revoked ends for that reason (api/listing.py).
_DELISTINGS = {
    "REMOVAL_REASON_EARLY_REMOVAL": DELISTED_REASON,
    "REMOVAL_REASON_PERIOD_ENDED": EXPIRED_REASON,
    "REMOVAL_REASON_BASIS_REPAIRED": REPAIRED_REASON,
    "REMOVAL_REASON_BASIS_WITHDRAWN": REVOKED_REASON,
}


def class_label(record_class: str) -> str:
    """The class as the public reads it (失信信息 of the class 轻微 / 一般 / 严重)."""
    return CLASS_LABELS[record_class]


def shown(record: Record) -> bool:
    """Whether the record is published: in force (published or under objection) and of a class
    its rule set publishes."""
    return record.published and record.in_force


@dataclass(frozen=True)
class RecordChange:
    """What the public site must be told after a record changed."""

    publish: bool = False  # the record, or its corrected revision
    withdrawal: str = ""  # why it leaves publication; "" when it does not
    disputed: bool | None = None  # whether it is under objection, when that changed while published

    @property
    def nothing(self) -> bool:
        return not self.publish and not self.withdrawal and self.disputed is None


def record_change(before: Record | None, after: Record) -> RecordChange:
    """The change from `before` (None: a new record) to `after`, as the public sees it."""
    was = before is not None and shown(before)
    if not shown(after):
        return RecordChange(withdrawal=withdrawal(after)) if was else RecordChange()
    if before is None or not was:
        return RecordChange(publish=True)
    disputed = after.disputed if after.disputed != before.disputed else None
    return RecordChange(publish=after.revision != before.revision, disputed=disputed)


def record_ended(after: Record) -> RecordChange:
    """A record that was in force and ended (the expiry job's claim): withdrawn if it was published."""
    return RecordChange(withdrawal=withdrawal(after)) if after.published else RecordChange()


def withdrawal(after: Record) -> str:
    """Why a published record is no longer: it ended (repaired, expired, revoked), or it is in
    force in a class its rule set does not publish."""
    return _ENDED.get(after.status, RECLASSIFIED_REASON)


def delisting_reason(removal_reason: str) -> str:
    """Why a listing left the list, as the public is told (a `RemovalReason` name in, a
    `Withdrawal` name out)."""
    return _DELISTINGS[removal_reason]
