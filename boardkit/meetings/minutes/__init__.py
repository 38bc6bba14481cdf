"""Minutes of a held meeting: their content and versions, the approval cycle, publication with a
notice (and paper letters carrying the minutes), the PDF, the search index, the decision register
with each decision's status, an ordinary department meeting's election and the items carried over
to the next meeting, with their pages. The tables are in ``meetings.minutes_models`` (the meeting
core reads them: published minutes announce a meeting). Other domains use ``minutes.service``."""
