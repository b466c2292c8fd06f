"""The authentication backend: Django's ``ModelBackend`` (password check, active flag), except that the
signed-in user is loaded with their person and unit in the same query — every page reads them (the
data scope, the accused-unit rule of work orders, the header)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("person__unit").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
