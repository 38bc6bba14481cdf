"""Uploaded documents made ready to be bound into a book: clean A4 pages, one Form XObject each.

Generic: knows PDF and images, nothing about meetings. :func:`prepare` turns a PDF or an image
into a new PDF in which

* every page is A4 — portrait, or landscape when the content is landscape once its ``/Rotate``
  is taken into account — with the content fitted (aspect kept, centred) into the area above
  a footer band of :data:`FOOTER_BAND_MM`, so a book can print its footer there;
* each page's content is ONE Form XObject (named :data:`FORM`) carrying the fitting in its
  ``/Matrix``; a book places it under its own drawing with a reference, never parsing content;
* nothing active survives: only page content and its resources are copied, so JavaScript,
  open actions, embedded files, annotations (visible ones are flattened into the content
  first), forms' XFA and outlines are left behind.

A file that cannot be used gives ``Prepared(None, 1, reason)`` — never an exception — so one
bad file costs its reader a placeholder page, not the whole book. Bump :data:`RECIPE` when the
result changes, so cached preparations of older recipes are redone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from boardkit.core.i18n import _
from boardkit.core.pdf import image as pdfimage

RECIPE = 1
FOOTER_BAND_MM = 12.0
MAX_PAGES = 2000
FORM = "/BkPage"

PT_PER_MM = 72 / 25.4
A4_W, A4_H = 210 * PT_PER_MM, 297 * PT_PER_MM
BAND = FOOTER_BAND_MM * PT_PER_MM
HIDDEN, NO_VIEW = 2, 32  # annotation flags
UNFLATTENED = {"/Link", "/Popup", "/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia"}

Matrix = tuple[float, float, float, float, float, float]


class PdfLocked(Exception):
    """The PDF is encrypted with a password we do not have."""


@dataclass(frozen=True)
class Prepared:
    pdf: bytes | None  # None: the file cannot be shown; ``problem`` says why
    pages: int
    problem: str = ""


def check_pdf(data: bytes) -> None:
    """Raise :class:`PdfLocked` when the PDF needs a password to open (an empty one is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if not reader.is_encrypted:
                return
        except Exception:  # not readable at all: not our question here; prepare() will say so
            return
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # an encryption pypdf cannot open is as good as locked
            raise PdfLocked() from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise PdfLocked()


def prepare(data: bytes, content_type: str) -> Prepared:
    """``data`` as A4 pages of one Form XObject each; never raises for bad input."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "application/pdf" or data[:1024].lstrip().startswith(b"%PDF"):
                return _prepare_pdf(data)
            if kind.startswith("image/"):
                image = pdfimage.image_pdf(data)
                if isinstance(image, str):
                    return Prepared(None, 1, image)
                return _prepare_pdf(image)
    except Exception:  # pypdf and Pillow raise many kinds on broken files
        return Prepared(None, 1, _("Filen er beskadiget og kan ikke læses."))
    return Prepared(None, 1, _("Filtypen kan ikke vises som sider."))


def _prepare_pdf(data: bytes) -> Prepared:
    reader = PdfReader(BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = PasswordType.NOT_DECRYPTED
        if opened == PasswordType.NOT_DECRYPTED:
            return Prepared(None, 1, _("Filen er beskyttet med en adgangskode."))
    count = len(reader.pages)
    if count == 0:
        return Prepared(None, 1, _("Filen har ingen sider."))
    if count > MAX_PAGES:
        return Prepared(None, 1, _("Filen har over %(max)s sider.", max=MAX_PAGES))
    writer = PdfWriter()
    writer.pdf_header = "%PDF-1.7"
    draw = writer._add_object(_stream(f"{FORM} Do".encode()))
    for page in reader.pages:
        form, width, height = place(page, writer)
        target = writer.add_blank_page(width, height)
        target[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject(FORM): form})}
        )
        target[NameObject("/Contents")] = draw
    out = BytesIO()
    writer.write(out)
    return Prepared(out.getvalue(), count)


def place(page: DictionaryObject, writer: PdfWriter) -> tuple[IndirectObject, float, float]:
    """``page``'s content as a Form XObject in ``writer``, fitted to A4 above the footer band;
    returns the form and the A4 page size (points) it is fitted to. A page prepared before
    (its content one :data:`FORM`) is cloned as it is: the cheap path a book takes."""
    resources = _resolve(page.get("/Resources"))
    xobjects = _resolve(resources.get("/XObject")) if isinstance(resources, DictionaryObject) else None
    if isinstance(xobjects, DictionaryObject) and FORM in xobjects and len(xobjects) == 1:
        box = _box(page)
        ref = xobjects.raw_get(FORM)
        if isinstance(ref, IndirectObject):
            return ref.clone(writer), box[2] - box[0], box[3] - box[1]
    return _fit(page, writer)


def _fit(page: DictionaryObject, writer: PdfWriter) -> tuple[IndirectObject, float, float]:
    x0, y0, x1, y1 = _box(page)
    w, h = x1 - x0, y1 - y0
    rotate = int(_resolve(page.get("/Rotate")) or 0) % 360
    rotate = rotate if rotate in (90, 180, 270) else 0
    shown_w, shown_h = (h, w) if rotate in (90, 270) else (w, h)
    width, height = (A4_H, A4_W) if shown_w > shown_h else (A4_W, A4_H)
    scale = min(width / shown_w, (height - BAND) / shown_h)
    tx = (width - scale * shown_w) / 2
    ty = BAND + (height - BAND - scale * shown_h) / 2
    # The rotation /Rotate shows (clockwise), as a map from the box (moved to 0,0) to the shown page.
    a, b, c, d, e, f = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, -1, 1, 0, 0, w),
        180: (-1, 0, 0, -1, w, h),
        270: (0, 1, -1, 0, h, 0),
    }[rotate]
    matrix = (
        scale * a,
        scale * b,
        scale * c,
        scale * d,
        scale * (e - a * x0 - c * y0) + tx,
        scale * (f - b * x0 - d * y0) + ty,
    )
    content = _content_form(page, writer, (x0, y0, x1, y1))
    annotations = _appearances(page, writer)
    if annotations:
        # Content and the annotations' appearances side by side in one outer form.
        names = {NameObject("/BkC"): content}
        ops = [b"/BkC Do"]
        for n, (ref, cm) in enumerate(annotations):
            names[NameObject(f"/BkA{n}")] = ref
            ops.append(b"q %s cm /BkA%d Do Q" % (_nums(cm), n))
        outer = _stream(b"\n".join(ops))
        outer[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(names)})
        _make_form(outer, (x0, y0, x1, y1), matrix)
        return writer._add_object(outer), width, height
    form = content.get_object()
    assert isinstance(form, StreamObject)
    form[NameObject("/Matrix")] = _array(matrix)
    return content, width, height


def _content_form(page: DictionaryObject, writer: PdfWriter, box: tuple[float, ...]) -> IndirectObject:
    """The page's content stream(s) and resources as a form in ``writer``; a single stream keeps
    its encoded bytes (no decoding), several are decoded and joined."""
    contents = _resolve(page.get("/Contents"))
    form = StreamObject()
    if isinstance(contents, StreamObject):
        form.set_data(contents._data)
        for key in ("/Filter", "/DecodeParms"):
            if key in contents:
                form[NameObject(key)] = contents.raw_get(key).clone(writer)
    elif isinstance(contents, ArrayObject):
        parts = [part.get_object().get_data() for part in contents]
        form = _stream(b"\n".join(parts)).flate_encode()
    resources = page.get("/Resources")
    if resources is not None:
        form[NameObject("/Resources")] = resources.clone(writer, ignore_fields=("/Parent",))
    group = page.get("/Group")
    if group is not None and isinstance(_resolve(group), DictionaryObject):
        form[NameObject("/Group")] = group.clone(writer)
    _make_form(form, box, None)
    return writer._add_object(form)


def _appearances(page: DictionaryObject, writer: PdfWriter) -> list[tuple[IndirectObject, Matrix]]:
    """Visible annotations' normal appearances, each with the matrix that puts it on its /Rect."""
    found: list[tuple[IndirectObject, Matrix]] = []
    annots = _resolve(page.get("/Annots"))
    if not isinstance(annots, ArrayObject):
        return found
    for entry in annots:
        annot = _resolve(entry)
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") in UNFLATTENED:
            continue
        if int(_resolve(annot.get("/F")) or 0) & (HIDDEN | NO_VIEW):
            continue
        ap = _resolve(_resolve(annot.get("/AP")) or DictionaryObject()).get("/N")
        normal = _resolve(ap)
        if isinstance(normal, DictionaryObject) and not isinstance(normal, StreamObject):
            ap = normal.get(annot.get("/AS", "/Off"))
            normal = _resolve(ap)
        if not isinstance(normal, StreamObject) or not isinstance(ap, IndirectObject):
            continue
        try:
            rect = [float(v) for v in _resolve(annot["/Rect"])]
            bbox = [float(v) for v in _resolve(normal["/BBox"])]
            m = [float(v) for v in _resolve(normal.get("/Matrix")) or (1, 0, 0, 1, 0, 0)]
        except (KeyError, TypeError, ValueError):
            continue
        xs, ys = [], []
        for x, y in ((bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[3])):
            xs.append(m[0] * x + m[2] * y + m[4])
            ys.append(m[1] * x + m[3] * y + m[5])
        bw, bh = max(xs) - min(xs), max(ys) - min(ys)
        rx0, ry0, rx1, ry1 = (
            min(rect[0], rect[2]),
            min(rect[1], rect[3]),
            max(rect[0], rect[2]),
            max(rect[1], rect[3]),
        )
        if bw <= 0 or bh <= 0 or rx1 <= rx0 or ry1 <= ry0:
            continue
        sx, sy = (rx1 - rx0) / bw, (ry1 - ry0) / bh
        found.append((ap.clone(writer), (sx, 0.0, 0.0, sy, rx0 - min(xs) * sx, ry0 - min(ys) * sy)))
    return found


def _make_form(form: StreamObject, box: tuple[float, ...], matrix: Matrix | None) -> None:
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = _array(box)
    if matrix is not None:
        form[NameObject("/Matrix")] = _array(matrix)


def _box(page: DictionaryObject) -> tuple[float, float, float, float]:
    """The visible box (CropBox, else MediaBox) normalised; A4 when neither makes sense."""
    for key in ("/CropBox", "/MediaBox"):
        try:
            x0, y0, x1, y1 = (float(v) for v in _resolve(page[key]))
        except (KeyError, TypeError, ValueError):
            continue
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            return x0, y0, x1, y1
    return 0.0, 0.0, A4_W, A4_H


def _resolve(obj: PdfObject | None) -> Any:
    """The object behind a reference (pypdf's objects are loosely typed: callers check)."""
    return obj.get_object() if obj is not None else None


def _stream(data: bytes) -> StreamObject:
    stream = StreamObject()
    stream.set_data(data)
    return stream


def _array(values: tuple[float, ...]) -> ArrayObject:
    return ArrayObject(NumberObject(v) if float(v).is_integer() else FloatObject(round(v, 5)) for v in values)


def _nums(values: Matrix) -> bytes:
    return " ".join(f"{v:.5f}".rstrip("0").rstrip(".") or "0" for v in values).encode()
