"""Parsing what an applicant's request says about who commits, for what, in which case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment import requests
from services.contracts.subjects import Subject, parse_subject
from services.kernel.errors import Violations
from services.kernel.ids import uuid_field

MAX_NAME = 200
MAX_CASE_NUMBER = 64


class ApplicantRequest(Protocol):
    @property
    def subject(self) -> subject_pb2.SubjectRef: ...
    @property
    def subject_name(self) -> str: ...
    @property
    def item_id(self) -> str: ...
    @property
    def case_number(self) -> str: ...


@dataclass(frozen=True)
class Application:
    subject: Subject
    subject_name: str
    item_id: uuid.UUID
    case_number: str


def application(v: Violations, request: ApplicantRequest) -> Application | None:
    """Adds every problem to `v`; None if there was any."""
    subject = parse_subject(v, "subject", request.subject)
    item_id = uuid_field(v, "item_id", request.item_id)
    name = requests.text(v, "subject_name", request.subject_name, MAX_NAME)
    case = requests.text(v, "case_number", request.case_number, MAX_CASE_NUMBER)
    if subject is None or item_id is None or v.items:
        return None
    return Application(subject, name, item_id, case)


def channel(v: Violations, value: int) -> None:
    if value == commitment_pb2.CHANNEL_UNSPECIFIED or value not in commitment_pb2.Channel.values():
        v.add("channel", "required: window, online or post")


def publication_type(v: Violations, value: int) -> None:
    kinds = commitment_pb2.PublicationType
    if value == kinds.PUBLICATION_TYPE_UNSPECIFIED or value not in kinds.values():
        v.add("publication_type", "required: public, restricted or not public")
