"""OIDC login, launch validation, launch sessions, JWKS, tool configuration, dynamic
registration."""
