"""Steps a learner should take before starting an attempt, because starting closes them for
good: the entry questionnaire measures what a learner knew *before*, so it closes once they
have finished an attempt, and a learner who starts without it loses their "before" score.

The steps belong to packages that depend on attempts (forms), so they answer a signal
(`lti_tool.signals.first_steps_asked`) instead of being imported here. The home page shows
them first, and starting while one is pending asks for a confirmation (`CONFIRM_FIELD`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lti_tool.launch.links import launch_url
from lti_tool.launch.models import Placement
from lti_tool.signals import first_steps_asked

# Posted with the start form of the confirmation page: "start without the first steps".
CONFIRM_FIELD = "without_first_steps"
CONFIRMED = "1"


@dataclass(frozen=True)
class FirstStep:
    """One step to take before starting: where it is and what it is called."""

    code: str  # what kind of step ("entry_questionnaire"), for tests and templates
    endpoint: str  # the page where the learner takes it, for launch_url
    titles: Mapping[str, str]  # its title by language
    default_language: str
    values: Mapping[str, str] = field(default_factory=dict)  # the endpoint's URL values

    def url(self) -> str:
        return launch_url(self.endpoint, **self.values)


def pending_first_steps(session: Session, placement: Placement, user_id: int) -> list[FirstStep]:
    """The first steps this learner has not taken yet (read only)."""
    replies = first_steps_asked.send(placement, session=session, user_id=user_id)
    return [step for _receiver, step in replies if isinstance(step, FirstStep)]
