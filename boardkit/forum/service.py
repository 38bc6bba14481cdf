"""The forum's public face: what pages, the API and other domains call."""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal
from boardkit.forum import access as _access
from boardkit.forum import moderation as _moderation
from boardkit.forum import posting as _posting
from boardkit.forum import preferences as _preferences
from boardkit.forum import reading as _reading
from boardkit.forum.models import Post as Post
from boardkit.forum.models import Space as Space
from boardkit.forum.models import Thread as Thread
from boardkit.forum.posting import BulletinInput as BulletinInput
from boardkit.forum.reading import PostView as PostView
from boardkit.org import service as org_service

start_thread = _posting.start_thread
reply = _posting.reply
edit = _posting.edit
delete = _posting.delete
post_bulletin = _posting.post_bulletin
put_on_agenda = _posting.put_on_agenda
board_threads = _reading.board_threads
thread_posts = _reading.thread_posts
bulletin = _reading.bulletin
unread = _reading.unread
poster_pdf = _reading.poster_pdf
flag = _moderation.flag
moderate = _moderation.moderate


def post_view(db: Session, *, principal: Principal, post: Post) -> PostView:
    (view,) = _reading.views_of(db, principal, [post])
    return view


set_preference = _preferences.set_preference


def space_for(db: Session, *, principal: Principal, board_id: int | None, department_id: int | None) -> Space:
    """A board's forum or a department's bulletin board the person may read (404 otherwise)."""
    if (board_id is None) == (department_id is None):
        raise NotFound()
    if board_id is not None:
        board = db.get(org_service.Board, board_id)
        probe = Space(organisation_id=board.organisation_id if board else 0, kind="board", board_id=board_id)
        if board is None or not _access.may_read(db, principal, probe):
            raise NotFound()
        return _access.board_space(db, board_id=board_id)
    assert department_id is not None
    department = db.get(org_service.Department, department_id)
    probe = Space(
        organisation_id=department.organisation_id if department else 0,
        kind="bulletin",
        department_id=department_id,
    )
    if department is None or not _access.may_read(db, principal, probe):
        raise NotFound()
    return _access.bulletin_space(db, department_id=department_id)
