"""Author HTML is sanitised: scripts, event handlers and dangerous URLs never reach a learner."""

from __future__ import annotations

import pytest

from item_bank.sanitize import plain_text, sanitize_html
from item_bank.validation import validate_document

PAYLOADS = [
    '<script>alert("x")</script>Text',
    '<img src=x onerror="alert(1)">Text',
    '<a href="javascript:alert(1)">Text</a>',
    '<p onclick="steal()">Text</p>',
    "<svg onload=alert(1)><circle/></svg>Text",
    '<iframe src="https://evil.example"></iframe>Text',
    '<a href="JaVaScRiPt:alert(1)">Text</a>',
    '<div style="background:url(javascript:alert(1))">Text</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>Text",
    '<form action="https://evil.example"><input name="password"></form>Text',
    "<body onload=alert(1)>Text",
    '<p>Text<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>'
    "</p>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_lose_scripts_handlers_and_unsafe_urls(payload):
    cleaned = sanitize_html(payload).lower()

    if "<style>" not in payload:  # a <style> element swallows the rest of the text, as browsers do
        assert "text" in cleaned
    for marker in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "<svg",
        "style=",
        "<img",
        "<form",
        "<input",
        "<object",
        "data:text",
    ):
        assert marker not in cleaned, (payload, cleaned)


def test_formatting_and_safe_links_are_kept():
    cleaned = sanitize_html(
        '<p><strong>Bold</strong> <em>it</em> <a href="https://iom.int">IOM</a></p><ul><li>x</li></ul>'
    )

    assert "<strong>Bold</strong>" in cleaned
    assert '<a href="https://iom.int" rel="noopener noreferrer nofollow">IOM</a>' in cleaned
    assert "<ul><li>x</li></ul>" in cleaned


def test_plain_text_drops_markup_and_decodes_entities():
    assert plain_text("<b>A</b> &amp;   B<script>x</script>") == "A & B"


def test_imported_content_is_stored_sanitised():
    raw = {
        "assessment": {
            "slug": "xss",
            "title": {"en": "<b onmouseover=x>Title</b>"},
            "instructions": {"en": "<p onclick=x>Read</p><script>bad()</script>"},
        },
        "pools": [
            {
                "id": "p",
                "items": [
                    {
                        "id": "xss-1",
                        "type": "single_choice",
                        "stem": {"en": "<p>Q<img src=x onerror=alert(1)></p>"},
                        "options": [
                            {
                                "id": "a",
                                "text": {"en": "<a href='javascript:alert(1)'>A</a>"},
                                "correct": True,
                                "feedback": {"en": "<span onclick=x>fb</span>"},
                            },
                            {"id": "b", "text": {"en": "B<script>x</script>"}},
                        ],
                        "feedback": {"general": {"en": "<iframe src=//evil></iframe>General"}},
                    }
                ],
            }
        ],
    }

    doc, issues = validate_document(raw, file_label="xss.yaml")

    assert issues == []
    assert doc.title == {"en": "Title"}
    assert doc.instructions == {"en": "<p>Read</p>"}
    content = doc.items[0].content
    assert content["stem"] == {"en": "<p>Q</p>"}
    assert content["options"][0]["text"] == {"en": '<a rel="noopener noreferrer nofollow">A</a>'}
    assert content["options"][0]["feedback"] == {"en": "<span>fb</span>"}
    assert content["options"][1]["text"] == {"en": "B"}
    assert content["feedback"]["general"] == {"en": "General"}


SHA = "ab" * 32


def test_only_the_banks_own_pictures_are_kept():
    html = (
        f'<p><img src="media:{SHA}" alt="Map" onerror="alert(1)" style="x">'
        '<img src="https://tracker.example/p.gif" alt="t">'
        '<img src="data:image/png;base64,AAAA" alt="d">'
        f'<a href="media:{SHA}">link</a></p>'
    )

    assert sanitize_html(html) == (
        f'<p><img src="media:{SHA}" alt="Map"><a rel="noopener noreferrer nofollow">link</a></p>'
    )


def test_a_media_source_must_be_a_whole_hash():
    assert sanitize_html('<img src="media:abc" alt="x">') == ""
    assert sanitize_html(f'<img src="media:{SHA}/../x" alt="x">') == ""
