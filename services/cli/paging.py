"""Following next_page_token until a listing has what the user asked for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def collect(fetch: Callable[[str, int], tuple[Sequence[T], str]], limit: int, page: int = 500) -> list[T]:
    """Items of successive pages, at most `limit` (0: all). `fetch(token, size)` returns one page."""
    found: list[T] = []
    token = ""
    while True:
        size = min(page, limit - len(found)) if limit else page
        items, token = fetch(token, size)
        found += items
        if not token or (limit and len(found) >= limit):
            return found[:limit] if limit else found


def pages(call: Callable[[Any], Any], request: Any, field: str, limit: int, page: int = 500) -> list[Any]:
    """`collect` for the usual shape: a request with page_size/page_token, a reply with `field`."""

    def fetch(token: str, size: int) -> tuple[Sequence[Any], str]:
        request.page_token, request.page_size = token, size
        reply = call(request)
        return getattr(reply, field), reply.next_page_token

    return collect(fetch, limit, page)
