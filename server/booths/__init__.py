"""Exhibitor booths (DESIGN.md section 13): booths and their qualifying questions (questions,
booths), the staff phones' lead ops checked (ops), merged by the contact rules (merge) and applied
with the booth's change feed (apply), the attendee's shares and withdrawal (shares), and the CRM
exports (export). Plain modules over server.storage, knowing nothing of HTTP."""
