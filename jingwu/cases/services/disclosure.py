"""执法公开: issuing and revoking query codes, and the public progress lookup (see docs/disclosure.md).

What the public lookup discloses is fixed here and nowhere else (:func:`disclosed_stages`): the
case number, its kind, and the stages reached with their dates — 受案, 立案 or 不予立案, 移送审查起诉
or 行政处罚决定, 结案 or 撤案. Parties, officers, amounts, evidence and free text never leave.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingwu.core import audit, crypto
from jingwu.org.roles import Cap

from ..models import Case, Party, QueryCode
from ._common import require_cap, require_visible

# Codes avoid look-alike characters (0/O, 1/I/L) so a party can read them out over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10

# Rate limit of the public lookup: at most RATE_LIMIT tries per RATE_WINDOW seconds per client
# address and, separately, per case number (so a distributed guesser cannot hammer one case).
RATE_LIMIT = getattr(settings, "DISCLOSURE_RATE_LIMIT", 10)
RATE_WINDOW = getattr(settings, "DISCLOSURE_RATE_WINDOW", 600)


def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper().replace("-", "")


def _hash(case_id: int, code: str) -> str:
    """Keyed hash of the code bound to its case: a stolen table reveals no code, and a code of one
    case is worthless for another."""
    return hmac.new(crypto.index_key(), f"disclosure:{case_id}:{code}".encode(), crypto.HASH_ALGORITHM).hexdigest()


def format_code(code: str) -> str:
    """ABCDE-FGHJK: easier to read out and to type."""
    return f"{code[:5]}-{code[5:]}"


# --- handler side -----------------------------------------------------------------------------------


def query_code_issue(*, actor: Any, case: Case, party: Party | None = None) -> tuple[QueryCode, str]:
    """Issue a new query code for the case (for one party, or the case itself); returns the row and
    the code in clear, which is shown once and never stored. Earlier active codes of the same party
    (or of the case, for a code without a party) are revoked: issuing again is the reissue."""
    require_cap(actor, Cap.HANDLE_CASE)
    if party is not None and party.case_id != case.pk:
        raise ValidationError({"party": "该当事人不属于本案 / the party is not of this case"})
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        require_visible(actor, case, Cap.HANDLE_CASE)
        now = timezone.now()
        previous = QueryCode.objects.select_for_update().filter(case=case, party=party, revoked_at__isnull=True)
        revoked = list(previous.values_list("pk", flat=True))
        previous.update(revoked_at=now, revoked_by=actor)
        row = QueryCode.objects.create(
            case=case, party=party, code_hash=_hash(case.pk, code), hint=code[-2:], issued_by=actor
        )
        audit.record(
            "cases.disclosure.code_issue",
            obj=row,
            actor=actor,
            changes={"case": case.pk, "party": party.pk if party else None, "revoked": revoked},
        )
    return row, format_code(code)


def query_code_revoke(*, actor: Any, code: QueryCode) -> QueryCode:
    require_cap(actor, Cap.HANDLE_CASE)
    with transaction.atomic():
        require_visible(actor, code.case, Cap.HANDLE_CASE)
        locked = QueryCode.objects.select_for_update().get(pk=code.pk)
        if locked.revoked_at is not None:
            raise ValidationError({"code": "该查询码已作废 / the code is already revoked"})
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("cases.disclosure.code_revoke", obj=locked, actor=actor, changes={"case": locked.case_id})
    return locked


def party_add_with_code(*, actor: Any, case: Case, **party_fields: Any) -> tuple[Party, QueryCode, str]:
    """Add a party and issue its query code in one transaction (the case pages call this when a
    party is added); returns the party, the code row and the code in clear (shown once)."""
    from .cases import party_add

    with transaction.atomic():
        party = party_add(actor=actor, case=case, **party_fields)
        row, code = query_code_issue(actor=actor, case=case, party=party)
    return party, row, code


# --- public side ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    label: str
    at: datetime


@dataclass(frozen=True)
class Disclosure:
    """Everything the public page may show: nothing else is passed to the template."""

    number: str
    kind_label: str
    stages: list[Stage]
    current: str


class RateLimited(Exception):
    """Too many lookups from this address or for this case number; answer 429."""


def disclosed_stages(case: Case) -> list[Stage]:
    stages = [Stage("受案", case.accepted_at)]
    state = case.state
    if state == Case.State.NOT_FILED and case.closed_at:
        stages.append(Stage("不予立案", case.closed_at))
        return stages
    if case.filed_at:
        stages.append(Stage("立案", case.filed_at))
    if case.transferred_at:
        stages.append(Stage("移送审查起诉", case.transferred_at))
    if case.penalty_decided_at:
        stages.append(Stage("行政处罚决定", case.penalty_decided_at))
    if state == Case.State.CLOSED and case.closed_at:
        stages.append(Stage("结案", case.closed_at))
    elif state == Case.State.WITHDRAWN and case.closed_at:
        stages.append(Stage("撤案", case.closed_at))
    return stages


def _current(case: Case, stages: list[Stage]) -> str:
    # Intermediate internal states (侦查/调查, 破案) are not disclosed: show the last public stage.
    return f"{stages[-1].label}" if stages else ""


def _hit(key: str) -> int:
    """Count one try under ``key`` in the cache window; returns the count including this one."""
    if cache.add(key, 1, RATE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        return 1


def _rate_keys(ip: str, number: str) -> list[str]:
    digest = hmac.new(b"jw-disclosure", number.encode(), "sha256").hexdigest()[:32]
    return [f"jw:disclosure:ip:{ip or '-'}", f"jw:disclosure:case:{digest}"]


def disclosure_query(*, number: str, code: str, ip: str) -> Disclosure | None:
    """Look a case up by number + query code. Returns None for any mismatch (wrong number, wrong,
    revoked or another case's code alike: no oracle), raises :class:`RateLimited` past the limit.
    Every try is audited with the client address and the number typed, never the code."""
    number = "".join((number or "").split()).upper()[:40]
    clean = _normalise_code(code)
    counts = [_hit(key) for key in _rate_keys(ip, number)]
    if max(counts) > RATE_LIMIT:
        audit.record(
            "cases.disclosure.query",
            success=False,
            changes={"number": number, "ip": ip, "result": "rate_limited"},
            message="查询过于频繁",
        )
        raise RateLimited
    found: Case | None = None
    if number and clean:
        for case in Case.objects.filter(number=number).only(
            "pk",
            "number",
            "kind",
            "state",
            "accepted_at",
            "filed_at",
            "transferred_at",
            "penalty_decided_at",
            "closed_at",
            "unit_id",
        ):
            digest = _hash(case.pk, clean)
            if QueryCode.objects.filter(case=case, code_hash=digest, revoked_at__isnull=True).exists():
                found = case
                break
    audit.record(
        "cases.disclosure.query",
        obj=found,
        success=found is not None,
        changes={"number": number, "ip": ip, "result": "found" if found else "not_found"},
        message="" if found else "未查询到",
    )
    if found is None:
        return None
    stages = disclosed_stages(found)
    return Disclosure(
        number=found.number, kind_label=found.get_kind_display(), stages=stages, current=_current(found, stages)
    )


def reset_rate_limits(*, ip: str = "", number: str = "") -> None:
    """Forget the counters (tests, or an operator helping a party who mistyped too often)."""
    cache.delete_many(_rate_keys(ip, "".join((number or "").split()).upper()[:40]))
