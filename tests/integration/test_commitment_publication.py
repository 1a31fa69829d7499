"""Who sees commitments: staff of the owning department (ListCommitments, GetCommitment) and the
public (ListPublishedCommitments: publishable letters only, personal data masked, secrets withheld)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment.domain import standard_texts
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import (
    LEGAL,
    NATURAL,
    Clients,
    commitment_world,
    item,
    published_item,
    record,
    resident_id,
    rid,
)
from tests.support import failure, new_uscc

Kind = catalogue_pb2.LetterFieldKind
TEMPLATE = catalogue_pb2.LetterTemplate(
    text=(
        "承诺人{subject_name}（{subject_code}）承诺：经营场所{premises}可合法使用；"
        "联系电话{contact_phone}；住址{home}；配方{recipe}。{signed_on}"
    ),
    fields=[
        catalogue_pb2.LetterField(name="premises", label="经营场所", kind=Kind.LETTER_FIELD_KIND_TEXT),
        catalogue_pb2.LetterField(name="contact_phone", label="联系电话", kind=Kind.LETTER_FIELD_KIND_PHONE),
        catalogue_pb2.LetterField(name="home", label="住址", kind=Kind.LETTER_FIELD_KIND_PRIVATE),
        catalogue_pb2.LetterField(name="recipe", label="配方", kind=Kind.LETTER_FIELD_KIND_TEXT),
    ],
)
PHONE, HOME, RECIPE = "13912345678", "湖里区某小区3栋502", "老汤底料配比"


def signed(trade_secret: bool) -> commitment_pb2.SignedLetter:
    return commitment_pb2.SignedLetter(
        values=[
            commitment_pb2.LetterValue(name="premises", value="思明区中山路8号"),
            commitment_pb2.LetterValue(name="contact_phone", value=PHONE),
            commitment_pb2.LetterValue(name="home", value=HOME),
            commitment_pb2.LetterValue(name="recipe", value=RECIPE, trade_secret=trade_secret),
        ],
        signature_method=commitment_pb2.SIGNATURE_METHOD_HANDWRITTEN,
    )


async def commit(
    portal: Clients, request: commitment_pb2.RecordCommitmentRequest
) -> commitment_pb2.Commitment:
    made: commitment_pb2.Commitment = (await portal.commitments.RecordCommitment(request)).commitment
    return made


async def test_the_public_sees_only_publishable_letters_masked(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        draft = item()
        draft.letter.CopyFrom(TEMPLATE)
        item_id = await published_item(world.as_role("catalogue_admin"), draft)
        portal, person = world.as_role("portal"), resident_id()
        public = await commit(
            portal, record(person, item_id, kind=NATURAL, name="陈小明", letter=signed(True))
        )
        company = await commit(portal, record(new_uscc(), item_id, letter=signed(False)))
        for kind in (commitment_pb2.PUBLICATION_TYPE_RESTRICTED, commitment_pb2.PUBLICATION_TYPE_NOT_PUBLIC):
            await commit(portal, record(new_uscc(), item_id, letter=signed(False), publication=kind))
        withdrawn = await commit(portal, record(new_uscc(), item_id, letter=signed(False)))
        await portal.commitments.WithdrawCommitment(
            commitment_pb2.WithdrawCommitmentRequest(request_id=rid(), commitment_id=withdrawn.commitment_id)
        )

        answer = await portal.commitments.ListPublishedCommitments(
            commitment_pb2.ListPublishedCommitmentsRequest()
        )
        assert [c.code for c in answer.commitments] == [company.code, public.code]  # newest first
        shown = answer.commitments[1]
        assert shown.subject_name == "陈**"
        assert shown.subject_code == person[:6] + "********" + person[-4:]
        assert (shown.item_name, shown.agency_name) == ("营业场所使用证明", "厦门市市场监督管理局")
        assert "思明区中山路8号" in shown.letter_text
        assert "139****5678" in shown.letter_text
        assert standard_texts.PRIVACY_NOTICE in shown.letter_text
        assert standard_texts.TRADE_SECRET_NOTICE in shown.letter_text
        assert [(w.name, w.reason) for w in shown.withheld] == [
            ("home", commitment_pb2.WITHHELD_REASON_PERSONAL_PRIVACY),
            ("recipe", commitment_pb2.WITHHELD_REASON_TRADE_SECRET),
        ]
        data = answer.SerializeToString()
        for secret in (person, person[6:14], "陈小明", PHONE, HOME, public.commitment_id):
            assert secret.encode() not in data
        assert RECIPE in answer.commitments[0].letter_text  # the company did not mark it a secret
        assert answer.commitments[0].subject_name == "厦门示例餐饮有限公司"

        verifier = world.as_role("verifier")
        denied = await failure(
            verifier.commitments.ListPublishedCommitments(commitment_pb2.ListPublishedCommitmentsRequest())
        )
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
        filtered = await portal.commitments.ListPublishedCommitments(
            commitment_pb2.ListPublishedCommitmentsRequest(region_code="110000")
        )
        assert not filtered.commitments


async def test_staff_of_the_owning_department_only(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        item_id = await published_item(world.as_role("catalogue_admin"))
        portal, uscc = world.as_role("portal"), new_uscc()
        mine = [await commit(portal, record(uscc, item_id)) for _ in range(3)]
        other = await commit(portal, record(new_uscc(), item_id))
        await portal.commitments.WithdrawCommitment(
            commitment_pb2.WithdrawCommitmentRequest(request_id=rid(), commitment_id=mine[0].commitment_id)
        )
        staff = world.as_role("credit_officer")
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=uscc)

        async def listed(**filters: object) -> list[str]:
            request = commitment_pb2.ListCommitmentsRequest(**filters)  # type: ignore[arg-type]
            return [c.commitment_id for c in (await staff.commitments.ListCommitments(request)).commitments]

        assert await listed(subject=subject) == [c.commitment_id for c in reversed(mine)]
        assert await listed(status=commitment_pb2.COMMITMENT_STATUS_WITHDRAWN) == [mine[0].commitment_id]
        assert len(await listed(status=commitment_pb2.COMMITMENT_STATUS_ACTIVE)) == 3
        today = convert.to_date(world.clock.today())
        assert len(await listed(recorded_from=today, recorded_to=today)) == 4
        tomorrow = convert.to_date(world.clock.today() + dt.timedelta(days=1))
        assert await listed(recorded_from=tomorrow) == []
        first = await staff.commitments.ListCommitments(commitment_pb2.ListCommitmentsRequest(page_size=3))
        rest = await staff.commitments.ListCommitments(
            commitment_pb2.ListCommitmentsRequest(page_size=3, page_token=first.next_page_token)
        )
        assert [c.commitment_id for c in rest.commitments] == [mine[0].commitment_id]
        assert other.commitment_id in [c.commitment_id for c in first.commitments]
        backwards = await failure(
            staff.commitments.ListCommitments(
                commitment_pb2.ListCommitmentsRequest(recorded_from=tomorrow, recorded_to=today)
            )
        )
        assert backwards.fields() == ["recorded_to"]

        elsewhere = world.as_role("credit_officer", department="350200-SWJ")
        assert not (
            await elsewhere.commitments.ListCommitments(commitment_pb2.ListCommitmentsRequest())
        ).commitments
        hidden = await failure(
            elsewhere.commitments.GetCommitment(
                commitment_pb2.GetCommitmentRequest(commitment_id=other.commitment_id)
            )
        )
        assert hidden.code == grpc.StatusCode.PERMISSION_DENIED
        assert (
            await failure(portal.commitments.ListCommitments(commitment_pb2.ListCommitmentsRequest()))
        ).code == grpc.StatusCode.PERMISSION_DENIED
