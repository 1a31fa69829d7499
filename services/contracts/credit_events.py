"""Events the credit service publishes (stream CREDIT); credit platforms subscribe to these."""

from chengnuo.events.v1 import credit_events_pb2 as pb
from services.kernel.events import EventType, Stream

STREAM = Stream("CREDIT", ("credit.>",), "credit records, restrictions, lists and grades")

RECORD_CREATED = EventType("credit.record_created", pb.RecordCreated, STREAM.name)
RESTRICTION_CHANGED = EventType("credit.restriction_changed", pb.RestrictionChanged, STREAM.name)
GRADE_CHANGED = EventType("credit.grade_changed", pb.GradeChanged, STREAM.name)

TYPES = [RECORD_CREATED, RESTRICTION_CHANGED, GRADE_CHANGED]
