"""Binding a book with pikepdf (qpdf): prepared pages under the drawn ones, stamps over them.

The drawn pages (fpdf2's output) are opened with pikepdf; a prepared page's single Form XObject
(:data:`boardkit.core.pdf.prep.FORM`) is copied in from its source with everything it refers to
(once per source page) and painted UNDER the page's own content, and each stamp page (a
watermark, the late texts) becomes a Form XObject painted OVER it. A page gets a resource
dictionary of its own naming those forms and a content array around its own stream; no content
stream is ever decoded. :func:`read` checks a prepared PDF and gives the sizes of its pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name

from boardkit.core.pdf.prep import FORM


class Unusable(Exception):
    """Not a PDF whose every page is one prepared Form XObject."""


@dataclass(frozen=True)
class Page:
    width: float
    height: float


def read(data: bytes) -> list[Page]:
    """The pages of a prepared PDF; :class:`Unusable` if it is not one (or not a PDF at all)."""
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            pages = []
            for page in pdf.pages:
                xobjects = page.obj.get("/Resources", Dictionary()).get("/XObject", Dictionary())
                if FORM not in xobjects:
                    raise Unusable("a page without its prepared form")
                x0, y0, x1, y1 = (float(v) for v in page.mediabox)
                pages.append(Page(abs(x1 - x0), abs(y1 - y0)))
    except (pikepdf.PdfError, ValueError, TypeError, KeyError) as exc:
        raise Unusable(str(exc)) from exc
    if not pages:
        raise Unusable("no pages")
    return pages


def bind(
    drawn: bytes,
    slots: Sequence[tuple[int, bytes, int]],
    *,
    stamps: Sequence[tuple[bytes, Sequence[int]]] = (),
) -> bytes:
    """``drawn`` with, for each ``(page index, source, source page index)``, that page's prepared
    Form XObject placed UNDER the page's content; and for each ``(stamp, over)``, page
    ``over[n]`` of ``stamp`` (-1: none) laid OVER page ``n`` (a watermark drawn once instead of
    on every page), in that order."""
    if not slots and not stamps:
        return drawn
    opened: dict[int, pikepdf.Pdf] = {}  # id(source bytes) → the source, open while binding
    try:
        # fpdf2 and prepare() put the resources on every page: nothing to inherit from the tree.
        with pikepdf.open(BytesIO(drawn), inherit_page_attributes=False) as book:
            copied: dict[tuple[int, int], pikepdf.Object] = {}
            under = book.make_stream(b"q /BkSlot Do Q")
            forms = [_stamp_forms(book, stamp, n, opened) for n, (stamp, _over) in enumerate(stamps)]
            slot_of = {index: (source, n) for index, source, n in slots}
            for index, page in enumerate(book.pages):
                names: dict[str, pikepdf.Object] = {}
                before: list[pikepdf.Object] = []
                after: list[pikepdf.Object] = []
                if index in slot_of:
                    source, n = slot_of[index]
                    key = (id(source), n)
                    if key not in copied:
                        pdf = _open(source, opened)
                        copied[key] = book.copy_foreign(pdf.pages[n].obj.Resources.XObject[FORM])
                    names["/BkSlot"] = copied[key]
                    before.append(under)
                for k, (_stamp, over) in enumerate(stamps):
                    if index < len(over) and over[index] >= 0:
                        form, content = forms[k][over[index]]
                        names[f"/BkStamp{k}"] = form
                        after.append(content)
                if names:
                    _wrap(page.obj, names, before, after)
            out = BytesIO()
            book.save(out, deterministic_id=True)
            return out.getvalue()
    finally:
        for pdf in opened.values():
            pdf.close()


def _open(data: bytes, opened: dict[int, pikepdf.Pdf]) -> pikepdf.Pdf:
    pdf = opened.get(id(data))
    if pdf is None:
        pdf = opened[id(data)] = pikepdf.open(BytesIO(data), inherit_page_attributes=False)
    return pdf


def _wrap(
    page: pikepdf.Object,
    names: dict[str, pikepdf.Object],
    before: list[pikepdf.Object],
    after: list[pikepdf.Object],
) -> None:
    """Give ``page`` resources of its own with ``names`` among its XObjects (fpdf2's pages share
    one resource dictionary) and its content between ``before`` and ``after``."""
    resources = Dictionary({k: v for k, v in page.Resources.items()})
    xobjects = Dictionary({k: v for k, v in resources.get("/XObject", Dictionary()).items()})
    for name, form in names.items():
        xobjects[name] = form
    resources[Name.XObject] = xobjects
    page.Resources = resources
    contents = page.Contents
    own = list(contents) if isinstance(contents, Array) else [contents]
    page.Contents = Array([*before, *own, *after])


def _stamp_forms(
    book: pikepdf.Pdf, stamp: bytes, n: int, opened: dict[int, pikepdf.Pdf]
) -> list[tuple[pikepdf.Object, pikepdf.Object]]:
    """Each page of ``stamp`` as a Form XObject in ``book``, with a content stream that draws
    it: [(form, content stream)] in page order."""
    pdf = _open(stamp, opened)
    draw = book.make_stream(b"q /BkStamp%d Do Q" % n)
    return [(book.copy_foreign(page.as_form_xobject()), draw) for page in pdf.pages]
