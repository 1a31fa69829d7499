"""VerifyChain with the checkpoint stream out of reach: UNAVAILABLE with a retry delay, like every
other outage (the interceptor maps `Unavailable`), not a verdict without the witness."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from nats.errors import ConnectionClosedError

from services.kernel.bus import Names
from services.kernel.errors import Unavailable
from services.kernel.features.audit.api import AuditApi


class _ClosedJetStream:
    async def get_last_msg(self, stream: str, subject: str) -> Any:
        raise ConnectionClosedError


async def test_an_unreadable_checkpoint_stream_is_an_outage_to_retry() -> None:
    api = AuditApi.__new__(AuditApi)  # no database needed to read the witness stream
    api.service, api.bus = "commitment", SimpleNamespace(js=_ClosedJetStream(), names=Names(""))  # type: ignore[assignment]
    with pytest.raises(Unavailable) as raised:
        await api._checkpoints()
    assert raised.value.dependency == "audit checkpoint stream"
    assert raised.value.retry_after > 0
