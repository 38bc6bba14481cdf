"""The forum's public face: what pages, the API and other domains call."""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core.permissions import Principal
from boardkit.forum import moderation as _moderation
from boardkit.forum import posting as _posting
from boardkit.forum import reading as _reading
from boardkit.forum.models import Post as Post
from boardkit.forum.models import Thread as Thread
from boardkit.forum.poster import bulletin_poster as bulletin_poster
from boardkit.forum.posting import BulletinInput as BulletinInput
from boardkit.forum.reading import PostView as PostView
from boardkit.forum.reading import first_name as first_name

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
poster_posts = _reading.poster_posts
flag = _moderation.flag
moderate = _moderation.moderate


def post_view(db: Session, *, principal: Principal, post: Post) -> PostView:
    (view,) = _reading.views_of(db, principal, [post])
    return view
