"""What every shared read of one subject starts with: the subject and the purpose, checked together,
then the sharing gate opened for the region the subject is registered in.

It lives here rather than in the kernel's sharing gate because the subject is parsed by
`services.contracts.subjects`, which the kernel may not import.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from chengnuo.common.v1 import subject_pb2
from services.contracts.subjects import Subject, parse_subject
from services.kernel.auth import current_caller
from services.kernel.errors import Violations
from services.kernel.features.sharing.gate import (
    Decision,
    Grant,
    SharingGate,
    purpose_field,
    registered_region,
)
from services.kernel.uow import UnitOfWork


@dataclass(frozen=True)
class SubjectQuery:
    subject: Subject
    purpose: str

    @property
    def region(self) -> str:
        """The region the read is authorised for: where the subject is registered."""
        return registered_region(self.subject.natural_person, self.subject.code)

    def read(
        self, gate: SharingGate, data_class: str
    ) -> AbstractAsyncContextManager[tuple[UnitOfWork, Grant]]:
        """The caller's authorised, audited read of one data class about the subject."""
        return gate.query(
            current_caller(), data_class, self.purpose, region=self.region, subject_code=self.subject.code
        )

    def read_parts(
        self, gate: SharingGate, data_classes: Sequence[str]
    ) -> AbstractAsyncContextManager[tuple[UnitOfWork, Decision]]:
        """The same for several data classes, each granted or refused on its own."""
        return gate.query_parts(
            current_caller(), data_classes, self.purpose, region=self.region, subject_code=self.subject.code
        )


def subject_query(subject: subject_pb2.SubjectRef, purpose: str) -> SubjectQuery:
    """The subject (field `subject`) and the stated purpose (field `purpose`) of a shared read,
    refused together when either is wrong."""
    v = Violations()
    parsed = parse_subject(v, "subject", subject)
    stated = purpose_field(v, purpose)
    return SubjectQuery(v.ok(parsed), stated)
