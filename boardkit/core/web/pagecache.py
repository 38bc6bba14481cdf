"""Rendered answers of the busiest read views, kept per reader while the data stays the same.

A view marked :func:`cacheable` (the dashboard, ``/api/v1/me``) is answered from memory when
the same reader (the same session cookie or API token, CSRF cookie and language) asked for the
same URL before, nothing was committed since (the data generation, ``core/generation.py``,
is unchanged) and the answer is younger than ``TTL`` seconds (pages say "i morgen" and
deadline states that move with the clock). Anything that changes data — including logging out,
revoking a token or ending a membership — raises the generation, so no process serves an
answer made before it. Only 200 answers that set no cookie are kept; nothing is written to
disk; the cache is per process and bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.responses import Response

from boardkit.core.generation import Generation, Token

TTL = 30.0
# How long a request waits for another making the same answer before making its own.
FOLLOW_SECONDS = 10.0
SIZE = 2000

V = TypeVar("V", bound=Callable[..., Any])


def cacheable(view: V) -> V:
    """Mark a read view whose answer depends only on the reader, the URL, the data and the clock."""
    view.cacheable = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class Entry:
    token: Token
    made: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class PageCache:
    def __init__(self, generation: Generation, *, size: int = SIZE, ttl: float = TTL) -> None:
        self.generation = generation
        self.size = size
        self.ttl = ttl
        self._entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()
        # Answers being made now, per event loop: the first request for a missing answer makes it.
        self._making: dict[tuple[int, tuple[str, ...]], asyncio.Future[None]] = {}
        self.hits = 0
        self.misses = 0

    def probe(self, key: tuple[str, ...]) -> tuple[Response | None, Token | None]:
        """The kept answer for ``key`` if still good, and the token a new answer is made at."""
        token = self.generation.token()
        if token is None:
            return None, None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.token == token and time.monotonic() - entry.made < self.ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                response = Response(entry.body, status_code=entry.status)
                response.raw_headers = list(entry.headers)
                return response, token
            self.misses += 1
        return None, token

    async def follow(self, key: tuple[str, ...]) -> bool:
        """Wait for the request already making ``key``'s answer and say True; if there is none,
        this request makes it (False) and must :meth:`release` the key when done."""
        loop = asyncio.get_running_loop()
        pending = self._making.get((id(loop), key))
        if pending is None:
            self._making[(id(loop), key)] = loop.create_future()
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pending), timeout=FOLLOW_SECONDS)
        return True

    def release(self, key: tuple[str, ...]) -> None:
        pending = self._making.pop((id(asyncio.get_running_loop()), key), None)
        if pending is not None and not pending.done():
            pending.set_result(None)

    def store(self, key: tuple[str, ...], token: Token, response: Response) -> None:
        """Keep a fresh 200 answer that sets no cookie (made at ``token``, read before the view ran)."""
        headers = response.raw_headers
        if response.status_code != 200 or any(k == b"set-cookie" for k, _v in headers):
            return
        body = getattr(response, "body", None)
        if not isinstance(body, bytes):
            return  # streamed answers are not kept
        entry = Entry(token, time.monotonic(), response.status_code, list(headers), body)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
