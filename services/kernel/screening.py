"""Screening, at entry, of free text an officer writes that will be published or shared, for names
of natural persons (自然人姓名: personal information as 《中华人民共和国个人信息保护法》第四条
defines it).

IDs and mobile numbers are masked on the way out (masking.mask_free_text). Names cannot be: no
detector tells a name from a word reliably, so the detector's likely names (services/kernel/pii.py)
are put to the officer when the text is entered. A request whose text names likely persons says
what to do in its `personal_names` field (chengnuo.common.v1.PersonalNames): mask them (the
masked text is what is stored, published and shared) or confirm there are none (kept as written).
Saying nothing is refused, with INVALID_ARGUMENT rather than FAILED_PRECONDITION: the refusal
depends on the request alone, never on the system's state, and it is fixed by changing the
request (setting a field that the text made required), which is what INVALID_ARGUMENT means.

The refusal names each field with the excerpts found, in the error details only; its message,
which the RPC layer logs, names the fields but no name. The choice is audited with the names
found (as the audit row's digest of what changed), so it can be shown later what an officer
confirmed or masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chengnuo.common.v1 import personal_data_pb2 as pb
from services.kernel import masking, pii
from services.kernel.errors import FieldViolation, InvalidArgument, Violations, excerpt

if TYPE_CHECKING:  # the CLI reads FIELD without the service layer's dependencies
    from services.kernel.uow import UnitOfWork

FIELD = "personal_names"
MASK, NONE, UNSPECIFIED = pb.PERSONAL_NAMES_MASK, pb.PERSONAL_NAMES_NONE, pb.PERSONAL_NAMES_UNSPECIFIED
EXCERPT = 24  # characters of each flagged excerpt shown
SHOWN = 4  # excerpts shown per field; the rest are counted
REQUIRED = "required when"
CHOICE_HELP = (
    f"{REQUIRED} published or shared text names likely natural persons: PERSONAL_NAMES_MASK masks "
    "them (张三丰 -> 张**), PERSONAL_NAMES_NONE confirms there are none"
)


class NamesFlagged(InvalidArgument):
    """Likely names were found and the request did not say what to do with them."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__(violations)
        fields = ", ".join(v.field for v in self.violations if v.field != FIELD)
        # The message is logged: it names the fields, never the names (they are in the details).
        self.message = excerpt(f"likely names of natural persons in {fields}; {FIELD} is required", 300)
        self.args = (self.message,)


@dataclass
class NameScreen:
    """The screening of one request's published free text: `text()` each field, then `check()`
    before changing anything, and `audit()` with the change."""

    choice: int
    flagged: dict[str, list[pii.Span]] = field(default_factory=dict)

    @classmethod
    def of(cls, v: Violations, choice: int, field_: str = FIELD) -> NameScreen:
        if choice not in pb.PersonalNames.values():
            v.add(field_, "one of PERSONAL_NAMES_UNSPECIFIED, PERSONAL_NAMES_MASK, PERSONAL_NAMES_NONE")
            choice = UNSPECIFIED
        return cls(choice)

    @classmethod
    def checked(cls, choice: int, field_: str = FIELD) -> NameScreen:
        """`of` for a request whose other fields were checked already."""
        v = Violations()
        screen = cls.of(v, choice, field_)
        v.raise_if_any()
        return screen

    def text(self, field_: str, value: str) -> str:
        """`value` as it is to be kept: its likely names masked when the request asks so."""
        names = pii.find_names(value)
        if not names:
            return value
        self.flagged[field_] = names
        return masking.mask_names(value, names) if self.choice == MASK else value

    def check(self) -> None:
        """Refuse when likely names were found and the request says nothing about them."""
        if not self.flagged or self.choice != UNSPECIFIED:
            return
        # The choice first: it is the fix, and it must survive when the details are cut short.
        violations = [FieldViolation(f, _description(names)) for f, names in self.flagged.items()]
        raise NamesFlagged([FieldViolation(FIELD, CHOICE_HELP), *violations])

    def audit(self, uow: UnitOfWork, target: str, *, subject_code: str = "") -> None:
        """The officer's choice, with the names found per field; nothing when there was none."""
        if self.choice == UNSPECIFIED:
            return
        action = "personal_names.mask" if self.choice == MASK else "personal_names.none"
        change = {f: [n.value for n in names] for f, names in self.flagged.items()}
        uow.audit(action, target, subject_code=subject_code, change=change)


def _description(names: list[pii.Span]) -> str:
    shown = "; ".join(excerpt(n.excerpt, EXCERPT) for n in names[:SHOWN])
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"likely names of natural persons: {shown}{more}"
