"""Who reads and who keeps the board's library and keys.

Readers: the board's members and the administration (staff of the board's organisation or
department); anyone else gets 404, as for a board that does not exist. Keepers (add, upload a
version, archive, issue and take back keys): the chair, the vice chair and the administration;
a member who may read but not keep gets 403.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core.errors import Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, can
from boardkit.library.models import AccessItem, LibraryDocument
from boardkit.org import service as org_service


def readable_board(db: Session, principal: Principal, board_id: int) -> org_service.Board:
    """The board, when ``principal`` may read its library (404 otherwise)."""
    return org_service.get_board(db, principal=principal, board_id=board_id)


def may_keep(principal: Principal, board: org_service.Board) -> bool:
    return can(principal, Action.MANAGE, org_service.board_resource(board))


def keeping_board(db: Session, principal: Principal, board_id: int) -> org_service.Board:
    """The board, when ``principal`` keeps its library (404 for strangers, 403 for members)."""
    board = readable_board(db, principal, board_id)
    if not may_keep(principal, board):
        raise Forbidden(
            _("Kun formanden, næstformanden og administrationen kan ændre bestyrelsens bibliotek.")
        )
    return board


def readable_document(db: Session, principal: Principal, document_id: int) -> LibraryDocument:
    document = db.get(LibraryDocument, document_id)
    if document is None:
        raise NotFound()
    readable_board(db, principal, document.board_id)
    return document


def kept_document(db: Session, principal: Principal, document_id: int) -> LibraryDocument:
    document = readable_document(db, principal, document_id)
    keeping_board(db, principal, document.board_id)
    return document


def readable_item(db: Session, principal: Principal, item_id: int) -> AccessItem:
    item = db.get(AccessItem, item_id)
    if item is None:
        raise NotFound()
    readable_board(db, principal, item.board_id)
    return item
