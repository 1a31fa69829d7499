"""The subject's own credit file as the portal shows it: the same messages as the officers read,
with third parties' personal data in free text masked and the deciding staff not named."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from services.kernel import masking, pii

# Prose written by officers or by the subject: it may name other people (witnesses, staff of the
# subject, inspectors) or carry their resident IDs and phone numbers.
FREE_TEXT = frozenset(
    {
        "facts",
        "description",
        "reasons",
        "text",
        "reason",
        "decision_reason",
        "corrected_facts",
        "extension_reason",
        "obligations_performed",
        "repair_commitment",
        "evidence",
    }
)
# Which member of staff (or which portal account) took or decided a case: not the subject's data.
STAFF = frozenset({"decided_by", "filed_by", "applied_by", "submitted_by", "reported_by"})


def masked_text(text: str) -> str:
    """Resident IDs, mobile numbers and likely names of natural persons in `text`, masked."""
    numbers_masked = masking.mask_free_text(text)
    return masking.mask_names(numbers_masked, pii.find_names(numbers_masked))


def for_the_subject(message: Message) -> None:
    """Mask, in place and at every depth, what of `message` is not the subject's to read."""
    for field, value in message.ListFields():
        repeated = field.is_repeated
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            for inner in value if repeated else [value]:
                for_the_subject(inner)
        elif field.type == FieldDescriptor.TYPE_STRING and field.name in STAFF:
            message.ClearField(field.name)
        elif field.type == FieldDescriptor.TYPE_STRING and field.name in FREE_TEXT:
            if repeated:
                value[:] = [masked_text(v) for v in value]
            else:
                setattr(message, field.name, masked_text(value))
