"""RecordCommitment and CheckEligibility under closed-loop load from one portal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from bench.load import Figure, closed_loop
from bench.scale import Scale
from bench.world import LEGAL, Caller, random_usccs, record_request
from chengnuo.commitment.v1 import commitment_pb2, commitment_pb2_grpc
from chengnuo.common.v1 import subject_pb2

SUBJECTS = 1000
if TYPE_CHECKING:  # the asynchronous stub exists only in the type stubs
    Stub: TypeAlias = commitment_pb2_grpc.CommitmentServiceAsyncStub


@dataclass(frozen=True)
class Sample:
    """Sizes and contents of one real call, so the baselines carry the same payloads."""

    request_bytes: int
    reply_bytes: int
    letter: str = ""
    event: bytes = b""


async def record_sample(portal: Caller, item_id: str) -> Sample:
    request = record_request(random_usccs(1, seed=99)[0], item_id)
    answer = await portal.commitments.RecordCommitment(request)
    letter = answer.commitment.letter.text
    return Sample(request.ByteSize(), answer.ByteSize(), letter, answer.commitment.SerializeToString())


async def record(portal: Caller, item_id: str, scale: Scale, name: str = "RecordCommitment") -> Figure:
    subjects = random_usccs(SUBJECTS, seed=1)

    async def one(n: int) -> object:
        return await portal.commitments.RecordCommitment(record_request(subjects[n % SUBJECTS], item_id))

    return await closed_loop(
        name, one, concurrency=scale.concurrency, seconds=scale.seconds, warmup=scale.warmup
    )


def check_request(code: str, item_id: str) -> commitment_pb2.CheckEligibilityRequest:
    return commitment_pb2.CheckEligibilityRequest(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), item_id=item_id
    )


async def check_sample(portal: Caller, item_id: str) -> Sample:
    request = check_request(random_usccs(1, seed=98)[0], item_id)
    answer = await portal.commitments.CheckEligibility(request)
    return Sample(request.ByteSize(), answer.ByteSize())


async def check(portal: Caller, item_id: str, scale: Scale) -> Figure:
    requests = [check_request(code, item_id) for code in random_usccs(SUBJECTS, seed=2)]

    async def one(n: int) -> object:
        return await portal.commitments.CheckEligibility(requests[n % SUBJECTS])

    return await closed_loop(
        "CheckEligibility", one, concurrency=scale.concurrency, seconds=scale.seconds, warmup=scale.warmup
    )
