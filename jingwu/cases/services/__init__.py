"""Writes of the cases module (services): one transaction, validation, audit row each.

Split by subject: incidents, cases and parties, measures and reviews, transfers and the centre,
the 110 import.
"""

from .cases import (
    case_close,
    case_create,
    case_decide_penalty,
    case_extend_limit,
    case_file,
    case_investigate,
    case_refuse_filing,
    case_solve,
    case_update,
    case_withdraw,
    next_case_number,
    party_add,
    party_reveal,
)
from .incidents import (
    incident_arrive,
    incident_convert_to_case,
    incident_create,
    incident_dispatch,
    incident_dispose,
)
from .measures import (
    measure_approve,
    measure_end,
    measure_extend,
    measure_reject,
    measure_request,
    measure_start,
    review_approve,
    review_legal_opinion,
    review_reject,
    review_resubmit,
    review_submit,
)
from .transfers import centre_entry, centre_exit, transfer_for_prosecution

__all__ = [
    "case_close",
    "case_create",
    "case_decide_penalty",
    "case_extend_limit",
    "case_file",
    "case_investigate",
    "case_refuse_filing",
    "case_solve",
    "case_update",
    "case_withdraw",
    "centre_entry",
    "centre_exit",
    "incident_arrive",
    "incident_convert_to_case",
    "incident_create",
    "incident_dispatch",
    "incident_dispose",
    "measure_approve",
    "measure_end",
    "measure_extend",
    "measure_reject",
    "measure_request",
    "measure_start",
    "next_case_number",
    "party_add",
    "party_reveal",
    "review_approve",
    "review_legal_opinion",
    "review_reject",
    "review_resubmit",
    "review_submit",
    "transfer_for_prosecution",
]
