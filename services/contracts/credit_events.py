"""Events the credit service publishes (stream CREDIT); credit platforms subscribe to these.

docs/credit-events.md tells a platform how to subscribe, from the beginning or from a time.
"""

from chengnuo.events.v1 import credit_events_pb2 as pb
from chengnuo.events.v1 import person_events_pb2 as ppb
from services.kernel.events import EventType, Stream

STREAM = Stream("CREDIT", ("credit.>",), "credit records, restrictions, lists and grades")

RECORD_CREATED = EventType("credit.record_created", pb.RecordCreated, STREAM.name)
RESTRICTION_CHANGED = EventType("credit.restriction_changed", pb.RestrictionChanged, STREAM.name)
GRADE_CHANGED = EventType("credit.grade_changed", pb.GradeChanged, STREAM.name)
RECORD_RECLASSIFIED = EventType("credit.record_reclassified", pb.RecordReclassified, STREAM.name)
RECORD_EXPIRED = EventType("credit.record_expired", pb.RecordExpired, STREAM.name)
REPAIRED = EventType("credit.repaired", pb.RecordRepaired, STREAM.name)
OBJECTION_FILED = EventType("credit.objection_filed", pb.ObjectionFiled, STREAM.name)
OBJECTION_DECIDED = EventType("credit.objection_decided", pb.ObjectionDecided, STREAM.name)
LISTED = EventType("credit.listed", pb.SubjectListed, STREAM.name)
DELISTED = EventType("credit.delisted", pb.SubjectDelisted, STREAM.name)
CASE_OVERDUE = EventType("credit.case_overdue", pb.CaseOverdue, STREAM.name)
LISTING_PROPOSED = EventType("credit.listing_proposed", pb.ListingProposed, STREAM.name)
NOTICE_SERVED = EventType("credit.notice_served", pb.NoticeServed, STREAM.name)
# Responsible persons named on a record or list entry (the person masked in both).
PERSON_NAMED = EventType("credit.person_named", ppb.ResponsiblePersonNamed, STREAM.name)
PERSON_WITHDRAWN = EventType("credit.person_withdrawn", ppb.ResponsiblePersonWithdrawn, STREAM.name)

TYPES = [
    RECORD_CREATED,
    RESTRICTION_CHANGED,
    GRADE_CHANGED,
    RECORD_EXPIRED,
    RECORD_RECLASSIFIED,
    REPAIRED,
    OBJECTION_FILED,
    OBJECTION_DECIDED,
    LISTED,
    DELISTED,
    CASE_OVERDUE,
    LISTING_PROPOSED,
    NOTICE_SERVED,
    PERSON_NAMED,
    PERSON_WITHDRAWN,
]
