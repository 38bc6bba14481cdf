"""Demo expense claims: the treasurer's draft with a receipt photo, and the chair's claim waiting
for the bookkeeper (attested by the treasurer), so every step of the flow has something to show.

Made through the expense services like a user would, with receipt photos drawn here.
"""

from __future__ import annotations

import contextlib
import io
from datetime import timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from boardkit.core.errors import RuleViolation
from boardkit.core.pdf import FONTS_DIR
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.core.web import Upload
from boardkit.expenses import service
from boardkit.expenses.models import ExpenseClaim
from boardkit.expenses.service import rules
from boardkit.org import service as org_service
from boardkit.org.models import Board, Person


def receipt_photo(shop: str, lines: list[tuple[str, str]], total: str) -> bytes:
    """A till receipt on a table, as a tablet photographs it (JPEG)."""
    photo = Image.new("RGB", (1200, 1600), (120, 98, 80))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((260, 120, 940, 1480), fill=(250, 249, 244))
    face = str(FONTS_DIR / "IBMPlexSans-Regular.ttf")
    big, small = ImageFont.truetype(face, 56), ImageFont.truetype(face, 36)
    draw.text((600, 220), shop, fill=(20, 20, 20), anchor="mm", font=big)
    y = 380
    for name, price in lines:
        draw.text((310, y), name, fill=(30, 30, 30), font=small)
        draw.text((890, y), price, fill=(30, 30, 30), anchor="ra", font=small)
        y += 70
    draw.line((310, y + 20, 890, y + 20), fill=(30, 30, 30), width=3)
    draw.text((310, y + 50), "TOTAL DKK", fill=(20, 20, 20), font=big)
    draw.text((890, y + 50), total, fill=(20, 20, 20), anchor="ra", font=big)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=88)
    return out.getvalue()


def _claim(
    db: Session,
    p: Principal,
    board: Board,
    *,
    purpose: str,
    account: str,
    bank: tuple[str, str],
    receipt: tuple[str, list[tuple[str, str]], int],
    days_ago: int,
    secret_key: str,
    store: FileStore,
) -> ExpenseClaim:
    """A claim with one photographed receipt (shop, lines, total in øre), dated ``days_ago``."""
    claim = service.create_claim(
        db,
        principal=p,
        board_id=board.id,
        purpose=purpose,
        account_code=account,
        bank_registration=bank[0],
        bank_account=bank[1],
        secret_key=secret_key,
    )
    shop, items, total = receipt
    kroner = f"{total // 100},{total % 100:02d}"
    upload = Upload("IMG_0412.JPG", "image/jpeg", receipt_photo(shop, items, kroner))
    line = service.receipts.add_receipt_file(db, principal=p, claim_id=claim.id, upload=upload, store=store)
    data = rules.ReceiptInput(
        amount_ore=total, spent_on=rules.today() - timedelta(days=days_ago), description=purpose
    )
    service.lines.update_receipt_line(db, principal=p, claim=claim, line=line, data=data)
    return claim


def add_demo_expenses(
    db: Session, *, store: FileStore, board: Board, treasurer: Person, chair: Person, secret_key: str
) -> None:
    as_treasurer = org_service.build_principal(db, person_id=treasurer.id)
    as_chair = org_service.build_principal(db, person_id=chair.id)
    _claim(
        db,
        as_treasurer,
        board,
        purpose="Kringle og kaffe til bestyrelsesmødet",
        account="119",
        bank=("1551", "0001234567"),
        receipt=("Bageriet Ø", [("Kringle", "89,00"), ("Kaffe 2 x 500 g", "120,00")], 20_900),
        days_ago=2,
        secret_key=secret_key,
        store=store,
    )
    waiting = _claim(
        db,
        as_chair,
        board,
        purpose="Maling til legepladsens bænke",
        account="120",
        bank=("9570", "0012345678"),
        receipt=("Farvehuset", [("Træbeskyttelse 5 l", "449,00"), ("Pensler", "65,95")], 51_495),
        days_ago=9,
        secret_key=secret_key,
        store=store,
    )
    trip = rules.MileageInput(
        travelled_on=rules.today() - timedelta(days=9),
        from_place="Engparken 1, Valby",
        to_place="Farvehuset, Glostrup",
        purpose="Indkøb af maling",
        km_tenths=184,
    )
    with contextlib.suppress(RuleViolation):  # no mileage rate for the year yet: no trip then
        service.lines.add_mileage_line(db, principal=as_chair, claim=waiting, data=trip)
    service.flow.submit_claim(db, principal=as_chair, claim_id=waiting.id, secret_key=secret_key)
    service.flow.attest_claim(db, principal=as_treasurer, claim_id=waiting.id)
