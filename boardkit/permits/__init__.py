"""Resident permits (beboertilladelser and råderet): the kinds and their tracks, the statutory
deadline of a report (8 weeks, July not counted), decisions, compensation for improvements, the
move-out checklist, and the board's overview without personal data.

So far: ``deadlines`` (how a case is decided and by when) and ``compensation`` (godtgørelse, written
down over the item's life); ``catalogue`` holds the default kinds an organisation starts with.
"""
