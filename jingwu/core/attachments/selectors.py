"""Reads of attachments: an owner's list, and the owner of an attachment as a user may see it.

An attachment is visible exactly when its owner is. The owner is looked up through the lookup its
app registered (``register_owner``, e.g. a capability-specific scope) or else through its model's
``objects.visible_to(user)``; an owner type with neither is never downloadable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet

from jingwu.core.models import Attachment

OwnerLookup = Callable[[Any], QuerySet[Any]]
_OWNERS: dict[str, OwnerLookup] = {}


def register_owner(model: type[models.Model], visible: OwnerLookup) -> None:
    """Declare how to find the ``model`` rows a user may see (called from the app's ``ready()``)."""
    _OWNERS[model._meta.label_lower] = visible


def attachments_of(owner: models.Model) -> QuerySet[Attachment]:
    """The owner's attachments, oldest first (the caller has already checked the owner is visible)."""
    return Attachment.objects.filter(object_type=owner._meta.label_lower, object_id=str(owner.pk)).select_related(
        "uploaded_by__person"
    )


def visible_owner(user: Any, attachment: Attachment) -> models.Model | None:
    """The attachment's owner if ``user`` may see it, else None."""
    lookup = _OWNERS.get(attachment.object_type)
    if lookup is None:
        try:
            model = apps.get_model(attachment.object_type)
        except (LookupError, ValueError):
            return None
        manager = model._default_manager
        if not hasattr(manager, "visible_to"):
            return None
        queryset = manager.visible_to(user)
    else:
        queryset = lookup(user)
    return queryset.filter(pk=attachment.object_id).first()
