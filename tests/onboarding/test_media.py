"""Videos checked by their content: the demo video and a WebM pass with their measures, anything a
browser cannot play (or that is no video at all) is refused with its code before FFmpeg plays with
it, and the poster is a JPEG of a frame from the start of the video."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw

from boardkit.onboarding import media
from boardkit.onboarding.captions import parse_vtt
from boardkit.onboarding.media import (
    MediaError,
    VideoInfo,
    make_demo_captions,
    make_demo_video,
    poster,
    probe,
)

LINES = ["Velkommen i bestyrelsen", "Årshjul, møder og økonomi – ÆØÅ æøå"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "velkommen.mp4"
    make_demo_video(path, seconds=4, lines=LINES)
    return path


def _encode(
    path: Path,
    *,
    container: str,
    codec: str,
    audio: str | None = None,
    frames: int = 10,
    options: dict[str, str] | None = None,
) -> None:
    """A few frames of colour bars in ``codec`` (and a silent ``audio`` track)."""
    with av.open(str(path), "w", format=container, options=options or {}) as out:
        video = out.add_stream(codec, rate=10)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        sound = out.add_stream(audio, rate=48_000) if audio else None
        for index in range(frames):
            picture = Image.new("RGB", (320, 240), (index * 20, 90, 160))
            ImageDraw.Draw(picture).rectangle((index * 20, 0, index * 20 + 40, 240), fill=(250, 250, 250))
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            size = sound.codec_context.frame_size or 960
            for index in range(48_000 // size):
                silence = av.AudioFrame(format="fltp", layout="stereo", samples=size)
                for plane in silence.planes:
                    plane.update(bytes(plane.buffer_size))
                silence.sample_rate, silence.pts = 48_000, index * size
                out.mux(sound.encode(silence))
            out.mux(sound.encode(None))


def _refused(path: Path) -> MediaError:
    with pytest.raises(MediaError) as caught:
        probe(path)
    return caught.value


def test_the_demo_video_is_an_mp4_with_h264_and_aac_of_its_length(demo: Path) -> None:
    assert probe(demo) == VideoInfo(
        container="mp4",
        content_type="video/mp4",
        video_codec="h264",
        audio_codec="aac",
        duration=pytest.approx(4.0, abs=0.2),
        width=640,
        height=360,
    )
    data = demo.read_bytes()
    assert data[4:8] == b"ftyp"
    assert data.index(b"moov") < data.index(b"mdat")  # the index first: it plays while it loads
    assert 5_000 < len(data) < 500_000
    with av.open(str(demo)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert container.streams.video[0].frames == 60


def test_the_demo_video_shows_its_text(demo: Path, tmp_path: Path) -> None:
    other = tmp_path / "andet.mp4"
    make_demo_video(other, seconds=1, lines=["Noget helt andet"], size=(320, 180), fps=10)
    info = probe(other)
    assert (info.width, info.height, info.duration) == (320, 180, pytest.approx(1.0, abs=0.2))
    # the text is light on a dark background, in the middle of the picture
    image = Image.open(io.BytesIO(poster(demo))).convert("L")
    middle = image.crop((100, 140, 540, 220))
    assert middle.getextrema()[1] > 200
    assert image.getpixel((20, 20)) < 100


def test_the_poster_is_a_jpeg_of_a_frame_scaled_to_the_width(demo: Path) -> None:
    image = Image.open(io.BytesIO(poster(demo)))
    assert (image.format, image.size) == ("JPEG", (640, 360))
    small = Image.open(io.BytesIO(poster(demo, max_width=320)))
    assert (small.format, small.size) == ("JPEG", (320, 180))
    # the demo's bar fills as it plays: further in, more of the bottom row is light
    at_start = Image.open(io.BytesIO(poster(demo, at=0))).convert("L")
    at_three = Image.open(io.BytesIO(poster(demo, at=3.0))).convert("L")

    def bar(picture: Image.Image) -> int:
        return sum(1 for x in range(0, 640, 4) if picture.getpixel((x, 356)) > 150)

    assert bar(at_start) < 5 < bar(at_three) < 160
    assert abs(bar(at_three) - 0.75 * 160) < 10
    # by default 10 % into the video (0.4 s of 4 s: the bar is a tenth full), not the first frame
    assert abs(bar(image.convert("L")) - 0.1 * 160) < 6


def test_a_webm_with_vp9_and_opus_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "klip.webm"
    _encode(path, container="webm", codec="libvpx-vp9", audio="libopus")
    info = probe(path)
    assert (info.container, info.content_type, info.video_codec, info.audio_codec) == (
        "webm",
        "video/webm",
        "vp9",
        "opus",
    )
    assert (info.width, info.height, info.duration) == (320, 240, pytest.approx(1.0, abs=0.2))
    assert Image.open(io.BytesIO(poster(path))).size == (320, 240)


def test_a_webm_with_vp8_and_no_sound_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "stum.webm"
    _encode(path, container="webm", codec="libvpx")
    info = probe(path)
    assert (info.container, info.video_codec, info.audio_codec) == ("webm", "vp8", None)


def test_a_webm_without_a_duration_in_its_header_is_measured_by_its_packets(tmp_path: Path) -> None:
    # as a browser's MediaRecorder writes it: no duration in the header
    path = tmp_path / "optagelse.webm"
    _encode(path, container="webm", codec="libvpx", frames=25, options={"live": "1"})
    with av.open(str(path)) as container:
        assert container.duration is None
    assert probe(path).duration == pytest.approx(2.5, abs=0.01)
    assert Image.open(io.BytesIO(poster(path))).size == (320, 240)


def test_files_that_are_no_video_are_refused_before_ffmpeg_sees_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_ffmpeg(*args: object, **kwargs: object) -> None:
        raise AssertionError("handed to FFmpeg")

    monkeypatch.setattr(av, "open", no_ffmpeg)
    files = {
        "noise.mp4": bytes((i * 7919 + 13) % 251 for i in range(50_000)),
        "note.mp4": "Dagsorden for bestyrelsesmødet\n1. Godkendelse af referat\n".encode() * 50,
        "referat.mp4": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20,
        "tom.mp4": b"",
        "billede.mp4": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100),
        "film.mkv": b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska" + bytes(100),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        error = _refused(path)
        assert error.code == "not_video", name
        assert "MP4 eller WebM" in error.message
        with pytest.raises(MediaError):
            poster(path)


def test_an_mp4_with_mpeg4_video_is_refused_as_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "gammel.mp4"
    _encode(path, container="mp4", codec="mpeg4", audio="aac")
    with av.open(str(path)) as container:  # it is a real video
        assert container.streams.video[0].codec_context.name == "mpeg4"
    error = _refused(path)
    assert error.code == "unsupported_codec"
    assert "mpeg4" in error.message
    assert "H.264" in error.message


def test_a_webm_with_h264_is_refused_and_an_mp4_with_opus_sound_too(tmp_path: Path) -> None:
    mkv = tmp_path / "forkert.webm"
    _encode(mkv, container="mp4", codec="libvpx-vp9")  # VP9 in MP4: not what we accept in MP4
    assert _refused(mkv).code == "unsupported_codec"
    opus = tmp_path / "opus.mp4"
    _encode(opus, container="mp4", codec="libx264", audio="libopus")
    error = _refused(opus)
    assert (error.code, "opus" in error.message) == ("unsupported_codec", True)


def test_an_mp4_without_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lyd.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=48_000)
        for index in range(20):
            silence = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
            for plane in silence.planes:
                plane.update(bytes(plane.buffer_size))
            silence.sample_rate, silence.pts = 48_000, index * 1024
            out.mux(sound.encode(silence))
        out.mux(sound.encode(None))
    assert _refused(path).code == "no_video_stream"


def test_a_truncated_mp4_is_unreadable(demo: Path, tmp_path: Path) -> None:
    path = tmp_path / "halv.mp4"
    path.write_bytes(demo.read_bytes()[:1000])
    error = _refused(path)
    assert error.code == "unreadable"
    with pytest.raises(MediaError) as caught:
        poster(path)
    assert caught.value.code == "unreadable"


def test_a_file_over_the_limit_is_refused_by_its_size(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "stor.mp4"
    with big.open("wb") as fh:  # a sparse file of 2 GB beginning like the demo video
        fh.write(demo.read_bytes())
        fh.truncate(2 * 1024**3)
    assert big.stat().st_size > media.MAX_VIDEO_BYTES
    monkeypatch.setattr(av, "open", lambda *args, **kwargs: pytest.fail("decoded"))
    error = _refused(big)
    assert (error.code, error.message) == ("too_large", "Videoen er for stor. Den må højst fylde 1 GB.")
    monkeypatch.undo()
    monkeypatch.setattr(media, "MAX_VIDEO_BYTES", demo.stat().st_size - 1)
    assert _refused(demo).code == "too_large"
    monkeypatch.setattr(media, "MAX_VIDEO_BYTES", demo.stat().st_size)
    assert probe(demo).container == "mp4"


def test_the_demo_captions_are_valid_webvtt() -> None:
    text = make_demo_captions(
        [(0, 2.5, "Velkommen & tak\n\nfor <nu>"), (2.5, 4, "Pil --> her"), (65, 70.25, "Slut")]
    )
    cues = parse_vtt(text)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 2.5, "Velkommen &amp; tak\nfor &lt;nu&gt;"),
        (2.5, 4.0, "Pil → her"),
        (65.0, 70.25, "Slut"),
    ]
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n")
    assert "00:01:05.000 --> 00:01:10.250" in text
