"""Opaque answer values: what a question page shows and posts instead of authored option ids.

Authored ids say too much. Importers number options in authored order and authors write the
right answer first, so in the shipped banks every single-choice key was `a`, and a matching
prompt's right answer carried the prompt's own id (`pair-p1` -> `p1`): a script could pass
without reading a question. So every choice option, matching prompt and matching answer
reaches the page as a token:

    HMAC-SHA256(key, "<attempt id>/<position>/<role>/<authored id>"), first 20 hex digits

with `key` derived from the app's secret key (docs/decisions/0009). Tokens are stable within
an attempt (a reload re-checks the saved answer, an autosave and a form post agree), differ
from one attempt to the next, and cannot be turned back into ids (or guessed) without the
secret key. The server maps them back here, so what is stored, scored, reported and exported
stays in authored ids. True/false keeps its values "true"/"false": the label says which.

Pure: no Flask, no database; a question's tokens cost a handful of HMACs (microseconds).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Protocol

from item_bank.item_types import CHOICE_TYPES, MATCHING
from item_bank.responses import InvalidResponse

TOKEN_HEX_DIGITS = 20  # 80 bits: never guessed, and short enough for a page of options
_PURPOSE = b"emm answer tokens v1"  # keeps these HMACs apart from other uses of the secret
OPTION, PROMPT, ANSWER = "option", "prompt", "answer"  # one token space each


# Every role has a token space, even when an item type uses none of its ids.
_NO_IDS: dict[str, list[str]] = {OPTION: [], PROMPT: [], ANSWER: []}


class ItemLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def content(self) -> dict[str, Any]: ...


class QuestionLike(Protocol):
    """An attempt's question (lti_tool.attempts.models.AttemptQuestion fits). Read-only members:
    the tokens only read a question, so an ORM row's narrower attribute types fit."""

    @property
    def attempt_id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def item_version(self) -> ItemLike: ...


@lru_cache(maxsize=8)
def _derived_key(secret_key: str | bytes) -> bytes:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def _question_mac(key: bytes, attempt_id: int, position: int) -> hmac.HMAC:
    """The HMAC state every token of one question starts from."""
    return hmac.new(key, f"{attempt_id}/{position}/".encode(), hashlib.sha256)


def _finish(question_mac: hmac.HMAC, role: str, authored_id: str) -> str:
    mac = question_mac.copy()
    mac.update(f"{role}/{authored_id}".encode())
    return mac.hexdigest()[:TOKEN_HEX_DIGITS]


def _unknown(what: str) -> InvalidResponse:
    # Said the same way whatever was posted: the refusal tells nothing about the real ids.
    return InvalidResponse(f"Unknown {what} for this question.", "unknown_option")


class QuestionTokens:
    """The tokens of one question of one attempt, both ways."""

    def __init__(self, key: bytes, attempt_id: int, position: int, item_version: ItemLike):
        self._type = item_version.type
        # One HMAC state per question; each id only adds its own bytes to a copy.
        base = _question_mac(key, attempt_id, position)
        self._to_token: dict[str, dict[str, str]] = {
            role: {authored: _finish(base, role, authored) for authored in ids}
            for role, ids in (_NO_IDS | _authored_ids(item_version)).items()
        }
        self._to_id = {
            role: {token: authored for authored, token in tokens.items()}
            for role, tokens in self._to_token.items()
        }

    def token(self, role: str, authored_id: str) -> str:
        return self._to_token[role][authored_id]

    # -- to the page -----------------------------------------------------------------------

    def disguise_item(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """A learner view (item_bank.presentation.present_item) with every option, prompt
        and answer id replaced by its token, and without the item's own ids."""
        disguised = {k: v for k, v in view.items() if k not in ("item_uid", "item_version_id")}
        if self._type in CHOICE_TYPES:
            disguised["options"] = self._entries(OPTION, view["options"])
        elif self._type == MATCHING:
            disguised["prompts"] = self._entries(PROMPT, view["prompts"])
            disguised["answers"] = self._entries(ANSWER, view["answers"])
        return disguised

    def _entries(self, role: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**entry, "id": self.token(role, entry["id"])} for entry in entries]

    def disguise_response(self, response: Mapping[str, Any] | None) -> dict[str, Any]:
        """A saved (normalised, authored) response as the page's controls hold it."""
        response = dict(response or {})
        if response.get("choice"):
            response["choice"] = self.token(OPTION, response["choice"])
        if response.get("choices"):
            response["choices"] = [self.token(OPTION, c) for c in response["choices"]]
        if response.get("pairs"):
            response["pairs"] = {
                self.token(PROMPT, p): self.token(ANSWER, a) for p, a in response["pairs"].items()
            }
        return response

    # -- from the page ---------------------------------------------------------------------

    def reveal(self, posted: Any) -> Any:
        """A posted response with tokens, in authored ids (for item_bank.responses to
        validate). A value that is not a token of this question, including an authored id
        or another attempt's token, is refused with InvalidResponse."""
        if not isinstance(posted, Mapping):
            return posted  # not a response at all: validation says what is wrong
        revealed = dict(posted)
        if self._type in CHOICE_TYPES:
            if isinstance(posted.get("choice"), str):
                revealed["choice"] = self._id(OPTION, posted["choice"], "option")
            if isinstance(posted.get("choices"), list):
                revealed["choices"] = [
                    self._id(OPTION, c, "option") if isinstance(c, str) else c
                    for c in posted["choices"]
                ]
        elif self._type == MATCHING and isinstance(posted.get("pairs"), Mapping):
            revealed["pairs"] = {
                self._id(PROMPT, prompt, "item"): self._id(ANSWER, answer, "answer")
                if isinstance(answer, str)
                else answer
                for prompt, answer in posted["pairs"].items()
            }
        return revealed

    def _id(self, role: str, token: str, what: str) -> str:
        try:
            return self._to_id[role][token]
        except KeyError:
            raise _unknown(what) from None


def _authored_ids(item_version: ItemLike) -> dict[str, list[str]]:
    content = item_version.content
    if item_version.type in CHOICE_TYPES:
        return {OPTION: [option["id"] for option in content["options"]]}
    if item_version.type == MATCHING:
        prompts = [pair["id"] for pair in content["pairs"]]
        distractors = [d["id"] for d in content.get("distractors", [])]
        return {PROMPT: prompts, ANSWER: prompts + distractors}
    return {}


class AnswerTokens:
    """The app's token maker, keyed by its secret key (Flask's SECRET_KEY)."""

    def __init__(self, secret_key: str | bytes):
        if not secret_key:
            raise ValueError("answer tokens need the app's secret key")
        self._key = _derived_key(secret_key)

    def of_question(self, attempt_id: int, position: int, item_version: ItemLike) -> QuestionTokens:
        return QuestionTokens(self._key, attempt_id, position, item_version)

    def of(self, question: QuestionLike) -> QuestionTokens:
        return self.of_question(question.attempt_id, question.position, question.item_version)

    def token(self, attempt_id: int, position: int, role: str, authored_id: str) -> str:
        """One token, for a program that knows the secret (a benchmark driver, a test)."""
        return _finish(_question_mac(self._key, attempt_id, position), role, authored_id)
