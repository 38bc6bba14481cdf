"""Posts in Markdown, rendered once to sanitised HTML (a first version; see forum-markup)."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MAX_BODY = 20_000
_MD = MarkdownIt("commonmark", {"html": False})
TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}


def render(body: str) -> str:
    return nh3.clean(
        _MD.render(body),
        tags=TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


def plain(body: str, limit: int = 300) -> str:
    text = " ".join(nh3.clean(_MD.render(body), tags=set()).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def find_mentions(body: str, members: dict[int, str]) -> set[int]:
    lowered = body.casefold()
    return {pid for pid, name in members.items() if f"@{name.casefold()}" in lowered}
