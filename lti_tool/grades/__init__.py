"""Grade passback (LTI Assignment and Grade Services): an outbox of best scores and the worker
that delivers them. See docs/grades.md and docs/decisions/*-grade-worker.md."""
