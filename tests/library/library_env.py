"""Shared setup of the library tests: Engparken's board, its people, and files of every kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.pdf import FONT, FONTS_DIR, Document
from boardkit.org.models import Board, Person

CHAIR, TREASURER, MEMBER_ELSEWHERE = (
    "formand@demo.boardkit.dk",
    "kasserer@demo.boardkit.dk",
    "medlem@demo.boardkit.dk",
)
RESIDENT, ADMIN = "beboer@demo.boardkit.dk", "admin@demo.boardkit.dk"


@dataclass(frozen=True)
class Env:
    board_id: int
    organisation_id: int
    chair: int
    treasurer: int
    admin: int
    resident: int
    elsewhere: int


def env(db: Database) -> Env:
    with db.transaction(readonly=True) as s:
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None
        people = {email: i for email, i in s.execute(select(Person.email, Person.id))}
        return Env(
            board.id,
            board.organisation_id,
            people[CHAIR],
            people[TREASURER],
            people[ADMIN],
            people[RESIDENT],
            people[MEMBER_ELSEWHERE],
        )


def pdf(text: str = "Vedtægter for afdelingen") -> bytes:
    doc = Document(FONTS_DIR)
    doc.add_page()
    doc.set_font(FONT, "", 12)
    doc.cell(0, 10, text)
    return bytes(doc.output())


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("setup.exe", b"MZ\x90\x00")
    return out.getvalue()


EXECUTABLES = {
    "vedtaegter.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,  # a Windows program
    "husorden.pdf": b"\x7fELF\x02\x01\x01" + b"\x00" * 200,  # a Linux program
    "plan.pdf": b"#!/bin/sh\nrm -rf ~\n",  # a shell script renamed
    "side.pdf": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
}
