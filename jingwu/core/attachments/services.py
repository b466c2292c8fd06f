"""Writes of attachments: ``attach`` inside the owner's service transaction, and ``atomic`` — the
transaction that also removes from storage the files written inside it when it rolls back.

A file is written to storage before its row is committed (so a failed write fails the whole
transaction). Storage is not transactional, so every file ``attach`` writes is remembered by the
innermost ``atomic()`` block around it: when that block rolls back the files go too; when it
commits into an outer ``atomic()`` block the outer one takes them over. A service that attaches
files opens its transaction with ``attachments.atomic()`` instead of ``transaction.atomic()``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from jingwu.core import audit
from jingwu.core.models import Attachment

from . import validators

log = logging.getLogger(__name__)

FOLDER = "attachments"

_written: ContextVar[list[str] | None] = ContextVar("jingwu_attachment_files", default=None)


def _remove(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # never hide the error that rolled the transaction back
            log.exception("could not delete attachment file %s after a rollback", name)


@contextmanager
def atomic() -> Iterator[None]:
    """``transaction.atomic()`` that deletes the attachment files written inside it on rollback."""
    parent = _written.get()
    names: list[str] = []
    token = _written.set(names)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _remove(names)
        raise
    else:
        if parent is not None:
            parent.extend(names)
    finally:
        _written.reset(token)


def _store(checked: validators.Checked) -> tuple[str, str]:
    """Write one file under a random name; returns (storage name, SHA-256)."""
    upload = checked.file
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    today = timezone.localdate()
    wanted = f"{FOLDER}/{today:%Y/%m}/{secrets.token_hex(16)}"
    name = default_storage.save(wanted, upload)
    written = _written.get()
    if written is not None:
        written.append(name)
    return name, digest.hexdigest()


def attach(*, actor: Any, owner: models.Model, files: Iterable[Any] | None, stage: str = "") -> list[Attachment]:
    """Check ``files`` by content and size, store them and attach them to ``owner`` (audited).

    Call it inside the owner's service transaction, after the caller's own permission checks: it
    checks the files, not who may attach. Any refused file refuses them all (``ValidationError``
    on the ``attachments`` field naming each file); nothing is written then."""
    files = [f for f in (files or []) if f]
    if not files:
        return []
    if owner.pk is None:
        raise ValueError("attach(): the owner must be saved first")
    try:
        checked = validators.check(files)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from None
    object_type, object_id = owner._meta.label_lower, str(owner.pk)
    rows: list[Attachment] = []
    with atomic():
        now = timezone.now()
        for item in checked:
            name, digest = _store(item)
            row = Attachment.objects.create(
                object_type=object_type,
                object_id=object_id,
                stage=stage,
                file=name,
                original_name=item.name,
                mime_type=item.kind.mime,
                size=item.size,
                sha256=digest,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
                uploaded_at=now,
            )
            audit.record(
                "core.attachment.upload",
                obj=row,
                actor=actor,
                changes={
                    "owner": row.owner_key,
                    "stage": stage,
                    "name": item.name,
                    "mime_type": item.kind.mime,
                    "size": item.size,
                    "sha256": digest,
                },
            )
            rows.append(row)
    return rows
