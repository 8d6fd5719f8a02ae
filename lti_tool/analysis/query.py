"""What a staff page of the analysis asks for (version, attempts, language, sort), read from
the query string; anything unreadable is a 400 that says which value to fix."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from item_bank.languages import SUPPORTED_LANGUAGES
from lti_tool.analysis.matrix import FIRST, SELECTIONS
from lti_tool.analysis.reading import UNKNOWN_LANGUAGE
from lti_tool.analysis.service import ItemRow
from lti_tool.web.errors import UserFacingError

ASCENDING, DESCENDING = "asc", "desc"

# The item table's columns, in the order shown (flags early: visible without scrolling).
SORT_KEYS: dict[str, Callable[[ItemRow], Any]] = {
    "position": lambda r: r.position,
    "item": lambda r: (r.item.uid.casefold(), r.item.version),
    "flags": lambda r: len(r.flags),
    "n": lambda r: r.stats.n,
    "facility": lambda r: r.stats.facility,
    "sd": lambda r: r.stats.sd,
    "discrimination": lambda r: r.stats.discrimination,
    "efficiency": lambda r: r.stats.efficiency,
}


def _bad(message: str) -> UserFacingError:
    return UserFacingError(
        message,
        code="bad_analysis_query",
        action=_("Go back to the item analysis and choose again from its lists."),
    )


@dataclass(frozen=True)
class AnalysisQuery:
    version_id: int | None = None
    selection: str = FIRST
    language: str | None = None
    sort: str = "position"
    order: str = ASCENDING

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> AnalysisQuery:
        raw_version = (args.get("version") or "").strip()
        if raw_version and not raw_version.isdigit():
            raise _bad(_("The assessment version must be a version number from the list."))
        selection = args.get("selection") or FIRST
        if selection not in SELECTIONS:
            raise _bad(_("Choose first, best or all attempts."))
        language = args.get("language") or None
        if language is not None and language not in (*SUPPORTED_LANGUAGES, UNKNOWN_LANGUAGE):
            raise _bad(_("Choose a language from the list, or all languages."))
        sort = args.get("sort") or "position"
        order = args.get("order") or ASCENDING
        if sort not in SORT_KEYS or order not in (ASCENDING, DESCENDING):
            raise _bad(_("Sort the items by one of the table's columns."))
        return cls(int(raw_version) if raw_version else None, selection, language, sort, order)

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string of this query with `changes`, defaults left out."""
        values = {
            "version": self.version_id,
            "selection": self.selection,
            "language": self.language,
            "sort": self.sort,
            "order": self.order,
            **changes,
        }
        return {k: v for k, v in values.items() if v is not None}

    def sorted_rows(self, rows: tuple[ItemRow, ...]) -> list[ItemRow]:
        """Rows by the sort column; undefined figures (None) last in either order."""
        key = SORT_KEYS[self.sort]
        present = [r for r in rows if key(r) is not None]
        missing = [r for r in rows if key(r) is None]
        return sorted(present, key=key, reverse=self.order == DESCENDING) + missing

    def next_order(self, column: str) -> str:
        """The order a click on `column`'s header asks for: the other one if it is sorted."""
        if column == self.sort and self.order == ASCENDING:
            return DESCENDING
        return ASCENDING
