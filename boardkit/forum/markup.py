"""Posts are written in Markdown and shown as sanitised HTML, made once when a post is written.

Two layers, each enough on its own for the common attacks:

1. markdown-it-py, CommonMark with raw HTML off (``<script>`` is shown as text), plus tables and
   ~~strikethrough~~. A line break in the text is a line break in the post (``breaks``), as
   people expect from a text box. Links are made only to ``http:``, ``https:`` and ``mailto:``
   URLs; anything else (``javascript:``, ``data:``, relative paths) stays literal text.
2. nh3 (ammonia) cleans what comes out: only the tags of :data:`TAGS`, no attribute but
   ``a[href]`` with those three schemes, and every link gets ``rel="nofollow ugc noopener"``
   (no ``target``: links open normally).

Choices:

* Headings go two levels down (``#`` is ``<h3>``, ``##`` is ``<h4>``, deeper ones ``<h5>`` and
  ``<h6>``): the page has its own ``<h1>`` and the thread's title is ``<h2>``.
* Images are never drawn: a remote image would tell its server who reads the post, and when. An
  image becomes a link to its address with the alt text as the link text (its address when there
  is none); inside a link only the alt text is kept.
* Bare URLs are not made into links: markdown-it's linkify needs linkify-it-py, which is not a
  dependency. ``<https://…>`` (a CommonMark autolink) and ``[text](https://…)`` are links.
* Code blocks carry no language class (no attribute but ``href`` is kept).
* Numbered lists always start at 1 (``start`` is an attribute too).

:func:`plain` gives a post's text without markup (notices, digests, search), and
:func:`find_mentions` the members a post @mentions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_number

MAX_BODY = 20_000  # characters
TAGS = frozenset(
    {
        "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
HEADING_SHIFT = 2
ELLIPSIS = "…"

_SAFE_LINK = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_SEPARATOR = "\x00"  # between blocks and in place of code, when looking for mentions


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # markdown-it's name
        """Only web and mail links (the URL as normalised, percent-encoded, by markdown-it)."""
        return bool(_SAFE_LINK.match(url.strip()))


_MD = _Markdown("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False})
_MD.enable(["table", "strikethrough"])
_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}, "*": set()},  # "*": none of ammonia's generic lang and title
    link_rel=LINK_REL,
    url_schemes=set(SCHEMES),
    url_relative="deny",
    strip_comments=True,
)


def check_body(body: str) -> str:
    """A post's text as it is stored: line ends made ``\\n``, trailing space gone; 422 when it is
    empty or longer than :data:`MAX_BODY` characters."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if not text.strip():
        raise ValidationFailed(_("Skriv en tekst."), fields={"body": _("Skriv en tekst.")})
    if len(text) > MAX_BODY:
        message = _(
            "Teksten er for lang: %(n)s tegn. Den må højst være %(max)s tegn.",
            n=fmt_number(len(text)),
            max=fmt_number(MAX_BODY),
        )
        raise ValidationFailed(message, fields={"body": message})
    return text


def render(body: str) -> str:
    """The post's Markdown as sanitised HTML (see the module's notes)."""
    tokens = _MD.parse(body)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1:]) + HEADING_SHIFT, 6)}"
        elif token.type == "inline" and token.children:
            token.children = _images_as_links(token.children, in_link=False)
    return sanitise(_MD.renderer.render(tokens, _MD.options, {}))


def sanitise(html: str) -> str:
    """Any HTML cut down to what a post may hold (the second layer of :func:`render`)."""
    return _CLEANER.clean(html)


def _images_as_links(children: Sequence[Token], *, in_link: bool) -> list[Token]:
    """The inline tokens with every image made a link to it (or only its alt text in a link)."""
    out: list[Token] = []
    depth = 1 if in_link else 0
    for token in children:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        if token.type != "image":
            out.append(token)
            continue
        alt = _images_as_links(token.children or [], in_link=True)
        src = str(token.attrGet("src") or "")
        if depth > 0 or not src:
            out.extend(alt)
            continue
        if not alt:
            text = Token("text", "", 0)
            text.content = src
            alt = [text]
        opening = Token("link_open", "a", 1)
        opening.attrSet("href", src)
        out.extend([opening, *alt, Token("link_close", "a", -1)])
    return out


def plain(body: str, limit: int = 300) -> str:
    """The post's text without markup, whitespace collapsed, at most ``limit`` characters: cut at a
    word boundary and ended by "…" when longer. Plain text, not HTML: escape it where it is shown."""
    text = _SPACE.sub(" ", " ".join(_texts(_MD.parse(body), code=True))).strip()
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    if not text[len(head)].isspace():  # the cut is inside a word: go back to where it began
        space = head.rfind(" ")
        if space > limit // 2:
            head = head[:space]
    return head.rstrip(" ,.;:–-") + ELLIPSIS


def _texts(tokens: Iterable[Token], *, code: bool) -> list[str]:
    """The text of each block; code as text, or as a separator when ``code`` is false."""
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append("".join(_inline_text(token.children or [], code=code)))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content if code else _SEPARATOR)
    return parts


def _inline_text(children: Iterable[Token], *, code: bool) -> list[str]:
    parts: list[str] = []
    for token in children:
        if token.type == "text":
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "code_inline":
            parts.append(token.content if code else _SEPARATOR)
        elif token.type == "image":
            parts.extend(_inline_text(token.children or [], code=code))
    return parts


# --- mentions ------------------------------------------------------------------------------


def find_mentions(body: str, members: dict[int, str]) -> set[int]:
    """The members a post mentions: ``@`` and a member's full name, or their first name when no
    other member has it; case-insensitive, the longest name wins ("@Søren Ødegård" is Søren
    Ødegård even when there is a Søren Ødegård Madsen, and not a Søren if there is one). An ``@``
    inside a word (an e-mail address) starts no mention, nor does anything in code. Members with
    the same full name are all mentioned by it."""
    if "@" not in body:
        return set()
    names = _name_index(members)
    if not names:
        return set()
    text = _SPACE.sub(" ", _fold(_SEPARATOR.join(_texts(_MD.parse(body), code=False))))
    keys = sorted(names, key=len, reverse=True)
    found: set[int] = set()
    for at in (m.start() for m in re.finditer("@", text)):
        if at > 0 and not _opens_mention(text[at - 1]):
            continue
        start = at + 1
        for key in keys:
            end = start + len(key)
            if text.startswith(key, start) and (end == len(text) or not _in_word(text[end])):
                found |= names[key]
                break
    return found


def _name_index(members: dict[int, str]) -> dict[str, set[int]]:
    """Folded full names, and first names only one member has, to the members they name."""
    full: dict[str, set[int]] = {}
    first: dict[str, set[int]] = {}
    for person_id, name in members.items():
        folded = _SPACE.sub(" ", _fold(name)).strip()
        if not folded:
            continue
        full.setdefault(folded, set()).add(person_id)
        first.setdefault(folded.split(" ")[0], set()).add(person_id)
    index = {key: ids for key, ids in first.items() if len(ids) == 1}
    index.update(full)  # a full name wins over someone else's first name
    return index


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def _in_word(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


def _opens_mention(before: str) -> bool:
    """Whether a mention may start right after ``before``: space, an opening bracket or quote."""
    return (
        before.isspace() or before in "\"'" + _SEPARATOR or unicodedata.category(before) in ("Ps", "Pi", "Pf")
    )
