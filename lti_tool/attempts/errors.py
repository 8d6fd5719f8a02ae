"""The refusals of an attempt: domain errors a person can act on, raised by the services.

Every `AttemptError` is a `KeepsWork` error: a refusal often follows settling (an answer to an
attempt whose time ran out submits it first), and what settling found is the truth, so the
unit of work commits it before the view maps the error to a page or a JSON reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from item_bank.responses import InvalidResponse
from lti_tool.attempts import rules
from lti_tool.db import KeepsWork

if TYPE_CHECKING:
    from lti_tool.attempts.models import Attempt


class AttemptError(KeepsWork):
    """A refusal a person can act on; `code` is stable for programs and tests."""

    code = "attempt_error"

    def __init__(self, attempt: Attempt | None = None, detail: str = ""):
        super().__init__(detail or self.code)
        self.attempt = attempt


class AttemptNotFound(AttemptError):
    code = "attempt_not_found"


class QuestionNotFound(AttemptError):
    code = "question_not_found"


class AttemptOver(AttemptError):
    """The attempt was submitted (by the learner or the time limit): nothing more is taken."""

    code = "attempt_over"


class AttemptVoid(AttemptError):
    """The attempt ended without a score (inactivity); a new attempt must be started."""

    code = "attempt_void"


class SittingMoved(AttemptError):
    """The attempt continues in another tab or device; this copy must stop."""

    code = "sitting_moved"


class TooManyHeartbeats(AttemptError):
    """More heartbeats than any page sends: refused, and the attempt is left as it was."""

    code = "rate_limited"


class StartRefused(AttemptError):
    code = "start_refused"

    def __init__(self, refusal: rules.Refusal, attempt: Attempt | None = None):
        super().__init__(attempt, refusal.code)
        self.refusal = refusal
        self.code = refusal.code


class InvalidAnswer(AttemptError):
    code = "invalid_answer"
    attempt: Attempt  # always the attempt the answer was for

    def __init__(self, attempt: Attempt, problem: InvalidResponse):
        super().__init__(attempt, problem.message)
        self.problem = problem
