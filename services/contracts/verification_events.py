"""Events the verification service publishes (stream VERIFICATION)."""

from chengnuo.events.v1 import verification_events_pb2 as pb
from services.kernel.events import EventType, Stream

STREAM = Stream("VERIFICATION", ("verification.>",), "verification outcomes and inspections")

FALSE_COMMITMENT = EventType("verification.false_commitment", pb.FalseCommitmentFound, STREAM.name)
CONCLUDED = EventType("verification.concluded", pb.VerificationConcluded, STREAM.name)
RECTIFIED = EventType("verification.rectified", pb.RectificationRecorded, STREAM.name)
TASK_OVERDUE = EventType("verification.task_overdue", pb.TaskOverdue, STREAM.name)
DRAW_COMPLETED = EventType("verification.draw_completed", pb.DrawCompleted, STREAM.name)
JOINT_PLANNED = EventType("verification.joint_inspection_planned", pb.JointInspectionPlanned, STREAM.name)
INSPECTION_RESULT = EventType("verification.inspection_result", pb.InspectionResultRecorded, STREAM.name)

TASK_ESCALATED = EventType("verification.task_escalated", pb.TaskEscalated, STREAM.name)
REFERRAL_CREATED = EventType("verification.referral_created", pb.ReferralChanged, STREAM.name)
REFERRAL_UPDATED = EventType("verification.referral_updated", pb.ReferralChanged, STREAM.name)
ASSISTANCE_REQUESTED = EventType("verification.assistance_requested", pb.AssistanceRequested, STREAM.name)
ASSISTANCE_ANSWERED = EventType("verification.assistance_answered", pb.AssistanceAnswered, STREAM.name)
ASSISTANCE_OVERDUE = EventType("verification.assistance_overdue", pb.AssistanceOverdue, STREAM.name)

TYPES = [
    FALSE_COMMITMENT,
    CONCLUDED,
    RECTIFIED,
    TASK_OVERDUE,
    DRAW_COMPLETED,
    JOINT_PLANNED,
    INSPECTION_RESULT,
    TASK_ESCALATED,
    REFERRAL_CREATED,
    REFERRAL_UPDATED,
    ASSISTANCE_REQUESTED,
    ASSISTANCE_ANSWERED,
    ASSISTANCE_OVERDUE,
]
