"""Model fields for sensitive values: encrypted at rest, decrypted only in Python."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores SM4-GCM ciphertext; reads give back the plaintext string.

    Filtering on the column is meaningless (ciphertext is randomised): search with a blind index.
    """

    description = "Encrypted text (SM4-GCM)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value is None or value == "":
            return value or ""
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str) and value.startswith("sm4g1:"):
            return crypto.decrypt(value)
        return str(value)

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return ""
        return crypto.encrypt(str(value))
