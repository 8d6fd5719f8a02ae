"""One-sitting attempts: start, answer, keep alive, submit, score; the best score per learner.

`models` (tables), `rules` (pure decisions, injected time), `service` and `finishing` (the
attempt's transactions on a given Session, no commits), `learner_actions` and
`instructor_actions` (one unit of work per request: they commit, views never do, ADR 0012),
`views`/`json_views`/`instructor_views` (parse, call one action, map errors, render), `best`
(the best result, read by certificates).
"""
