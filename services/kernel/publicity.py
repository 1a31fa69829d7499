"""Who a publication-safe event (公示) is about, as the public may see it.

Masking happens here, at the source, so the publication service never receives a natural
person's resident ID or full name (《中华人民共和国个人信息保护法》第四条, 第二十八条; the seeds
publish commitments and records "except privacy", e.g. 《祁阳市提升行政执法质量建设法治营商环境工作方案》§14).
"""

from __future__ import annotations

import hashlib
import hmac

from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import public_events_pb2 as pb
from services.kernel.masking import mask_free_text, mask_person_name, mask_resident_id

NATURAL_PERSON = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
PAGE_KEY_PREFIX = "p-"


def page_key(key: bytes, kind: int, code: str) -> str:
    """The key of a subject's public page: the USCC, or for a natural person a keyed pseudonym
    (keyed, so it cannot be reversed by hashing every resident ID; domain-separated from the
    platform feeds' pseudonyms, so the two cannot be joined)."""
    if kind != NATURAL_PERSON:
        return code.upper()
    digest = hmac.new(key, b"public-page\x00" + code.upper().encode(), hashlib.sha256).hexdigest()
    return PAGE_KEY_PREFIX + digest[:24]


def public_subject(key: bytes, ref: subject_pb2.SubjectRef, name: str) -> pb.PublicSubject:
    """The subject as published: organisations in full, natural persons masked."""
    if ref.kind != NATURAL_PERSON:
        return pb.PublicSubject(
            kind=ref.kind, code=ref.code.upper(), name=mask_free_text(name), key=ref.code.upper()
        )
    return pb.PublicSubject(
        kind=ref.kind,
        code=mask_resident_id(ref.code),
        name=mask_person_name(name),
        key=page_key(key, ref.kind, ref.code),
    )


def public_text(text: str, *names: str) -> str:
    """Free text for the public: resident IDs and phone numbers masked, and the natural persons
    named in `names` (the subject's own name, say) masked wherever they appear."""
    masked = mask_free_text(text)
    for name in names:
        if name:
            masked = masked.replace(name, mask_person_name(name))
    return masked
