"""E-mail in (SPEC 5.8): a scheduled job polls MAIL_IMAP_URL; each new message becomes a call on
channel `email` and a routed enquiry, or joins its enquiry's thread; auto-replies, bounces, lists
and our own mail start nothing. Exactly once: a message is committed with its unique Message-ID
and UID, and only then marked taken in the mailbox, so a worker killed mid-poll loses and
duplicates nothing (the next poll finds the unmarked ones and skips those already stored).
Messages are taken in by batches of `BATCH`, one transaction each: one commit, one write of the
search index and one send of the jobs for the batch, instead of one per message."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask import current_app
from imap_tools import AND, MailBox, MailBoxUnencrypted
from sqlalchemy import func, or_, select

from ..attachments import add_attachment
from ..calls.service import record_call
from ..delivery.service import mail_bounced
from ..errors import ServiceError
from ..extensions import db
from ..faq.search import search
from ..models import (
    Enquiry,
    IncomingKind,
    IncomingMail,
    MailKind,
    OutgoingMail,
    utcnow,
)
from ..queue import enqueue_unless_waiting
from ..reference import reference
from .letters import acknowledgement_letter
from .parsing import AttachmentPart, ParsedMail, parse, strip_quoted
from .thread import resident_message

if TYPE_CHECKING:
    from ..calls.service import SavedCall
    from ..enquiries.service import NewEnquiry

log = logging.getLogger(__name__)
TAKEN = "ZLTaken"  # the IMAP keyword that marks a message stored (set only after the commit)
POLL_JOB = "hotline.jobs.poll_mailbox"
# Messages per transaction (and per IMAP fetch and flag). On SQLite a batch holds the write lock
# for its whole length, about 10 ms a message: 20 keep a call being saved meanwhile waiting
# a fifth of a second at most, and already spread the per-commit work thin.
BATCH = 20


@dataclass(frozen=True)
class ImapAddress:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str


def imap_address(url: str) -> ImapAddress:
    """`imap://` or `imaps://user:password@host:port/FOLDER` (SPEC 8.5)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("MAIL_IMAP_URL must be imap:// or imaps://user:password@host:port/FOLDER")
    secure = parts.scheme == "imaps"
    return ImapAddress(secure, parts.hostname, parts.port or (993 if secure else 143), unquote(parts.username or ""),
                       unquote(parts.password or ""), unquote(parts.path.lstrip("/")) or "INBOX")


def connect(address: ImapAddress):
    box = MailBox(address.host, address.port) if address.secure else MailBoxUnencrypted(address.host, address.port)
    return box.login(address.user, address.password, initial_folder=address.folder)


def schedule_poll(now: datetime | None = None) -> None:
    """The next poll on RQ's scheduler under an id naming its time slot: one job per slot, however
    many workers ask."""
    if not current_app.config.get("MAIL_IMAP_URL"):
        return
    interval = max(1, int(current_app.config["MAIL_POLL_SECONDS"]))
    now = now or utcnow()
    slot = int(now.timestamp() // interval) + 1
    at = datetime.fromtimestamp(slot * interval, tz=now.tzinfo)
    enqueue_unless_waiting(POLL_JOB, job_id=f"mail-poll-{slot}", at=at, result_ttl=0, failure_ttl=3600,
                           job_timeout=max(60, interval * 10))


def poll(limit: int | None = None) -> int:
    """Take in what the mailbox holds unmarked (at most MAIL_POLL_BATCH messages); returns how
    many were stored now. Commits each batch of messages, then marks them in the mailbox."""
    url = current_app.config.get("MAIL_IMAP_URL")
    if not url:
        return 0
    address = imap_address(url)
    limit = limit or current_app.config["MAIL_POLL_BATCH"]
    stored = 0
    with connect(address) as box:
        uidvalidity = box.folder.status(address.folder).get("UIDVALIDITY", 0)
        uids = box.uids(AND(no_keyword=TAKEN))[:limit]
        for start in range(0, len(uids), BATCH):
            fetched = [(message.uid, message.obj.as_bytes()) for message in
                       box.fetch(AND(uid=uids[start:start + BATCH]), mark_seen=False, bulk=True)]
            if fetched:
                stored += take_in([(raw, f"{address.folder}:{uidvalidity}:{uid}") for uid, raw in fetched])
                box.flag([uid for uid, _raw in fetched], TAKEN, True)
    return stored


def take_in(messages: list[tuple[bytes, str]]) -> int:
    """Store these messages (raw bytes, mailbox UID key) and act on them, in one transaction;
    returns how many were new. When one fails, the whole batch is rolled back and each message is
    taken in alone, so that only the failing one is stored as rejected."""
    try:
        parsed = [(raw, uid_key, _parse(raw, uid_key)) for raw, uid_key in messages]
        keys, uids = _stored_before([mail.message_key for _r, _u, mail in parsed], [uid for _r, uid, _m in parsed])
        stored = 0
        for raw, uid_key, mail in parsed:
            if mail.message_key in keys or uid_key in uids:
                continue  # taken in before, or twice in this mailbox
            keys.add(mail.message_key)
            uids.add(uid_key)
            _store(raw, uid_key, mail)
            stored += 1
        db.session.commit()  # the unique keys: of two workers polling at once, one stores a message
        return stored
    except Exception:
        db.session.rollback()
        if len(messages) == 1:
            return _store_failed(*messages[0])
        log.warning("a batch of %d mails rolled back; taking each in alone", len(messages), exc_info=True)
        return sum(take_in([message]) for message in messages)


def _parse(raw: bytes, uid_key: str) -> ParsedMail:
    try:
        return parse(raw, current_app.config["MAIL_FROM"])
    except Exception as exc:  # a message no parser reads must not block the mailbox behind it
        log.warning("mail %s unreadable: %s", uid_key, exc)
        return ParsedMail(IncomingKind.REJECTED, f"uid:{uid_key}", None, "", "", "", "en")


def _stored_before(message_keys: list[str], uid_keys: list[str]) -> tuple[set[str], set[str]]:
    """The Message-IDs and mailbox UIDs among these that are stored already."""
    rows = db.session.execute(select(IncomingMail.message_key, IncomingMail.mailbox_uid).where(
        or_(IncomingMail.message_key.in_(message_keys), IncomingMail.mailbox_uid.in_(uid_keys)))).all()
    return {row.message_key for row in rows}, {row.mailbox_uid for row in rows}


def _store(raw: bytes, uid_key: str, parsed: ParsedMail) -> None:
    """Store one message and act on it, in the current transaction."""
    incoming = IncomingMail(message_key=parsed.message_key, mailbox_uid=uid_key, kind=parsed.kind,
                            from_address=parsed.sender, subject=parsed.subject, raw=raw, received_at=utcnow())
    _act(parsed, incoming)
    db.session.add(incoming)  # after the acting, so that its row is written once, complete


def _store_failed(raw: bytes, uid_key: str) -> int:
    """After a message alone failed and was rolled back: 0 when another worker stored it
    meanwhile, else stored as rejected, for an admin to see, rather than blocking the mailbox."""
    parsed = _parse(raw, uid_key)
    keys, uids = _stored_before([parsed.message_key], [uid_key])
    if keys or uids:
        db.session.rollback()
        return 0
    log.exception("mail %s (%s) could not be taken in", uid_key, parsed.message_key)
    db.session.add(IncomingMail(message_key=parsed.message_key, mailbox_uid=uid_key, kind=IncomingKind.REJECTED,
                                from_address=parsed.sender, subject=parsed.subject, raw=raw, received_at=utcnow()))
    db.session.commit()
    return 1


def _act(parsed: ParsedMail, incoming: IncomingMail) -> None:
    if parsed.kind is IncomingKind.BOUNCE:
        for message_id in parsed.bounced_message_ids:
            delivery = mail_bounced(message_id, parsed.bounce_detail or "bounced")
            if delivery is not None:
                incoming.enquiry_id = delivery.enquiry_id
        return
    if parsed.kind is not IncomingKind.NEW:
        return  # auto-replies, lists, our own mail: stored, never answered (RFC 3834)
    enquiry = _thread_of(parsed)
    if enquiry is not None:
        db.session.add(incoming)
        db.session.flush()  # its id, for the thread message
        body = strip_quoted(parsed.text) or parsed.subject or "—"
        joined = resident_message(enquiry, body, "email", incoming_mail_id=incoming.id)
        incoming.kind, incoming.enquiry_id = IncomingKind.REPLY, joined.enquiry.id
        if joined.outcome == "followed-up":
            _acknowledge(joined.enquiry, parsed)
        hand_over_attachments(joined.enquiry, parsed.attachments)
        return
    saved = _new_enquiry(parsed)
    incoming.enquiry_id, incoming.call_id = saved.enquiry.id, saved.id
    _acknowledge(saved.enquiry, parsed)
    if parsed.attachments:
        hand_over_attachments(db.session.get(Enquiry, saved.enquiry.id), parsed.attachments)


def _thread_of(parsed: ParsedMail) -> Enquiry | None:
    """The enquiry a reply belongs to: by In-Reply-To / References to our mail or theirs, else
    by a reference in the subject when the sender is that enquiry's resident."""
    if parsed.in_reply_to:
        enquiry_id = db.session.execute(
            select(OutgoingMail.enquiry_id).where(OutgoingMail.message_id.in_(parsed.in_reply_to),
                                                  OutgoingMail.enquiry_id.is_not(None)).limit(1)).scalar()
        if enquiry_id is None:
            enquiry_id = db.session.execute(
                select(IncomingMail.enquiry_id).where(IncomingMail.message_key.in_(parsed.in_reply_to),
                                                      IncomingMail.enquiry_id.is_not(None)).limit(1)).scalar()
        if enquiry_id is not None:
            return db.session.get(Enquiry, enquiry_id)
    for reference in parsed.references_in_subject:
        enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference)).scalar_one_or_none()
        if enquiry is not None and enquiry.caller is not None and enquiry.caller.email == parsed.sender:
            return enquiry
    return None


def guess_topic(text: str) -> str:
    """The topic of the best FAQ match when it is a strong one, else `other`. A letter's words are
    matched as written: the typo corrections meant for a query typed in a hurry are skipped."""
    try:
        hits = search(text[:2000], limit=1, corrections=False)
    except Exception:  # the FAQ index is a help here, never a reason to lose the mail
        log.exception("topic guess failed")
        hits = []
    if hits and hits[0].strong and hits[0].entry.topic_id:
        for code, topic in reference().topics.items():
            if topic.id == hits[0].entry.topic_id and topic.active:
                return code
    return "other"


def _new_enquiry(parsed: ParsedMail) -> SavedCall:
    limit = current_app.config["QUESTION_MAX_LENGTH"]
    question = (parsed.subject + "\n\n" + parsed.text).strip() if parsed.subject else parsed.text
    question = (question or "—")[:limit]
    payload = {"caller": {"name": parsed.sender_name, "email": parsed.sender, "language": parsed.language},
               "channel": "email", "topic": guess_topic(question), "question": question, "outcome": "routed",
               "reply_channel": "email"}
    return record_call(None, payload)


def _acknowledge(enquiry: Enquiry | NewEnquiry, parsed: ParsedMail) -> None:
    """The reference back to the sender, at most MAIL_ACKS_PER_HOUR per sender: two hotlines
    acknowledging each other stop there."""
    since = utcnow() - timedelta(hours=1)
    sent = db.session.execute(select(func.count(OutgoingMail.id)).where(
        OutgoingMail.to_address == parsed.sender, OutgoingMail.kind == MailKind.ACKNOWLEDGEMENT,
        OutgoingMail.created_at >= since)).scalar()
    if sent >= current_app.config["MAIL_ACKS_PER_HOUR"]:
        log.info("no acknowledgement to %s: %d already this hour", parsed.sender, sent)
        return
    key = parsed.message_key if parsed.message_key.startswith("<") else None
    acknowledgement_letter(enquiry, parsed.sender, parsed.language, key, parsed.in_reply_to)


def hand_over_attachments(enquiry: Enquiry, parts: list[AttachmentPart]) -> int:
    """The mail's files to hotline/attachments, each through `add_attachment`. A file refused
    there (a program, too large) is left out and the message still taken in: the refusal happens
    before anything is written, and the raw mail keeps it (`parsing.attachments_of`)."""
    added = 0
    for part in parts:
        try:
            add_attachment(enquiry, part.filename, part.data, "email", None)
        except ServiceError as exc:
            log.info("enquiry %s: a mail attachment of %d bytes refused: %s", enquiry.id, len(part.data),
                     exc.code)
            continue
        added += 1
    return added