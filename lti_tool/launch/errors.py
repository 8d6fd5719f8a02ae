from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lti_tool.web.errors import UserFacingError


class LaunchRejected(UserFacingError):
    """A login or launch that failed a security check. Nothing about it is stored."""

    title = _l("This launch could not be accepted")

    def __init__(self, message: str, *, code: str, status: int = 400, action: str | None = None):
        super().__init__(
            message,
            code=code,
            status=status,
            action=action
            or _l(
                "Go back to your course and open the assessment again. "
                "If this keeps happening, tell your course administrator."
            ),
        )


class PlatformUnreachable(LaunchRejected):
    def __init__(self, message: str):
        super().__init__(
            message,
            code="platform_unreachable",
            status=424,
            action=_l("The course site did not answer. Wait a minute and try again."),
        )
