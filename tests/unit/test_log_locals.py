"""A logged exception names its type and frames but never the frame locals (the request)."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from services.kernel import log


def _fail(request: str) -> None:
    raise ValueError("boom")


def test_service_logs_carry_no_frame_locals(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    log.configure_service("commitment", "info")
    try:
        try:
            _fail("91350200MA2YJ1XR9G 张三丰")
        except ValueError:
            structlog.get_logger().exception("rpc failed")
    finally:
        structlog.reset_defaults()
    line = out.getvalue()
    assert json.loads(line)["exception"][0]["exc_type"] == "ValueError"
    assert "_fail" in line
    assert "张三丰" not in line
    assert "91350200MA2YJ1XR9G" not in line
