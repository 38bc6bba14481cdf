"""The administration's onboarding page: a video checked by content and measured, captions checked
line by line, a video module published only with Danish captions; the video served with Range
requests against its own bytes; a 2 GB upload refused before it is read."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.onboarding import media
from boardkit.onboarding.models import Module, Video
from tests.helpers import csrf_from, login_as
from tests.onboarding.onboarding_env import ADMIN, CHAIR, make_programme

pytestmark = pytest.mark.postgres

VTT = (
    "WEBVTT\n\n00:00.000 --> 00:01.500\nVelkommen i bestyrelsen\n\n"
    "00:01.500 --> 00:03.000\nSådan læser du mødemappen\n"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("video") / "intro.mp4"
    media.make_demo_video(path, seconds=3, lines=["Velkommen", "Ærø Østergård"])
    return path.read_bytes()


def post(
    client: TestClient, url: str, data: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None
):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/onboarding").text)
    return client.post(url, data={"csrf_token": token, **data}, files=files, follow_redirects=True)


def test_a_video_gets_captions_is_published_and_is_served_in_ranges(
    client: TestClient, demo: Database, clip: bytes
) -> None:
    make_programme(demo)
    login_as(client, demo, ADMIN)
    fake = post(
        client, "/admin/onboarding/videos", {}, {"file": ("intro.mp4", b"Det er ikke en video", "video/mp4")}
    )
    assert fake.status_code == 415 and "video" in fake.text.lower()
    done = post(client, "/admin/onboarding/videos", {}, {"file": ("Velkommen.mp4", clip, "video/mp4")})
    assert done.status_code == 200 and "Videoen er gemt (3 sekunder)" in done.text
    with demo.transaction(readonly=True) as s:
        video = s.scalar(select(Video))
        assert video is not None and video.content_type == "video/mp4" and video.poster_sha256
        video_id = video.id
        programme_id = s.scalar(select(Module.programme_id))
    added = post(
        client,
        "/admin/onboarding/modules",
        {
            "programme_id": str(programme_id),
            "kind": "video",
            "module_title": "Sådan bruger du boardkit",
            "due_days": "7",
            "module_video_id": str(video_id),
            "tick_by": "member",
        },
    )
    assert "Trinnet er tilføjet" in added.text
    with demo.transaction(readonly=True) as s:
        module_id = s.scalar(select(Module.id).where(Module.video_id == video_id))
    refused = post(client, f"/admin/onboarding/modules/{module_id}/publish", {})
    assert refused.status_code == 409 and "danske undertekster" in refused.text
    for bad, line in (
        ("WEBVT\n\n00:00.000 --> 00:01.000\nHej\n", "Linje 1"),
        ("WEBVTT\n\n00:00.000 --> 00:01,000\nHej\n", "Linje 3"),
        ("WEBVTT\n\n00:00.000 --> 00:02.000\nHej\n\n00:01.000 --> 00:03.000\nIgen\n", "Linje 6"),
    ):
        answer = post(
            client,
            "/admin/onboarding/captions",
            {"video_id": str(video_id), "language": "da"},
            {"file": ("da.vtt", bad.encode(), "text/vtt")},
        )
        assert answer.status_code == 422 and line in answer.text, (bad, answer.text[:200])
    ok = post(
        client,
        "/admin/onboarding/captions",
        {"video_id": str(video_id), "language": "da"},
        {"file": ("da.vtt", VTT.encode(), "text/vtt")},
    )
    assert "Underteksterne er gemt" in ok.text
    published = post(client, f"/admin/onboarding/modules/{module_id}/publish", {})
    assert "Trinnet er offentliggjort" in published.text

    login_as(client, demo, CHAIR)  # a board member of the organisation watches it
    url = f"/onboarding/videos/{video_id}/file"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == clip
    size = len(clip)
    for header, start, end in (
        ("bytes=0-99", 0, 99),
        (f"bytes={size // 2}-{size // 2 + 999}", size // 2, size // 2 + 999),
        (f"bytes={size - 100}-{size - 1}", size - 100, size - 1),
        ("bytes=-500", size - 500, size - 1),
    ):
        part = client.get(url, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert part.content == clip[start : end + 1]
    beyond = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    many = client.get(url, headers={"Range": "bytes=0-9,20-29"})
    assert many.status_code in (200, 206)
    track = client.get(f"/onboarding/videos/{video_id}/captions/da.vtt")
    assert (
        track.status_code == 200
        and track.text.startswith("WEBVTT")
        and track.headers["content-type"].startswith("text/vtt")
    )
    assert client.get(f"/onboarding/videos/{video_id}/poster").headers["content-type"] == "image/jpeg"

    login_as(client, demo, "beboer@demo.boardkit.dk")  # a resident: not the board's material
    assert client.get(url).status_code == 404


def test_a_two_gigabyte_upload_is_refused_before_it_is_read(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    token = csrf_from(client.get("/admin/onboarding").text)
    answer = client.post(
        "/admin/onboarding/videos",
        content=b"x" * 10,
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(2 * 1024**3),
            "X-CSRF": token,
        },
    )
    assert answer.status_code == 413


def test_only_the_administration_sees_the_page(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    assert client.get("/admin/onboarding").status_code == 404


def test_a_document_step_and_a_new_declaration_version(client: TestClient, demo: Database) -> None:
    from boardkit.core.pdf import FONT, FONTS_DIR, Document
    from boardkit.onboarding.models import DeclarationVersion

    env = make_programme(demo)
    login_as(client, demo, ADMIN)
    with demo.transaction(readonly=True) as s:
        programme_id = s.scalar(select(Module.programme_id))
    added = post(
        client,
        "/admin/onboarding/modules",
        {
            "programme_id": str(programme_id),
            "kind": "document",
            "module_title": "Læs husordenen",
            "due_days": "14",
        },
    )
    assert "Trinnet er tilføjet" in added.text
    with demo.transaction(readonly=True) as s:
        module_id = s.scalar(select(Module.id).where(Module.kind == "document"))
    assert post(client, f"/admin/onboarding/modules/{module_id}/publish", {}).status_code == 409  # no PDF yet
    text_file = post(
        client,
        "/admin/onboarding/documents",
        {"module_id": str(module_id)},
        {"file": ("husorden.pdf", b"hej", "application/pdf")},
    )
    assert text_file.status_code == 415
    pdf = Document(FONTS_DIR)
    pdf.add_page()
    pdf.set_font(FONT, "", 12)
    pdf.cell(0, 10, "Husorden for Engparken")
    saved = post(
        client,
        "/admin/onboarding/documents",
        {"module_id": str(module_id)},
        {"file": ("Husorden.pdf", bytes(pdf.output()), "application/pdf")},
    )
    assert "Dokumentet er gemt" in saved.text
    assert (
        "Trinnet er offentliggjort" in post(client, f"/admin/onboarding/modules/{module_id}/publish", {}).text
    )

    empty = post(
        client,
        "/admin/onboarding/declaration-versions",
        {"declaration_id": str(env.declaration_id), "version_text": ""},
    )
    assert empty.status_code == 422
    done = post(
        client,
        "/admin/onboarding/declaration-versions",
        {
            "declaration_id": str(env.declaration_id),
            "version_text": "Ny tekst om tavshedspligt.",
            "gates": "1",
        },
    )
    assert "Ændret tekst skal underskrives igen" in done.text
    with demo.transaction(readonly=True) as s:
        numbers = s.scalars(
            select(DeclarationVersion.number).where(DeclarationVersion.declaration_id == env.declaration_id)
        ).all()
        assert sorted(numbers) == [1, 2]
