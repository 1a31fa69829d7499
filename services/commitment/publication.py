"""The public view of a commitment (公示), with no I/O: only what may be published, personal
data masked (domain.md §6), trade secrets and private fields withheld
(《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)14)."""

from __future__ import annotations

from typing import Any

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment import letters
from services.commitment.item_versions import ItemVersion
from services.contracts.subjects import public_code
from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.masking import mask_person_name


def published(row: Any, item: ItemVersion) -> commitment_pb2.PublishedCommitment:
    kind = row["subject_kind"]
    natural = kind == "SUBJECT_KIND_NATURAL_PERSON"
    recorded_on = china_date(row["recorded_at"])
    text, withheld = _letter(row, item, recorded_on) if row["letter_text"] else ("", [])
    return commitment_pb2.PublishedCommitment(
        code=row["code"],
        subject_kind=subject_pb2.SubjectKind.Value(kind),
        subject_code=public_code(kind, row["subject_code"]),
        subject_name=mask_person_name(row["subject_name"]) if natural else row["subject_name"],
        item_id=str(row["item_id"]),
        item_version=row["item_version"],
        item_name=item.draft.name,
        department=row["department"],
        agency_name=item.draft.agency_name,
        recorded_on=convert.to_date(recorded_on),
        fulfilment=commitment_pb2.FulfilmentStatus.Value(row["fulfilment"]),
        letter_text=text,
        withheld=[
            commitment_pb2.WithheldField(
                name=w.name, label=w.label, reason=commitment_pb2.WithheldReason.Value(w.reason)
            )
            for w in withheld
        ],
    )


def _letter(row: Any, item: ItemVersion, recorded_on: Any) -> tuple[str, list[letters.Withheld]]:
    """The stored letter is the template filled with these values (checked when recorded), so
    filling the template with the masked values gives exactly the masked letter."""
    values = [commitment_pb2.LetterValue(**v) for v in row["letter_values"]]
    applicant = letters.Applicant(
        row["subject_kind"],
        row["subject_code"],
        row["subject_name"],
        row["case_number"],
        row["signed_on"] or recorded_on,
    )
    filled = letters.filled(item.draft, item.department, applicant, values)
    secrets = {v.name for v in values if v.trade_secret}
    shown, withheld = letters.public_values(item.draft.letter, filled, secrets, row["subject_kind"])
    return letters.render(item.draft.letter.text, shown), withheld
