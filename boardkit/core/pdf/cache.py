"""Drawn PDFs kept in memory by what they were drawn from, so a document many people download
(published minutes) is drawn once per process rather than once per download.

The key is a digest of the whole description (a dataclass, with the reader's redactions and
language in it): a changed description is another key, so nothing ever needs invalidating; the
least recently used copies go when the cache holds more than its bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

MAX_BYTES = 64 * 1024 * 1024


class RenderCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._copies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(spec: Any) -> str:
        described = json.dumps(dataclasses.asdict(spec), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(described.encode("utf-8")).hexdigest()

    def get(self, spec: Any, draw: Callable[[Any], bytes]) -> bytes:
        """``draw(spec)``, or the copy drawn from an equal ``spec`` before."""
        key = self.key(spec)
        with self._lock:
            found = self._copies.get(key)
            if found is not None:
                self._copies.move_to_end(key)
                return found
        data = draw(spec)  # outside the lock: two threads may draw the same one once each
        if len(data) <= self.max_bytes // 4:
            with self._lock:
                if key not in self._copies:
                    self._copies[key] = data
                    self._bytes += len(data)
                while self._bytes > self.max_bytes:
                    _, dropped = self._copies.popitem(last=False)
                    self._bytes -= len(dropped)
        return data

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._bytes = 0
