"""Checking the signed letter of a commitment request against its item version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.commitment.domain import letters
from services.commitment.domain.commitments import SignedLetter
from services.commitment.domain.items import ItemVersion
from services.kernel.errors import Violations

MAX_SIGNATURE_REFERENCE = 256


@dataclass(frozen=True, slots=True)
class SentLetter:
    """The signed letter as a request carries it, before it is checked."""

    given: bool  # the request has a letter at all
    text: str
    values: Sequence[letters.Value]
    sha256: str
    signature_method: str | None  # a SignatureMethod name; None when unspecified or unknown
    signature_reference: str


def signed_letter(sent: SentLetter, item: ItemVersion, applicant: letters.Applicant) -> SignedLetter:
    """The letter to store: the text as signed (or, when the portal sends no text, the filled
    template it showed with RenderLetter), its SHA-256 and the values; INVALID_ARGUMENT naming the
    field when the letter is missing, unsigned or not the template of `item` filled in with this
    request's data."""
    v = Violations()
    _check_signature(v, sent)
    if len(sent.text) > letters.MAX_LETTER:
        v.add("letter.text", f"at most {letters.MAX_LETTER} characters")
    letters.check_values(v, "letter.values", item.draft.letter, sent.values)
    v.raise_if_any()
    values = letters.filled(item.draft, item.department, applicant, sent.values)
    template = item.draft.letter.text
    text = sent.text.replace("\r\n", "\n") or letters.render(template, values)
    why = letters.mismatch(template, values, text, item.version)
    if why:
        v.add("letter.text", why)
    digest = letters.sha256(text)
    if sent.sha256 and sent.sha256.lower() != digest:
        v.add("letter.sha256", "is not the SHA-256 (hex) of the letter text")
    v.raise_if_any()
    assert sent.signature_method is not None  # checked above
    return SignedLetter(
        text=text,
        values=tuple(letters.LetterValue(x.name, x.value.strip(), x.trade_secret) for x in sent.values),
        sha256=digest,
        signature_method=sent.signature_method,
        signature_reference=sent.signature_reference.strip(),
        signed_on=applicant.signed_on,
    )


def _check_signature(v: Violations, sent: SentLetter) -> None:
    if not sent.given:
        v.add("letter", "required: the signed commitment letter (承诺书)")
        return
    if sent.signature_method is None:
        v.add("letter.signature_method", "required: handwritten, electronic signature or electronic seal")
    if len(sent.signature_reference) > MAX_SIGNATURE_REFERENCE:
        v.add("letter.signature_reference", f"at most {MAX_SIGNATURE_REFERENCE} characters")
