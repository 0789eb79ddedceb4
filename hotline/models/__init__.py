"""The records of SPEC section 3, one module per capability; import from here."""
from .attachments import Attachment, AttachmentSource, StoredFile
from .audit import AuditEntry
from .base import utcnow
from .callbacks import CallbackAttempt, CallbackKind, CallbackResult, CallbackStatus, CallbackTask
from .calls import Call, CallChannel, CallOutcome, Caller
from .enquiries import (
    Enquiry,
    EnquiryEvent,
    EnquiryNote,
    EnquiryStatus,
    Notification,
    ReferenceCounter,
)
from .delivery import (
    MailTemplate,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Feedback,
    FeedbackVerdict,
    IncomingKind,
    IncomingMail,
    MailKind,
    MailStatus,
    OutgoingMail,
    ReplyChannel,
    ThreadAuthor,
    ThreadMessage,
)
from .faq import FaqEntry, FaqRevision, FaqStatus, FaqTerm, FaqTermKey, FaqUse, FaqVote, FaqWording
from .reference import SisterCity, Topic
from .routing import Absence, CalendarDay, CoordinatorGroup, GroupMember, RoutingRule, SlaPolicy
from .imports import ImportedRow, ImportJob, ImportKind, ImportStatus
from .search import SearchDocument
from .signin import LoginThrottle
from .telephony import CallDirection, CtiEvent, TelephonyCall
from .stats import (  # noqa: F401
    DAY, DIMENSIONS, GRAINS, HOURS, MONTH, CallDay, DurationDay, EnquiryDay, FaqDay, StatsChange,
)
from .tokens import AccessToken, ApiToken, TokenKind
from .users import Role, User

__all__ = [
    "Attachment", "AttachmentSource", "StoredFile", "MailTemplate",
    "Absence", "AccessToken", "ApiToken", "AuditEntry", "CalendarDay", "Call", "CallChannel", "CallOutcome",
    "Caller", "CoordinatorGroup", "Enquiry", "EnquiryEvent", "EnquiryNote", "EnquiryStatus",
    "FaqEntry", "FaqVote", "LoginThrottle", "FaqRevision", "FaqStatus", "FaqTerm", "FaqTermKey", "FaqUse", "FaqWording", "GroupMember",
    "Notification", "ReferenceCounter", "Role", "RoutingRule", "SisterCity", "SlaPolicy",
    "ImportedRow", "ImportJob", "ImportKind", "ImportStatus", "SearchDocument", "Topic", "TokenKind", "User", "utcnow",
    "CallbackAttempt", "CallbackKind", "CallbackResult", "CallbackStatus", "CallbackTask", "Delivery",
    "DeliveryAttempt", "DeliveryStatus", "Feedback", "FeedbackVerdict", "IncomingKind", "IncomingMail",
    "MailKind", "MailStatus", "OutgoingMail", "ReplyChannel", "ThreadAuthor", "ThreadMessage",
    "CallDirection", "CtiEvent", "TelephonyCall",
]
