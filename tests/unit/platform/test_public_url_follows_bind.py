"""EMM_BIND alone moves the service (issue 15 item 7): outside production the public URL, and
with it the demo's launches, follows the bind address unless EMM_PUBLIC_BASE_URL is set."""

from __future__ import annotations

import pytest

from config.settings import Settings, url_of_bind


def test_without_either_variable_the_service_is_on_port_5000():
    assert Settings.from_env({}).public_base_url == "http://127.0.0.1:5000"


def test_emm_bind_alone_moves_the_public_url():
    settings = Settings.from_env({"EMM_BIND": "127.0.0.1:8123"})
    assert settings.bind == "127.0.0.1:8123"
    assert settings.public_base_url == "http://127.0.0.1:8123"


def test_an_explicit_public_url_wins_over_the_bind_address():
    settings = Settings.from_env(
        {"EMM_BIND": "0.0.0.0:8123", "EMM_PUBLIC_BASE_URL": "https://tool.example.org/"}
    )
    assert settings.public_base_url == "https://tool.example.org"


def test_settings_built_in_code_follow_their_bind_too():
    assert Settings(bind="localhost:7001").public_base_url == "http://localhost:7001"
    assert Settings(public_base_url="http://tool.test").public_base_url == "http://tool.test"


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),  # every interface: reached as loopback
        (":8000", "http://127.0.0.1:8000"),
        ("[::]:8000", "http://127.0.0.1:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("tool.lan:8080", "http://tool.lan:8080"),
        ("unix:/run/emm.sock", None),  # no URL: the public URL must be given
        ("8000", None),
        ("host:http", None),
    ],
)
def test_the_url_of_a_bind_address(bind, url):
    assert url_of_bind(bind) == url


def test_a_bind_address_without_a_url_keeps_the_default():
    settings = Settings.from_env({"EMM_BIND": "unix:/run/emm.sock"})
    assert settings.public_base_url == "http://127.0.0.1:5000"


def test_production_never_guesses_its_public_url_from_the_bind_address():
    settings = Settings.from_env({"EMM_ENV": "production", "EMM_BIND": "0.0.0.0:8000"})
    assert settings.public_base_url == ""
    assert any("EMM_PUBLIC_BASE_URL" in problem for problem in settings.production_problems())
