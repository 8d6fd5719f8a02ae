"""NRPS context membership on lti1p3platform's NamesRoleProvisioningService, Moodle-shaped:
short role names and Moodle's person fields."""

from __future__ import annotations

import typing as t

from lti1p3platform.membership import Context
from lti1p3platform.request import Request
from lti1p3platform.service_connector import NamesRoleProvisioningService, TPage

from demo_platform.claims import full_role, short_role
from demo_platform.platform_conf import DemoPlatformConf


class DemoNrpsService(NamesRoleProvisioningService):
    def __init__(self, request: Request, platform_config: DemoPlatformConf) -> None:
        super().__init__(request, platform_config, platform_config.state.config.memberships_url())
        self.state = platform_config.state

    def get_context_by_id(self) -> Context:
        config = self.state.config
        return Context(id=config.context_id, label=config.context_label, title=config.context_title)

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        return self.state.resource_link(resource_link_id) is not None

    def get_member_data_page(
        self,
        page: int = 1,
        limit: int | None = None,
        role: str | None = None,
        since: str | None = None,
        **_ignored: t.Any,
    ) -> TPage:
        members = []
        for member in self.state.members():
            if role and full_role(role) not in member.roles:
                continue
            roles = [short for short in map(short_role, member.roles) if short]
            if not roles:
                continue
            members.append(
                {
                    "status": "Active",
                    "roles": roles,
                    "user_id": member.user_id,
                    "lis_person_sourcedid": "",
                    "name": member.name,
                    "given_name": member.given_name,
                    "family_name": member.family_name,
                    "email": member.email,
                    "ext_user_username": member.username,
                }
            )
        if limit:
            start = (max(int(page), 1) - 1) * int(limit)
            window = members[start : start + int(limit)]
            return {"content": window, "has_next": start + int(limit) < len(members)}
        return {"content": members, "has_next": False}
