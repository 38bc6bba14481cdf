"""Videos for the onboarding modules, checked by their content with PyAV (FFmpeg):
:func:`probe` says whether an upload is a video a browser plays (MP4 with H.264 and AAC, or WebM
with VP8, VP9 or AV1 and Opus or Vorbis) and measures it, :func:`poster` draws a frame for the
player's poster, :func:`make_demo_video` and :func:`make_demo_captions` make the demo's video.

A file is judged by its first bytes before FFmpeg sees it, so a PDF or a text file named ``.mp4``
never reaches a demuxer, and it is then opened with the demuxer of the container it claims to be.
Nothing here decodes a whole file: the headers, the first frame and for the poster a few frames
after one seek.

Every function is synchronous and blocking (file I/O and FFmpeg): run it off the event loop, in
a job or with ``run_in_threadpool``.
"""

from __future__ import annotations

import array
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
from PIL import Image, ImageDraw, ImageFont

from boardkit.core.i18n import _
from boardkit.core.pdf import FONTS_DIR
from boardkit.onboarding.captions import format_timestamp

MAX_VIDEO_BYTES = 1024**3
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
VIDEO_CODECS = {"mp4": frozenset({"h264"}), "webm": frozenset({"vp8", "vp9", "av1"})}
AUDIO_CODECS = {"mp4": frozenset({"aac"}), "webm": frozenset({"opus", "vorbis"})}
# ISO base media files whose brand says they are pictures, not videos (HEIF, AVIF).
IMAGE_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"})
POSTER_AT = 1.0  # seconds: the poster shows 10 % into the video, but no later than this
POSTER_MAX_FRAMES = 48  # decoded after the seek before the frame at hand is taken
POSTER_QUALITY = 82
DEMO_FONT = FONTS_DIR / "IBMPlexSans-Regular.ttf"
DEMO_RATE = 48_000
DEMO_TONE = 480  # Hz: a whole period every 100 samples

Container = Literal["mp4", "webm"]
ErrorCode = Literal["too_large", "not_video", "unreadable", "no_video_stream", "unsupported_codec"]


class MediaError(Exception):
    """A file that is not a video the onboarding can show. ``message`` is for the user (Danish,
    translated); ``code`` for the program: ``too_large``, ``not_video`` (not MP4 or WebM by its
    content), ``unreadable`` (looks like one but FFmpeg cannot read it, e.g. cut short),
    ``no_video_stream`` or ``unsupported_codec``."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message, code)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VideoInfo:
    container: Container
    content_type: str  # video/mp4 or video/webm
    video_codec: str  # h264, vp8, vp9, av1
    audio_codec: str | None  # aac, opus, vorbis; None without sound
    duration: float  # seconds
    width: int
    height: int


def sniff(head: bytes) -> Container | None:
    """The container the first bytes of a file announce: ``mp4`` for an ISO base media file (an
    ``ftyp`` box first, not a picture's brand), ``webm`` for an EBML header with the doctype
    ``webm``; None for anything else (Matroska included: browsers do not play it)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return None if head[8:12] in IMAGE_BRANDS else "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if _ebml_doctype(head) == b"webm" else None
    return None


def probe(path: Path) -> VideoInfo:
    """What the video at ``path`` is, or a :class:`MediaError` when it is none the onboarding
    shows. Reads the headers and decodes the first video frame only."""
    container = _check_file(path)
    with _open(path, container) as media:
        if not media.streams.video:
            raise MediaError(_("Filen indeholder ingen videospor."), "no_video_stream")
        stream = media.streams.video[0]
        video_codec = _codec_name(stream)
        if video_codec not in VIDEO_CODECS[container]:
            raise MediaError(_unsupported(container, video_codec), "unsupported_codec")
        audio_codec = None
        for audio in media.streams.audio:
            name = _codec_name(audio)
            if name not in AUDIO_CODECS[container]:
                raise MediaError(_unsupported(container, name), "unsupported_codec")
            audio_codec = audio_codec or name
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height or _first_frame(media, stream) is None:
            raise MediaError(_unreadable(), "unreadable")
        duration = _duration(media, stream)
    return VideoInfo(
        container=container,
        content_type=CONTENT_TYPES[container],
        video_codec=video_codec,
        audio_codec=audio_codec,
        duration=duration,
        width=width,
        height=height,
    )


def poster(path: Path, *, at: float | None = None, max_width: int = 1280) -> bytes:
    """A JPEG of the frame at ``at`` seconds (by default 10 % into the video, at most
    :data:`POSTER_AT` seconds), no wider than ``max_width``. Seeks to the keyframe before and
    decodes forward at most :data:`POSTER_MAX_FRAMES` frames."""
    container = _check_file(path)
    with _open(path, container) as media:
        if not media.streams.video:
            raise MediaError(_("Filen indeholder ingen videospor."), "no_video_stream")
        stream = media.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        if at is None:
            at = min(_duration(media, stream) * 0.1, POSTER_AT)
        frame = _frame_at(media, stream, at) if at > 0 else None
        if frame is None:  # at the start, or the seek found nothing
            media.seek(0)
            frame = _first_frame(media, stream)
        if frame is None:
            raise MediaError(_unreadable(), "unreadable")
        image = frame.to_image()
        ratio = stream.sample_aspect_ratio
    width, height = image.size
    if ratio and ratio != 1:  # anamorphic: pixels are not square
        width = round(width * ratio)
    if width > max_width:
        width, height = max_width, round(height * max_width / width)
    if (width, height) != image.size:
        image = image.resize((width, max(height, 1)), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=POSTER_QUALITY)
    return out.getvalue()


def make_demo_video(
    path: Path,
    *,
    seconds: float,
    lines: list[str],
    size: tuple[int, int] = (640, 360),
    fps: int = 15,
) -> None:
    """A small MP4 (H.264 in yuv420p, a quiet AAC tone, the index first) showing ``lines`` of
    text on a plain background with a bar that fills as it plays."""
    width, height = size
    frames = max(round(seconds * fps), 1)
    background = _demo_picture(lines, size)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "30"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = 2 * fps
        audio = out.add_stream("aac", rate=DEMO_RATE)
        audio.codec_context.layout = "mono"
        audio.codec_context.bit_rate = 32_000
        for index in range(frames):
            picture = background.copy()
            bar = round(width * (index + 1) / frames)
            ImageDraw.Draw(picture).rectangle((0, height - 8, bar, height), fill=(242, 201, 76))
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for frame in _tone(seconds, audio.codec_context.frame_size or 1024):
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))


def make_demo_captions(cues: list[tuple[float, float, str]]) -> str:
    """A WebVTT file of ``(start, end, text)`` cues. The text is escaped (``&``, ``<``, ``>``),
    blank lines in it are dropped and ``-->`` becomes an arrow, so the file is always valid for
    :func:`~boardkit.onboarding.captions.parse_vtt` when the times are."""
    blocks = ["WEBVTT"]
    for start, end, text in cues:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("--&gt;", "→")
        payload = [line.strip() for line in escaped.splitlines() if line.strip()] or ["…"]
        blocks.append(f"{format_timestamp(start)} --> {format_timestamp(end)}\n" + "\n".join(payload))
    return "\n\n".join(blocks) + "\n"


def _check_file(path: Path) -> Container:
    size = path.stat().st_size
    if size > MAX_VIDEO_BYTES:
        raise MediaError(
            _("Videoen er for stor. Den må højst fylde %(size)s.", size=_size_text(MAX_VIDEO_BYTES)),
            "too_large",
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    container = sniff(head)
    if container is None:
        raise MediaError(_("Filen er ikke en video i formatet MP4 eller WebM."), "not_video")
    return container


@contextmanager
def _open(path: Path, container: Container) -> Iterator[Any]:
    """The file opened with the demuxer of its container (never FFmpeg's guess)."""
    try:
        media = av.open(str(path), format=container, metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        raise MediaError(_unreadable(), "unreadable") from None
    try:
        yield media
    except av.FFmpegError:
        raise MediaError(_unreadable(), "unreadable") from None
    finally:
        media.close()


def _codec_name(stream: Any) -> str:
    """The format's name of a stream's codec (``av1``, not the decoder's ``libdav1d``)."""
    return str(stream.codec_context.codec.canonical_name)


def _duration(media: Any, stream: Any) -> float:
    if media.duration:
        return float(media.duration / av.time_base)
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    # A recording without a duration in its header (as browsers write WebM): the last packet's
    # end, found by reading the packets without decoding them.
    end = 0.0
    for packet in media.demux(stream):
        if packet.pts is not None and packet.time_base:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end


def _first_frame(media: Any, stream: Any) -> Any:
    for frame in media.decode(stream):
        return frame
    return None


def _frame_at(media: Any, stream: Any, at: float) -> Any:
    """The first frame at or after ``at`` seconds, or the last one decoded when it takes more than
    :data:`POSTER_MAX_FRAMES` frames or the video ends before."""
    time_base = stream.time_base or Fraction(1, av.time_base)
    start = stream.start_time or 0
    try:
        media.seek(start + int(at / time_base), stream=stream, backward=True, any_frame=False)
    except av.FFmpegError:
        return None
    frame = None
    for count, frame in enumerate(media.decode(stream), start=1):
        if frame.time is None or frame.time >= at - 0.001 or count >= POSTER_MAX_FRAMES:
            break
    return frame


def _demo_picture(lines: list[str], size: tuple[int, int]) -> Image.Image:
    width, height = size
    picture = Image.new("RGB", size, (22, 58, 89))
    draw = ImageDraw.Draw(picture)
    text_size = max(height // 12, 10)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(str(DEMO_FONT), text_size)
    except OSError:
        font = ImageFont.load_default(text_size)
    spacing = round(text_size * 1.5)
    top = (height - spacing * len(lines)) // 2 + spacing // 2
    for number, line in enumerate(lines):
        draw.text((width // 2, top + number * spacing), line, font=font, fill=(255, 255, 255), anchor="mm")
    return picture


def _tone(seconds: float, frame_size: int) -> Iterator[av.AudioFrame]:
    """A quiet sine tone as mono float frames, faded in and out over the first and last frame."""
    period = DEMO_RATE // DEMO_TONE
    wave = [0.05 * math.sin(2 * math.pi * i / period) for i in range(period)]
    samples = array.array("f", wave * (frame_size // period + 2))
    count = math.ceil(seconds * DEMO_RATE / frame_size)
    for index in range(count):
        offset = index * frame_size % period
        chunk = samples[offset : offset + frame_size]
        if index in (0, count - 1):
            fade = [j / frame_size if index == 0 else 1 - j / frame_size for j in range(frame_size)]
            chunk = array.array("f", (s * f for s, f in zip(chunk, fade, strict=True)))
        frame = av.AudioFrame(format="fltp", layout="mono", samples=frame_size)
        frame.planes[0].update(chunk.tobytes())
        frame.sample_rate = DEMO_RATE
        frame.pts = index * frame_size
        yield frame


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of the EBML header at the start of ``head`` (element 0x4282), if it is there."""
    position = 4
    header = _vint(head, position)
    if header is None:
        return None
    size, position = header
    end = min(position + size, len(head))
    while position < end:
        element = _vint(head, position, keep_marker=True)
        if element is None:
            return None
        element_id, position = element
        length = _vint(head, position)
        if length is None:
            return None
        size, position = length
        if element_id == 0x4282:
            return head[position : position + size].rstrip(b"\0")
        position += size
    return None


def _vint(data: bytes, position: int, *, keep_marker: bool = False) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``position``: its value and the position after it."""
    if position >= len(data) or data[position] == 0:
        return None
    first = data[position]
    length = 8 - first.bit_length() + 1
    if position + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[position + 1 : position + length]:
        value = value << 8 | byte
    return value, position + length


def _unsupported(container: Container, codec: str) -> str:
    allowed = {
        "mp4": _("MP4 skal have video i H.264 og lyd i AAC"),
        "webm": _("WebM skal have video i VP8, VP9 eller AV1 og lyd i Opus eller Vorbis"),
    }[container]
    return _(
        "Videoen bruger formatet %(codec)s, som browsere ikke kan afspille: %(allowed)s.",
        codec=codec,
        allowed=allowed,
    )


def _size_text(size: int) -> str:
    """``1 GB``, ``500 MB``: whole units where they fit, with a decimal comma where not."""
    unit, name = (1024**3, "GB") if size >= 1024**3 else (1024**2, "MB")
    return f"{round(size / unit, 1):g} {name}".replace(".", ",")


def _unreadable() -> str:
    return _("Videoen kan ikke læses. Den er måske ikke uploadet helt eller er beskadiget.")
