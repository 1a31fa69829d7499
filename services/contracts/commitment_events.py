"""Events the commitment service publishes (stream COMMITMENT)."""

from chengnuo.events.v1 import commitment_events_pb2 as pb
from services.kernel.events import EventType, Stream

STREAM = Stream("COMMITMENT", ("commitment.>", "catalogue.>"), "commitments and catalogues")

RECORDED = EventType("commitment.recorded", pb.CommitmentRecorded, STREAM.name)
WITHDRAWN = EventType("commitment.withdrawn", pb.CommitmentWithdrawn, STREAM.name)
FULFILMENT_CHANGED = EventType("commitment.fulfilment_changed", pb.CommitmentFulfilmentChanged, STREAM.name)
CATALOGUE_PUBLISHED = EventType("catalogue.published", pb.CataloguePublished, STREAM.name)

LICENCE_REVOKED = EventType("commitment.licence_revoked", pb.LicenceRevoked, STREAM.name)

TYPES = [RECORDED, WITHDRAWN, FULFILMENT_CHANGED, CATALOGUE_PUBLISHED, LICENCE_REVOKED]
