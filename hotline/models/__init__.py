"""The records of SPEC section 3, one module per capability; import from here."""
from .attachments import Attachment, AttachmentSource, StoredFile
from .audit import AuditEntry
from .base import utcnow
from .calls import Call, CallChannel, CallOutcome, Caller
from .enquiries import (
    Enquiry,
    EnquiryEvent,
    EnquiryNote,
    EnquiryStatus,
    Notification,
    ReferenceCounter,
)
from .faq import FaqEntry, FaqRevision, FaqStatus, FaqTerm, FaqTermKey, FaqUse, FaqWording
from .reference import SisterCity, Topic
from .routing import Absence, CalendarDay, CoordinatorGroup, GroupMember, RoutingRule, SlaPolicy
from .stats import StatsCube, StatsCubeMonth, StatsDay, StatsMonth, StatsSample  # noqa: F401
from .users import ApiToken, Role, User

__all__ = [
    "Attachment", "AttachmentSource", "StoredFile",
    "Absence", "ApiToken", "AuditEntry", "CalendarDay", "Call", "CallChannel", "CallOutcome",
    "Caller", "CoordinatorGroup", "Enquiry", "EnquiryEvent", "EnquiryNote", "EnquiryStatus",
    "FaqEntry", "FaqRevision", "FaqStatus", "FaqTerm", "FaqTermKey", "FaqUse", "FaqWording", "GroupMember",
    "Notification", "ReferenceCounter", "Role", "RoutingRule", "SisterCity", "SlaPolicy",
    "Topic", "User", "utcnow",
]
