"""The templates of each item type, looked up in the registry (item_bank.item_types).

Templates include a type's own files instead of branching on its name, so adding a type
touches its module in the bank and its two templates under templates/attempts/items/:

    {% include answer_template(item.type) %}   the answer controls of a question page
    {% include review_template(r.type) %}      the type's part of a reviewed question

Item HTML (stems, options, feedback: sanitised at import) is shown with `|item_html`, which
also points each picture (`media:SHA256`, see item_bank.media) at this service's URL.

An unknown type raises instead of rendering nothing: the database only holds registered
types, so one reaching a page is a bug to see, not a question to leave without controls.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from item_bank.item_types import item_type
from item_bank.media.references import resolve


def answer_template(type_name: str) -> str:
    """The template of `type_name`'s answer controls (KeyError for an unknown type)."""
    return item_type(type_name).answer_template


def review_template(type_name: str) -> str:
    """The template of `type_name`'s review (KeyError for an unknown type)."""
    return item_type(type_name).review_template


def item_html(html: str | None) -> Markup:
    """Stored item HTML, already sanitised at import, with its pictures' URLs filled in."""
    from lti_tool.media.views import media_url

    return Markup(resolve(html or "", media_url))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(answer_template=answer_template, review_template=review_template)
    app.jinja_env.filters["item_html"] = item_html
