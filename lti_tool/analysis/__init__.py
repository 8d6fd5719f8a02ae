"""Item analysis: classical test statistics of an assessment version in a placement, per
selection of attempts (first, best, all submitted) and per interface language, with the flags
authors act on, the staff pages that show them, their CSV exports, and the course roster from
the platform's membership service (NRPS). Formulas: docs/statistics.md."""
