"""Roles a token may carry (design.md: Auth). Each RPC declares which of them it admits."""

from services.kernel.auth import ADMIN, ANY_ROLE, SERVICE, UNSCOPED_ROLES
from services.kernel.auth import AUDITOR as AUDIT_ROLE
from services.kernel.features.sharing.api import DATA_CONSUMER as SHARING_ROLE

PORTAL = "portal"  # government service portals recording commitments for applicants
CATALOGUE_ADMIN = "catalogue_admin"  # maintains a department's certificate catalogues
VERIFIER = "verifier"  # verification staff of a department
VERIFICATION_LEAD = "verification_lead"  # assigns, extends deadlines, plans inspections
CREDIT_OFFICER = "credit_officer"  # keeps credit records of the department
CREDIT_REVIEWER = "credit_reviewer"  # decides repairs and objections
DATA_CONSUMER = SHARING_ROLE  # another department or platform querying shared data
AUDITOR = AUDIT_ROLE  # inspects the audit trail

ALL = (
    PORTAL,
    CATALOGUE_ADMIN,
    VERIFIER,
    VERIFICATION_LEAD,
    CREDIT_OFFICER,
    CREDIT_REVIEWER,
    DATA_CONSUMER,
    AUDITOR,
    SERVICE,
    ADMIN,
)

# Roles whose calls act for the token's department and region (their RPCs read or check
# caller.department and caller.region): every role but the system-wide auth.UNSCOPED_ROLES. A token
# with one of them must name both (auth.mint and the token verifier refuse it otherwise). A portal
# is a department's too: the service hall (政务服务) or the handling department that records a case.
DEPARTMENT_ROLES = frozenset(ALL) - UNSCOPED_ROLES

__all__ = ["ADMIN", "ALL", "ANY_ROLE", "DEPARTMENT_ROLES", "SERVICE"]
