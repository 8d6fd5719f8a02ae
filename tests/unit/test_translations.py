"""Every string a person reads exists in es, fr, tr and id, with its placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lti_tool" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{?\s*\w+\s*\}?\}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strs(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.mark.parametrize("language", ["es", "fr", "tr", "id"])
def test_catalog_is_complete_and_keeps_placeholders(language):
    template = _catalog(TRANSLATIONS / "messages.pot")
    catalog = _catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing, broken = [], []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None or not all(_strs(translated)) or translated.fuzzy:
            missing.append(_ids(message)[0])
            continue
        wanted = sorted(PLACEHOLDER.findall(_ids(message)[0]))
        if any(sorted(PLACEHOLDER.findall(s)) != wanted for s in _strs(translated)):
            broken.append(_ids(message)[0])
    assert not missing, (
        f"{len(missing)} untranslated in {language} (run scripts/translations): {missing[:5]}"
    )
    assert not broken, f"placeholders changed in {language}: {broken[:5]}"


def test_catalog_template_is_current():
    """The .pot holds every string in the code: scripts/translations was run after changes."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "lazy_gettext",
                "-k",
                "_l",
                "-k",
                "msg",
                "--no-location",
                "-o",
                str(out),
                ".",
            ],
            cwd=TRANSLATIONS.parents[1],
            check=True,
            capture_output=True,
        )
        current = {_ids(m)[0] for m in _catalog(out) if m.id}
    committed = {_ids(m)[0] for m in _catalog(TRANSLATIONS / "messages.pot") if m.id}
    assert not current - committed, (
        f"strings missing from messages.pot: {sorted(current - committed)[:5]}"
    )
