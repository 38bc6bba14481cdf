"""The administration's videos: an upload checked by content (MP4 with H.264/AAC, or WebM), measured
and given a poster frame (PyAV, ``media``), stored by content; and caption tracks in WebVTT, checked
cue by cue (``captions``) — a file without the header, with a malformed or an overlapping cue is
refused with its line number.

The slow part (reading the video) is :func:`inspect`, which a page runs before its write
transaction (``core.web.prepare``); :func:`add_video` then only writes.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit, uploads
from boardkit.core.errors import TooLarge, UnsupportedType, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.onboarding import captions, media
from boardkit.onboarding.models import Caption, Video

LANGUAGES = {"da": "Dansk", "en": "English"}


@dataclass(frozen=True)
class Inspected:
    """A checked video, already in the file store: what :func:`add_video` records."""

    sha256: str
    poster_sha256: str
    info: media.VideoInfo
    size: int
    filename: str


def inspect(upload: uploads.UploadLike, *, store: FileStore, max_bytes: int) -> Inspected:
    """Check the upload by content, measure it, make its poster and store both (slow: not in a
    write transaction). 413 when too large, 415 when it is no MP4 (H.264/AAC) or WebM video."""
    path = getattr(upload, "path", None)
    size = path.stat().st_size if path is not None else len(upload.data)
    if size > max_bytes:
        raise TooLarge(
            _("Videoen er for stor. Den må højst fylde %(mb)s MB.", mb=max_bytes // (1024 * 1024)),
            code="too_large",
        )
    temporary = None
    if path is None:
        fd, name = tempfile.mkstemp(prefix="video-")
        with os.fdopen(fd, "wb") as out:
            out.write(upload.data)
        path = temporary = Path(name)
    try:
        try:
            info = media.probe(path)
            poster = media.poster(path)
        except media.MediaError as exc:
            raise UnsupportedType(exc.message, code=exc.code) from exc
        sha = store.put_file(path)
        poster_sha = store.put(poster)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    name = uploads.safe_filename(upload.filename, info.content_type)
    return Inspected(sha, poster_sha, info, size, name)


def add_video(db: Session, *, organisation_id: int, actor_id: int | None, inspected: Inspected) -> Video:
    info = inspected.info
    video = Video(
        organisation_id=organisation_id,
        sha256=inspected.sha256,
        filename=inspected.filename,
        content_type=info.content_type,
        size=inspected.size,
        duration=info.duration,
        width=info.width,
        height=info.height,
        poster_sha256=inspected.poster_sha256,
        created_by=actor_id,
    )
    db.add(video)
    db.flush()
    audit.record(
        db,
        actor_id=actor_id,
        action="onboarding.video",
        obj=video,
        organisation_id=organisation_id,
        summary=f"{video.filename}, {info.duration:.0f} s, sha256 {video.sha256}",
    )
    return video


def add_caption(
    db: Session, video: Video, *, language: str, data: bytes, store: FileStore, actor_id: int | None
) -> Caption:
    """A caption track (replacing the language's earlier one), with its text as the transcript."""
    if language not in LANGUAGES:
        raise ValidationFailed(_("Vælg et sprog."), fields={"language": _("Vælg et sprog.")})
    try:
        cues = captions.parse_vtt(data)
    except captions.CaptionError as exc:
        raise ValidationFailed(str(exc), fields={"captions": str(exc)}, code="invalid_captions") from exc
    caption = db.scalar(select(Caption).where(Caption.video_id == video.id, Caption.language == language))
    if caption is None:
        caption = Caption(video_id=video.id, language=language, label=LANGUAGES[language])
        db.add(caption)
    caption.sha256 = store.put(data)
    caption.transcript = captions.to_transcript(cues)
    db.flush()
    audit.record(
        db,
        actor_id=actor_id,
        action="onboarding.captions",
        obj=video,
        organisation_id=video.organisation_id,
        summary=f"{language}: {len(cues)} cues",
    )
    return caption
