"""One-sitting attempts: start, answer, keep alive, submit, score; the best score per learner.

`models` (tables), `rules` (pure decisions, injected time), `service` (the transactions, no
commits: views commit before they answer), `best` (the best result, read by certificates).
"""
