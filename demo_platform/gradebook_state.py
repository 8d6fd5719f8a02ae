"""The gradebook part of the platform's memory: line items, grades and the score posts that
reached them (the AGS endpoints and tests use it through PlatformState)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from demo_platform.records import Grade, LineItem, Member, ResourceLink, ScorePost, ScoreRejected


class GradebookState:
    """Mixed into PlatformState, whose lock and id counter it shares: deleting a line item also
    clears it from the resource links, so the gradebook is not a separate object."""

    _lock: threading.RLock
    _ids: Iterator[int]
    _members: dict[str, Member]
    _links: dict[str, ResourceLink]
    _line_items: dict[str, LineItem]
    _grades: dict[tuple[str, str], Grade]
    _score_posts: list[ScorePost]

    # --- line items -------------------------------------------------------------------------
    def create_line_item(
        self,
        *,
        label: str,
        score_maximum: float,
        resource_id: str = "",
        tag: str = "",
        resource_link_id: str | None = None,
        start_date_time: str | None = None,
        end_date_time: str | None = None,
    ) -> LineItem:
        with self._lock:
            item = LineItem(
                id=str(next(self._ids)),
                label=label,
                score_maximum=float(score_maximum),
                resource_id=resource_id,
                tag=tag,
                resource_link_id=resource_link_id,
                start_date_time=start_date_time,
                end_date_time=end_date_time,
            )
            self._line_items[item.id] = item
            return copy.deepcopy(item)

    def line_item(self, line_item_id: str) -> LineItem | None:
        with self._lock:
            return copy.deepcopy(self._line_items.get(line_item_id))

    def line_items(
        self,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> list[LineItem]:
        with self._lock:
            items = [
                item
                for item in self._line_items.values()
                if (resource_link_id is None or item.resource_link_id == resource_link_id)
                and (resource_id is None or item.resource_id == resource_id)
                and (tag is None or item.tag == tag)
            ]
            return copy.deepcopy(items)

    def update_line_item(self, line_item_id: str, **changes: Any) -> LineItem | None:
        with self._lock:
            item = self._line_items.get(line_item_id)
            if item is None:
                return None
            self._line_items[line_item_id] = replace(item, **changes)
            return copy.deepcopy(self._line_items[line_item_id])

    def delete_line_item(self, line_item_id: str) -> bool:
        with self._lock:
            if self._line_items.pop(line_item_id, None) is None:
                return False
            for key in [key for key in self._grades if key[0] == line_item_id]:
                del self._grades[key]
            for link in self._links.values():
                if link.line_item_id == line_item_id:
                    link.line_item_id = None
            return True

    # --- grades -----------------------------------------------------------------------------
    def accept_score(
        self,
        line_item_id: str,
        user_id: str,
        decide: Callable[[Grade | None, Member | None, LineItem], Grade],
    ) -> Grade:
        """Apply one score under the lock: `decide` sees the stored grade, the member and the
        line item and returns the new grade or raises ScoreRejected."""
        with self._lock:
            item = self._line_items.get(line_item_id)
            if item is None:
                raise ScoreRejected(404, "line item not found")
            key = (line_item_id, user_id)
            grade = decide(self._grades.get(key), self._members.get(user_id), item)
            self._grades[key] = grade
            return copy.deepcopy(grade)

    def log_score_post(self, post: ScorePost) -> None:
        with self._lock:
            self._score_posts.append(copy.deepcopy(post))

    def grade(self, line_item_id: str, user_id: str) -> Grade | None:
        with self._lock:
            return copy.deepcopy(self._grades.get((line_item_id, user_id)))

    def grades(self, line_item_id: str | None = None) -> list[Grade]:
        with self._lock:
            return copy.deepcopy(
                [
                    grade
                    for (item_id, _), grade in self._grades.items()
                    if line_item_id is None or item_id == line_item_id
                ]
            )

    def score_posts(self, line_item_id: str | None = None) -> list[ScorePost]:
        """Every score POST that reached the gradebook logic, accepted or not, in order."""
        with self._lock:
            return copy.deepcopy(
                [
                    post
                    for post in self._score_posts
                    if line_item_id is None or post.line_item_id == line_item_id
                ]
            )
