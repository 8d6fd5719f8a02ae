"""The item analysis pages and exports over HTTP, on both backends: 300 learners in two
languages where one item is harder only in Spanish flag exactly that item; 10 learners flag
nothing; a learner's token gets 403; the figures are cached until the data changes."""

from __future__ import annotations

import csv
import io
import re

from tests.support.analysis_seeding import seed_attempts
from tests.support.item_responses import rasch_answers

ROW = re.compile(
    r'<tr id="item-row-\d+"( class="flagged")?>\s*<td>\d+</td>\s*'
    r'<th scope="row"><a [^>]*>([^<]+)</a>'
)
HARD = 3


def flagged_items(html: str) -> set[str]:
    rows = ROW.findall(html)
    assert rows, "no item rows on the page"
    return {uid for flagged, uid in rows if flagged}


def test_exactly_the_item_harder_in_spanish_is_flagged(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(150, harder_item=HARD), clock.now())
    page = staff.get("/instructor/analysis/")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert flagged_items(html) == {f"{analysis_slug}-q{HARD}"}
    assert 'id="score-chart-t"' in html and '<table id="bands-table">' in html
    assert "<script" not in html

    item_id = re.search(r'item-row-(\d+)" class="flagged"', html).group(1)
    item = staff.get(f"/instructor/analysis/items/{item_id}").get_data(as_text=True)
    assert 'id="options-chart-t"' in item
    spanish = item[item.index('id="language-es"') :]
    assert '<strong class="fail">' in spanish[: spanish.index("</tr>")]


def test_ten_learners_flag_nothing(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(5, harder_item=HARD), clock.now())
    html = staff.get("/instructor/analysis/", selection="all").get_data(as_text=True)
    assert flagged_items(html) == set()


def test_a_learner_gets_403_on_every_analysis_page(learner, staff):
    for path in (
        "/instructor/analysis/",
        "/instructor/analysis/items.csv",
        "/instructor/analysis/responses.csv",
        "/instructor/analysis/items/1",
    ):
        assert learner.get(path).status_code == 403, path


def test_bad_choices_are_400_and_unknown_versions_404(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(2), clock.now())
    for query in (
        {"selection": "latest"},
        {"language": "xx"},
        {"sort": "colour"},
        {"version": "v1"},
    ):
        response = staff.get("/instructor/analysis/", **query)
        assert response.status_code == 400, query
        assert (
            "choose" in response.get_data(as_text=True).lower()
            or "sort" in response.get_data(as_text=True).lower()
        )
    assert staff.get("/instructor/analysis/", version="999999").status_code == 404
    assert staff.get("/instructor/analysis/items/999999").status_code == 404


def test_sorting_by_a_column(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(40), clock.now())
    html = staff.get("/instructor/analysis/", sort="facility", order="desc").get_data(as_text=True)
    uids = [uid for _flag, uid in ROW.findall(html)]
    # Items get harder with their number (tests.support.item_responses): easiest first.
    assert uids[0] in {f"{analysis_slug}-q0", f"{analysis_slug}-q1"}
    assert 'aria-sort="descending"' in html


def test_figures_are_cached_until_an_attempt_is_submitted(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(20), clock.now())
    first = staff.get("/instructor/analysis/").get_data(as_text=True)
    misses = app.extensions["emm_analysis_cache"].misses
    assert staff.get("/instructor/analysis/").get_data(as_text=True) == first
    assert app.extensions["emm_analysis_cache"].misses == misses
    clock.advance(hours=1)
    seed_attempts(app, analysis_slug, rasch_answers(1, languages=("es",)), clock.now())
    again = staff.get("/instructor/analysis/").get_data(as_text=True)
    assert app.extensions["emm_analysis_cache"].misses == misses + 2  # dataset and analysis
    assert ">41<" in again and again != first


def _rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_exports(app, staff, analysis_slug, clock):
    seed_attempts(app, analysis_slug, rasch_answers(3), clock.now())
    items = _rows(staff.get("/instructor/analysis/items.csv", selection="all"))
    assert items[0][:5] == ["position", "item", "item_version", "type", "attempts"]
    assert "facility_es" in items[0] and len(items) == 11
    assert items[1][1] == f"{analysis_slug}-q0" and items[1][4] == "6"
    responses = _rows(staff.get("/instructor/analysis/responses.csv"))
    assert responses[0] == [
        "learner",
        "attempt",
        "language",
        "attempt_score_percent",
        "passed",
        "item",
        "item_version",
        "score",
        "points",
        "max_points",
        "options_chosen",
    ]
    assert len(responses) == 1 + 6 * 10
    learners = {row[0] for row in responses[1:]}
    assert len(learners) == 6 and all(re.fullmatch(r"L-[0-9a-f]{12}", name) for name in learners)
    assert {row[2] for row in responses[1:]} == {"en", "es"}
    assert all(row[10] in {"a", "b", "c"} for row in responses[1:])


def test_a_version_without_attempts(staff):
    page = staff.get("/instructor/analysis/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No attempt has been submitted on this version yet." in html
    assert flagged_items(html) == set()
