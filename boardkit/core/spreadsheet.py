"""CSV files for Danish Excel: UTF-8 with a BOM, ``;`` between cells, CRLF, and no cell that Excel
would read as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def cell(text: str) -> str:
    """Text as Excel shows it: a leading = + - @ would start a formula, so it is quoted away."""
    text = " ".join(text.split())
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The rows under ``header``; text cells are made safe with :func:`cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
