"""pylti1p3's view of our registrations: a tool configuration read from the database."""

from __future__ import annotations

import typing as t

from cryptography.hazmat.primitives import serialization
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy.orm import Session

from lti_tool.platforms.keys import SigningKey
from lti_tool.platforms.launch_registrations import LaunchRegistration, find_registration
from lti_tool.platforms.models import Platform


class KeyedRegistration(Registration):
    """pylti1p3 derives the kid from the PEM without one; Moodle needs our published kid."""

    def __init__(self, kid: str):
        super().__init__()
        self._kid = kid

    def get_kid(self) -> str:
        return self._kid


def registration_for(
    platform: Platform | LaunchRegistration, key: SigningKey | None
) -> Registration:
    reg = KeyedRegistration(key.kid if key else "")
    reg.set_issuer(platform.issuer).set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
    reg.set_key_set_url(platform.key_set_url)
    if key is not None:
        private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
        public_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        reg.set_tool_private_key(key.private_pem).set_tool_public_key(public_pem)
    return reg


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may have many client ids (one per Moodle tool type)."""

    def __init__(self, session: Session, signing_key: SigningKey | None = None):
        self._session = session
        self._key = signing_key
        # One launch asks for the same platform several times (registration, deployment,
        # the view): one lookup per request is enough.
        self._found: dict[tuple[str, str | None], LaunchRegistration | None] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def platform(self, iss: str, client_id: str | None) -> LaunchRegistration | None:
        key = (iss, client_id)
        if key not in self._found:
            self._found[key] = find_registration(self._session, iss, client_id)
        return self._found[key]

    def find_registration_by_issuer(self, iss: str, *args: t.Any, **kwargs: t.Any):
        platform = self.platform(iss, None)
        return registration_for(platform, self._key) if platform else None

    def find_registration_by_params(self, iss: str, client_id: str, *args: t.Any, **kwargs: t.Any):
        platform = self.platform(iss, client_id)
        return registration_for(platform, self._key) if platform else None

    def find_deployment(self, iss: str, deployment_id: str):
        return self._deployment(self.platform(iss, None), deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: t.Any, **kwargs: t.Any
    ):
        return self._deployment(self.platform(iss, client_id), deployment_id)

    @staticmethod
    def _deployment(
        platform: LaunchRegistration | None, deployment_id: str
    ) -> LtiDeployment | None:
        if platform is None:
            return None
        if deployment_id in platform.deployments:
            return LtiDeployment().set_deployment_id(deployment_id)
        return None
