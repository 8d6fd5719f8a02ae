"""One typed settings object, read from `EMM_*` environment variables.

Nothing is read at import time: `Settings.from_env()` is called by the app factory (or a test
passes its own `Settings`). Defaults are those of the embedded mode: SQLite, no Redis, demo on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "EMM_"
DEFAULT_DATA_DIR = Path("instance")
DEFAULT_BIND = "127.0.0.1:5000"  # gunicorn's address unless EMM_BIND says otherwise
# Addresses that mean "every interface": a browser on this machine reaches them as loopback.
ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


ENVIRONMENTS = ("development", "production")


def _environment(raw: str, name: str) -> str:
    """`Production` is production: a capital letter must not quietly turn the safety checks of
    production off. Any other word stops the start, naming the ones that exist."""
    value = raw.strip().lower()
    if value not in ENVIRONMENTS:
        raise ValueError(f"{PREFIX}{name} must be one of: {', '.join(ENVIRONMENTS)} (not {raw!r})")
    return value


def _text(raw: str, name: str) -> str:
    return raw


def _bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{PREFIX}{name} must be true or false, not {raw!r}")


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None


def _float(raw: str, name: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{PREFIX}{name} must be a number, not {raw!r}") from None


def url_of_bind(bind: str) -> str | None:
    """The http URL a browser on this machine uses for gunicorn's `host:port` bind address,
    or None for one that has no URL (a unix socket, a file descriptor, no port)."""
    if "://" in bind or bind.startswith("unix:"):
        return None
    host, separator, port = bind.rpartition(":")
    if not separator or not port.isdigit():
        return None
    if host in ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address without its brackets
    return f"http://{host}:{port}"


def _list(raw: str, name: str) -> tuple[str, ...]:
    """Comma-separated; an empty value is an empty list (not the default)."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    environment: str = "development"  # "development" or "production"
    secret_key: str = ""
    database_url: str = ""  # empty: SQLite file in data_dir
    redis_url: str = ""  # empty: no Redis, the database-backed store stands in
    # Empty: outside production, the URL of `bind` (so EMM_BIND alone moves the demo's launches
    # too); in production it must be set (production_problems says so).
    public_base_url: str = ""
    bind: str = DEFAULT_BIND
    data_dir: Path = DEFAULT_DATA_DIR
    debug: bool = False
    demo_mode: bool | None = None  # None: on in development, off in production
    jwt_leeway_seconds: int = 10  # Moodle sets exp = iat + 60 s; clocks drift a little
    trusted_proxies: int = 0  # how many reverse proxies set X-Forwarded-*
    # Logins and launches a minute from one client address (each, counted apart); a class behind
    # one NAT starts together, so generous. 0: no limit.
    launch_rate_per_minute: int = 300
    launch_token_ttl_seconds: int = 8 * 3600
    key_overlap_days: int = 7  # how long a rotated-out public key stays published
    jwks_cache_seconds: int = 3600
    default_locale: str = "en"
    embedded_grade_worker: bool | None = None  # None: on when there is no Redis
    # Deadline of a whole call to a platform: connect and every read together (lti_tool.outbound).
    http_timeout_seconds: float = 10.0
    # Hosts, host:port or CIDRs platform calls may reach although they are loopback, private,
    # link-local...: None = loopback only outside production, nothing in production.
    outbound_allow: tuple[str, ...] | None = None
    outbound_max_bytes: int = 4 * 1024 * 1024  # largest answer read from a platform
    # Bearer token that opens /metrics (lti_tool.observability). Empty: /metrics answers only
    # loopback clients outside production, and nobody in production.
    metrics_token: str = ""
    log_json: bool | None = None  # one JSON object a log line; None: on in production

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(PREFIX + name)

        values: dict[str, object] = {}
        parsers: tuple[tuple[str, str, Callable[[str, str], object]], ...] = (
            ("ENV", "environment", _environment),
            ("SECRET_KEY", "secret_key", _text),
            ("DATABASE_URL", "database_url", _text),
            ("REDIS_URL", "redis_url", _text),
            ("PUBLIC_BASE_URL", "public_base_url", lambda v, n: v.strip().rstrip("/")),
            ("BIND", "bind", lambda v, n: v.strip() or DEFAULT_BIND),
            ("DATA_DIR", "data_dir", lambda v, n: Path(v)),
            ("DEBUG", "debug", _bool),
            ("DEMO_MODE", "demo_mode", _bool),
            ("JWT_LEEWAY_SECONDS", "jwt_leeway_seconds", _int),
            ("TRUSTED_PROXIES", "trusted_proxies", _int),
            ("LAUNCH_RATE_PER_MINUTE", "launch_rate_per_minute", _int),
            ("LAUNCH_TOKEN_TTL_SECONDS", "launch_token_ttl_seconds", _int),
            ("KEY_OVERLAP_DAYS", "key_overlap_days", _int),
            ("JWKS_CACHE_SECONDS", "jwks_cache_seconds", _int),
            ("DEFAULT_LOCALE", "default_locale", _text),
            ("EMBEDDED_GRADE_WORKER", "embedded_grade_worker", _bool),
            ("HTTP_TIMEOUT_SECONDS", "http_timeout_seconds", _float),
            ("OUTBOUND_ALLOW", "outbound_allow", _list),
            ("OUTBOUND_MAX_BYTES", "outbound_max_bytes", _int),
            ("METRICS_TOKEN", "metrics_token", lambda v, n: v.strip()),
            ("LOG_JSON", "log_json", _bool),
        )
        for name, attr, parse in parsers:
            raw = get(name)
            if raw is not None:
                values[attr] = parse(raw, name)
        # Each value has the type its field's parser returns: a pairing mypy cannot follow.
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        # Settings built in code (tests, tools) obey the same rule as the environment.
        object.__setattr__(self, "environment", _environment(self.environment, "ENV"))
        if not self.public_base_url and not self.is_production:
            default = url_of_bind(DEFAULT_BIND)
            object.__setattr__(self, "public_base_url", url_of_bind(self.bind) or default)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def demo_enabled(self) -> bool:
        if self.is_production:
            return False  # never, whatever the variable says: see production_problems()
        return True if self.demo_mode is None else self.demo_mode

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'emm_assessment.sqlite3').resolve()}"

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def runs_embedded_grade_worker(self) -> bool:
        if self.embedded_grade_worker is not None:
            return self.embedded_grade_worker
        return not self.uses_redis

    @property
    def outbound_allowlist(self) -> tuple[str, ...]:
        """EMM_OUTBOUND_ALLOW, or by default loopback outside production (the demo platform and
        a development Moodle on this machine) and nothing in production."""
        if self.outbound_allow is not None:
            return self.outbound_allow
        return () if self.is_production else ("127.0.0.0/8", "::1")

    @property
    def logs_json(self) -> bool:
        return self.is_production if self.log_json is None else self.log_json

    @property
    def cookies_secure(self) -> bool:
        return self.public_base_url.startswith("https://")

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe for production, each said so an admin can fix it."""
        if not self.is_production:
            return []
        problems = []
        if len(self.secret_key) < 32:
            problems.append(
                f"{PREFIX}SECRET_KEY must be set to a random value of at least 32 characters"
            )
        if self.debug:
            problems.append(f"{PREFIX}DEBUG must be off")
        if self.demo_mode:
            problems.append(f"{PREFIX}DEMO_MODE cannot be enabled in production")
        if not self.database_url:
            problems.append(f"{PREFIX}DATABASE_URL must point to PostgreSQL")
        elif self.database_url.startswith("sqlite"):
            problems.append(f"{PREFIX}DATABASE_URL must point to PostgreSQL, not SQLite")
        if not self.redis_url:
            problems.append(f"{PREFIX}REDIS_URL must be set")
        if not self.public_base_url.startswith("https://"):
            problems.append(f"{PREFIX}PUBLIC_BASE_URL must be an https:// URL")
        if self.metrics_token and len(self.metrics_token) < 32:
            problems.append(f"{PREFIX}METRICS_TOKEN must be at least 32 random characters")
        return problems


class UnsafeSettings(RuntimeError):
    """Raised at start-up in production mode; the message lists every problem at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "Refusing to start in production with unsafe settings:\n- " + "\n- ".join(problems)
        )
