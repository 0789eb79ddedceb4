"""Reading real mail (SPEC 5.8): what kind a message is (new, reply, auto-reply, bounce, list,
our own), its sender, its text (HTML-only mail as sanitised text, quoted history cut off), the
enquiry it refers to, and the attachment parts kept for hotline/attachments."""
from __future__ import annotations

import email
import email.policy
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parseaddr

import nh3
from imap_tools import MailMessage

from ..models import IncomingKind

REFERENCE = re.compile(r"(?:ЗЛ|ZL)[-\s]?(\d{4})[-\s]?(\d{1,6})", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailer_daemon", "noreply-dmarc-support")
AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|автоматический ответ|автоответ|"
    r"недоступен|в отпуске|abwesenheitsnotiz|réponse automatique)", re.IGNORECASE)
# Where a reply's quoted history starts, in the clients residents use.
QUOTE_STARTS = re.compile(
    r"^(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение|forwarded message)"
    r"|on .{5,200} wrote:$|.{0,200}(пишет|написал|написала|wrote):\s*$|от: .+|from: .+@.+|>)",
    re.IGNORECASE)
FORWARDED = re.compile(r"^-{2,}\s*(forwarded message|пересылаемое сообщение|переслано)", re.IGNORECASE)


@dataclass
class AttachmentPart:
    """One file of a mail, as `add_attachment(enquiry, filename, data, source, actor)` takes it."""

    filename: str
    data: bytes
    content_type: str
    inline: bool


@dataclass
class ParsedMail:
    kind: IncomingKind
    message_key: str
    sender: str | None
    sender_name: str
    subject: str
    text: str
    language: str
    in_reply_to: list[str] = field(default_factory=list)
    references_in_subject: list[str] = field(default_factory=list)
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_detail: str = ""
    attachments: list[AttachmentPart] = field(default_factory=list)
    own: bool = False


def message_key(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID.findall(str(message.get("Message-ID") or ""))
    return found[0][:250] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return str(value).strip() if value is not None else ""


def html_to_text(markup: str) -> str:
    """HTML-only mail, shown as text: every tag dropped by nh3 (no markup survives), entities
    decoded, blank runs collapsed."""
    markup = re.sub(r"(?is)<(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", "\n", markup)
    text = html_lib.unescape(nh3.clean(markup, tags=set()))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """A reply's own words: the quoted history below «-----Original Message-----», «… пишет:»,
    «On … wrote:» or «>» lines is cut. A forwarded message is kept whole: it is the question."""
    lines = text.replace("\r\n", "\n").split("\n")
    if any(FORWARDED.match(line.strip()) for line in lines[:40]) and not lines[0].startswith(">"):
        return text.strip()
    kept = []
    for line in lines:
        if QUOTE_STARTS.match(line.strip()) and kept and any(k.strip() for k in kept):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _is_dsn(message: Message) -> bool:
    return message.get_content_type() == "multipart/report" and \
        (message.get_param("report-type") or "").lower() == "delivery-status"


def _bounce(message: Message) -> tuple[list[str], str, bool]:
    """The Message-IDs a DSN reports on, its diagnostic, and whether it reports a failure (not a delay)."""
    ids, detail, failed = [], "", False
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else [email.message_from_string(str(payload))]
            for block in blocks:
                action = str(block.get("Action") or "").lower()
                failed = failed or action.startswith("failed")
                detail = detail or str(block.get("Diagnostic-Code") or block.get("Status") or "")
        elif ctype in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                ids += MESSAGE_ID.findall(str(payload[0].get("Message-ID") or ""))
            else:
                body = part.get_payload(decode=True) or b""
                found = re.search(rb"(?im)^message-id:\s*(<[^>]+>)", body)
                if found:
                    ids.append(found.group(1).decode("ascii", "replace"))
    return ids, detail.strip()[:500], failed


def _auto_reply(message: Message, subject: str) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply")):
        return True
    if _header(message, "X-Auto-Response-Suppress") and AUTO_SUBJECTS.match(subject):
        return True  # Outlook / Exchange out-of-office
    if _header(message, "Precedence").lower() == "auto_reply":
        return True
    return bool(AUTO_SUBJECTS.match(subject))


def _list(message: Message) -> bool:
    if message.get("List-Id") or message.get("List-Unsubscribe") or message.get("List-Post"):
        return True
    return _header(message, "Precedence").lower() in ("bulk", "list", "junk")


def guess_language(text: str) -> str:
    return "ru" if re.search(r"[а-яё]", text, re.IGNORECASE) else "en"


def parse(raw: bytes, own_address: str) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    mail = MailMessage.from_bytes(raw)
    key = message_key(message, raw)
    name, sender = parseaddr(_header(message, "From"))
    sender = sender.strip().lower() or None
    subject = (mail.subject or "").strip()[:500]
    text = (mail.text or "").replace("\r\n", "\n").strip()
    if not text and mail.html:
        text = html_to_text(mail.html)
    if "\ufffd" in text[:2000] and mail.html:  # a body in a charset it did not declare: the HTML may read better
        text = html_to_text(mail.html) or text
    in_reply_to = MESSAGE_ID.findall(_header(message, "In-Reply-To") + " " + _header(message, "References"))
    references = [f"ЗЛ-{y}-{int(n):06d}" for y, n in REFERENCE.findall(subject)]
    if mail.from_values and mail.from_values.name:
        name = mail.from_values.name  # RFC 2047 decoded
    parsed = ParsedMail(IncomingKind.NEW, key, sender, (name or "").strip()[:200], subject, text,
                        guess_language(subject + " " + text), in_reply_to, references)
    local = (sender or "").partition("@")[0]
    loop = _header(message, "X-Hotline-Loop").lower()
    if sender is None:
        parsed.kind = IncomingKind.REJECTED
    elif _is_dsn(message) or (local in DAEMONS and message.is_multipart()):
        ids, detail, failed = _bounce(message)
        parsed.kind = IncomingKind.BOUNCE
        parsed.bounced_message_ids = ids if failed or not _is_dsn(message) else []
        parsed.bounce_detail = detail
    elif sender == own_address.lower() or loop == own_address.lower() or local in DAEMONS:
        parsed.kind, parsed.own = IncomingKind.OWN, True
    elif _auto_reply(message, subject):
        parsed.kind = IncomingKind.AUTO_REPLY
    elif _list(message):
        parsed.kind = IncomingKind.LIST
    if parsed.kind in (IncomingKind.NEW,):
        parsed.attachments = [
            AttachmentPart(a.filename or "attachment", a.payload, a.content_type,
                           a.content_disposition == "inline" or bool(a.content_id))
            for a in mail.attachments if a.payload]
    return parsed


def attachments_of(raw: bytes) -> list[AttachmentPart]:
    """The files of a stored mail (IncomingMail.raw), for handing over later."""
    mail = MailMessage.from_bytes(raw)
    return [AttachmentPart(a.filename or "attachment", a.payload, a.content_type,
                           a.content_disposition == "inline" or bool(a.content_id))
            for a in mail.attachments if a.payload]


def recipients(raw: bytes) -> list[str]:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [addr.lower() for _, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))]
