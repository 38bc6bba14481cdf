"""Resident democracy's public face for the rest of boardkit (the API, the demo, other domains).
It only re-exports; the domain's modules import each other directly and never this one."""

from __future__ import annotations
