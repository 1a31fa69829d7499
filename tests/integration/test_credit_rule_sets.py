"""Rule sets are data an administrator loads (validated) and inspects; decisions follow them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import rule_sets_pb2 as rpb
from chengnuo.events.v1 import credit_events_pb2 as events
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_credit_world import (
    CreditWorld,
    credit_world,
    false_commitment,
    record_of,
    ref,
    rid,
)
from tests.support import failure, new_uscc

D = dt.date


@pytest.fixture
async def credit(servers: Servers, tmp_path: Path) -> AsyncIterator[CreditWorld]:
    async with credit_world(servers, tmp_path, D(2026, 7, 1)) as made:
        yield made


def packaged(rule_set_id: str) -> dict[str, Any]:
    return dict(next(r for r in packaged_rule_sets() if r.id == rule_set_id).rules)


def load(document: dict[str, Any]) -> rpb.LoadRuleSetRequest:
    return rpb.LoadRuleSetRequest(request_id=rid(), document=json.dumps(document, ensure_ascii=False))


async def test_a_regional_override_applies_to_its_region_only(credit: CreditWorld) -> None:
    fujian = packaged("NDRC-36") | {"id": "FJ-2026-1", "region": "350000", "effective_from": "2026-05-01"}
    fujian["periods"] = fujian["periods"] | {
        "ORDINARY": {"minimum_months": 6, "maximum_months": 12, "published": True}
    }
    loaded = (await credit.as_role("admin").rules.LoadRuleSet(load(fujian))).rule_set
    assert (loaded.kind, loaded.region, loaded.loaded_by) == (rpb.RULE_SET_KIND_RECORDS, "350000", "tester")
    xiamen, beijing = new_uscc(), new_uscc("110000")
    await record_of(credit, xiamen, D(2026, 6, 1))
    await credit.deliver(
        "verification.false_commitment",
        false_commitment(beijing, D(2026, 6, 1), department="110000-SCJ", region="110000"),
    )
    officer = credit.as_role("credit_officer")
    here = (await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(xiamen)))).records[0]
    there = (await officer.credit.GetCreditStatus(pb.GetCreditStatusRequest(subject=ref(beijing)))).records[0]
    assert (here.rule_set, convert.from_date(here.repairable_from)) == ("FJ-2026-1", D(2026, 12, 1))
    assert (there.rule_set, convert.from_date(there.repairable_from)) == ("NDRC-36", D(2026, 9, 1))
    in_force = await officer.rules.GetRuleSetInForce(
        rpb.GetRuleSetInForceRequest(
            kind=rpb.RULE_SET_KIND_RECORDS, on=convert.to_date(D(2026, 4, 30)), region_code="350200"
        )
    )
    assert in_force.rule_set.id == "NDRC-36"  # the override starts on 2026-05-01


async def test_a_bad_document_is_refused_field_by_field_and_nothing_stored(credit: CreditWorld) -> None:
    broken = packaged("NDRC-36") | {"id": "BROKEN-1", "effective_from": "2026-13-01"}
    broken["periods"] = broken["periods"] | {
        "SERIOUS": {"minimum_months": 40, "maximum_months": 36, "published": True}
    }
    broken["classification"] = broken["classification"][:-1]
    before = await credit.count("rule_set")
    refused = await failure(credit.as_role("admin").rules.LoadRuleSet(load(broken)))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.fields() == ["document.effective_from"]  # the header is checked first
    broken["effective_from"] = "2026-12-01"
    refused = await failure(credit.as_role("admin").rules.LoadRuleSet(load(broken)))
    assert set(refused.fields()) == {"document.classification", "document.periods.SERIOUS.minimum_months"}
    not_json = await failure(
        credit.as_role("admin").rules.LoadRuleSet(rpb.LoadRuleSetRequest(request_id=rid(), document="{"))
    )
    assert not_json.fields() == ["document"]
    assert await credit.count("rule_set") == before


async def test_only_an_administrator_loads_and_a_rule_set_never_changes(credit: CreditWorld) -> None:
    document = packaged("NDRC-36") | {"id": "NDRC-36"}
    officer = await failure(credit.as_role("credit_officer").rules.LoadRuleSet(load(document)))
    assert officer.code == grpc.StatusCode.PERMISSION_DENIED
    again = await failure(credit.as_role("admin").rules.LoadRuleSet(load(document)))
    assert again.code == grpc.StatusCode.ALREADY_EXISTS
    listed = await credit.as_role("credit_reviewer").rules.ListRuleSets(
        rpb.ListRuleSetsRequest(kind=rpb.RULE_SET_KIND_RECORDS)
    )
    assert [r.id for r in listed.rule_sets] == ["NDRC-58", "NDRC-36"]
    everything = await credit.as_role("credit_reviewer").rules.ListRuleSets(rpb.ListRuleSetsRequest())
    kinds = {r.id: r.kind for r in everything.rule_sets}
    assert kinds["INSPECTION-RESULTS-2021"] == rpb.RULE_SET_KIND_INSPECTION_RECORDS
    shown = await credit.as_role("credit_officer").rules.GetRuleSet(rpb.GetRuleSetRequest(id="NDRC-58"))
    assert json.loads(shown.rule_set.document)["periods"]["ORDINARY"]["maximum_months"] == 36


async def test_a_new_grading_model_regrades_subjects_when_it_takes_effect(credit: CreditWorld) -> None:
    uscc = new_uscc()
    await record_of(credit, uscc, D(2026, 6, 1))  # ordinary: 80 - 25 = 55, C
    stricter = packaged("SAMR-2022-6") | {"id": "SAMR-2026-X", "effective_from": "2026-08-01"}
    stricter["grades"] = [
        {"grade": "A", "min_score": 95},
        {"grade": "B", "min_score": 75},
        {"grade": "C", "min_score": 60},
        {"grade": "D", "min_score": None},
    ]
    await credit.as_role("admin").rules.LoadRuleSet(load(stricter))
    await credit.run_jobs()
    assert [events.GradeChanged.FromString(e).grade for e in await credit.events("credit.grade_changed")] == [
        pb.GRADE_C
    ]
    credit.set_today(D(2026, 8, 1))
    await credit.run_jobs()
    grades = [events.GradeChanged.FromString(e) for e in await credit.events("credit.grade_changed")]
    assert [(g.version, g.grade, g.rule_set) for g in grades] == [
        (1, pb.GRADE_C, "SAMR-2022-6"),
        (2, pb.GRADE_D, "SAMR-2026-X"),
    ]
