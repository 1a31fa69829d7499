"""The public view of a commitment (公示): only what may be published, personal data masked, trade
secrets and private fields withheld (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)14;
information touching personal privacy is published only after it is made fit to publish,
《鄂尔多斯市行政执法质量提升方案》(六)1)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.commitment.domain import letters
from services.commitment.domain.items import ItemVersion
from services.kernel.clock import china_date
from services.kernel.masking import mask_person_name


@dataclass(frozen=True, slots=True)
class Published:
    """What the public view of a commitment is made of (the rest is not read for it)."""

    commitment_id: uuid.UUID
    code: str
    subject_kind: str
    subject_code: str
    subject_name: str
    item_id: uuid.UUID
    item_version: int
    department: str
    case_number: str
    recorded_at: dt.datetime
    fulfilment: str  # a FulfilmentStatus name
    letter_text: str
    letter_values: tuple[letters.LetterValue, ...]
    signed_on: dt.date | None
    # 终止办理 and 撤销 of the licence are administrative licensing decisions, published (双公示).
    stopped_on: dt.date | None = None
    revoked_on: dt.date | None = None
    revocation_basis: str = ""


@dataclass(frozen=True, slots=True)
class PublicView:
    subject_code: str
    subject_name: str
    recorded_on: dt.date
    letter_text: str
    withheld: tuple[letters.Withheld, ...]


def public_view(c: Published, item: ItemVersion) -> PublicView:
    natural = c.subject_kind == letters.NATURAL_PERSON
    recorded_on = china_date(c.recorded_at)
    text, withheld = _letter(c, item, recorded_on) if c.letter_text else ("", [])
    return PublicView(
        subject_code=letters.public_code(c.subject_kind, c.subject_code),
        subject_name=mask_person_name(c.subject_name) if natural else c.subject_name,
        recorded_on=recorded_on,
        letter_text=text,
        withheld=tuple(withheld),
    )


def _letter(c: Published, item: ItemVersion, recorded_on: dt.date) -> tuple[str, list[letters.Withheld]]:
    """The stored letter is the template filled with these values (checked when recorded), so
    filling the template with the masked values gives exactly the masked letter."""
    applicant = letters.Applicant(
        c.subject_kind, c.subject_code, c.subject_name, c.case_number, c.signed_on or recorded_on
    )
    filled = letters.filled(item.draft, item.department, applicant, c.letter_values)
    secrets = {v.name for v in c.letter_values if v.trade_secret}
    shown, withheld = letters.public_values(item.draft.letter, filled, secrets, c.subject_kind)
    return letters.render(item.draft.letter.text, shown), withheld
