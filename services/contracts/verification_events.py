"""Events the verification service publishes (stream VERIFICATION)."""

from chengnuo.events.v1 import verification_events_pb2 as pb
from services.kernel.events import EventType, Stream

STREAM = Stream("VERIFICATION", ("verification.>",), "verification outcomes and inspections")

FALSE_COMMITMENT = EventType("verification.false_commitment", pb.FalseCommitmentFound, STREAM.name)
CONCLUDED = EventType("verification.concluded", pb.VerificationConcluded, STREAM.name)

TYPES = [FALSE_COMMITMENT, CONCLUDED]
