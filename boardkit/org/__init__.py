"""The organisation: people, departments and their homes, boards and memberships, staff, the
master-data import (``importing/``) and the administration's pages. ``service.py`` is the face
other domains import; it also says who a person is today (their :class:`Principal`)."""
