"""API authentication classes (kept apart from ``core.api``: DRF imports them while its own views
module is still loading, so this module must not import ``rest_framework.views``)."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication

from . import context


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF token authentication that also names the caller in the action context.

    The request middleware runs before DRF authenticates a token, so without this an audit row
    written by a token-authenticated request would lack its actor. Listed first in the settings,
    it also makes DRF answer anonymous requests with 401 + ``WWW-Authenticate: Token``.
    """

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            context.current().user = result[0]
        return result
