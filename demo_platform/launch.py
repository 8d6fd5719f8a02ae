"""Building a Moodle-shaped launch on lti1p3platform's MessageLaunch from a pending launch."""

from __future__ import annotations

import typing as t

from demo_platform import claims as c
from demo_platform.flask_adapter import FlaskMessageLaunch, FlaskRequest
from demo_platform.platform_conf import DemoPlatformConf
from demo_platform.records import PendingLaunch


class DemoMessageLaunch(FlaskMessageLaunch):
    def __init__(
        self, request: FlaskRequest, platform_config: DemoPlatformConf, pending: PendingLaunch
    ) -> None:
        super().__init__(request, platform_config)
        self.pending = pending
        self.set_id_token_expiration(platform_config.state.config.id_token_lifetime)

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        state = self._platform_config.state  # type: ignore[attr-defined]
        config = state.config
        launch = self.pending
        self.set_user_data(launch.user_id, launch.roles)
        extra: dict[str, t.Any] = {}
        extra.update(
            c.person_claims(launch.given_name, launch.family_name, launch.email, launch.username)
        )
        extra.update(c.platform_claims(config))
        extra.update(c.context_claim(config))
        presentation: dict[str, t.Any] = {"locale": launch.locale}
        custom = dict(launch.custom)
        if launch.include_nrps:
            # Moodle's NRPS service also exposes the URL as a custom parameter.
            custom["context_memberships_url"] = config.memberships_url()
        if custom:
            self.set_custom_parameters_claim(custom)

        if launch.kind == "deeplink":
            return_url = config.url(
                "/deep-link-return", f"course={config.context_id}&launch={launch.launch_id}"
            )
            self.set_dl(return_url, launch.deep_link_title, "", set(launch.accept_types))
            # The library's settings differ from Moodle's (auto_create, targets): use Moodle's.
            self._deep_linking_launch_data = c.deep_linking_settings(
                return_url, launch.deep_link_title, launch.accept_types, launch.deep_link_data
            )
        else:
            assert launch.resource_link_id is not None
            self.set_launch_url(launch.target_link_uri)
            self.set_resource_link_claim(
                launch.resource_link_id,
                launch.resource_link_description or None,
                launch.resource_link_title or None,
            )
            presentation["document_target"] = launch.document_target
            if launch.return_url:
                presentation["return_url"] = launch.return_url
            extra.update(c.basic_outcome_claim(config, launch.resource_link_id, launch.user_id))
        self.lti_claim_launch_presentation = {c.LTI + "launch_presentation": presentation}

        if launch.include_ags:
            self.set_ags(
                config.lineitems_url(),
                config.lineitem_url(launch.line_item_id) if launch.line_item_id else None,
            )
            extra.update(c.ags_claim(config, launch.line_item_id))  # Moodle's scope list
        if launch.include_nrps:
            self.set_nrps(config.memberships_url())
            extra.update(c.nrps_claim(config))
        self.set_extra_claims(extra)
