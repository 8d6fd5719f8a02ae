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
    settings = Settings.from_env({
        "EMM_DATABASE_URL": "postgresql+psycopg://db/emm", "EMM_REDIS_URL": "redis://r:6379/0",
        "EMM_TRUSTED_PROXIES": "2", "EMM_DEBUG": "false", "EMM_DATA_DIR": "/var/lib/emm",
        "EMM_PUBLIC_BASE_URL": "https://tool.example.org/"})
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
    for needle in ("EMM_SECRET_KEY", "EMM_DEBUG", "EMM_DEMO_MODE", "EMM_DATABASE_URL",
                   "EMM_REDIS_URL", "EMM_PUBLIC_BASE_URL"):
        assert needle in message


def test_production_with_safe_settings_has_no_problems_and_no_demo():
    safe = Settings.from_env({
        "EMM_ENV": "production", "EMM_SECRET_KEY": "s" * 40,
        "EMM_DATABASE_URL": "postgresql+psycopg://db/emm", "EMM_REDIS_URL": "redis://r/0",
        "EMM_PUBLIC_BASE_URL": "https://tool.example.org"})
    assert safe.production_problems() == []
    assert not safe.demo_enabled
