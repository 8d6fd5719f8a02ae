"""The native authoring format: YAML, read with a safe loader that refuses duplicate keys and
only treats true/false as booleans (so an option reading "No" or "On" stays text) and never
turns text into dates."""

from __future__ import annotations

import re
from typing import Any

import yaml

from item_bank.parsers.base import ParsedFile, Unreadable, decode_text, unreadable

FORMAT = "yaml"


class _StrictLoader(yaml.SafeLoader):
    pass


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
                None, None, f"duplicate key {key!r}", key_node.start_mark
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
        return unreadable(file_label, FORMAT, str(error))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        return unreadable(file_label, FORMAT, f"YAML syntax error{where}: {problem}")
    if not isinstance(document, dict):
        return unreadable(
            file_label, FORMAT, "The file must contain a map with 'assessment' and 'pools'."
        )
    return ParsedFile(file_label, FORMAT, document)
