"""The native authoring format: YAML, read with a safe loader that refuses duplicate keys and
only treats true/false as booleans (so an option reading "No" or "On" stays text) and never
turns text into dates. Anchors and aliases are refused (authored banks do not need them, and
shared references multiply into exponentially many copies: an "alias bomb"); the nesting depth
and the number of nodes are capped, so reading costs at most a few times the file's size."""

from __future__ import annotations

import re
from typing import Any, NoReturn

import yaml

from item_bank.messages import Message, message_of, msg
from item_bank.parsers.base import ParsedFile, Unreadable, decode_text, unreadable

FORMAT = "yaml"


MAX_NODES = 500_000  # a 5,000-question bank is about 150,000
MAX_DEPTH = 40  # the schema nests about 8 levels


class _StrictLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._refuse(
                event, msg("aliases (*name) are not allowed; write the content out in full")
            )
        if getattr(event, "anchor", None) is not None:
            self._refuse(
                event, msg("anchors (&name) are not allowed; write the content out in full")
            )
        self._nodes += 1
        self._depth += 1
        if self._nodes > MAX_NODES:
            self._refuse(
                event, msg("more than %(most)s values; split the file", most=f"{MAX_NODES:,}")
            )
        if self._depth > MAX_DEPTH:
            self._refuse(event, msg("nested more than %(most)s levels deep", most=MAX_DEPTH))
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    @staticmethod
    def _refuse(event: yaml.Event, problem: str) -> NoReturn:
        raise yaml.composer.ComposerError(None, None, problem, getattr(event, "start_mark", None))


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
# YAML 1.1 reads yes/no/on/off as booleans; authors write them as words in option texts.
_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    keys: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, msg("duplicate key %(key)r", key=key), key_node.start_mark
            )
        keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_text(text: str) -> Any:
    return yaml.load(text, Loader=_StrictLoader)


def parse_yaml(data: bytes, file_label: str) -> ParsedFile:
    try:
        text = decode_text(data, file_label)
        document = load_yaml_text(text)
    except Unreadable as error:
        return unreadable(file_label, FORMAT, message_of(error))
    except yaml.YAMLError as error:
        return unreadable(file_label, FORMAT, yaml_problem(error))
    if not isinstance(document, dict):
        return unreadable(
            file_label, FORMAT, msg("The file must contain a map with 'assessment' and 'pools'.")
        )
    return ParsedFile(file_label, FORMAT, document)


def yaml_problem(error: yaml.YAMLError) -> Message:
    """A YAML syntax error as an author reads it: where, and what (PyYAML's own wording in
    English; this loader's refusals translatable)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark:
        return msg(
            "YAML syntax error (line %(line)s, column %(column)s): %(problem)s",
            line=mark.line + 1,
            column=mark.column + 1,
            problem=problem,
        )
    return msg("YAML syntax error: %(problem)s", problem=problem)
