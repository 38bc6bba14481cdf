"""Meeting packs: one PDF per meeting and reader, built and versioned by background jobs, read on a
tablet (one attachment at a time, offline too) with private notes and read tracking.
Other domains use ``packs.service``."""
