"""Checking the signed letter of a commitment request against its item version, with no I/O."""

from __future__ import annotations

import datetime as dt

from chengnuo.commitment.v1 import commitment_pb2
from services.commitment import letters
from services.commitment.item_versions import ItemVersion
from services.kernel import convert
from services.kernel.errors import Violations

MAX_SIGNATURE_REFERENCE = 256
Signature = commitment_pb2.SignatureMethod


def signed_letter(
    request: commitment_pb2.SignedLetter,
    given: bool,
    item: ItemVersion,
    applicant: letters.Applicant,
) -> commitment_pb2.SignedLetter:
    """The letter to store: the text as signed (or, when the portal sends no text, the filled
    template it showed with RenderLetter), its SHA-256 and the values; INVALID_ARGUMENT naming the
    field when the letter is missing, unsigned or not the template of `item` filled in with this
    request's data."""
    v = Violations()
    _check_signature(v, request, given)
    if len(request.text) > letters.MAX_LETTER:
        v.add("letter.text", f"at most {letters.MAX_LETTER} characters")
    letters.check_values(v, "letter.values", item.draft.letter, request.values)
    v.raise_if_any()
    values = letters.filled(item.draft, item.department, applicant, request.values)
    template = item.draft.letter.text
    text = request.text.replace("\r\n", "\n") or letters.render(template, values)
    why = letters.mismatch(template, values, text, item.version)
    if why:
        v.add("letter.text", why)
    digest = letters.sha256(text)
    if request.sha256 and request.sha256.lower() != digest:
        v.add("letter.sha256", "is not the SHA-256 (hex) of the letter text")
    v.raise_if_any()
    return commitment_pb2.SignedLetter(
        text=text,
        values=[
            commitment_pb2.LetterValue(name=x.name, value=x.value.strip(), trade_secret=x.trade_secret)
            for x in request.values
        ],
        sha256=digest,
        signature_method=request.signature_method,
        signature_reference=request.signature_reference.strip(),
        signed_on=convert.to_date(applicant.signed_on),
    )


def _check_signature(v: Violations, request: commitment_pb2.SignedLetter, given: bool) -> None:
    if not given:
        v.add("letter", "required: the signed commitment letter (承诺书)")
        return
    method = request.signature_method
    if method not in Signature.values() or method == Signature.SIGNATURE_METHOD_UNSPECIFIED:
        v.add("letter.signature_method", "required: handwritten, electronic signature or electronic seal")
    if len(request.signature_reference) > MAX_SIGNATURE_REFERENCE:
        v.add("letter.signature_reference", f"at most {MAX_SIGNATURE_REFERENCE} characters")


def signing_day(v: Violations, request: commitment_pb2.SignedLetter, today: dt.date) -> dt.date:
    """The day of signing: given, or today; never in the future."""
    day = convert.date_field(v, "letter.signed_on", request.signed_on, required=False) or today
    if day > today:
        v.add("letter.signed_on", "must not be in the future")
    return day
