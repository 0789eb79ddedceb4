"""Verbs of the FAQ: create, edit, publish and retire entries (with their revision history), record
a use, propose an answer as a draft, and who may do what. Services flush; the edge commits."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, visibility
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Call, CoordinatorGroup, Enquiry, FaqEntry, FaqRevision, FaqStatus, FaqUse, FaqWording, GroupMember,
    Role, User, utcnow,
)
from .schema import QUESTION_MAX, parse_entry, plain_text

EDITOR_ROLES = {Role.SUPERVISOR, Role.ADMIN, Role.COORDINATOR}
# Which status an entry may move to from each status.
TRANSITIONS = {
    FaqStatus.DRAFT: {FaqStatus.PUBLISHED, FaqStatus.RETIRED},
    FaqStatus.PUBLISHED: {FaqStatus.RETIRED, FaqStatus.DRAFT},
    FaqStatus.RETIRED: {FaqStatus.DRAFT, FaqStatus.PUBLISHED},
}


# Who may do what ------------------------------------------------------------------------------

def editable_topic_ids(user: User) -> set[int] | None:
    """Topics whose entries `user` may edit: None for all (supervisors, admins), a coordinator's
    own topics (those of the groups they belong to), nothing for anyone else."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return None
    if user.role is not Role.COORDINATOR:
        return set()
    return set(db.session.execute(
        select(CoordinatorGroup.topic_id).join(GroupMember, GroupMember.group_id == CoordinatorGroup.id)
        .where(GroupMember.user_id == user.id, CoordinatorGroup.topic_id.is_not(None))
    ).scalars())


def is_editor(user: User) -> bool:
    return user.role in EDITOR_ROLES


def can_edit(user: User, entry: FaqEntry) -> bool:
    topics = editable_topic_ids(user)
    return topics is None or entry.topic_id in topics or (
        user.role is Role.COORDINATOR and entry.owner_id == user.id and entry.status is FaqStatus.DRAFT)


def can_see(user: User, entry: FaqEntry) -> bool:
    """Published entries are for everyone at the desk; drafts and retired ones for their editors."""
    return entry.status is FaqStatus.PUBLISHED or (is_editor(user) and can_edit(user, entry))


def _require_edit(actor: User, entry: FaqEntry) -> None:
    if not can_edit(actor, entry):
        raise Forbidden(_l("You may edit FAQ entries of your own topics only."))


def _require_topic(actor: User, topic_id: int | None) -> None:
    topics = editable_topic_ids(actor)
    if topics is not None and topic_id not in topics:
        raise Forbidden(_l("You may edit FAQ entries of your own topics only."),
                        {"topic": str(_l("Not one of your topics."))})


# Entries and their history --------------------------------------------------------------------

def _snapshot(entry: FaqEntry) -> dict:
    return {
        "question": entry.question,
        "answer": entry.answer,
        "topic": entry.topic.code if entry.topic else None,
        "city": entry.city.code if entry.city else None,
        "language": entry.language,
        "status": entry.status.value if entry.status else None,
        "wordings": [w.text for w in entry.wordings],
    }


def _apply(entry: FaqEntry, values: dict) -> None:
    for name in ("question", "answer", "language", "status"):
        if name in values:
            setattr(entry, name, values[name])
    if "topic" in values:
        entry.topic = values["topic"]
    if "city" in values:
        entry.city = values["city"]
    if "wordings" in values:
        current = {w.text: w for w in entry.wordings}
        entry.wordings = [current.get(text) or FaqWording(text=text) for text in values["wordings"]]


def _record_revision(actor: User | None, entry: FaqEntry, before: dict) -> FaqRevision | None:
    after = _snapshot(entry)
    changes = {name: {"old": before.get(name), "new": value} for name, value in after.items()
               if before.get(name) != value}
    if not changes:
        return None
    revision = FaqRevision(entry=entry, editor_id=actor.id if actor else None, created_at=utcnow(), changes=changes)
    db.session.add(revision)
    return revision


def create_entry(actor: User, payload: dict) -> FaqEntry:
    """A new entry (a draft unless the payload says otherwise), with its first revision."""
    values = parse_entry(payload)
    _require_topic(actor, values["topic"].id)
    status = values.pop("status", FaqStatus.DRAFT)
    entry = FaqEntry(owner_id=actor.id, status=status, created_at=utcnow(), updated_at=utcnow())
    empty = {name: None for name in ("question", "answer", "topic", "city", "language", "status")}
    empty["wordings"] = []
    _apply(entry, values)
    db.session.add(entry)
    db.session.flush()
    _record_revision(actor, entry, empty)
    audit.record(actor, "create", entry, status=entry.status.value)
    return entry


def update_entry(actor: User, entry: FaqEntry, payload: dict) -> FaqEntry:
    """Change the fields present in `payload`; records a revision of what actually changed."""
    _require_edit(actor, entry)
    values = parse_entry(payload, partial=True)
    if "topic" in values:
        _require_topic(actor, values["topic"].id)
    status = values.pop("status", None)
    if status is not None and status is not entry.status:
        # The owner of a draft may polish it; publishing or retiring is for the topic's editors.
        topics = editable_topic_ids(actor)
        if topics is not None and entry.topic_id not in topics:
            raise Forbidden(_l("Only the editors of this entry's topic can publish or retire it."))
        if status not in TRANSITIONS[entry.status]:
            raise Conflict(_l("An entry cannot go from %(old)s to %(new)s.", old=entry.status.value,
                              new=status.value))
    before = _snapshot(entry)
    _apply(entry, values)
    if status is not None:
        entry.status = status
    revision = _record_revision(actor, entry, before)
    if revision is not None:
        entry.updated_at = utcnow()
        audit.record(actor, "update", entry, fields=sorted(revision.changes))
    db.session.flush()
    return entry


def change_status(actor: User, entry: FaqEntry, status: FaqStatus) -> FaqEntry:
    """Publish, retire or send back to draft."""
    return update_entry(actor, entry, {"status": status.value})


def get_entry(entry_id: int) -> FaqEntry:
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None:
        raise NotFound(_l("No FAQ entry with number %(id)s.", id=entry_id))
    return entry


def propose_from_answer(actor: User, enquiry: Enquiry, question: str, answer: str) -> FaqEntry:
    """A coordinator's answer proposed as an FAQ entry: a draft in the enquiry's topic and city,
    owned by the coordinator, for an editor to polish and publish. Only who may work the enquiry
    (its assignee or a supervisor) may propose from it."""
    if not visibility.can_see_enquiry(actor, enquiry):
        raise NotFound(_l("No enquiry %(ref)s.", ref=enquiry.reference))
    if not visibility.can_work_enquiry(actor, enquiry):
        raise Forbidden(_l("Only the assignee or a supervisor can do this."))
    question = plain_text(question or "")[:QUESTION_MAX]
    answer = plain_text(answer or "")
    errors = {}
    if not question:
        errors["question"] = str(_l("This field is required."))
    if not answer:
        errors["answer"] = str(_l("This field is required."))
    if errors:
        raise ValidationFailed(_l("The FAQ entry was not saved: check the marked fields."), errors)
    language = enquiry.caller.language if enquiry.caller and enquiry.caller.language in ("ru", "en") else (
        "en" if question.isascii() else "ru")
    before = {name: None for name in ("question", "answer", "topic", "city", "language", "status")}
    before["wordings"] = []
    entry = FaqEntry(question=question, answer=answer, topic_id=enquiry.topic_id, city_id=enquiry.city_id,
                     language=language, status=FaqStatus.DRAFT, owner_id=actor.id,
                     created_at=utcnow(), updated_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    _record_revision(actor, entry, before)
    audit.record(actor, "create", entry, status="draft", enquiry=enquiry.reference)
    return entry


# Uses -----------------------------------------------------------------------------------------

def record_use(actor: User, entry_ids: Iterable[int | FaqEntry], *, call: Call | None = None,
               enquiry: Enquiry | None = None, at: datetime | None = None,
               call_id: int | None = None) -> list[FaqUse]:
    """One use of each published entry (by id or entry) for this call or enquiry; keeps the
    entries' use_count and last_used_at."""
    ids = list(dict.fromkeys(e.id if isinstance(e, FaqEntry) else e for e in entry_ids))
    if not ids:
        return []
    if actor is not None and call is not None and not visibility.can_see_call(actor, call):
        raise NotFound(_l("No call with number %(id)s.", id=call.id))
    if actor is not None and enquiry is not None and not visibility.can_see_enquiry(actor, enquiry):
        raise NotFound(_l("No enquiry %(ref)s.", ref=enquiry.reference))
    entries = {e.id: e for e in db.session.execute(select(FaqEntry).where(FaqEntry.id.in_(ids))).scalars()}
    missing = [str(i) for i in ids if i not in entries]
    if missing:
        raise NotFound(_l("No FAQ entry with number %(id)s.", id=", ".join(missing)))
    unpublished = [str(i) for i in ids if entries[i].status is not FaqStatus.PUBLISHED]
    if unpublished:
        raise Conflict(_l("Only published FAQ entries can be used: %(ids)s.", ids=", ".join(unpublished)))
    now = at or utcnow()
    uses = []
    for entry_id in ids:
        entry = entries[entry_id]
        use = FaqUse(entry_id=entry_id, call_id=call.id if call else call_id,
                     enquiry_id=enquiry.id if enquiry else None, user_id=actor.id, used_at=now)
        db.session.add(use)
        uses.append(use)
        # Counted in SQL, so two operators using the same entry at once both count.
        entry.use_count = FaqEntry.use_count + 1
        if entry.last_used_at is None or entry.last_used_at < now:
            entry.last_used_at = now
    db.session.flush()
    return uses
