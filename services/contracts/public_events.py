"""Publication-safe events (公示, stream PUBLIC): masked at the source, read only by the publication service.

Each owning service writes them through its outbox in the transaction of the decision they
publish: commitment (catalogue, commitments, licence decisions), verification (outcomes, penalty
decisions, draws, inspection results) and credit (records, objections, the serious list).
"""

from chengnuo.events.v1 import public_events_pb2 as pb
from services.kernel.events import EventType, Stream

STREAM = Stream("PUBLIC", ("public.>",), "publication-safe events for the public site (公示)")

CATALOGUE_VERSION = EventType("public.catalogue_version", pb.PublicCatalogueVersion, STREAM.name)
CATALOGUE_ITEM = EventType("public.catalogue_item", pb.PublicCatalogueItem, STREAM.name)
COMMITMENT = EventType("public.commitment", pb.PublicCommitment, STREAM.name)
COMMITMENT_WITHDRAWN = EventType("public.commitment_withdrawn", pb.PublicCommitmentWithdrawn, STREAM.name)
VERIFICATION_OUTCOME = EventType("public.verification_outcome", pb.PublicVerificationOutcome, STREAM.name)
DECISION = EventType("public.decision", pb.PublicDecision, STREAM.name)
DRAW = EventType("public.draw", pb.PublicDraw, STREAM.name)
DRAW_POOL = EventType("public.draw_pool", pb.PublicDrawPool, STREAM.name)
INSPECTION_RESULT = EventType("public.inspection_result", pb.PublicInspectionResult, STREAM.name)
RECORD = EventType("public.record", pb.PublicRecord, STREAM.name)
RECORD_WITHDRAWN = EventType("public.record_withdrawn", pb.PublicRecordWithdrawn, STREAM.name)
RECORD_DISPUTED = EventType("public.record_disputed", pb.PublicRecordDisputed, STREAM.name)
LISTING = EventType("public.listing", pb.PublicListing, STREAM.name)
DELISTING = EventType("public.delisting", pb.PublicDelisting, STREAM.name)

TYPES = [
    CATALOGUE_VERSION,
    CATALOGUE_ITEM,
    COMMITMENT,
    COMMITMENT_WITHDRAWN,
    VERIFICATION_OUTCOME,
    DECISION,
    DRAW,
    DRAW_POOL,
    INSPECTION_RESULT,
    RECORD,
    RECORD_WITHDRAWN,
    RECORD_DISPUTED,
    LISTING,
    DELISTING,
]
