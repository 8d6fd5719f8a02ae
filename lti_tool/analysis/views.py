"""Staff pages of the item analysis, inside the launch: the summary (score distribution, item
table sortable by each column, flags), an item's page (options, languages) and the two CSV
exports. A learner's token gets 403 (require_staff); everything is scoped to the launch's
placement, so no course sees another's attempts.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from item_bank.languages import translate
from lti_tool.analysis import charts, service, wording
from lti_tool.analysis.exports import item_table_rows, response_rows
from lti_tool.analysis.matrix import SELECTIONS
from lti_tool.analysis.query import SORT_KEYS, AnalysisQuery
from lti_tool.attempts.formatting import init_filters
from lti_tool.clock import current_clock
from lti_tool.forms.charts import Bar, bar_chart
from lti_tool.launch.models import Placement
from lti_tool.launch.sessions import require_staff_in_placement
from lti_tool.web.csv_export import csv_download
from lti_tool.web.errors import UserFacingError

bp = Blueprint("analysis", __name__, url_prefix="/instructor/analysis")
bp.record_once(lambda state: init_filters(state.app))  # clock_time, as the instructor pages


def _placement() -> Placement:
    return require_staff_in_placement()[1]


def _report(query: AnalysisQuery) -> service.Report:
    try:
        return service.analyse(
            _placement(),
            version_id=query.version_id,
            selection=query.selection,
            language=query.language,
            now=current_clock().now(),
        )
    except service.UnknownVersion:
        raise UserFacingError(
            _("This activity has no attempts on that assessment version."),
            status=404,
            code="unknown_version",
            action=_("Go back to the item analysis and choose a version from its list."),
        ) from None


def _locale() -> str:
    return str(get_locale() or "en")


def _plain(html: str) -> str:
    return Markup(html).striptags()


def _common(report: service.Report, query: AnalysisQuery) -> dict[str, object]:
    analysis = report.analysis
    version = analysis.dataset.version
    return dict(
        report=report,
        analysis=analysis,
        query=query,
        w=wording,
        selections=SELECTIONS,
        title=translate(version.title, _locale(), version.default_language),
        data_time=analysis.dataset.stamp.last_finished_at,
        read_at=analysis.dataset.read_at,
    )


@bp.get("/")
def summary():
    query = AnalysisQuery.parse(request.args)
    report = _report(query)
    analysis = report.analysis
    bands = [f"{10 * i}–{10 * i + 10}" for i in range(10)]
    chart = charts.histogram(
        list(analysis.histogram),
        bands,
        title=_("Score distribution"),
        description=_(
            "Number of attempts in each band of 10 percentage points of score; the table "
            "below the chart gives the same numbers."
        ),
        ident="score-chart",
    )
    return render_template(
        "analysis/summary.html",
        chart=chart,
        bands=bands,
        rows=query.sorted_rows(analysis.items),
        sort_columns=list(SORT_KEYS),
        **_common(report, query),
    )


def _options_chart(row: service.ItemRow, labels: dict[str, str]) -> Markup:
    return bar_chart(
        [
            Bar(f"{o.option}. {labels[o.option]}", o.share, f"{o.count} ({wording.share(o.share)})")
            for o in row.stats.options
        ],
        maximum=1.0,
        title=_("How often each option was chosen"),
        description=_(
            "Share of the attempts that drew this item choosing each option; the table "
            "next to the chart gives the counts and marks the right options."
        ),
        ident="options-chart",
    )


@bp.get("/items/<int:item_version_id>")
def item(item_version_id: int):
    query = AnalysisQuery.parse(request.args)
    report = _report(query)
    row = report.analysis.item(item_version_id)
    if row is None:
        raise UserFacingError(
            _("This item is not part of the assessment version analysed."),
            status=404,
            code="unknown_item",
            action=_("Go back to the item analysis and open an item from its table."),
        )
    texts = report.analysis.dataset.texts[item_version_id]

    def text(translations: dict[str, str]) -> str:
        return _plain(translate(translations, _locale(), texts.default_language))

    labels = {
        o.option: text(dict(texts.options.get(o.option, {}))) or o.option for o in row.stats.options
    }
    chart = _options_chart(row, labels) if row.stats.options else None
    return render_template(
        "analysis/item.html",
        row=row,
        stem=text(dict(texts.stem)),
        labels=labels,
        chart=chart,
        differences={d.language: d for d in row.differences},
        **_common(report, query),
    )


@bp.get("/items.csv")
def items_csv() -> Response:
    query = AnalysisQuery.parse(request.args)
    analysis = _report(query).analysis
    dataset = analysis.dataset
    name = (
        f"item-analysis-placement-{dataset.placement_id}-v{dataset.version.number}"
        f"-{analysis.selection}.csv"
    )
    return csv_download(item_table_rows(analysis), name)


@bp.get("/responses.csv")
def responses_csv() -> Response:
    query = AnalysisQuery.parse(request.args)
    dataset = _report(query).analysis.dataset
    name = f"responses-placement-{dataset.placement_id}-v{dataset.version.number}.csv"
    return csv_download(response_rows(dataset, current_app.config["SECRET_KEY"]), name)
