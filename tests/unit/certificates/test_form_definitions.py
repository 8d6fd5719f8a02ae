"""The form authoring format: the shipped files, every rule an author can break, answers and
the knowledge score."""

from __future__ import annotations

import copy

import pytest

from item_bank.forms import (
    FORMS_DIR,
    NOT_ON_SCALE,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_OPTION,
    FormDoc,
    check_answers,
    knowledge_percent,
    parse_form,
    read_forms,
)

AGREE = [{"value": v, "label": {"en": f"Point {v}", "es": f"Punto {v}"}} for v in (1, 2, 3, 4, 5)]


def evaluation(**changes) -> dict:
    doc = {
        "form": {
            "slug": "eval",
            "kind": "evaluation",
            "default_language": "en",
            "title": {"en": "Course evaluation", "es": "Evaluación del curso"},
        },
        "scales": {"agree": AGREE},
        "questions": [
            {
                "id": "clear",
                "type": "likert",
                "scale": "agree",
                "text": {"en": "Clear?", "es": "¿Claro?"},
            },
            {"id": "comments", "type": "text", "text": {"en": "Comments", "es": "Comentarios"}},
        ],
    }
    doc.update(changes)
    return doc


def entry(**changes) -> dict:
    doc = {
        "form": {"slug": "entry", "kind": "entry", "title": {"en": "Entry"}},
        "scales": {"level": [{"value": v, "label": {"en": str(v)}} for v in (1, 2, 3, 4, 5)]},
        "questions": [
            {
                "id": "k1",
                "type": "single_choice",
                "text": {"en": "Which?"},
                "options": [
                    {"id": "a", "text": {"en": "A"}, "correct": True},
                    {"id": "b", "text": {"en": "B"}},
                ],
            },
            {
                "id": "k2",
                "type": "single_choice",
                "text": {"en": "Which else?"},
                "options": [
                    {"id": "a", "text": {"en": "A"}},
                    {"id": "b", "text": {"en": "B"}, "correct": True},
                ],
            },
            {
                "id": "self",
                "type": "likert",
                "scale": "level",
                "knowledge": True,
                "text": {"en": "Rate"},
            },
            {
                "id": "mood",
                "type": "likert",
                "scale": "level",
                "text": {"en": "Mood (not knowledge)"},
            },
        ],
    }
    doc.update(changes)
    return doc


def parsed(raw: dict) -> FormDoc:
    doc, issues = parse_form(raw, file_label="t.yaml")
    assert issues == [] and doc is not None
    return doc


def problems(raw: dict) -> list[str]:
    doc, issues = parse_form(raw, file_label="t.yaml")
    assert doc is None
    return [f"{i.field}: {i.message}" for i in issues]


def test_the_shipped_forms_are_valid_and_fully_translated():
    docs, issues = read_forms(FORMS_DIR)
    assert issues == []
    by_slug = {doc.slug: doc for _path, doc in docs}
    assert {
        "emm2-course-evaluation",
        "emm2-self-assessment",
        "emm2-entry-questionnaire",
        "tendencias-latam-entry",
        "tendencias-latam-final-questionnaire",
    } <= set(by_slug)
    for slug in ("emm2-course-evaluation", "emm2-self-assessment", "emm2-entry-questionnaire"):
        assert by_slug[slug].languages == ["en", "es", "fr", "tr", "id"]
    assert by_slug["emm2-entry-questionnaire"].measures_knowledge
    assert not by_slug["emm2-course-evaluation"].measures_knowledge


def test_a_valid_form_keeps_its_questions_in_order_and_text_is_optional_by_default():
    doc = parsed(evaluation())
    assert [q.id for q in doc.questions] == ["clear", "comments"]
    assert doc.questions[0].required and doc.questions[0].scale_values == (1, 2, 3, 4, 5)
    assert not doc.questions[1].required
    assert doc.languages == ["en", "es"]


def test_the_stored_json_round_trips_and_the_hash_follows_the_content():
    doc = parsed(entry())
    assert FormDoc.from_json(doc.content_json()) == doc
    changed = entry()
    changed["questions"][0]["text"] = {"en": "Which one?"}
    assert parsed(changed).content_hash != doc.content_hash
    assert parsed(entry()).content_hash == doc.content_hash


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])),
            "Duplicate question id",
        ),
        (lambda d: d["questions"][0].pop("scale"), "names its `scale`"),
        (lambda d: d["questions"][0].update(scale="nope"), "Unknown scale 'nope'"),
        (lambda d: d["scales"].update(agree=AGREE[:1]), "2 to 11 points"),
        (lambda d: d["scales"].update(agree=list(reversed(AGREE))), "distinct and increasing"),
        (lambda d: d["questions"][1].update(scale="agree"), "Only likert questions have a scale"),
        (
            lambda d: d["questions"].append(
                {
                    "id": "k",
                    "type": "single_choice",
                    "text": {"en": "?"},
                    "options": [
                        {"id": "a", "text": {"en": "A"}, "correct": True},
                        {"id": "b", "text": {"en": "B"}},
                    ],
                }
            ),
            "belong in entry or final questionnaires",
        ),
        (lambda d: d["form"].update(kind="survey"), "Must be one of"),
        (lambda d: d["form"].update(title={"es": "Solo español"}), "default language (en)"),
        (lambda d: d["questions"][0]["text"].update(xx="?"), "Unsupported language 'xx'"),
        (lambda d: d.update(questions=[]), "at least one question"),
        (lambda d: d["questions"][1].update(max_length=0), "questions[1].max_length"),
    ],
)
def test_evaluation_form_mistakes_are_reported_with_their_field(edit, expected):
    raw = evaluation()
    edit(raw)
    assert any(expected in p for p in problems(raw)), problems(raw)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["questions"][0]["options"][1].update(correct=True), "Exactly one option"),
        (lambda d: d["questions"][0]["options"][0].update(correct=False), "Exactly one option"),
        (lambda d: d["questions"][0]["options"].pop(), "At least two options"),
        (lambda d: d["questions"][1]["options"][0].update(id="b"), "Option ids must be unique"),
        (lambda d: d["questions"][0].update(required=False), "must be required"),
        (lambda d: d.update(questions=[d["questions"][3]]), "at least one knowledge question"),
    ],
)
def test_questionnaire_mistakes_are_reported(edit, expected):
    raw = entry()
    edit(raw)
    assert any(expected in p for p in problems(raw)), problems(raw)


def test_a_file_that_is_not_a_map_is_refused():
    assert problems(["not", "a", "form"]) == [
        "None: A form file must be a map with `form:` and `questions:`."
    ]


def test_answers_are_checked_against_the_scale_and_the_options():
    doc = parsed(entry())
    answers, found = check_answers(doc, {"k1": "a", "k2": "zz", "self": "9", "mood": ""})
    assert answers == {"k1": "a"}
    assert found == {"k2": UNKNOWN_OPTION, "self": NOT_ON_SCALE, "mood": REQUIRED}
    answers, found = check_answers(doc, {"k1": "b", "k2": "b", "self": " 4 ", "mood": "1"})
    assert found == {} and answers == {"k1": "b", "k2": "b", "self": 4, "mood": 1}


def test_free_text_is_cleaned_limited_and_optional():
    raw = evaluation()
    raw["questions"][1]["max_length"] = 10
    doc = parsed(raw)
    answers, found = check_answers(doc, {"clear": "5", "comments": "  ok\r\nfine\x00 "})
    assert found == {} and answers["comments"] == "ok\nfine"
    _answers, found = check_answers(doc, {"clear": "5", "comments": "x" * 11})
    assert found == {"comments": TOO_LONG}
    answers, found = check_answers(doc, {"clear": "5"})
    assert found == {} and "comments" not in answers


def test_knowledge_score_weighs_each_knowledge_question_the_same():
    doc = parsed(entry())
    # k1 right (1), k2 wrong (0), self-rating 4 on 1..5 (0.75); "mood" does not count.
    assert knowledge_percent(doc, {"k1": "a", "k2": "a", "self": 4, "mood": 5}) == pytest.approx(
        58.33
    )
    assert knowledge_percent(doc, {"k1": "a", "k2": "b", "self": 5, "mood": 1}) == 100.0
    assert knowledge_percent(doc, {"k1": "b", "k2": "a", "self": 1}) == 0.0
    assert knowledge_percent(doc, {}) == 0.0
    assert knowledge_percent(parsed(evaluation()), {"clear": 5}) is None
