"""The key is not in the page: read as an attacker reads it (issue 9, item 1).

Every question page of attempts on the shipped demo banks, the autosave JSON, the page after
a refused answer and the review page are searched for authored option, prompt and distractor
ids in every value, name, id, for and data-* attribute and in inline scripts. Then a script
that never reads a question answers by position or by value (the first control, the
smallest value, "value equals the select's name") and must not score like the key; a page's
values must differ between two attempts, and those of another attempt are refused."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from item_bank.demo import load_demo_content
from item_bank.scoring import is_full_marks, score_response
from lti_tool import db
from lti_tool.attempts import starting
from tests.integration.attempts.conftest import attempt_rows
from tests.integration.attempts.page_reading import (
    PageReader,
    authored_ids,
    json_strings,
    leaks,
    page_secrets,
)

DEMO_BANKS = ("emm2-final", "tendencias-latam-final")


@pytest.fixture
def demo(app, clock):
    with app.app_context(), db.session_scope() as session:
        assert load_demo_content(session, now=clock.now()).validation.ok


# -- 1. nothing authored in what the browser gets -------------------------------------------


@pytest.mark.parametrize("slug", DEMO_BANKS)
def test_no_authored_id_in_any_question_page_or_autosave_reply(app, demo, learner_of, slug):
    ana = learner_of(slug, locale="es")
    ana.start()
    questions = attempt_rows(app, ana.attempt_id).questions
    checked_ids = set()
    for q in questions:
        ids = authored_ids(q.item_version)
        checked_ids |= ids
        response = ana.question(q.position)
        page = response.get_data(as_text=True)
        reader = PageReader(page)
        assert not leaks(reader.machine_values(page_secrets(ana)), ids), q.item_version.type
        assert q.item_version.item_uid not in page
        # What the page would autosave: its first control (a script's choice).
        posted = first_controls(reader)
        reply = ana.save_as_posted(q.position, posted)
        assert reply.status_code == 200, (q.item_version.type, reply.json)
        assert not json_strings(reply.json) & ids, reply.json
        # The reload re-checks what was saved, still in the page's values.
        again = PageReader(ana.question(q.position).get_data(as_text=True))
        assert not leaks(again.machine_values(page_secrets(ana)), ids)
        if q.item_version.type in ("single_choice", "multiple_response", "matching"):
            assert checked_values(ana.question(q.position).get_data(as_text=True)) == sorted(
                flatten(posted)
            ), q.item_version.type
    assert checked_ids >= {"a", "b", "c", "d"}  # the banks' keys were all looked for

    # A refused answer (not a value of this question) shows the page again, still clean.
    choice = next(q for q in questions if q.item_version.type == "single_choice")
    refused = ana.answer_form_as_posted(choice.position, choice="a")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="answer-error"' in page
    assert not leaks(
        PageReader(page).machine_values(page_secrets(ana)), authored_ids(choice.item_version)
    )

    # The review page before submitting.
    review = ana.get(f"/assessment/attempts/{ana.attempt_id}/review", s=ana.sitting)
    ana.pick_up_sitting(review)
    every_id = set().union(*(authored_ids(q.item_version) for q in questions))
    reader = PageReader(review.get_data(as_text=True))
    assert not leaks(reader.machine_values(page_secrets(ana)), every_id)


def first_controls(reader: PageReader) -> dict:
    """The response a script makes by taking the first control of each kind."""
    if reader.radios.get("choice"):
        return {"choice": reader.radios["choice"][0]}
    if reader.radios.get("value"):
        return {"value": reader.radios["value"][0] == "true"}
    if reader.checkboxes.get("choices"):
        return {"choices": reader.checkboxes["choices"][:1]}
    if reader.selects:
        return {
            "pairs": {name[len("pair-") :]: values[0] for name, values in reader.selects.items()}
        }
    return {}


def flatten(response: dict) -> list[str]:
    out = []
    for value in response.values():
        if isinstance(value, dict):
            out += list(value.values())
        elif isinstance(value, list):
            out += value
        elif isinstance(value, str):
            out.append(value)
    return out


CHECKED = re.compile(r'value="([^"]+)"\s+(?:checked|selected)')


def checked_values(page: str) -> list[str]:
    return sorted(v for v in CHECKED.findall(page) if v not in ("true", "false"))


# -- 2. answering without reading does not score like the key --------------------------------


def by_first_control(name: str, values: list[str]) -> str | None:
    return values[0]


def by_smallest_value(name: str, values: list[str]) -> str | None:
    return min(values)


def by_value_equal_to_name(name: str, values: list[str]) -> str | None:
    """Matching: the option whose value is the select's own name (pair-p1 -> p1); choice:
    the value "a" (the banks' every single-choice key was a)."""
    wanted = name[len("pair-") :] if name.startswith("pair-") else "a"
    return wanted if wanted in values else None


STRATEGIES = (by_first_control, by_smallest_value, by_value_equal_to_name)


def blind_form(reader: PageReader, pick) -> dict:
    """Form fields of a script that picks by `pick`, never reading a question."""
    if reader.radios.get("choice"):
        chosen = pick("choice", reader.radios["choice"])
        return {"choice": chosen} if chosen else {}
    if reader.checkboxes.get("choices"):
        chosen = pick("choices", reader.checkboxes["choices"])
        return {"choices": [chosen]} if chosen else {}
    fields = {}
    for name, values in reader.selects.items():
        chosen = pick(name, values)
        if chosen:
            fields[name] = chosen
    return fields


# A draw known to hold matching questions and enough single-choice ones: without it, chance
# decides whether the test has anything to check.
KNOWN_SEED = 20261202


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.__name__)
def test_answering_by_position_or_value_does_not_score_like_the_key(
    app, demo, learner_of, strategy, monkeypatch
):
    monkeypatch.setattr(starting, "new_seed", lambda: KNOWN_SEED)
    right, asked = defaultdict(int), defaultdict(int)
    for number, slug in enumerate(DEMO_BANKS):
        bot = learner_of(slug, sub=f"bot-{number}")
        bot.start()
        for q in attempt_rows(app, bot.attempt_id).questions:
            reader = PageReader(bot.question(q.position).get_data(as_text=True))
            fields = blind_form(reader, strategy)
            assert bot.answer_form_as_posted(q.position, **fields).status_code == 303
        for q in attempt_rows(app, bot.attempt_id).questions:
            kind = q.item_version.type
            if kind in ("single_choice", "matching"):
                asked[kind] += 1
                points = score_response(q.item_version, q.response or {})
                right[kind] += is_full_marks(q.item_version, points)
    assert asked["single_choice"] >= 8 and asked["matching"] >= 1, dict(asked)
    # Chance, not the key: a quarter of the single-choice items or so, never all of them.
    assert right["single_choice"] < asked["single_choice"], dict(right)
    assert right["single_choice"] <= 0.75 * asked["single_choice"], dict(right)
    if strategy is by_value_equal_to_name:
        assert right["matching"] == 0, dict(right)  # no value is ever its select's name


# -- 3. values belong to one attempt -------------------------------------------------------


def control_values(person, position: int) -> set[str]:
    reader = PageReader(person.question(position).get_data(as_text=True))
    values = {
        v
        for vs in (*reader.radios.values(), *reader.checkboxes.values(), *reader.selects.values())
        for v in vs
    }
    names = {name[len("pair-") :] for name in reader.selects}
    return (values | names) - {"true", "false"}


def test_the_page_values_differ_between_two_attempts_of_the_same_learner(
    app, make_assessment, learner_of
):
    ana = learner_of(make_assessment(all_types=True))
    ana.start()
    first = ana.attempt_id
    seen_first = {p: control_values(ana, p) for p in range(1, 8)}
    assert seen_first == {p: control_values(ana, p) for p in range(1, 8)}  # stable on reload
    ana.submit()
    ana.start()
    assert ana.attempt_id != first
    seen_second = set().union(*(control_values(ana, p) for p in range(1, 8)))
    assert set().union(*seen_first.values()) and seen_second
    assert not set().union(*seen_first.values()) & seen_second


def test_values_of_another_attempt_or_question_are_refused_with_a_4xx(
    app, make_assessment, learner_of
):
    slug = make_assessment(all_types=True)
    ana, ben = learner_of(slug), learner_of(slug, sub="5")
    ana.start()
    earlier = set().union(*(control_values(ana, p) for p in range(1, 8)))
    ana.submit()
    ana.start()
    ben.start()
    bens = set().union(*(control_values(ben, p) for p in range(1, 8)))
    mine = {p: control_values(ana, p) for p in range(1, 8)}
    questions = attempt_rows(app, ana.attempt_id).questions
    choices = [
        q for q in questions if q.item_version.type in ("single_choice", "multiple_response")
    ]
    assert len(choices) == 3
    for q in choices:

        def response(value, q=q):
            return (
                {"choice": value}
                if q.item_version.type == "single_choice"
                else {"choices": [value]}
            )

        elsewhere = set().union(*(v for p, v in mine.items() if p != q.position))
        for foreign in (min(earlier), min(bens), min(elsewhere)):
            refused = ana.save_as_posted(q.position, response(foreign))
            assert refused.status_code == 422 and refused.json["error"] == "invalid_answer"
            form = ana.answer_form_as_posted(q.position, **response(foreign))
            assert form.status_code == 422 and 'id="answer-error"' in form.get_data(as_text=True)
        assert attempt_rows(app, ana.attempt_id).questions[q.position - 1].response is None
        # Its own values are taken.
        assert ana.save_as_posted(q.position, response(min(mine[q.position]))).status_code == 200
    matching = next(q for q in questions if q.item_version.type == "matching")
    # "Value equals name" in authored ids: not a value of this page.
    refused = ana.save_as_posted(matching.position, {"pairs": {"p1": "p1", "p2": "p2"}})
    assert refused.status_code == 422
    assert attempt_rows(app, ana.attempt_id).questions[matching.position - 1].response is None
