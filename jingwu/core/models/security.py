from __future__ import annotations

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(AbstractBaseSession):
    """A login session that knows whose it is (``user_id``), so that disabling an account ends all its
    sessions with one indexed delete instead of decoding every session in the table.

    Only the session engine (``jingwu.core.security.SessionStore``) writes here; nobody reads it
    through a page. The data column is signed by Django, never shown.
    """

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")

    @classmethod
    def get_session_store_class(cls) -> type:
        from jingwu.core.security import SessionStore

        return SessionStore
