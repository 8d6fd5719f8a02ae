"""AGS line items, scores and results on lti1p3platform's AssignmentsGradesService."""

from __future__ import annotations

import typing as t

from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.request import Request
from lti1p3platform.score import TScore, UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, TPage

from demo_platform import gradebook
from demo_platform.platform_conf import DemoPlatformConf
from demo_platform.records import LineItem, ScorePost, ScoreRejected

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"


class DemoAgsService(AssignmentsGradesService):
    def __init__(
        self,
        request: Request,
        platform_config: DemoPlatformConf,
        required_scopes: list[str],
        line_item_id: str | None = None,
    ) -> None:
        config = platform_config.state.config
        super().__init__(
            request,
            platform_config,
            config.lineitems_url(),
            config.lineitem_url(line_item_id) if line_item_id else None,
        )
        self.platform_config: DemoPlatformConf = platform_config
        self.state = platform_config.state
        # The library grants any AGS scope for any endpoint; Moodle checks per endpoint.
        self._required_scopes = required_scopes

    @property
    def allowed_scopes(self) -> list[str]:
        return self._required_scopes

    def lineitem_json(self, item: LineItem) -> dict[str, t.Any]:
        data: dict[str, t.Any] = {
            "id": self.state.config.lineitem_url(item.id),
            "label": item.label,
            "scoreMaximum": _plain_number(item.score_maximum),
            "resourceId": item.resource_id,
            "tag": item.tag,
        }
        if item.resource_link_id is not None:
            data["resourceLinkId"] = item.resource_link_id
            data["ltiLinkId"] = item.resource_link_id
        if item.start_date_time:
            data["startDateTime"] = item.start_date_time
        if item.end_date_time:
            data["endDateTime"] = item.end_date_time
        return data

    def find_lineitems(
        self,
        page: int = 1,
        limit: int | None = None,
        line_item_id: str | None = None,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        **_ignored: t.Any,
    ) -> TPage:
        items = self.state.line_items(
            resource_link_id=resource_link_id, resource_id=resource_id, tag=tag
        )
        return {"content": [self.lineitem_json(item) for item in items], "has_next": False}

    def find_lineitem(self, line_item_id: str) -> TLineItem:
        item = self.state.line_item(line_item_id)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        return t.cast(TLineItem, self.lineitem_json(item))

    def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
        data = t.cast(dict[str, t.Any], creation_data)
        if not isinstance(data, dict):
            raise LtiServiceException("Line item must be a JSON object", 400)
        fields = _line_item_fields(self.state, data, creating=True)
        item = self.state.create_line_item(**fields)
        return t.cast(TLineItem, self.lineitem_json(item))

    def update_lineitem(self, update_data: TLineItem) -> TLineItem:
        data = t.cast(dict[str, t.Any], update_data)
        line_item_id = str(data["id"])
        if self.state.line_item(line_item_id) is None:
            raise LineItemNotFoundException(line_item_id)
        fields = _line_item_fields(self.state, data, creating=False)
        item = self.state.update_line_item(line_item_id, **fields)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        return t.cast(TLineItem, self.lineitem_json(item))

    def delete_lineitem(self, line_item_id: str) -> None:
        if not self.state.delete_line_item(line_item_id):
            raise LineItemNotFoundException(line_item_id)

    def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
        assert self.request is not None
        body: t.Any = score
        try:
            if self.request.content_type != SCORE_MEDIA_TYPE:
                raise ScoreRejected(400, "No context or unsupported content type")
            if self.state.line_item(line_item_id) is None:
                raise ScoreRejected(404, "Line item does not exist")
            parsed = gradebook.validate_score(body)
            self.state.accept_score(
                line_item_id,
                parsed["user_id"],
                lambda stored, member, item: gradebook.apply_score(parsed, stored, member, item),
            )
        except ScoreRejected as rejected:
            self.state.log_score_post(
                ScorePost(line_item_id, body, rejected.status, rejected.reason)
            )
            if rejected.status == 404:
                raise LineItemNotFoundException(line_item_id) from rejected
            if rejected.status == 409:
                return UpdateScoreStatus.OLD_TIMESTAMP
            raise LtiServiceException(rejected.reason, rejected.status) from rejected
        self.state.log_score_post(ScorePost(line_item_id, body, 200, "accepted"))
        return UpdateScoreStatus.SUCCESS

    def get_results(
        self,
        line_item_id: str,
        page: int = 1,
        limit: int | None = None,
        user_id: str | None = None,
        **_ignored: t.Any,
    ) -> TPage:
        item = self.state.line_item(line_item_id)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        config = self.state.config
        results = []
        for grade in self.state.grades(line_item_id):
            if user_id is not None and grade.user_id != str(user_id):
                continue
            result: dict[str, t.Any] = {
                "id": config.results_url(line_item_id, grade.user_id),
                "userId": grade.user_id,
                "resultMaximum": _plain_number(item.score_maximum),
                "scoreOf": config.lineitem_url(line_item_id),
                "timestamp": grade.timestamp.isoformat(),
            }
            if grade.grade is not None:
                result["resultScore"] = _plain_number(grade.grade)
            if grade.comment is not None:
                result["comment"] = grade.comment
            results.append(result)
        return {"content": results, "has_next": False}


def _plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _line_item_fields(state: t.Any, data: dict[str, t.Any], *, creating: bool) -> dict[str, t.Any]:
    fields: dict[str, t.Any] = {}
    if creating or "label" in data:
        label = data.get("label")
        if not isinstance(label, str) or not label.strip():
            raise LtiServiceException("label is required", 400)
        fields["label"] = label
    if creating or "scoreMaximum" in data:
        maximum = data.get("scoreMaximum")
        if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
            raise LtiServiceException("scoreMaximum must be a positive number", 400)
        fields["score_maximum"] = float(maximum)
    for key, name in (("resourceId", "resource_id"), ("tag", "tag")):
        if key in data:
            fields[name] = str(data[key] or "")
    for key, name in (("startDateTime", "start_date_time"), ("endDateTime", "end_date_time")):
        if key in data:
            fields[name] = data[key]
    if creating and data.get("resourceLinkId") not in (None, ""):
        link_id = str(data["resourceLinkId"])
        if state.resource_link(link_id) is None:
            raise LtiServiceException("resourceLinkId is not a link of this course", 400)
        fields["resource_link_id"] = link_id
    return fields
