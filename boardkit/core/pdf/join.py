"""Joining PDFs we wrote ourselves at the byte level: fast enough to bind 600 pages per reader.

fpdf2 and pypdf write plain files — one classic cross-reference table, objects one after
another, a flat page tree — so their objects can be copied as bytes, with only the references
in the dictionary part renumbered; no content stream is ever decoded. :class:`RawPdf` reads such
a file and raises :class:`NotPlain` for anything else (the caller then takes a slower path).
:func:`underlay` puts Form XObjects under pages of an fpdf2 document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_REF = rb"(\d+)\s+(\d+)\s+R\b"
# Strings first (so a "1 0 R" inside one is left alone), then dictionary brackets, then references.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|<<|>>|<[0-9A-Fa-f\s]*>|" + _REF, re.S)
_XREF_ROW = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_SUBSECTION = re.compile(rb"(\d+) (\d+)\s*$")


class NotPlain(Exception):
    """Not a plain file with one classic cross-reference table."""


@dataclass(frozen=True)
class Page:
    number: int  # the page object's number
    width: float
    height: float
    form: int | None  # the object number of the page's single Form XObject (prepared pages)


class RawPdf:
    def __init__(self, data: bytes) -> None:
        self.data = data
        start = data.rfind(b"startxref")
        if start < 0:
            raise NotPlain("no startxref")
        xref_at = int(data[start + 9 :].split()[0])
        if data[xref_at : xref_at + 4] != b"xref":
            raise NotPlain("cross-reference stream")
        end = data.index(b"trailer", xref_at)
        offsets: dict[int, int] = {}
        number = 0
        for line in data[xref_at + 4 : end].splitlines():
            row = _XREF_ROW.match(line.strip())
            if row:
                if row.group(3) == b"n":
                    offsets[number] = int(row.group(1))
                number += 1
            elif (sub := _SUBSECTION.match(line.strip())) is not None:
                number = int(sub.group(1))
        self.trailer = data[end + 7 : start]
        if b"/Prev" in self.trailer or b"/Encrypt" in self.trailer:
            raise NotPlain("incremental update or encrypted")
        self.size = max(offsets) + 1 if offsets else 1
        self.offsets = offsets
        order = sorted(offsets.items(), key=lambda kv: kv[1])
        self._ends = {
            num: (order[i + 1][1] if i + 1 < len(order) else xref_at) for i, (num, _o) in enumerate(order)
        }

    def body(self, number: int) -> bytes:
        """The object's bytes between ``N G obj`` and ``endobj``."""
        try:
            start, end = self.offsets[number], self._ends[number]
        except KeyError as exc:
            raise NotPlain(f"object {number} missing") from exc
        chunk = self.data[start:end]
        head = re.match(rb"\s*(\d+)\s+\d+\s+obj", chunk)
        if not head or int(head.group(1)) != number:
            raise NotPlain(f"object {number} not where the table says")
        chunk = chunk[head.end() :].rstrip()
        if not chunk.endswith(b"endobj"):
            raise NotPlain(f"object {number} has no end")
        return chunk[:-6].strip(b"\r\n ")

    def ref(self, body: bytes, key: bytes) -> int:
        found = re.search(re.escape(key) + rb"\s+" + _REF, body)
        if not found:
            raise NotPlain(f"no {key!r} reference")
        return int(found.group(1))

    def pages(self) -> list[Page]:
        root = self.body(self.ref(self.trailer, b"/Root"))
        tree = self.body(self.ref(root, b"/Pages"))
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", tree)
        if not kids:
            raise NotPlain("no page list")
        pages = []
        for found in re.finditer(_REF, kids.group(1)):
            number = int(found.group(1))
            body = self.body(number)
            if not re.search(rb"/Type\s*/Page\b", body):
                raise NotPlain("nested page tree")
            box = re.search(rb"/MediaBox\s*\[([^\]]*)\]", body) or re.search(
                rb"/MediaBox\s*\[([^\]]*)\]", tree
            )
            if not box:
                raise NotPlain("no media box")
            x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
            form = re.search(rb"/XObject\s*<<\s*/BkPage\s+" + _REF + rb"\s*>>", body)
            pages.append(Page(number, x1 - x0, y1 - y0, int(form.group(1)) if form else None))
        return pages


def dict_part(body: bytes) -> int:
    """Where an object's dictionary ends (before ``stream``); the whole body if not a dictionary."""
    if not body.startswith(b"<<"):
        return len(body)
    depth = 0
    for token in _TOKEN.finditer(body):
        if token.group(0) == b"<<":
            depth += 1
        elif token.group(0) == b">>":
            depth -= 1
            if depth == 0:
                return token.end()
    raise NotPlain("unbalanced dictionary")


def renumber(body: bytes, mapping: dict[int, int]) -> bytes:
    """``body`` with the references in its dictionary part renumbered by ``mapping``."""
    end = dict_part(body)

    def sub(token: re.Match[bytes]) -> bytes:
        if token.group(1) is None:
            return token.group(0)
        return b"%d 0 R" % mapping[int(token.group(1))]

    return _TOKEN.sub(sub, body[:end]) + body[end:]


def references(body: bytes) -> Iterable[int]:
    for token in _TOKEN.finditer(body, 0, dict_part(body)):
        if token.group(1) is not None:
            yield int(token.group(1))


class Joiner:
    """Copies objects from source files into a new numbering that starts after ``base``'s."""

    def __init__(self, base: RawPdf) -> None:
        self.base = base
        self.next = base.size
        self.added: list[bytes] = []  # bodies of objects numbered base.size, base.size + 1 …
        self._maps: dict[int, dict[int, int]] = {}  # id(source) → its numbers → new numbers
        self._stamps: list[RawPdf] = []

    def add(self, body: bytes) -> int:
        self.added.append(body)
        self.next += 1
        return self.next - 1

    def copy(self, source: RawPdf, number: int) -> int:
        """``number`` of ``source`` and everything it refers to; returns its new number."""
        mapping = self._maps.setdefault(id(source), {})
        if number in mapping:
            return mapping[number]
        todo, seen = [number], list[int]()
        while todo:  # number everything reachable first, then copy (references may form cycles)
            n = todo.pop()
            if n in mapping:
                continue
            mapping[n] = self.next + len(seen)
            seen.append(n)
            todo.extend(r for r in references(source.body(n)) if r not in mapping)
        for n in seen:
            self.add(renumber(source.body(n), mapping))
        return mapping[number]

    def write(self, replaced: dict[int, bytes]) -> bytes:
        """The base file with ``replaced`` object bodies and the added objects, one xref table."""
        base = self.base
        header_end = base.data.index(b"\n", base.data.index(b"\n") + 1) + 1  # version + binary comment
        out = bytearray(base.data[:header_end])
        offsets = []
        for number in range(1, self.next):
            offsets.append(len(out))
            body = replaced.get(number) or (
                base.body(number) if number < base.size else self.added[number - base.size]
            )
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % self.next
        out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
        trailer = re.sub(rb"/Size\s+\d+", b"/Size %d" % self.next, base.trailer.strip())
        out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


def bind(
    drawn: bytes,
    slots: list[tuple[int, RawPdf, int]],
    *,
    stamps: Sequence[tuple[RawPdf, Sequence[int]]] = (),
) -> bytes:
    """``drawn`` (fpdf2 output) with, for each ``(page index, source, form number)``, the
    source's Form XObject placed UNDER that page's content; and for each ``(stamp, over)``, page
    ``over[n]`` of ``stamp`` (-1: none) laid OVER page ``n`` (a watermark drawn once instead of
    on every page), in that order."""
    base = RawPdf(drawn)
    if len(base.offsets) != base.size - 1:
        raise NotPlain("gaps in the numbering")
    if not slots and not stamps:
        return drawn
    pages = base.pages()
    join = Joiner(base)
    replaced: dict[int, bytes] = {}
    forms = [_stamp_forms(join, stamp) for stamp, _over in stamps]
    under = join.add(_draw(b"/BkSlot")) if slots else 0
    slot_of = {index: (source, form) for index, source, form in slots}
    for index, page in enumerate(pages):
        names, before, after = b"", b"", b""
        if index in slot_of:
            names += b"/BkSlot %d 0 R " % join.copy(*slot_of[index])
            before = b"%d 0 R " % under
        for n, (_stamp, over) in enumerate(stamps):
            if index < len(over) and over[index] >= 0:
                form, content = forms[n][over[index]]
                names += b"/BkStamp%d %d 0 R " % (n, form)
                after += b" %d 0 R" % content
        if not names:
            continue
        body = base.body(page.number)
        resources = base.body(base.ref(body, b"/Resources"))
        if b"/XObject" in resources:
            resources = re.sub(rb"/XObject\s*<<", b"/XObject <<" + names, resources, count=1)
        else:
            resources = b"<</XObject <<" + names + b">>\n" + resources[2:]
        new_resources = join.add(resources)
        body, n = re.subn(rb"/Resources\s+" + _REF, b"/Resources %d 0 R" % new_resources, body, count=1)
        body, m = re.subn(
            rb"/Contents\s+" + _REF, b"/Contents [" + before + rb"\1 0 R" + after + b"]", body, count=1
        )
        if not (n and m):
            raise NotPlain("page without resources or content reference")
        replaced[page.number] = body
    return join.write(replaced)


def _stamp_forms(join: Joiner, stamp: RawPdf) -> list[tuple[int, int]]:
    """Each page of ``stamp`` as a Form XObject in ``join``, with a content stream that draws
    it: [(form, content stream)] in page order."""
    forms = []
    name = b"/BkStamp%d" % len(join._stamps)
    join._stamps.append(stamp)
    for page in stamp.pages():
        body = stamp.body(page.number)
        content = join.copy(stamp, stamp.ref(body, b"/Contents"))
        form = b"<</Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] /Resources %d 0 R\n" % (
            page.width,
            page.height,
            join.copy(stamp, stamp.ref(body, b"/Resources")),
        )
        join.added[content - join.base.size] = form + join.added[content - join.base.size][2:]
        forms.append((content, join.add(_draw(name))))
    return forms


def _draw(name: bytes) -> bytes:
    """A content stream that paints the XObject ``name`` in a graphics state of its own."""
    ops = b"q %s Do Q" % name
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops) + 1, ops)
