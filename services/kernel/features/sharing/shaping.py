"""Answers trimmed to what a sharing agreement grants, with personal data masked everywhere."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from services.kernel.features.sharing.gate import Grant
from services.kernel.masking import mask_free_text, mask_person_name

NATURAL_PERSON = 2  # chengnuo.common.v1.SubjectKind.SUBJECT_KIND_NATURAL_PERSON
SUBJECT_REF = "chengnuo.common.v1.SubjectRef"
M = TypeVar("M", bound=Message)


def shape(message: M, grant: Grant) -> M:
    """Keep only the fields the agreement allows and mask personal data everywhere in it."""
    if grant.fields:
        for field_, _ in message.ListFields():
            if field_.name not in grant.fields:
                message.ClearField(field_.name)
    mask_personal_data(message, keep_resident_ids=grant.resident_ids)
    return message


def mask_personal_data(message: Message, *, keep_resident_ids: bool = False) -> None:
    """Mask resident IDs and phone numbers in every string, and natural persons' names.
    Identifiers the services mint (`*_id`, `*_ids`) are left alone: a UUID may hold 11 digits.
    With `keep_resident_ids` (an agreement whose legal basis grants them) a subject reference keeps
    its number; free text is masked all the same."""
    if keep_resident_ids and message.DESCRIPTOR.full_name == SUBJECT_REF:
        return
    natural = _is_natural_person(message)
    for field_, value in message.ListFields():
        if field_.message_type is not None and not field_.message_type.GetOptions().map_entry:
            for item in value if field_.is_repeated else [value]:
                mask_personal_data(item, keep_resident_ids=keep_resident_ids)
        elif field_.type != field_.TYPE_STRING or field_.name.endswith(("_id", "_ids")):
            continue
        elif field_.is_repeated:
            masked = [_mask(field_.name, v, natural) for v in value]
            del value[:]
            value.extend(masked)
        else:
            setattr(message, field_.name, _mask(field_.name, value, natural))


def _mask(name: str, value: str, natural: bool) -> str:
    if natural and name == "subject_name":
        return mask_person_name(value)
    return mask_free_text(value)


def _is_natural_person(message: Message) -> bool:
    names = message.DESCRIPTOR.fields_by_name
    if "subject" not in names or "subject_name" not in names:
        return False
    return getattr(getattr(message, "subject", None), "kind", 0) == NATURAL_PERSON
