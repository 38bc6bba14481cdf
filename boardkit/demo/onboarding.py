"""Demo onboarding: the programme "Ny i afdelingsbestyrelsen" for members (three short videos the
demo makes itself, with Danish captions; a confidentiality declaration; the rules of procedure as a
document; two tasks), the same programme for the chair and the treasurer, and kasserer@ half-way
through it. Nothing is downloaded: the videos are drawn frame by frame (PyAV), the PDF with fpdf2.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.pdf import FONT, FONTS_DIR, Document
from boardkit.core.storage import FileStore
from boardkit.onboarding import captions, media
from boardkit.onboarding import service as onboarding
from boardkit.onboarding.models import Caption, Progress, Video
from boardkit.org.models import Board, Membership, Person
from boardkit.org.periods import today
from boardkit.org.service import build_principal

VIDEOS = (
    (
        "Velkommen i afdelingsbestyrelsen",
        ["Velkommen i bestyrelsen", "Engparken · Fællesbo"],
        [
            (0.0, 2.0, "Velkommen i afdelingsbestyrelsen."),
            (2.0, 4.0, "Her er det vigtigste til dit første år."),
        ],
    ),
    (
        "Sådan læser du mødemappen",
        ["Mødemappen", "på din tablet – også offline"],
        [(0.0, 2.0, "Mødemappen kommer en uge før mødet."), (2.0, 4.0, "Du kan læse den uden net.")],
    ),
    (
        "Udlæg og kørsel",
        ["Udlæg og kørsel", "Fotografér bonen med det samme"],
        [
            (0.0, 2.0, "Tag et billede af bonen, når du betaler."),
            (2.0, 4.0, "Kassereren attesterer dit udlæg."),
        ],
    ),
)
DECLARATION = (
    "Jeg erklærer, at jeg ikke videregiver oplysninger, som jeg får som medlem af bestyrelsen, og som "
    "efter deres art skal holdes hemmelige – særligt personsager og lukkede punkter på dagsordenen. "
    "Tavshedspligten gælder også, når jeg ikke længere er medlem af bestyrelsen."
)
RULES = (
    (
        "§ 1 Konstituering",
        "Bestyrelsen konstituerer sig selv med formand, næstformand og kasserer på sit første møde.",
    ),
    (
        "§ 2 Møder",
        "Der holdes møde mindst seks gange om året. Indkaldelse med dagsorden sendes senest syv dage før.",
    ),
    ("§ 3 Beslutninger", "Bestyrelsen er beslutningsdygtig, når over halvdelen af medlemmerne er til stede."),
    (
        "§ 4 Referat",
        "Der skrives referat af hvert møde. Referatet godkendes på næste møde og offentliggøres.",
    ),
    ("§ 5 Tavshedspligt", "Lukkede punkter og personsager omtales ikke uden for bestyrelsen."),
)


def rules_pdf() -> bytes:
    pdf = Document(FONTS_DIR)
    pdf.set_title("Forretningsorden for afdelingsbestyrelsen")
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 12, "Forretningsorden for afdelingsbestyrelsen i Engparken")
    pdf.ln(16)
    for heading, text in RULES:
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 8, heading)
        pdf.ln(8)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 6, text)
        pdf.ln(4)
    return bytes(pdf.output())


def _video(
    db: Session,
    store: FileStore,
    organisation_id: int,
    title: str,
    lines: list[str],
    cues: list[tuple[float, float, str]],
) -> Video:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "video.mp4"
        media.make_demo_video(path, seconds=4, lines=lines)
        info = media.probe(path)
        video = Video(
            organisation_id=organisation_id,
            sha256=store.put_file(path),
            filename=f"{title}.mp4",
            content_type=info.content_type,
            size=path.stat().st_size,
            duration=info.duration,
            width=info.width,
            height=info.height,
            poster_sha256=store.put(media.poster(path)),
        )
    db.add(video)
    db.flush()
    vtt = media.make_demo_captions(cues).encode()
    db.add(
        Caption(
            video_id=video.id,
            language="da",
            label="Dansk",
            sha256=store.put(vtt),
            transcript=captions.to_transcript(captions.parse_vtt(vtt)),
        )
    )
    return video


def add_demo_onboarding(db: Session, *, store: FileStore, organisation_id: int, board: Board) -> None:
    declaration = onboarding.create_declaration(
        db, organisation_id=organisation_id, actor_id=None, title="Tavshedserklæring", text=DECLARATION
    )
    videos = [_video(db, store, organisation_id, title, lines, cues) for title, lines, cues in VIDEOS]
    for role in ("member", "chair", "treasurer"):
        programme = onboarding.programme(
            db, organisation_id=organisation_id, role=role, title="Ny i afdelingsbestyrelsen"
        )
        programme.intro = (
            "Velkommen! Her er det, du skal se, læse og gøre i dine første måneder. Spørg formanden, "
            "hvis noget er uklart."
        )
        steps = [
            onboarding.ModuleInput("video", VIDEOS[0][0], due_days=7, video_id=videos[0].id),
            onboarding.ModuleInput(
                "declaration", "Underskriv tavshedserklæringen", due_days=14, declaration_id=declaration.id
            ),
            onboarding.ModuleInput(
                "document",
                "Læs forretningsordenen",
                body="Bestyrelsens egne regler for møder og beslutninger.",
            ),
            onboarding.ModuleInput("video", VIDEOS[1][0], due_days=14, video_id=videos[1].id),
            onboarding.ModuleInput("video", VIDEOS[2][0], due_days=30, video_id=videos[2].id),
            onboarding.ModuleInput(
                "task", "Mød driftschefen", body="Aftal en rundvisning på ejendomskontoret.", due_days=30
            ),
            onboarding.ModuleInput(
                "task",
                "Gennemgå budgettet med formanden",
                body="Formanden markerer opgaven, når I har gennemgået budgettet sammen.",
                due_days=45,
                tick_by="chair",
            ),
        ]
        document = store.put(rules_pdf())
        for data in steps:
            module = onboarding.add_module(db, programme, data, actor_id=None)
            if data.kind == "document":
                module.document_sha256, module.document_type = document, "application/pdf"
                module.document_name = "Forretningsorden.pdf"
            onboarding.publish(db, module, actor_id=None)
    treasurer = db.scalar(
        select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.board_id == board.id, Person.email == "kasserer@demo.boardkit.dk")
    )
    assert treasurer is not None
    assignment = onboarding.assign(db, treasurer, settings=None, notify_member=False)
    assert assignment is not None
    # As if the treasurer joined ten days ago (the demo's memberships began long before onboarding).
    assignment.started_on = today() - timedelta(days=10)
    steps_done = list(
        db.scalars(select(Progress).where(Progress.assignment_id == assignment.id).order_by(Progress.id))
    )
    for step in steps_done:
        step.due_on = assignment.started_on + timedelta(days=step.module.due_days)
    onboarding.sign(
        db, principal=build_principal(db, person_id=treasurer.person_id), declaration_id=declaration.id
    )
    for step in steps_done[:4]:  # half-way: the welcome video, the declaration, the rules, the pack video
        if step.done_at is None:
            step.done_at, step.done_by = utcnow(), treasurer.person_id
        if step.module.kind == "video" and step.module.video is not None:
            step.seconds_watched = step.module.video.duration
