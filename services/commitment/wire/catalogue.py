"""Catalogue items, versions, notifications and import reports as the protos say them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.commitment.domain import items
from services.commitment.domain.filing import Due
from services.commitment.domain.notification import Section
from services.commitment.store.catalogue import CatalogueVersion, Draft
from services.commitment.store.items import ItemVersion
from services.kernel import convert


def with_standard_text(item: pb.ItemDraft, department: str) -> pb.ItemDraft:
    """The draft as it will be stored (items.standard_text)."""
    return standardised(item, items.standard_text(item, department))


def standardised(item: pb.ItemDraft, standard: items.StandardText) -> pb.ItemDraft:
    done = pb.ItemDraft()
    done.CopyFrom(item)
    done.name = standard.name
    done.agency_name = standard.agency_name
    for name, text in standard.notification.items():
        setattr(done.notification, name, text)
    if standard.letter is not None:
        done.letter.text = standard.letter
    return done


def item(v: ItemVersion) -> pb.CatalogueItem:
    """A published item version."""
    return pb.CatalogueItem(
        item_id=str(v.item_id),
        department=v.department,
        version=v.version,
        content=v.draft,
        published_at=convert.to_timestamp(v.published_at),
    )


def draft(d: Draft) -> pb.CatalogueItem:
    """A draft item, with its revision."""
    return pb.CatalogueItem(
        item_id=str(d.item_id),
        department=d.department,
        content=d.draft,
        revision=d.revision,
        withdrawn=d.withdrawn,
        updated_at=convert.to_timestamp(d.updated_at),
    )


def notification(v: ItemVersion, sections: Sequence[Section], text: str) -> pb.Notification:
    return pb.Notification(
        item_id=str(v.item_id),
        version=v.version,
        department=v.department,
        agency_name=v.draft.agency_name,
        item_name=v.draft.name,
        published_at=convert.to_timestamp(v.published_at),
        sections=[pb.NotificationSection(key=s.key, title=s.title, body=s.body) for s in sections],
        text=text,
        letter=v.draft.letter,
    )


def version(v: CatalogueVersion, due: Due | None, status: str) -> pb.CatalogueVersion:
    made = pb.CatalogueVersion(
        **version_facts(v, due),
        published_by=v.published_by,
        filing_status=pb.FilingStatus.Value(status),
        filing_rule=f"{due.rule.id}: {due.rule.citation}" if due else "",
    )
    if v.filing:
        made.filing.CopyFrom(
            pb.Filing(
                filed_on=convert.to_date(v.filing.filed_on),
                reference=v.filing.reference,
                authority=v.filing.authority,
                recorded_at=convert.to_timestamp(v.filing.recorded_at),
                recorded_by=v.filing.recorded_by,
            )
        )
    return made


def version_facts(v: CatalogueVersion, due: Due | None) -> dict[str, Any]:
    """What the reply, the listing and the event of a published version all say about it."""
    return {
        "department": v.department,
        "version": v.version,
        "published_at": convert.to_timestamp(v.published_at),
        "item_count": v.item_count,
        "commitment_item_count": v.commitment_item_count,
        "filing_due_date": convert.opt_date(due.date if due else None),
        "filing_due_provisional": bool(due and due.provisional),
    }


def published(v: CatalogueVersion, due: Due | None) -> pb.PublishCatalogueResponse:
    return pb.PublishCatalogueResponse(**version_facts(v, due))


def import_report(checked: items.Checked[pb.ItemDraft], *, applied: bool) -> pb.ImportCatalogueResponse:
    stored = [(r, i, True) for r, i, _ in checked.creates] + [(r, i, False) for r, i, _ in checked.updates]
    return pb.ImportCatalogueResponse(
        applied=applied,
        created=len(checked.creates) if applied else 0,
        updated=len(checked.updates) if applied else 0,
        rejected=len(checked.rejected),
        problems=[
            pb.RowProblem(row_number=p.row_number, field=p.field, rule=p.rule)
            for p in sorted(checked.problems, key=lambda p: p.row_number)
        ],
        imported=[
            pb.ImportedRow(row_number=r, item_id=str(i), created=c) for r, i, c in sorted(stored) if applied
        ],
    )
