"""The verbs of attachments: check a file, add it to an enquiry (staff, the public form and e-mail
intake all call `add_attachment`), open it for whoever may see the enquiry, and remove the files
of enquiries whose personal data goes (erasure, retention). Services flush, never commit."""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, visibility
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..models import Attachment, AttachmentSource, Enquiry, EnquiryEvent, StoredFile, User
from . import storage
from .sniffing import extension, sniff

NAME_MAX = 255
UNNAMED = "attachment"  # a file name is data, the same whatever the language of who sent it
MB = 1024 * 1024


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


def max_bytes() -> int:
    return int(current_app.config["MAX_ATTACHMENT_MB"]) * MB


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int


def too_large() -> TooLarge:
    message = _l("The file is larger than %(mb)d MB.", mb=int(current_app.config["MAX_ATTACHMENT_MB"]))
    return TooLarge(message, {"file": message})


def check_attachment(filename: str | None, data: bytes) -> CheckedFile:
    """Whether `data` may be attached: at most MAX_ATTACHMENT_MB (TooLarge, 413) and of an
    allowed type sniffed from the bytes (ValidationFailed, 422). Writes nothing."""
    if len(data) > max_bytes():
        raise too_large()
    content_type = sniff(data)
    return CheckedFile(display_name(filename, content_type), content_type, len(data))


def display_name(filename: str | None, content_type: str) -> str:
    """The sender's name for the file, tidied for showing and for a download header: the last
    part of any path, no control characters, at most 255 characters keeping the extension."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = UNNAMED + extension(content_type)
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if dot and len(ext) <= 10 else ""
        name = name[:NAME_MAX - len(ext)] + ext
    return name


def add_attachment(enquiry: Enquiry, filename: str | None, data: bytes, source: AttachmentSource | str,
                   actor: User | None) -> Attachment:
    """Attach `data` to `enquiry` as `filename`. Identical bytes are stored once and shared; the
    file is on disk before this transaction commits and gone again if it rolls back."""
    source = AttachmentSource(source)
    checked = check_attachment(filename, data)
    stored = _store(hashlib.sha256(data).hexdigest(), data, checked)
    attachment = Attachment(enquiry_id=enquiry.id, stored_file=stored, name=checked.name, source=source,
                            created_by_id=actor.id if actor is not None else None)
    db.session.add(attachment)
    db.session.flush()
    # The trail names the attachment by id only: a file name may be personal data, the trail stays.
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=attachment.created_by_id, kind="attachment",
                                detail={"attachment": attachment.id, "source": source.value}))
    audit.record(actor, "attach", attachment, enquiry=enquiry.id, size=checked.size,
                 type=checked.content_type, source=source.value)
    return attachment


def _store(sha256: str, data: bytes, checked: CheckedFile) -> StoredFile:
    """The stored file for these bytes, locked for this transaction (so that a concurrent removal
    of its last attachment waits, or has finished and is seen): the existing one, or a new one."""
    stored = _locked(sha256)
    if stored is not None:
        return stored
    stored = StoredFile(sha256=sha256, token=storage.new_token(), size=checked.size,
                        content_type=checked.content_type)
    try:
        with db.session.begin_nested():
            db.session.add(stored)
            db.session.flush()
    except IntegrityError:
        # Someone stored the same bytes meanwhile (PostgreSQL): theirs is the one.
        existing = _locked(sha256)
        if existing is None:
            raise
        return existing
    storage.write(sha256, stored.token, data)
    return stored


def _locked(sha256: str) -> StoredFile | None:
    return db.session.execute(
        select(StoredFile).where(StoredFile.sha256 == sha256).with_for_update()).scalar_one_or_none()


def attachments_of(enquiry: Enquiry) -> list[Attachment]:
    return list(db.session.execute(
        select(Attachment).where(Attachment.enquiry_id == enquiry.id).order_by(Attachment.id)).scalars())


def open_attachment(user: User, attachment_id: int, via: str) -> Attachment:
    """The attachment if `user` may see its enquiry, with the download on the audit log;
    NotFound otherwise (never a refusal that would confirm it exists)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not visibility.can_see_attachment(user, attachment):
        raise NotFound(_l("No such attachment."))
    audit.record(user, "download", attachment, enquiry=attachment.enquiry_id, via=via)
    return attachment


def remove_enquiry_attachments(enquiry_ids: list[int]) -> int:
    """Delete the attachments of these enquiries, and each stored file whose last attachment
    that was (its bytes go from disk when the transaction commits). Returns how many."""
    if not enquiry_ids:
        return 0
    file_ids = sorted(set(db.session.execute(
        select(Attachment.stored_file_id).where(Attachment.enquiry_id.in_(enquiry_ids))).scalars()))
    if not file_ids:
        return 0
    # In id order, so two removals sharing files never wait on each other in a circle.
    stored_files = db.session.execute(
        select(StoredFile).where(StoredFile.id.in_(file_ids)).order_by(StoredFile.id).with_for_update()).scalars().all()
    removed = db.session.execute(
        delete(Attachment).where(Attachment.enquiry_id.in_(enquiry_ids)).returning(Attachment.id)).scalars().all()
    still_used = set(db.session.execute(
        select(Attachment.stored_file_id).where(Attachment.stored_file_id.in_(file_ids))
        .group_by(Attachment.stored_file_id).having(func.count() > 0)).scalars())
    unused = [stored for stored in stored_files if stored.id not in still_used]
    for stored in unused:
        storage.remove_after_commit(stored)
    if unused:
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_([s.id for s in unused])))
    return len(removed)
