"""What a learner may see after an attempt (authoring key `rules.review`)."""

from __future__ import annotations

REVIEW_NONE = "none"  # nothing but the fact that the attempt is over
REVIEW_SCORE = "score"  # the score per question, not the questions' answers
REVIEW_RESPONSES = "responses"  # the questions, the learner's own responses and scores
REVIEW_FULL = "full"  # also the correct answers and the feedback
# `responses` while the learner could still take the assessment again in the activity, `full`
# once they cannot (it has closed, or no attempt is left): with retakes, the right answers seen
# after one attempt would key the next (Moodle's quiz: review options "after the quiz is closed").
REVIEW_FULL_AFTER_CLOSE = "full_after_close"
REVIEW_POLICIES: tuple[str, ...] = (
    REVIEW_NONE,
    REVIEW_SCORE,
    REVIEW_RESPONSES,
    REVIEW_FULL,
    REVIEW_FULL_AFTER_CLOSE,
)


def review_now(policy: str, *, can_take_again: bool) -> str:
    """The policy that applies at this moment: `full_after_close` becomes `responses` or
    `full`; the others stay as they are."""
    if policy != REVIEW_FULL_AFTER_CLOSE:
        return policy
    return REVIEW_RESPONSES if can_take_again else REVIEW_FULL
