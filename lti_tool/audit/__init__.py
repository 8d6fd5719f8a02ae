"""The audit log: what staff did to learners' attempts and a placement's settings, who did it,
why, and when. Written in the same transaction as the change it records (so there is never a
change without its entry, nor an entry without its change), read by instructors on a page and
as CSV. Entries are never changed or deleted by the tool."""
