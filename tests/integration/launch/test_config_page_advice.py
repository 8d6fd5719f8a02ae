"""/lti/config never advises a site-level `assessment` custom parameter (issue 16, bug 1):
Moodle lets site-level parameters override every activity's own, so such advice silently broke
every Deep-Linked activity. It says that Deep Linking sets the assessment per activity."""

from __future__ import annotations

import re
from html import unescape


def _text(html: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_json_offers_no_custom_parameters_to_paste(client):
    config = client.get("/lti/config.json").get_json()
    assert config["custom_parameters"] == ""
    assert "assessment" not in str(config)


def test_the_page_says_leave_custom_parameters_empty_and_how_teachers_choose(client):
    html = client.get("/lti/config").get_data(as_text=True)
    text = _text(html)
    assert "assessment=" not in text and "<slug>" not in text
    (advice,) = re.findall(r'id="custom-parameters-advice">(.*?)</td>', html)
    assert "Leave empty" in advice and "Never enter `assessment`" in advice
    assert "Deep Linking sets the assessment per activity" in text
    assert '"Select content"' in text and "pick the assessment from the list" in text
    assert "Do not set `assessment` in the tool's site-level custom parameters" in text
    assert '"Supports Deep Linking (Content-Item Message)"' in text
