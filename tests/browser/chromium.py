"""How the browser tests start Debian's Chromium (never a Playwright-downloaded browser).

`launch_browser(playwright)` gives a normal Browser for isolated contexts;
`launch_cookie_blocking_context(playwright, user_data_dir)` gives a persistent context whose
profile blocks third-party cookies explicitly (the way a learner's Chrome does it with
"Block third-party cookies"), so tests do not depend on the browser's changing defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright

CHROMIUM = Path("/usr/bin/chromium")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Chromium's profile preferences behind Settings > Privacy > Third-party cookies:
# cookie_controls_mode 1 = "Block third-party cookies"; the older boolean says the same.
BLOCK_THIRD_PARTY_COOKIES = {
    "profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}
}


def missing_chromium_message() -> str | None:
    if CHROMIUM.exists():
        return None
    return (
        f"{CHROMIUM} is missing: the browser tests drive Debian's chromium package. "
        "Run scripts/test (it installs chromium and chromium-driver with apt-get when run "
        "as root), or `apt-get install -y chromium chromium-driver` yourself. "
        "Do not run `playwright install`."
    )


def launch_browser(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


def write_preferences(user_data_dir: Path, preferences: dict) -> None:
    profile = user_data_dir / "Default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "Preferences").write_text(json.dumps(preferences))


def launch_cookie_blocking_context(
    playwright: Playwright, user_data_dir: Path, **context_options: object
) -> BrowserContext:
    """A fresh profile in `user_data_dir` with third-party cookies blocked."""
    write_preferences(user_data_dir, BLOCK_THIRD_PARTY_COOKIES)
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=ARGS,
        **context_options,
    )  # type: ignore[arg-type]
