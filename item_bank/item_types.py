"""Names shared by the schemas, the database constraints, scoring and presentation."""

from __future__ import annotations

SINGLE_CHOICE = "single_choice"
MULTIPLE_RESPONSE = "multiple_response"
TRUE_FALSE = "true_false"
MATCHING = "matching"
SHORT_ANSWER = "short_answer"
NUMERICAL = "numerical"

ITEM_TYPES: tuple[str, ...] = (
    SINGLE_CHOICE,
    MULTIPLE_RESPONSE,
    TRUE_FALSE,
    MATCHING,
    SHORT_ANSWER,
    NUMERICAL,
)
CHOICE_TYPES = frozenset({SINGLE_CHOICE, MULTIPLE_RESPONSE})

# What a learner may see after an attempt (authoring key `rules.review`).
REVIEW_NONE = "none"  # nothing but the fact that the attempt is over
REVIEW_SCORE = "score"  # the score per question, not the questions' answers
REVIEW_RESPONSES = "responses"  # the questions, the learner's own responses and scores
REVIEW_FULL = "full"  # also the correct answers and the feedback
REVIEW_POLICIES: tuple[str, ...] = (REVIEW_NONE, REVIEW_SCORE, REVIEW_RESPONSES, REVIEW_FULL)

TRUE_FALSE_OPTION_IDS: tuple[str, ...] = ("true", "false")


def distractor_id(index: int) -> str:
    """Matching distractors have no author id: d1, d2, ... in authored order."""
    return f"d{index + 1}"
