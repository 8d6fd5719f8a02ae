"""Messages for authors that stay translatable: the item bank knows no Flask or Babel, so a
message is its English text (what the CLI prints, what tests compare) that also keeps its
msgid and values, for the authoring pages to translate (lti_tool.authoring.issue_text).

`msg` is the name Babel extracts (`-k msg`): its first argument must be a literal."""

from __future__ import annotations

from typing import Any


class Message(str):
    """English text, formatted; `.template % .params` gives it again, in any catalog."""

    template: str
    params: dict[str, Any]
    trimmed: bool  # shown without its final full stop (it ends a longer sentence)

    def __new__(
        cls, template: str, params: dict[str, Any] | None = None, trimmed: bool = False
    ) -> Message:
        params = dict(params or {})
        # Without values a template is taken as written: a lone "%" stays a "%".
        text = template % params if params else template
        message = super().__new__(cls, text.rstrip(".") if trimmed else text)
        message.template = template
        message.params = params
        message.trimmed = trimmed
        return message

    def format(self, *args: Any, **kwargs: Any) -> str:
        # marshmallow's validators pass an `error=` message through str.format for their own
        # {input}/{min} fields; a Message has %-placeholders only, so it stays itself.
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.template, self.params, self.trimmed))

    def __repr__(self) -> str:
        return f"msg({self.template!r}, **{self.params!r})"


def msg(template: str, **params: Any) -> Message:
    """A message in English, translatable later: `template` is Python %-format with named
    placeholders (`%(id)r` where the value reads best quoted)."""
    return Message(template, params)


def message_of(error: BaseException) -> str:
    """What an exception says, its Message kept when it was raised with one (str() of the
    exception would keep only the English)."""
    if len(error.args) == 1 and isinstance(error.args[0], Message):
        return error.args[0]
    return str(error)


def without_full_stop(text: str) -> str:
    """`text` without its final full stop, for a message that goes on after it; a Message
    stays one (its translation loses the full stop too)."""
    if isinstance(text, Message):
        return Message(text.template, text.params, trimmed=True)
    return text.rstrip(".")


def cannot_read(error: OSError) -> Message:
    """What both file readers (assessments and forms) say when the system refuses a file."""
    return msg("Cannot read the file: %(reason)s.", reason=error.strerror)
