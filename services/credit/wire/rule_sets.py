"""Stored rule sets as the API states them: the document as loaded, and who loaded it when."""

from __future__ import annotations

import json

from chengnuo.credit.v1 import rule_sets_pb2 as pb
from services.credit.store.rule_sets import Loaded
from services.kernel import convert


def rule_set(loaded: Loaded) -> pb.RuleSet:
    r = loaded.rule_set
    return pb.RuleSet(
        id=r.id,
        kind=pb.RuleSetKind.Value(f"RULE_SET_KIND_{r.kind.upper()}"),
        region=r.region,
        effective_from=convert.to_date(r.effective_from),
        effective_to=convert.opt_date(r.effective_to),
        citation=r.citation,
        document=json.dumps(r.rules, ensure_ascii=False, indent=2),
        loaded_at=convert.to_timestamp(loaded.loaded_at),
        loaded_by=loaded.loaded_by,
    )
