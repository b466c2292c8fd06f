"""Models of 警情与案件: incidents, cases, parties, measures, reviews, transfers, centre visits."""

from .agencies import Agency, InterAgencyTransfer, PartnerAccount  # noqa: F401
from .campaigns import Campaign, Inspection, Patrol, SeizureKind, SeizureTally  # noqa: F401
from .cases import Case, CaseExtension, Party
from .catalog import CaseCategory, CaseTag, IncidentCategory
from .cooperation import Clue, ClueCaseLink, ClueComment, ClueShare  # noqa: F401
from .disclosure import QueryCode  # noqa: F401
from .figures import (  # noqa: F401
    CaseFigureBuild,
    CaseMonthlyFigure,
    PeopleFigureDay,
    PeopleFigureMonth,
    PeopleFigureUnit,
)
from .incidents import Incident
from .measures import CoerciveMeasure, MeasureExtension
from .reviews import Review
from .transfers import CentreVisit, ProsecutionTransfer

__all__ = [
    "Case",
    "CaseCategory",
    "CaseExtension",
    "CaseTag",
    "CentreVisit",
    "CoerciveMeasure",
    "Incident",
    "IncidentCategory",
    "MeasureExtension",
    "Party",
    "ProsecutionTransfer",
    "Review",
]
