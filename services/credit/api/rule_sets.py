"""Administrators load credit rule sets (validated) and inspect them (RuleSetService)."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import rule_sets_pb2 as pb
from services.contracts import roles
from services.credit.api.deps import Deps
from services.credit.api.parse import region_field
from services.credit.domain import documents
from services.credit.domain.rule_sets import KINDS, choose_rule_set
from services.credit.wire.rule_sets import rule_set as rule_set_message
from services.kernel import convert, lookup
from services.kernel.auth import current_caller
from services.kernel.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound, Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork

READERS = (roles.ADMIN, roles.CREDIT_OFFICER, roles.CREDIT_REVIEWER)


def _kind(value: pb.RuleSetKind.ValueType) -> str | None:
    return pb.RuleSetKind.Name(value).removeprefix("RULE_SET_KIND_").lower() if value else None


class RuleSetHandlers(Handlers[Deps]):
    @command(roles.ADMIN, reply=pb.LoadRuleSetResponse)
    async def LoadRuleSet(self, request: pb.LoadRuleSetRequest, uow: UnitOfWork) -> pb.LoadRuleSetResponse:
        rule_set, problems = documents.parse(request.document)
        if rule_set is None:
            raise InvalidArgument([FieldViolation(f, p) for f, p in problems])
        loaded = await self.deps.store.rule_sets.insert(uow.conn, rule_set, uow.now, current_caller().subject)
        if loaded is None:
            raise AlreadyExists("rule set", rule_set.id)
        uow.audit("rule_set.load", f"rule_set/{rule_set.id}", change=rule_set.rules)
        uow.after_commit(self.deps.on_rule_set_loaded)
        return pb.LoadRuleSetResponse(rule_set=rule_set_message(loaded))

    @query(*READERS)
    async def ListRuleSets(self, request: pb.ListRuleSetsRequest, context: Any) -> pb.ListRuleSetsResponse:
        if request.kind not in pb.RuleSetKind.values():
            raise InvalidArgument.one("kind", "not a known rule set kind")
        listed = await self.deps.store.rule_sets.listing(self.db.pool, _kind(request.kind))
        return pb.ListRuleSetsResponse(rule_sets=[rule_set_message(r) for r in listed])

    @query(*READERS)
    async def GetRuleSet(self, request: pb.GetRuleSetRequest, context: Any) -> pb.GetRuleSetResponse:
        loaded = lookup.found(
            await self.deps.store.rule_sets.get(self.db.pool, request.id), "rule set", request.id, "id"
        )
        return pb.GetRuleSetResponse(rule_set=rule_set_message(loaded))

    @query(*READERS)
    async def GetRuleSetInForce(
        self, request: pb.GetRuleSetInForceRequest, context: Any
    ) -> pb.GetRuleSetInForceResponse:
        store = self.deps.store.rule_sets
        v = Violations()
        kind = _kind(request.kind) if request.kind in pb.RuleSetKind.values() else None
        if kind is None:
            v.add("kind", "required: " + ", ".join(KINDS))
        day = convert.date_field(v, "on", request.on, required=False) or self.db.clock.today()
        region = region_field(v, request.region_code)
        v.raise_if_any()
        try:
            chosen = choose_rule_set(await store.all_rule_sets(self.db.pool), str(kind), day, region)
        except LookupError as exc:
            raise NotFound("rule set in force", str(exc), "on") from None
        loaded = lookup.found(await store.get(self.db.pool, chosen.id), "rule set", chosen.id, "on")
        return pb.GetRuleSetInForceResponse(rule_set=rule_set_message(loaded))
