from pathlib import Path

import pytest

from config.settings import Settings, UnsafeSettings


def test_defaults_are_the_embedded_mode():
    settings = Settings.from_env({})
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert not settings.uses_redis
    assert settings.demo_enabled
    assert settings.runs_embedded_grade_worker


def test_environment_variables_are_parsed_and_typed():
    settings = Settings.from_env(
        {
            "EMM_DATABASE_URL": "postgresql+psycopg://db/emm",
            "EMM_REDIS_URL": "redis://r:6379/0",
            "EMM_TRUSTED_PROXIES": "2",
            "EMM_DEBUG": "false",
            "EMM_DATA_DIR": "/var/lib/emm",
            "EMM_PUBLIC_BASE_URL": "https://tool.example.org/",
        }
    )
    assert settings.trusted_proxies == 2 and settings.data_dir == Path("/var/lib/emm")
    assert settings.public_base_url == "https://tool.example.org"
    assert settings.uses_redis and not settings.runs_embedded_grade_worker


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="EMM_TRUSTED_PROXIES"):
        Settings.from_env({"EMM_TRUSTED_PROXIES": "two"})


def test_production_refuses_unsafe_settings_and_lists_every_problem():
    from lti_tool import create_app

    unsafe = Settings.from_env({"EMM_ENV": "production", "EMM_DEBUG": "1", "EMM_DEMO_MODE": "1"})
    with pytest.raises(UnsafeSettings) as error:
        create_app(unsafe)
    message = str(error.value)
    for needle in (
        "EMM_SECRET_KEY",
        "EMM_DEBUG",
        "EMM_DEMO_MODE",
        "EMM_DATABASE_URL",
        "EMM_REDIS_URL",
        "EMM_PUBLIC_BASE_URL",
    ):
        assert needle in message


def test_production_with_safe_settings_has_no_problems_and_no_demo():
    safe = Settings.from_env(
        {
            "EMM_ENV": "production",
            "EMM_SECRET_KEY": "s" * 40,
            "EMM_DATABASE_URL": "postgresql+psycopg://db/emm",
            "EMM_REDIS_URL": "redis://r/0",
            "EMM_PUBLIC_BASE_URL": "https://tool.example.org",
        }
    )
    assert safe.production_problems() == []
    assert not safe.demo_enabled


@pytest.mark.parametrize("raw", ["production", "Production", "PRODUCTION", " production "])
def test_production_is_production_however_it_is_written(raw):
    settings = Settings.from_env({"EMM_ENV": raw})
    assert settings.is_production and settings.environment == "production"
    assert "EMM_SECRET_KEY must be set" in " ".join(settings.production_problems())
    assert not settings.demo_enabled


@pytest.mark.parametrize("raw", ["prod", "staging", "test", "", "productionn"])
def test_an_unknown_environment_stops_the_start_and_lists_the_allowed_ones(raw):
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"EMM_ENV": raw})
    assert "EMM_ENV must be one of: development, production" in str(refused.value)
    with pytest.raises(ValueError, match="EMM_ENV"):
        Settings(environment=raw)


def _gunicorn_config(monkeypatch, **environ) -> dict:
    import runpy

    for name in ("EMM_ENV", "EMM_WORKERS", "EMM_THREADS", "EMM_DATABASE_URL", "EMM_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).parents[3] / "config" / "gunicorn.conf.py"))


def test_gunicorn_never_opens_its_control_socket(monkeypatch):
    from gunicorn.config import Config

    config = _gunicorn_config(monkeypatch, EMM_ENV="production")
    assert config["control_socket_disable"] is True
    settings = Config()
    settings.set("control_socket_disable", config["control_socket_disable"])  # a real setting
    assert settings.control_socket_disable is True


def test_gunicorn_judges_production_by_the_settings_one_definition(monkeypatch):
    import os

    many = 2 * (os.cpu_count() or 1)
    assert _gunicorn_config(monkeypatch, EMM_ENV="Production")["workers"] == many
    # A database URL alone is not production (the demo platform may be on, in memory).
    assert (
        _gunicorn_config(monkeypatch, EMM_DATABASE_URL="postgresql+psycopg://db/emm")["workers"]
        == 1
    )
    assert _gunicorn_config(monkeypatch)["workers"] == 1


def test_gunicorn_refuses_an_unknown_environment(monkeypatch):
    with pytest.raises(ValueError, match="EMM_ENV must be one of: development, production"):
        _gunicorn_config(monkeypatch, EMM_ENV="staging")


def test_gunicorn_binds_where_the_settings_say_so_the_public_url_follows_it(monkeypatch):
    assert _gunicorn_config(monkeypatch, EMM_BIND="127.0.0.1:5123")["bind"] == "127.0.0.1:5123"
    # Empty is the default for both, never an empty address for gunicorn.
    empty = _gunicorn_config(monkeypatch, EMM_BIND="  ")["bind"]
    assert empty == Settings.from_env({"EMM_BIND": "  "}).bind == "127.0.0.1:5000"
