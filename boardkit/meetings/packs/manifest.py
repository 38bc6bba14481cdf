"""What goes into a pack variant (its manifest), the manifest's hash, and what changed between two.

Variants (``models.PACK_VARIANTS``):

* ``full`` — every item, closed ones included (the sitting board, the administration);
* ``open`` — closed items left out (board readers who may not see them, such as substitutes);
* ``public`` — the residents' pack of a department meeting: a closed item appears as its title
  only, marked closed, or not at all, by the organisation rule ``public_pack_closed_items``
  (``"title"``, the default, or ``"omit"``).

A manifest holds exactly what its readers may see, so nothing built from it (the PDF, the list
of changes) can show more. Items are numbered as each reader's agenda shows them (1, 2, 3 …).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any

from boardkit.meetings.models import AgendaItem, Meeting

MEETING_FIELDS = ("title", "starts_at", "ends_at", "location", "room", "online_url", "organisation", "board")
ITEM_FIELDS = ("title", "kind", "closed", "redacted", "description", "presenter")


def public_closed_rule(rules: dict[str, Any]) -> str:
    return "omit" if rules.get("public_pack_closed_items") == "omit" else "title"


def variants_for(meeting: Meeting) -> tuple[str, ...]:
    """The variants built for a meeting: the residents' pack only for department meetings."""
    return ("full", "open", "public") if meeting.is_department_meeting else ("full", "open")


def _file(attachment: Any) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "sha256": attachment.sha256,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
    }


def _item(item: AgendaItem, number: int, *, redacted: bool, extra: list[Any]) -> dict[str, Any]:
    found = {
        "id": item.id,
        "number": number,
        "title": item.title,
        "kind": "" if redacted else item.kind,
        "closed": item.closed,
        "redacted": redacted,
        "description": "" if redacted else item.description,
        "presenter": "" if redacted else item.presenter,
        "files": [] if redacted else [_file(a) for a in [*item.attachments, *extra]],
    }
    # Retention took the material of a person case: its place and title stay.
    return found if item.material_deleted_at is None else _forgotten(found)


def _forgotten(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "description": "", "files": [], "material_deleted": True}


def forget_material(manifest: dict[str, Any], item_ids: set[int]) -> dict[str, Any]:
    """The manifest with the material of ``item_ids`` taken out, as :func:`build_manifest` now
    makes it for an item whose material retention deleted (the same manifest if none is in it)."""
    if not any(i["id"] in item_ids and not i.get("material_deleted") for i in manifest["items"]):
        return manifest
    items = [_forgotten(i) if i["id"] in item_ids else i for i in manifest["items"]]
    return {**manifest, "items": items}


def build_manifest(
    meeting: Meeting,
    variant: str,
    *,
    rules: dict[str, Any],
    proposal_files: dict[int, list[Any]] | None = None,
) -> dict[str, Any]:
    """The manifest of one variant (the meeting's items and attachments loaded); an item made
    from a resident's proposal carries the proposal's files after its own (``proposal_files``,
    by proposal id)."""
    proposal_files = proposal_files or {}
    items: list[dict[str, Any]] = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        redacted = False
        if item.closed and variant == "open":
            continue
        if item.closed and variant == "public":
            # A person or complaint case is left out of the residents' pack whatever the rule.
            if item.person_case or public_closed_rule(rules) == "omit":
                continue
            redacted = True
        extra = proposal_files.get(item.proposal_id, []) if item.proposal_id else []
        # The meeting's own numbers: a left-out item leaves a gap, as in the notices and the minutes.
        items.append(_item(item, item.position, redacted=redacted, extra=extra))
    board = meeting.board
    return {
        "variant": variant,
        "meeting": {
            "id": meeting.id,
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "location": meeting.location,
            "room": meeting.room,
            "online_url": meeting.online_url,
            "organisation": board.organisation.name,
            "board": board.name,
        },
        "items": items,
    }


def inputs_hash(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest's canonical JSON: the same inputs always give the same hash."""
    canonical = json.dumps(manifest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _ref(kind: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "item_id": item["id"],
        "item_number": item["number"],
        "item_title": item["title"],
        **extra,
    }


def _moved(old_ids: list[int], new_ids: list[int]) -> set[int]:
    """Items whose place among the others changed (not those merely renumbered by an insertion)."""
    common = set(old_ids) & set(new_ids)
    before = [i for i in old_ids if i in common]
    after = [i for i in new_ids if i in common]
    kept: set[int] = set()
    for block in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_matching_blocks():
        kept.update(after[block.b : block.b + block.size])
    return common - kept


def _file_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    before = {f["id"]: f for f in old["files"]}
    after = {f["id"]: f for f in new["files"]}
    removed = [f for i, f in before.items() if i not in after]
    added = [f for i, f in after.items() if i not in before]
    changes = [
        _ref("file_replaced", new, filename=f["filename"])
        for i, f in after.items()
        if i in before and before[i]["sha256"] != f["sha256"]
    ]
    for f in added:
        same_name = next((r for r in removed if r["filename"] == f["filename"]), None)
        if same_name is not None:
            removed.remove(same_name)
            kind = "file_replaced" if same_name["sha256"] != f["sha256"] else ""
            if kind:
                changes.append(_ref(kind, new, filename=f["filename"]))
        else:
            changes.append(_ref("file_added", new, filename=f["filename"]))
    changes += [_ref("file_removed", new, filename=f["filename"]) for f in removed]
    return changes


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from ``old`` to ``new`` (both manifests of one variant), in agenda order."""
    if old is None:
        return []
    changes: list[dict[str, Any]] = []
    fields = [f for f in MEETING_FIELDS if old["meeting"].get(f) != new["meeting"].get(f)]
    if fields:
        changes.append({"kind": "meeting_changed", "fields": fields})
    before = {i["id"]: i for i in old["items"]}
    after = {i["id"]: i for i in new["items"]}
    moved = _moved([i["id"] for i in old["items"]], [i["id"] for i in new["items"]])
    for item in new["items"]:
        previous = before.get(item["id"])
        if previous is None:
            changes.append(_ref("item_added", item))
            continue
        changed = [f for f in ITEM_FIELDS if previous.get(f) != item.get(f)]
        if previous["redacted"] != item["redacted"]:
            changed = ["closed"]  # what a redacted item hid or shows now is not a change to list
        if item["id"] in moved:
            changed.append("position")
        if changed:
            changes.append(_ref("item_changed", item, fields=changed))
        changes += _file_changes(previous, item)
    changes += [_ref("item_removed", item) for item in old["items"] if item["id"] not in after]
    return changes


def file_refs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every file in the manifest (each once, by content), in agenda order."""
    seen: set[str] = set()
    files = []
    for item in manifest["items"]:
        for f in item["files"]:
            if f["sha256"] not in seen:
                seen.add(f["sha256"])
                files.append(f)
    return files
