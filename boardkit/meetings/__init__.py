"""Meetings of boards and departments: the meeting core and its sub-domains.

The core (this package's modules) owns meetings, their agenda and files, who may see them
(``access``, ``lookup``), the statutory timeline, the iCalendar serialiser and feed, RSVPs, the
department page and the meeting pages. The sub-packages each own one sub-domain and import the
core, never the other way round (except the pages and reminders, which sit on top of them):
``invitations`` (notices, paper letters, print batches), ``proposals`` (residents' proposals),
``packs`` (meeting packs, the tablet reader, private notes) and ``minutes`` (minutes, their
approval and publication, the decision register). Other domains use the ``service`` modules.
"""
