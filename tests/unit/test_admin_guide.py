"""docs/admin-guide.md against what it names: Moodle 4.5's labels, the tool's `flask` commands
and options, its EMM_* settings, and the values Moodle must be given.

The guide's conventions make its claims checkable: **bold** is a label Moodle shows (checked
against Moodle's own strings in tests/fixtures/moodle/moodle45_ui_strings.json), an italic span
with " > " is a Moodle menu path, and every command is written as `flask <group> <command>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "admin-guide.md"
MOODLE_STRINGS = REPO / "tests" / "fixtures" / "moodle" / "moodle45_ui_strings.json"
DYNAMIC_REGISTRATION = REPO / "tests" / "fixtures" / "moodle" / "dynamic_registration.json"
EXAMPLE_BASE_URL = "https://assessment.example.org"


def _spaces(text: str) -> str:
    return " ".join(text.split())


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _fenced_blocks(text: str) -> tuple[str, list[str]]:
    """The text without its ``` blocks, and the blocks' lines with `\\` continuations joined."""
    blocks = re.findall(r"^\s*```[^\n]*\n(.*?)^\s*```", text, flags=re.S | re.M)
    rest = re.sub(r"^\s*```[^\n]*\n.*?^\s*```", "", text, flags=re.S | re.M)
    lines: list[str] = []
    for block in blocks:
        lines.extend(block.replace("\\\n", " ").splitlines())
    return rest, lines


def bold_labels(text: str) -> list[str]:
    return [_spaces(label) for label in re.findall(r"\*\*(.+?)\*\*", text, flags=re.S)]


def menu_paths(text: str) -> list[str]:
    prose, _ = _fenced_blocks(text)
    without_code = re.sub(r"`[^`]+`", "", prose)
    without_bold = re.sub(r"\*\*(.+?)\*\*", "", without_code, flags=re.S)
    spans = re.findall(r"\*([^*]+?)\*", without_bold, flags=re.S)
    return [_spaces(span) for span in spans if " > " in span]


def command_mentions(text: str) -> list[str]:
    """Every snippet that runs `flask`: inline code spans and lines of code blocks."""
    rest, block_lines = _fenced_blocks(text)
    snippets = [_spaces(span) for span in re.findall(r"`([^`]+)`", rest)]
    snippets += [_spaces(line.split(" #", 1)[0]) for line in block_lines]
    return [s for s in snippets if re.search(r"(^|[\s/])flask\s+(?!--app\s+\S+\s*$)\S", s)]


def resolve(cli: click.Group, mention: str) -> tuple[tuple[str, ...], click.Command, list[str]]:
    """The command a mention names (its path, the command) and the options it uses.
    Raises LookupError when a word after `flask` is not a command of that group."""
    tokens = mention.split()
    start = next(i for i, t in enumerate(tokens) if t == "flask" or t.endswith("/flask"))
    words = tokens[start + 1 :]
    if words[:1] == ["--app"]:
        words = words[2:]
    command: click.Command = cli
    path: list[str] = []
    while isinstance(command, click.Group):
        if not words:
            raise LookupError(f"{mention!r} names the group {' '.join(path)!r}, not a command")
        found = command.commands.get(words[0])
        if found is None:
            raise LookupError(f"{mention!r}: no command {' '.join([*path, words[0]])!r}")
        path.append(words.pop(0))
        command = found
    options = [w.strip("[]").split("=", 1)[0] for w in words if w.strip("[]").startswith("--")]
    return tuple(path), command, options


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Iterator[click.Group]:
    from lti_tool import create_app

    settings = Settings(
        secret_key="guide-test-" + "x" * 40,
        data_dir=tmp_path_factory.mktemp("guide"),
        public_base_url="http://tool.test",
    )
    app = create_app(settings)
    yield app.cli
    app.extensions["emm_engine"].dispose()


def moodle_strings() -> dict:
    return json.loads(MOODLE_STRINGS.read_text(encoding="utf-8"))


def known_labels() -> set[str]:
    data = moodle_strings()
    labels = {
        _spaces(text) for component in data["strings"].values() for text in component.values()
    }
    return labels | set(data["menus"])


# --- Moodle's labels ---
@pytest.mark.parametrize("label", sorted(set(bold_labels(guide_text()))))
def test_every_bold_label_is_one_moodle_shows(label):
    assert label in known_labels(), (
        f"**{label}** is not a label of Moodle 4.5 (tests/fixtures/moodle/moodle45_ui_strings.json)"
        ": write Moodle's exact words, or use no bold for what is not Moodle's"
    )


@pytest.mark.parametrize("path", sorted(set(menu_paths(guide_text()))))
def test_every_menu_path_is_made_of_moodle_menu_items(path):
    menus = set(moodle_strings()["menus"])
    unknown = [item.strip() for item in path.split(">") if item.strip() not in menus]
    assert unknown == [], f"*{path}*: not Moodle menu items: {unknown}"


def test_the_guide_quotes_the_labels_the_admin_must_find():
    """The places the issue names: the details icon, the activity chooser setting, privacy,
    the launch container, the same-domain question and the cURL lists."""
    quoted = set(bold_labels(guide_text()))
    for needed in (
        "View configuration details",
        "Tool configuration usage",
        "Show in activity chooser and as a preconfigured tool",
        "Share launcher's name with tool",
        "Share launcher's email with tool",
        "Default launch container",
        "Update",
        "Register as a new external tool",
        "cURL blocked hosts list",
        "cURL allowed ports list",
        "Select content",
    ):
        assert needed in quoted, needed
    assert _spaces(moodle_strings()["strings"]["mod_lti"]["dynreg_update_text"]) in quoted


def test_the_checkers_reject_what_moodle_does_not_show():
    text = "Set **Share launcher's name with the tool** in *Site administration > Tools > X*."
    assert bold_labels(text)[0] not in known_labels()
    assert menu_paths(text) == ["Site administration > Tools > X"]
    assert "Tools" not in moodle_strings()["menus"]


# --- flask commands ---
@pytest.mark.parametrize("mention", sorted(set(command_mentions(guide_text()))))
def test_every_flask_command_the_guide_names_exists(cli, mention):
    path, command, options = resolve(cli, mention)
    known = {opt for param in command.params for opt in param.opts}
    assert set(options) <= known, f"`flask {' '.join(path)}` has no option {set(options) - known}"


def test_the_guide_names_the_commands_an_admin_needs():
    named = {" ".join(resolve_words(m)) for m in command_mentions(guide_text())}
    for needed in (
        "platform invite",
        "platform add",
        "platform list",
        "platform rename",
        "platform brand",
        "grades status",
        "grades requeue-failed",
        "item-bank import",
    ):
        assert needed in named, needed


def resolve_words(mention: str) -> tuple[str, ...]:
    words = mention.split()
    start = next(i for i, t in enumerate(words) if t == "flask" or t.endswith("/flask"))
    return tuple(w for w in words[start + 1 :] if not w.startswith("-"))[:2]


def test_the_command_checker_rejects_unknown_commands_and_options(cli):
    with pytest.raises(LookupError):
        resolve(cli, "flask platform fly")
    path, command, options = resolve(cli, "flask grades requeue-failed --reason token_refused")
    assert path == ("grades", "requeue-failed")
    assert options == ["--reason"]
    assert "--colour" not in {o for p in command.params for o in p.opts}


# --- EMM_* settings ---
class RecordingEnvironment(dict):
    """An empty environment that remembers every variable Settings.from_env asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return default


def test_every_emm_setting_the_guide_names_is_read_by_the_settings():
    environment = RecordingEnvironment()
    Settings.from_env(environment)
    named = set(re.findall(r"\bEMM_[A-Z_]*[A-Z]", guide_text()))
    assert named, "the guide names no setting: the pattern is wrong"
    assert named <= environment.asked, f"not settings: {sorted(named - environment.asked)}"
    assert "EMM_NO_SUCH_SETTING" not in environment.asked


# --- values and advice ---
def test_the_by_hand_values_are_the_tools_configuration():
    from lti_tool.launch.tool_config import tool_configuration

    config = tool_configuration(EXAMPLE_BASE_URL)
    text = guide_text()
    for key in ("tool_url", "initiate_login_url", "public_keyset_url", "content_selection_url"):
        assert f"`{config[key]}`" in text, key
    assert config["custom_parameters"] == ""
    assert re.search(r"\| \*\*Custom parameters\*\* \| empty", text)


def test_no_site_level_assessment_parameter_is_advised():
    """Moodle lets site-level custom parameters override each activity's: an `assessment=`
    there empties every Deep-Linked activity. The guide mentions it only to forbid it."""
    passages = re.split(r"\n\s*\n|\n(?=\s*(?:- |\| ))", guide_text())
    mentions = [p for p in passages if "assessment=" in p]
    assert mentions, "the guide no longer warns against a site-level assessment parameter"
    for passage in mentions:
        assert "Never" in passage or "empty the field" in passage, passage


def test_dynamic_registration_asks_for_names_and_emails_and_moodle_grants_them():
    """The guide says dynamic registration sets both privacy settings to Always: Moodle does so
    for the claims the registration asks for and echoes them in its answer."""
    from lti_tool.launch.dynamic_registration import ToolRegistrationRequest

    asked = set(ToolRegistrationRequest(EXAMPLE_BASE_URL).get_claims())
    assert {"name", "given_name", "family_name", "email"} <= asked
    answer = json.loads(DYNAMIC_REGISTRATION.read_text(encoding="utf-8"))["registration_response"]
    granted = set(answer["https://purl.imsglobal.org/spec/lti-tool-configuration"]["claims"])
    assert {"name", "email"} <= granted


def test_platform_add_options_carry_the_moodle_labels_the_guide_maps_them_to(cli):
    """The guide's table `--option` | **Moodle label**: the option's help names the same label."""
    add = cli.commands["platform"].commands["add"]
    helps = {opt: param.help or "" for param in add.params for opt in param.opts}
    rows = re.findall(r"^\s*\| `(--[a-z-]+)`[^|]*\| \*\*(.+?)\*\* \|$", guide_text(), flags=re.M)
    assert len(rows) == 6
    for option, label in rows:
        assert f'"{label}"' in helps[option], (option, label)
