"""The one way to answer with a file: :func:`file_response` for bytes, a stored file or a file
written on the fly (:func:`spooled_file_response`).

Every file gets an RFC 6266 name (an ASCII fallback and the real UTF-8 name), ``nosniff`` and a
cache rule, and answers HTTP Range requests (206 with ``Content-Range``, 416 for a range beyond the
end), so a tablet can resume a pack download and a player can seek. A file on disk is streamed by
Starlette's ``FileResponse`` (which also answers several ranges at once); bytes in memory answer a
single range, and a request for several gets the whole file, as RFC 9110 allows.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

PRIVATE = "private, no-cache"
# Letters NFKD cannot take apart, spelt the way Danes write them without the letter.
_SPELT_OUT = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "ß": "ss"})
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def disposition(filename: str, *, inline: bool) -> str:
    """A Content-Disposition with an ASCII fallback name ("Mødemappe" → "Moedemappe") and the real
    one (RFC 6266)."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename.translate(_SPELT_OUT)).encode("ascii", "ignore").decode()
    )
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\;') or "fil"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    data: bytes | Path,
    media_type: str,
    filename: str,
    *,
    inline: bool = False,
    cache: str = PRIVATE,
    etag: str = "",
    headers: Mapping[str, str] | None = None,
    background: BackgroundTask | None = None,
) -> Response:
    """``data`` (bytes, or a file on disk) as a download, or shown in the browser (``inline``),
    never sniffed as anything else; ``etag`` (unquoted) lets a client resume with If-Range."""
    all_headers = {
        "Content-Disposition": disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": cache,
        **({"ETag": f'"{etag}"'} if etag else {}),
        **(headers or {}),
    }
    if isinstance(data, Path):
        return FileResponse(data, media_type=media_type, headers=all_headers, background=background)
    return BytesFile(data, media_type=media_type, headers=all_headers, background=background)


def spooled_file_response(
    write: Callable[[BinaryIO], None], media_type: str, filename: str, *, inline: bool = False
) -> Response:
    """A download written by ``write`` into a temporary file and streamed from there (a big PDF is
    not held in memory a second time); the file is removed once sent."""
    with tempfile.NamedTemporaryFile(prefix="boardkit-", delete=False) as out:
        try:
            write(cast(BinaryIO, out))
        except BaseException:
            os.unlink(out.name)
            raise
    return file_response(
        Path(out.name), media_type, filename, inline=inline, background=BackgroundTask(os.unlink, out.name)
    )


class BytesFile(Response):
    """Bytes that answer a single HTTP Range (the whole file for no range, several ranges, or an
    If-Range that no longer matches)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.status_code == 200:
            self._apply_range(Headers(scope=scope))
        await super().__call__(scope, receive, send)

    def _apply_range(self, request: Headers) -> None:
        self.headers["Accept-Ranges"] = "bytes"
        wanted = _RANGE.match(request.get("range", "").replace(" ", ""))
        if_range = request.get("if-range")
        if wanted is None or (if_range is not None and if_range != self.headers.get("etag")):
            return
        size = len(self.body)
        first, last = wanted.groups()
        if not first and not last:
            return
        if not first:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            self.status_code = 416
            self.body = b""
            self.headers["Content-Range"] = f"bytes */{size}"
        else:
            self.status_code = 206
            self.body = self.body[start : end + 1]
            self.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        self.headers["Content-Length"] = str(len(self.body))
