"""What a learner may see after an attempt (authoring key `rules.review`)."""

from __future__ import annotations

REVIEW_NONE = "none"  # nothing but the fact that the attempt is over
REVIEW_SCORE = "score"  # the score per question, not the questions' answers
REVIEW_RESPONSES = "responses"  # the questions, the learner's own responses and scores
REVIEW_FULL = "full"  # also the correct answers and the feedback
REVIEW_POLICIES: tuple[str, ...] = (REVIEW_NONE, REVIEW_SCORE, REVIEW_RESPONSES, REVIEW_FULL)
