"""The tool (its database, its JWKS served over HTTP) and a live lti1p3platform-based platform
sharing one FakeClock, with a placement whose line item lives on that platform."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import select

from demo_platform import PlatformConfig, generate_platform_key
from demo_platform.store import ResourceLink
from lti_tool.db import session_scope
from lti_tool.grades.models import PENDING, GradeOutbox
from lti_tool.grades.outbox import enqueue_grade
from lti_tool.grades.worker import GradeWorker, WorkerConfig, build_worker
from lti_tool.platforms.keys import ensure_signing_key
from tests.support.grade_fixtures import Course, add_learner, seed_course
from tests.support.platform_server import RunningPlatform, run_platform, serve_wsgi

LEARNERS = ("4", "5", "6", "7")


@dataclass
class PlatformWithCourse:
    """A live platform, its line item, and the placement + learners the tool holds for it."""

    platform: RunningPlatform
    course: Course
    line_item_id: str

    def gradebook(self) -> dict[str, float | None]:
        return {
            g.user_id: None if g.grade is None else round(g.grade, 6)
            for g in self.platform.state.grades(self.line_item_id)
        }


def start_platform_with_course(
    app, clock, tool_url: str, *, client_id: str = "demo-tool-client", learners=LEARNERS
) -> PlatformWithCourse:
    config = PlatformConfig(
        private_key_pem=generate_platform_key(),
        clock=clock,
        client_id=client_id,
        tool_login_url=tool_url + "/lti/login",
        tool_launch_url=tool_url + "/lti/launch",
        tool_jwks_url=tool_url + "/.well-known/jwks.json",
    )
    platform = run_platform(config)
    config = platform.config  # with its issuer (the URL it was bound to)
    try:
        state = platform.state
        item = state.create_line_item(
            label="Final assessment", score_maximum=100, resource_link_id="1"
        )
        state.save_resource_link(
            ResourceLink(id="1", title="Final assessment", line_item_id=item.id)
        )
        for sub in learners:
            state.enrol(sub, ["Learner"])
        with app.app_context(), session_scope() as session:
            course = seed_course(
                session,
                clock.now(),
                issuer=platform.url,
                client_id=config.client_id,
                token_url=config.token_url(),
                lineitem_url=config.lineitem_url(item.id),
                lineitems_url=config.lineitems_url(),
                learners=learners,
            )
    except BaseException:
        platform.shutdown()
        raise
    return PlatformWithCourse(platform=platform, course=course, line_item_id=item.id)


@dataclass
class AgsEnv:
    app: object
    platform: RunningPlatform
    clock: object
    course: Course
    line_item_id: str
    tool_url: str = ""
    attempts: dict = field(default_factory=lambda: defaultdict(int))
    others: list[PlatformWithCourse] = field(default_factory=list)

    def add_platform(self, client_id: str) -> PlatformWithCourse:
        """Another live platform (its own client id) with a placement and the same learners."""
        other = start_platform_with_course(self.app, self.clock, self.tool_url, client_id=client_id)
        self.others.append(other)
        return other

    @property
    def state(self):
        return self.platform.state

    @property
    def sessions(self):
        return self.app.extensions["emm_sessionmaker"]

    def worker(
        self, *, name: str = "w1", timeout: float = 2.0, seed: int = 1, **config
    ) -> GradeWorker:
        settings = dict(batch_size=10, poll_interval=0.05)
        settings.update(config)
        base = WorkerConfig.for_timeout(timeout, **settings)
        return build_worker(
            self.app,
            name=name,
            clock=self.clock,
            rng=random.Random(seed),
            config=base,
            timeout=timeout,
            sleep=lambda s: None,
        )

    def enqueue(
        self,
        sub: str,
        score: float,
        maximum: float = 100.0,
        placement_id: int | None = None,
        at: datetime | None = None,
        course: Course | None = None,
    ) -> None:
        course = course or self.course
        self.attempts[sub] += 1
        with self.app.app_context(), session_scope() as session:
            enqueue_grade(
                session,
                placement_id=placement_id or course.placement_id,
                user_id=course.users[sub],
                attempt_id=self.attempts[sub],
                score_given=score,
                score_maximum=maximum,
                timestamp=at or self.clock.now(),
            )

    def add_learner(self, sub: str, *, enrol: bool = True) -> None:
        with self.app.app_context(), session_scope() as session:
            add_learner(session, self.course, sub, self.clock.now())
        if enrol:
            self.state.enrol(sub, ["Learner"])

    def pending(self) -> int:
        with self.sessions() as session:
            return len(
                session.scalars(select(GradeOutbox.id).where(GradeOutbox.state == PENDING)).all()
            )

    def drain(self, *workers: GradeWorker, max_rounds: int = 200) -> int:
        """Run the workers until nothing is pending, moving the clock to each next due time
        (what the real loop's sleep would wait for). Returns the rounds it took."""
        for rounds in range(1, max_rounds + 1):
            for worker in workers:
                worker.run_due()
            with self.sessions() as session:
                next_due = session.scalar(
                    select(GradeOutbox.next_attempt_at)
                    .where(GradeOutbox.state == PENDING)
                    .order_by(GradeOutbox.next_attempt_at)
                    .limit(1)
                )
            if next_due is None:
                return rounds
            if next_due > self.clock.now():
                self.clock.set(next_due)
        raise AssertionError(f"the outbox did not drain in {max_rounds} rounds")

    def rows_of(self, course: Course) -> list[GradeOutbox]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(GradeOutbox).where(GradeOutbox.placement_id == course.placement_id)
                )
            )

    def rows(self) -> dict[str, GradeOutbox]:
        from lti_tool.launch.models import LtiUser

        with self.sessions() as session:
            return {
                sub: row
                for row, sub in session.execute(select(GradeOutbox, LtiUser.sub).join(LtiUser))
            }

    def gradebook(self, line_item_id: str | None = None) -> dict[str, float | None]:
        """What the platform shows, rescaled to the line item's maximum (100)."""
        return {
            g.user_id: None if g.grade is None else round(g.grade, 6)
            for g in self.state.grades(line_item_id or self.line_item_id)
        }

    def posts(self, sub: str, line_item_id: str | None = None):
        return [
            p
            for p in self.state.score_posts(line_item_id or self.line_item_id)
            if isinstance(p.body, dict) and p.body.get("userId") == sub
        ]

    def accepted(self, sub: str, line_item_id: str | None = None):
        return [p for p in self.posts(sub, line_item_id) if p.status == 200]


def assert_never_lowered_never_reordered(env: AgsEnv, subs) -> None:
    """Every post that reached the gradebook, in arrival order: timestamps never go back and
    scores never go down; the accepted ones strictly rise in time."""
    for sub in subs:
        posts = env.posts(sub)
        stamps = [p.body["timestamp"] for p in posts]
        scores = [p.body["scoreGiven"] / p.body["scoreMaximum"] for p in posts]
        assert stamps == sorted(stamps), (sub, stamps)
        assert scores == sorted(scores), (sub, scores)
        accepted = [p.body["timestamp"] for p in env.accepted(sub)]
        assert len(set(accepted)) == len(accepted), (sub, accepted)


@pytest.fixture
def ags_env(app, clock):
    with app.app_context(), session_scope() as session:
        ensure_signing_key(session, app.config["SECRET_KEY"], clock.now())
    tool = serve_wsgi(app)  # the platforms fetch the tool's JWKS from here
    env = None
    try:
        first = start_platform_with_course(app, clock, tool.url)
        env = AgsEnv(
            app=app,
            platform=first.platform,
            clock=clock,
            course=first.course,
            line_item_id=first.line_item_id,
            tool_url=tool.url,
        )
        yield env
    finally:
        if env is not None:
            for running in (env.platform, *(other.platform for other in env.others)):
                running.shutdown()
        tool.shutdown()
