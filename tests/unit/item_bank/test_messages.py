"""A Message is the English text the CLI prints and tests compare, and also its msgid and
values, for the authoring pages to translate."""

from __future__ import annotations

import pickle

from item_bank.loading import validate_upload
from item_bank.messages import Message, message_of, msg, without_full_stop


def test_a_message_is_its_english_text():
    message = msg("Duplicate option id %(id)r.", id="a")

    assert message == "Duplicate option id 'a'."
    assert message in {"Duplicate option id 'a'."}  # hashes as the plain text
    assert hash(message) == hash("Duplicate option id 'a'.")
    assert message.template == "Duplicate option id %(id)r."
    assert message.params == {"id": "a"}
    assert f"[error] {message}" == "[error] Duplicate option id 'a'."


def test_without_values_the_template_is_the_text():
    assert msg("100% sure") == "100% sure"


def test_a_message_pickles_with_its_template_and_values():
    message = msg("Not imported (%(qtype)s): %(reason)s.", qtype="essay", reason=msg("no"))

    copy = pickle.loads(pickle.dumps(message))

    assert copy == message and isinstance(copy, Message)
    assert copy.template == message.template
    assert copy.params["reason"].template == "no"


def test_marshmallow_formatting_keeps_a_message():
    message = msg("Use only a-z, 0-9 and '-'.")

    assert message.format(input="X", regex="^x$") is message


def test_an_exception_keeps_its_message_and_a_trimmed_one_loses_its_full_stop():
    message = msg("Image %(label)r has too many pixels.", label="a.png")

    assert message_of(ValueError(message)) is message
    assert message_of(ValueError("plain")) == "plain"
    trimmed = without_full_stop(message)
    assert trimmed == "Image 'a.png' has too many pixels" and trimmed.trimmed


def test_import_issues_carry_messages():
    report = validate_upload("broken.gift", b"::Q1:: Essay? {}\n")

    issue = report.issues[0]
    assert issue.message == (
        "Not imported (line 1, 'Q1'): essay questions need manual grading, "
        "which this tool does not do."
    )
    assert isinstance(issue.message, Message)
    assert isinstance(issue.message.params["reason"], Message)
