"""WebVTT captions: a valid file with the blocks a real one has, and each kind of mistake refused
with the line it is on."""

from __future__ import annotations

import pytest

from boardkit.core.i18n import language
from boardkit.onboarding import captions
from boardkit.onboarding.captions import CaptionError, Cue, format_timestamp, parse_vtt, to_transcript

VALID = """\ufeffWEBVTT - Velkommen i bestyrelsen
Kind: captions
Language: da

STYLE
::cue { color: yellow; }

NOTE Ord fra formanden,
optaget i marts

intro
00:01.000 --> 00:04.000 align:start line:90%
<v Birthe>Velkommen i bestyrelsen &amp; tak,
fordi du vil være med.

00:00:04.000 --> 00:00:06.500
Her er årets møder.

NOTE sidste del

slut-1
01:00:10.000 --> 01:00:12.250
<v Ole>Spørg endelig, hvis der er noget.
"""


def _error(data: bytes | str) -> CaptionError:
    with pytest.raises(CaptionError) as caught:
        parse_vtt(data)
    return caught.value


def test_a_valid_file_with_style_notes_identifiers_and_short_timestamps() -> None:
    cues = parse_vtt(VALID.encode("utf-8"))
    assert cues == [
        Cue(
            start=1.0,
            end=4.0,
            text="<v Birthe>Velkommen i bestyrelsen &amp; tak,\nfordi du vil være med.",
            line=12,
            identifier="intro",
        ),
        Cue(start=4.0, end=6.5, text="Her er årets møder.", line=16),
        Cue(
            start=3610.0,
            end=3612.25,
            text="<v Ole>Spørg endelig, hvis der er noget.",
            line=22,
            identifier="slut-1",
        ),
    ]


def test_bytes_and_text_windows_line_endings_and_a_bare_header_are_read_alike() -> None:
    crlf = VALID.replace("\n", "\r\n")
    assert parse_vtt(crlf.encode("utf-8")) == parse_vtt(VALID) == parse_vtt(VALID.encode("utf-8"))
    assert parse_vtt("WEBVTT\n\n00:00.000 --> 00:00.500\nHej") == [Cue(0.0, 0.5, "Hej", 3)]
    assert parse_vtt("WEBVTT\tdansk\n\n00:00.000 --> 00:00.500\nHej")[0].text == "Hej"


def test_cues_may_follow_each_other_without_a_gap() -> None:
    cues = parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\nEt\n\n00:02.000 --> 00:03.000\nTo\n")
    assert [(c.start, c.end, c.text) for c in cues] == [(1.0, 2.0, "Et"), (2.0, 3.0, "To")]


def test_without_the_webvtt_header_line_1_is_wrong() -> None:
    for data in ["00:01.000 --> 00:02.000\nHej\n", "WEBVTTX\n\n00:01.000 --> 00:02.000\nHej", "", "webvtt\n"]:
        error = _error(data)
        assert error.line == 1, data
        assert "WEBVTT" in error.message
    # an SRT file: it has no header either
    assert _error("1\n00:00:01,000 --> 00:00:02,000\nHej\n").line == 1


@pytest.mark.parametrize(
    ("timing", "hint"),
    [
        ("00:00:61.000 --> 00:01:02.000", "mellem 00 og 59"),
        ("00:61:00.000 --> 01:02:00.000", "mellem 00 og 59"),
        ("0:00:01,000 --> 0:00:02,000", "punktum"),
        ("00:00:01.00 --> 00:00:02.000", "tre cifre"),
        ("0:00:01.000 --> 0:00:02.000", "formen 00:00:01.000 --> 00:00:04.000"),
        ("00:00:01.000 -> 00:00:02.000", "formen"),
        ("00:00:01.000 --> ", "formen"),
    ],
)
def test_a_malformed_timing_line_is_refused_on_its_line(timing: str, hint: str) -> None:
    data = f"WEBVTT\n\n00:00.000 --> 00:00.500\nFørst\n\nnæste\n{timing}\nHej\n"
    error = _error(data)
    assert error.line == 7
    assert hint in error.message
    assert not error.message.startswith("Linje")
    assert str(error) == f"Linje 7: {error.message}"


def test_an_overlapping_cue_is_refused_on_its_timing_line_naming_the_earlier_cue() -> None:
    data = (
        "WEBVTT\n\n"
        "1\n00:00:01.000 --> 00:00:05.000\nFørste\n\n"  # timing on line 4
        "2\n00:00:05.000 --> 00:00:08.000\nAnden\nmed to linjer\n\n"  # timing on line 8
        "3\n00:00:07.500 --> 00:00:09.000\nTredje\n"  # timing on line 13
    )
    error = _error(data)
    assert error.line == 13
    assert "linje 8" in error.message
    assert "00:00:08.000" in error.message


def test_the_end_must_come_after_the_start() -> None:
    for timing in ["00:04.000 --> 00:02.000", "00:04.000 --> 00:04.000"]:
        error = _error(f"WEBVTT\n\n{timing}\nHej\n")
        assert error.line == 3
        assert "efter starttidspunktet" in error.message


def test_a_cue_needs_text() -> None:
    error = _error("WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:04.000\nHej\n")
    assert (error.line, error.message) == (3, "der mangler tekst efter tidsangivelsen.")
    # the last cue of the file, with only spaces after it
    assert _error("WEBVTT\n\n00:01.000 --> 00:02.000\nHej\n\nid\n00:03.000 --> 00:04.000\n   \n").line == 7


def test_cues_are_separated_by_blank_lines() -> None:
    # a second timing line straight after a cue's text
    error = _error("WEBVTT\n\n00:01.000 --> 00:02.000\nHej\n00:03.000 --> 00:04.000\nDav\n")
    assert error.line == 5
    # a blank line inside a cue's text: the rest is neither a timing nor an identifier
    error = _error("WEBVTT\n\n00:01.000 --> 00:02.000\nHej\n\nog resten\nmere tekst\n")
    assert error.line == 7
    assert _error("WEBVTT\n\n00:01.000 --> 00:02.000\nHej\n\nog resten\n").line == 6
    # no blank line after the header
    assert _error("WEBVTT\n00:01.000 --> 00:02.000\nHej\n").line == 2


def test_a_file_in_another_encoding_than_utf8() -> None:
    data = "WEBVTT\n\n00:01.000 --> 00:02.000\nBestyrelsesmøde på Åbyhøj\n".encode("cp1252")
    error = _error(data)
    assert error.line == 0
    assert "UTF-8" in error.message
    assert "linje 4" in error.message
    assert str(error) == error.message


def test_a_file_that_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    cue = "00:01.000 --> 00:02.000\n" + "x" * 70 + "\n\n"
    data = ("WEBVTT\n\n" + cue * (captions.MAX_BYTES // len(cue) + 1)).encode()
    assert len(data) > captions.MAX_BYTES
    for too_big in (data, data.decode()):
        error = _error(too_big)
        assert error.line == 0
        assert "for stor" in error.message
    monkeypatch.setattr(captions, "MAX_BYTES", 100)
    assert _error(VALID).line == 0


def test_a_file_without_cues() -> None:
    error = _error("WEBVTT\n\nNOTE kun en note\n")
    assert error.line == 0
    assert "ingen undertekster" in error.message


def test_the_message_is_translated_with_its_line() -> None:
    with language("en"):
        error = _error("WEBVTT\n\n00:04.000 --> 00:02.000\nHej\n")
        assert str(error) == f"Line 3: {error.message}"
        assert "after" in error.message


def test_the_transcript_is_plain_text_in_paragraphs_by_pause_and_speaker() -> None:
    cues = parse_vtt(
        "WEBVTT\n\n"
        "00:00.000 --> 00:02.000\n<v.formand Birthe>Velkommen &amp; <i>tak</i>,\nfordi du kom.\n\n"
        "00:02.000 --> 00:04.000\nVi begynder nu.\n\n"
        "00:07.000 --> 00:09.000\nEfter pausen.\n\n"
        "00:09.000 --> 00:10.000\n<v Ole>Tak, <b>Birthe</b>.\n"
    )
    assert to_transcript(cues) == (
        "Birthe: Velkommen & tak, fordi du kom. Vi begynder nu.\n\nEfter pausen.\n\nOle: Tak, Birthe."
    )
    assert to_transcript([]) == ""


def test_timestamps_are_written_as_webvtt_reads_them() -> None:
    assert format_timestamp(0) == "00:00:00.000"
    assert format_timestamp(83.5) == "00:01:23.500"
    assert format_timestamp(3723.0456) == "01:02:03.046"
    cues = parse_vtt(f"WEBVTT\n\n{format_timestamp(83.5)} --> {format_timestamp(3723.0456)}\nHej\n")
    assert (cues[0].start, cues[0].end) == (83.5, 3723.046)
