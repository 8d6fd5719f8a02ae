"""gunicorn's access log without secrets in paths: the format logs the path only (never the
query string, which carries launch tokens), and a registration invite is itself a path segment
(`/lti/register/<invite>`, valid for days), so it is logged as `/lti/register/-`. The proxies
mask it the same way (deploy/nginx/emm.conf).

With JSON logs (production) the app logs each request itself and gunicorn's access logger is
silenced; gunicorn would still build every line's fields before its logger drops them (a few
per cent of a `/healthz` under gunicorn), so a silenced logger is asked first (issue 13)."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

INVITE_PREFIX = "/lti/register/"


def token_free_path(path: str | None) -> str | None:
    if path is not None and path.startswith(INVITE_PREFIX):
        return INVITE_PREFIX + "-"
    return path


class TokenFreeAccessLog(Logger):
    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["U"] = token_free_path(atoms.get("U"))
        return atoms
