"""Keyset page tokens: the sort key of the last row handed out, opaque to callers."""

from __future__ import annotations

import base64
import json
from typing import Any

from services.kernel.errors import InvalidArgument


def page_size(requested: int, default: int, most: int) -> int:
    size = requested or default
    if not 1 <= size <= most:
        raise InvalidArgument.one("page_size", f"must be 1 to {most}")
    return size


def token(*key: Any) -> str:
    body = json.dumps([str(k) for k in key], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode()


def after(page_token: str, parts: int) -> list[str] | None:
    """The key a token carries, or None for the first page."""
    if not page_token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(page_token.encode()))
    except ValueError:
        key = None
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(k, str) for k in key):
        raise InvalidArgument.one("page_token", "not a token this service issued")
    return key
