"""``jingwu.core.inserts.insert`` writes the row ``save(force_insert=True)`` writes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from jingwu.core.inserts import insert
from jingwu.testing.workflowapp.models import Ticket

pytestmark = pytest.mark.django_db


def test_same_row_as_save_with_key_and_auto_now_set(org):
    saved = Ticket(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED, amount=3)
    saved.save(force_insert=True)
    ours = Ticket(unit=org.squadron_a, requester=org.officer_a, state=Ticket.State.SUBMITTED, amount=3)
    assert insert(ours) is ours
    assert ours.pk is not None and ours.pk != saved.pk and not ours._state.adding
    assert ours.updated_at is not None  # auto_now filled in, as save() does
    stored, reference = Ticket.objects.get(pk=ours.pk), Ticket.objects.get(pk=saved.pk)
    assert model_to_dict(stored, exclude=["id", "opened_at"]) == model_to_dict(reference, exclude=["id", "opened_at"])
    assert stored.updated_at == ours.updated_at
    ours.amount = 4
    ours.save()  # an ordinary update afterwards, not a second insert
    assert Ticket.objects.count() == 2 and Ticket.objects.get(pk=ours.pk).amount == 4


def test_a_refused_row_leaves_nothing(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Ticket(unit_id=org.squadron_a.pk, requester_id=None, state=Ticket.State.SUBMITTED))
    assert not Ticket.objects.exists()
