"""`flask platform brand`, `rename` and `list` as an admin runs them: branding is stored, shown,
kept or removed on request; unknown platforms and bad logo files get one clear line."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lti_tool import db
from lti_tool.platforms.branding import LOGO_MAX_BYTES
from lti_tool.platforms.models import Platform
from tests.support.signed_launches import CLIENT_ID, ISSUER, register

ORGANISATION = "International Organization for Migration"


@pytest.fixture
def platform(app):
    register(app)


def picture(path, kind="PNG", size=(300, 90)):
    Image.new("RGB", size, (11, 79, 138)).save(path, format=kind)
    return path


def stored(app) -> Platform:
    with app.app_context():
        row = db.session().query(Platform).one()
        db.session().expunge(row)
        return row


def test_brand_by_issuer_with_logo_and_signatory_shows_in_the_list(app, runner, platform, tmp_path):
    logo = picture(tmp_path / "iom.png")
    result = runner.invoke(
        args=[
            "platform", "brand", ISSUER, "--organisation", f"  {ORGANISATION} ",
            "--logo", str(logo), "--signatory", "Amy Pope, Director General",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = stored(app)
    assert row.organisation == ORGANISATION
    assert row.signatory == "Amy Pope, Director General"
    assert row.logo == logo.read_bytes() and row.logo_media_type == "image/png"

    listing = runner.invoke(args=["platform", "list"]).output
    assert f"organisation: {ORGANISATION}" in listing
    assert "logo: image/png" in listing
    assert "signatory: Amy Pope, Director General" in listing


def test_brand_by_client_id_keeps_what_is_not_given_and_removes_on_request(
    app, runner, platform, tmp_path
):
    logo = picture(tmp_path / "iom.jpg", "JPEG")
    first = ["platform", "brand", CLIENT_ID, "--organisation", "IOM"]
    assert runner.invoke(args=[*first, "--logo", str(logo), "--signatory", "A B"]).exit_code == 0
    assert runner.invoke(args=[*first[:3], "--organisation", ORGANISATION]).exit_code == 0
    row = stored(app)
    assert (row.organisation, row.signatory, row.logo_media_type) == (
        ORGANISATION,
        "A B",
        "image/jpeg",
    )

    result = runner.invoke(args=[*first, "--no-logo", "--signatory", ""])
    assert result.exit_code == 0, result.output
    row = stored(app)
    assert (row.logo, row.logo_media_type, row.signatory) == (None, None, None)
    assert "logo: none" in result.output and "signatory: none" in result.output


def test_an_unbranded_platform_says_what_certificates_print(runner, platform):
    listing = runner.invoke(args=["platform", "list"]).output
    assert "organisation: not set, certificates print the name 'E-Campus'" in listing
    assert "flask platform brand" in listing


def _error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output.strip().splitlines()[-1]


def test_an_unknown_platform_is_one_line(runner, platform):
    result = runner.invoke(
        args=["platform", "brand", "https://nowhere.test", "--organisation", "X"]
    )
    assert "No platform has the Platform ID or Client ID 'https://nowhere.test'" in _error_line(
        result
    )
    result = runner.invoke(args=["platform", "rename", "nope", "Name"])
    assert "No platform has the Platform ID or Client ID 'nope'" in _error_line(result)


def _bad_logos(tmp_path):
    text = tmp_path / "logo.png"
    text.write_text("not a picture")
    gif = tmp_path / "logo.gif.png"
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(picture(tmp_path / "whole.png").read_bytes()[:60])
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * LOGO_MAX_BYTES)
    wide = picture(tmp_path / "wide.png", size=(5000, 10))
    return {
        text: "is not a PNG or JPEG picture",
        gif: "is not a PNG or JPEG picture",
        truncated: "is damaged or not a picture",
        huge: f"at most {LOGO_MAX_BYTES // 1024} KB",
        wide: "5000x10 pixels; at most 4000 on a side",
        tmp_path / "missing.png": "Cannot read the logo",
    }


def test_bad_logo_files_are_refused_with_one_line_and_nothing_changes(
    app, runner, platform, tmp_path
):
    for path, reason in _bad_logos(tmp_path).items():
        result = runner.invoke(
            args=["platform", "brand", ISSUER, "--organisation", "IOM", "--logo", str(path)]
        )
        assert reason in _error_line(result), path
    assert stored(app).organisation is None


def test_logo_and_no_logo_together_and_empty_organisation_are_refused(runner, platform, tmp_path):
    logo = picture(tmp_path / "iom.png")
    both = ["platform", "brand", ISSUER, "--organisation", "IOM", "--logo", str(logo), "--no-logo"]
    assert "either --logo or --no-logo" in _error_line(runner.invoke(args=both))
    empty = ["platform", "brand", ISSUER, "--organisation", "   "]
    assert "organisation name must not be empty" in _error_line(runner.invoke(args=empty))


def test_rename_sets_an_admins_name(app, runner, platform):
    with app.app_context():
        db.session().query(Platform).update({"name_is_automatic": True})
        db.session().commit()
    result = runner.invoke(args=["platform", "rename", ISSUER + "/", "IOM E-Campus"])
    assert result.exit_code == 0, result.output
    assert "from 'E-Campus' to 'IOM E-Campus'" in result.output
    row = stored(app)
    assert (row.name, row.name_is_automatic) == ("IOM E-Campus", False)


def test_an_issuer_with_two_client_ids_must_be_named_by_client_id(app, runner, platform):
    from lti_tool.db import session_scope
    from lti_tool.platforms.registry import PlatformRegistration, add_platform

    with app.app_context(), session_scope() as session:
        add_platform(
            session,
            PlatformRegistration(
                name="Second",
                issuer=ISSUER,
                client_id="other-client",
                deployment_ids=("9",),
                auth_login_url=ISSUER + "/a",
                auth_token_url=ISSUER + "/t",
                key_set_url=ISSUER + "/k",
            ),
            app.extensions["emm_clock"].now(),
        )
    result = runner.invoke(args=["platform", "rename", ISSUER, "X"])
    assert "name one by its Client ID" in _error_line(result)
    assert runner.invoke(args=["platform", "rename", "other-client", "X"]).exit_code == 0


def test_logo_bytes_are_kept_exactly(app, runner, platform, tmp_path):
    path = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(buffer, format="PNG")  # transparent
    path.write_bytes(buffer.getvalue())
    args = ["platform", "brand", ISSUER, "--organisation", "IOM", "--logo", str(path)]
    assert runner.invoke(args=args).exit_code == 0
    assert stored(app).logo == buffer.getvalue()
