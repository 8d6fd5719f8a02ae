"""Reading an attempt page the way a script does: every attribute a program would use,
inline scripts, and the answer controls; and finding authored ids in them."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

from item_bank.drawing import option_ids_in_authored_order

# Identifiers are cut at these characters (q1-opt-a, pair-p1, /answers/a?x=y); sentences are
# not cut at spaces, so an English "a" in a translated string is no identifier.
SEPARATORS = re.compile(r"[-_/?&=:#,]+")


class PageReader(HTMLParser):
    """What a script sees in a page: attributes of every element, inline scripts, controls."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[str] = []
        self.radios: dict[str, list[str]] = defaultdict(list)  # name -> values in page order
        self.checkboxes: dict[str, list[str]] = defaultdict(list)
        self.selects: dict[str, list[str]] = {}  # name -> option values (not the empty one)
        self._select: str | None = None
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag == "script" and "src" not in values:
            self._in_script = True
            self.scripts.append("")
        if tag == "input" and values.get("type") == "radio":
            self.radios[values["name"]].append(values["value"])
        if tag == "input" and values.get("type") == "checkbox":
            self.checkboxes[values["name"]].append(values["value"])
        if tag == "select":
            self._select = values["name"]
            self.selects[self._select] = []
        if tag == "option" and self._select and values.get("value"):
            self.selects[self._select].append(values["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def machine_values(self, secrets: set[str]) -> list[tuple[str, str]]:
        """(where, value) of every value, name, id, for and data-* attribute and inline
        script, with the launch token and sitting key (random, not ours to judge) cut out."""
        found = [
            (f"{tag}[{name}]", value)
            for tag, name, value in self.attributes
            if name in ("value", "name", "id", "for") or name.startswith("data-")
        ]
        found += [("script", text) for text in self.scripts]
        for secret in secrets:
            found = [(where, value.replace(secret, "")) for where, value in found]
        return found


def authored_ids(item_version) -> set[str]:
    """Option, prompt, answer and distractor ids of an item (true/false values excepted)."""
    ids = set(option_ids_in_authored_order(item_version)) - {"true", "false"}
    ids |= {pair["id"] for pair in item_version.content.get("pairs", [])}
    return ids


def leaks(values: list[tuple[str, str]], ids: set[str]) -> list[tuple[str, str]]:
    return [
        (where, value)
        for where, value in values
        if ids & {part.strip() for part in SEPARATORS.split(value)}
    ]


def page_secrets(person) -> set[str]:
    return {person.token, person.sitting}


def json_strings(value) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value} | set().union(*map(json_strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(json_strings, value))
    return {value} if isinstance(value, str) else set()
