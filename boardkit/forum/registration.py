"""The forum domain's part of the application."""

from __future__ import annotations

from boardkit.core import storage
from boardkit.core.registry import Registry
from boardkit.forum.models import PostFile


def register(reg: Registry) -> None:
    storage.register_references("forum", PostFile.sha256, PostFile.preview_sha256)
