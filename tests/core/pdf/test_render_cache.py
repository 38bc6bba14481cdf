"""The drawn-PDF cache: an equal description is drawn once, any change draws again, and it keeps
to its bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from boardkit.core.pdf.cache import RenderCache


@dataclass(frozen=True)
class Spec:
    title: str
    content: dict[str, Any] = field(default_factory=dict)
    language: str = "da"


def test_an_equal_description_is_drawn_once_and_any_change_draws_again() -> None:
    drawn: list[Spec] = []

    def draw(spec: Spec) -> bytes:
        drawn.append(spec)
        return f"%PDF {spec.title} {spec.content} {spec.language}".encode()

    cache = RenderCache()
    first = cache.get(Spec("Referat", {"items": [{"text": "Ø"}]}), draw)
    assert cache.get(Spec("Referat", {"items": [{"text": "Ø"}]}), draw) == first
    assert len(drawn) == 1
    assert b"Lukket" in cache.get(Spec("Referat", {"items": [{"text": "Lukket"}]}), draw)  # content edited
    cache.get(Spec("Referat", {"items": [{"text": "Ø"}]}, language="en"), draw)  # another reader's language
    assert len(drawn) == 3


def test_the_least_recently_used_copies_go_past_the_limit() -> None:
    cache = RenderCache(max_bytes=4000)
    draws: list[str] = []

    def draw(spec: Spec) -> bytes:
        draws.append(spec.title)
        return b"x" * 1000

    for title in ("a", "b", "c", "d", "a", "e"):  # "a" used again, so "b" goes first
        cache.get(Spec(title), draw)
    cache.get(Spec("a"), draw)
    cache.get(Spec("b"), draw)
    assert draws == ["a", "b", "c", "d", "e", "b"]
    assert cache.get(Spec("big"), lambda s: b"y" * 2000) == b"y" * 2000  # too big to keep
    assert cache.get(Spec("big"), lambda s: b"z") == b"z"
