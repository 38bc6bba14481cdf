"""WebVTT captions for the onboarding videos: :func:`parse_vtt` checks an uploaded file line by line
and returns its cues, :func:`to_transcript` turns them into the text shown below the player.

The rules are those of the WebVTT format, a little stricter where a browser would silently drop a
cue: the file is UTF-8 and begins with ``WEBVTT``; blocks are separated by blank lines (a line of
only spaces counts as blank); ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped; a cue is an
optional identifier line, a timing line ``00:01.000 --> 00:04.000 [settings]`` and at least one line
of text; its end comes after its start, and it does not begin before the previous cue has ended.
A file without any cue is refused as well.

A :class:`CaptionError` carries the message without its place (``message``) and the line it is
about (``line``; 0 for the file as a whole). ``str(error)`` is what a user reads: "Linje 7: …", or
only the message for line 0.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from boardkit.core.i18n import _

MAX_BYTES = 1024 * 1024
# A pause this long (seconds) between two cues starts a new paragraph in the transcript.
PARAGRAPH_GAP = 2.0
EXAMPLE = "00:00:01.000 --> 00:00:04.000"

_LINES = re.compile(r"\r\n|\r|\n")
_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_SKIPPED = re.compile(r"(NOTE|STYLE|REGION)(?:[ \t].*)?")
_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"[ \t]*({_TIMESTAMP})[ \t]*-->[ \t]*({_TIMESTAMP})(?:[ \t]+.*)?")
# What a timestamp looks like when it is nearly right: for the hints of :func:`_timing_hint`.
_LOOSE_TIMESTAMP = re.compile(r"(?:\d+:)?\d+:\d+[.,]\d+")
_LOOKS_TIMED = re.compile(r"[ \t]*(?:\d+:)?\d+:\d+[.,]\d+[ \t]*-")
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"^\s*<v(?:\.[^ \t>]*)?[ \t]+([^>]+)>")


class CaptionError(Exception):
    """An invalid caption file: ``message`` says what is wrong (without "Linje N:"), ``line`` where
    (1-based; 0 when it is about the whole file). ``str()`` puts the two together."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line <= 0:
            return self.message
        return _("Linje %(line)s: %(reason)s", line=self.line, reason=self.message)


@dataclass(frozen=True)
class Cue:
    """One caption: shown from ``start`` to ``end`` (seconds); ``text`` is its payload as written
    (lines joined by newlines, tags kept); ``line`` is the line of its timing."""

    start: float
    end: float
    text: str
    line: int
    identifier: str = ""


def parse_vtt(data: bytes | str) -> list[Cue]:
    """The cues of a WebVTT file, or a :class:`CaptionError` for the first thing that is wrong."""
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if isinstance(data, str) and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise CaptionError(_too_large(), 0)
    lines = _LINES.split(text)
    if not _HEADER.fullmatch(lines[0]):
        raise CaptionError(_("filen skal begynde med WEBVTT på første linje."), 1)
    cues: list[Cue] = []
    for first, block in _blocks(lines):
        if first == 1:  # the header block: "WEBVTT" and perhaps lines of metadata
            for number, line in enumerate(block[1:], start=2):
                if "-->" in line:
                    raise CaptionError(
                        _("der skal være en tom linje mellem WEBVTT og den første undertekst."), number
                    )
            continue
        if _SKIPPED.fullmatch(block[0]):
            continue
        cue = _cue(first, block)
        if cues and cue.start < cues[-1].end:
            previous = cues[-1]
            raise CaptionError(
                _(
                    "underteksten begynder %(start)s, før den forrige undertekst (linje %(previous)s) "
                    "slutter %(end)s. Undertekster må ikke overlappe.",
                    start=format_timestamp(cue.start),
                    previous=previous.line,
                    end=format_timestamp(previous.end),
                ),
                cue.line,
            )
        cues.append(cue)
    if not cues:
        raise CaptionError(_("Filen indeholder ingen undertekster."), 0)
    return cues


def to_transcript(cues: Iterable[Cue]) -> str:
    """The cues as plain text in paragraphs (separated by a blank line): a new paragraph after a
    pause of :data:`PARAGRAPH_GAP` seconds or when the speaker (``<v Navn>``) changes, whose name
    then begins the paragraph. Tags are removed and character references (``&amp;``) resolved: the
    result is plain text, to be escaped where it is shown as HTML."""
    paragraphs: list[list[str]] = []
    previous_end: float | None = None
    speaker: str | None = None
    for cue in cues:
        voice = _VOICE.match(cue.text)
        cue_speaker = voice.group(1).strip() if voice else None
        words = " ".join(_plain(line) for line in cue.text.split("\n"))
        words = " ".join(words.split())
        if not words:
            continue
        new_speaker = cue_speaker is not None and cue_speaker != speaker
        if (
            not paragraphs
            or new_speaker
            or (previous_end is not None and cue.start - previous_end >= PARAGRAPH_GAP)
        ):
            paragraphs.append([f"{cue_speaker}: {words}" if cue_speaker else words])
        else:
            paragraphs[-1].append(words)
        speaker = cue_speaker if cue_speaker is not None else speaker
        previous_end = cue.end
    return "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)


def format_timestamp(seconds: float) -> str:
    """``hh:mm:ss.ttt`` as WebVTT writes it (``83.5`` → ``00:01:23.500``)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CaptionError(_too_large(), 0)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CaptionError(
            _(
                "Filen er ikke gemt som UTF-8 (første fejl i linje %(line)s). "
                "Gem den som UTF-8 og prøv igen.",
                line=line,
            ),
            0,
        ) from None


def _too_large() -> str:
    return _("Filen er for stor. En tekstfil må højst fylde %(size)s MB.", size=MAX_BYTES // (1024 * 1024))


def _blocks(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """The blocks between blank lines, each with the number of its first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _cue(first: int, block: list[str]) -> Cue:
    identifier = ""
    timing_at = 0
    if _LOOKS_TIMED.match(block[0]) or (len(block) > 1 and _LOOKS_TIMED.match(block[1])):
        # a timing line without its arrow (or with "->"): the hint about the timing helps more
        timing_at = 0 if _LOOKS_TIMED.match(block[0]) else 1
        identifier = block[0].strip() if timing_at else ""
    elif "-->" not in block[0]:
        identifier = block[0].strip()
        timing_at = 1
        if len(block) < 2 or "-->" not in block[1]:
            raise CaptionError(
                _(
                    "her skulle der stå en tidsangivelse, fx %(example)s "
                    "(en undertekst må ikke indeholde tomme linjer).",
                    example=EXAMPLE,
                ),
                first + 1 if len(block) > 1 else first,
            )
    line = first + timing_at
    timing = _TIMING.fullmatch(block[timing_at])
    if timing is None:
        raise CaptionError(_timing_hint(block[timing_at]), line)
    start, end = _seconds(timing.groups()[1:5]), _seconds(timing.groups()[6:10])
    if end <= start:
        raise CaptionError(
            _(
                "sluttidspunktet (%(end)s) skal ligge efter starttidspunktet (%(start)s).",
                start=timing.group(1),
                end=timing.group(6),
            ),
            line,
        )
    payload = block[timing_at + 1 :]
    for offset, text in enumerate(payload, start=1):
        if "-->" in text:
            raise CaptionError(_("der skal være en tom linje før den næste tidsangivelse."), line + offset)
    if not payload:
        raise CaptionError(_("der mangler tekst efter tidsangivelsen."), line)
    return Cue(start=start, end=end, text="\n".join(payload), line=line, identifier=identifier)


def _timing_hint(line: str) -> str:
    """What is wrong with a timing line, as precisely as a simple look can tell."""
    stamps = _LOOSE_TIMESTAMP.findall(line)
    if any("," in stamp for stamp in stamps):
        return _(
            "millisekunderne skal stå efter et punktum, ikke et komma (som i SRT-filer): %(example)s",
            example=EXAMPLE,
        )
    for stamp in stamps:
        *rest, last = stamp.split(":")
        seconds, millis = last.split(".")
        if len(millis) != 3:
            return _(
                "millisekunderne skal have tre cifre (%(stamp)s). "
                "Tidsangivelsen skal have formen %(example)s",
                stamp=stamp,
                example=EXAMPLE,
            )
        if int(seconds) > 59 or (len(rest) >= 1 and int(rest[-1]) > 59):
            return _(
                "minutter og sekunder skal være mellem 00 og 59 (%(stamp)s). "
                "Tidsangivelsen skal have formen %(example)s",
                stamp=stamp,
                example=EXAMPLE,
            )
    return _("tidsangivelsen skal have formen %(example)s", example=EXAMPLE)


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = parts
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) + int(millis or 0) / 1000


def _plain(line: str) -> str:
    return html.unescape(_TAG.sub("", line))
