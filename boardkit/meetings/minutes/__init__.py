"""Minutes of a held meeting: their content and versions, the approval cycle, publication with a
notice (and paper letters carrying the minutes), the PDF, the search index and the decision
register, with their pages. The tables are in ``meetings.minutes_models`` (the meeting core reads
them: published minutes announce a meeting). Other domains use ``minutes.service``."""
