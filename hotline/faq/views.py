"""Pages of the FAQ: the list with live search and use counts, an entry with its revision history,
the editor, publish / retire, the usage report, and the suggestions fragment for other pages."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..auth.decorators import role_required
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import current_locale
from ..labels import language_label
from ..models import FaqEntry, FaqStatus, Role, Topic
from ..reference import city_choices, reference, topic_choices
from . import bp
from .forms import FIELD_LABELS, STATUS_LABELS, FaqEntryForm, FaqSearchForm, FaqStatusForm
from .public import vote_figures
from .search import search
from .service import (
    can_edit, can_see, change_status, create_entry, editable_topic_ids, get_entry, is_editor, update_entry,
)
from .usage import never_used, routed_despite_match, top_entries, usage_figures

LIST_LIMIT = 100
SUGGESTION_LIMIT = 5


def _topic_id(code: str | None) -> int | None:
    if not code:
        return None
    return db.session.execute(select(Topic.id).where(Topic.code == code)).scalar()


def _visible_statuses(wanted: str) -> list[FaqStatus]:
    if not is_editor(current_user):
        return [FaqStatus.PUBLISHED]
    if wanted == "all":
        return list(FaqStatus)
    try:
        return [FaqStatus(wanted)]
    except ValueError:
        return [FaqStatus.PUBLISHED]


def _search_form() -> FaqSearchForm:
    form = FaqSearchForm(request.args)
    form.topic.choices = topic_choices(_("All topics"))
    form.status.choices = [(s.value, str(label)) for s, label in STATUS_LABELS.items()] + [("all", _("all"))]
    if not form.status.data:
        form.status.data = FaqStatus.PUBLISHED.value
    return form


@bp.get("/")
@role_required("operator", "coordinator", "supervisor")
def index():
    form = _search_form()
    statuses = _visible_statuses(form.status.data)
    topic_id = _topic_id(form.topic.data)
    query = (form.q.data or "").strip()
    if query:
        hits = search(query, topic_id=topic_id, language=form.language.data or None, statuses=statuses,
                      topic_ids=[topic_id] if topic_id else None, limit=LIST_LIMIT)
        rows = [(hit.entry, hit) for hit in hits]
    else:
        stmt = select(FaqEntry).where(FaqEntry.status.in_(statuses))
        if topic_id:
            stmt = stmt.where(FaqEntry.topic_id == topic_id)
        if form.language.data:
            stmt = stmt.where(FaqEntry.language == form.language.data)
        stmt = stmt.order_by(FaqEntry.use_count.desc(), FaqEntry.id).limit(LIST_LIMIT)
        rows = [(entry, None) for entry in db.session.execute(stmt).scalars()]
    rows = [(entry, hit) for entry, hit in rows if can_see(current_user, entry)]
    figures = usage_figures(entry.id for entry, _hit in rows)
    template = "faq/_results.html" if request.headers.get("HX-Request") else "faq/index.html"
    return render_template(template, form=form, rows=rows, figures=figures, query=query,
                           status_labels=STATUS_LABELS, editor=is_editor(current_user))


@bp.get("/suggest")
@role_required("operator", "coordinator", "supervisor")
def suggestions():
    """Suggestions as a fragment that follows a question as it is typed (for the enquiry page:
    `hx-get` with `q` and `topic`); each has its answer in `data-answer` for «insert»."""
    query = request.args.get("q") or request.args.get("question") or ""
    hits = search(query, topic_id=_topic_id(request.args.get("topic")),
                  language=request.args.get("lang") or None, limit=SUGGESTION_LIMIT)
    # Without an answer to write (a closed enquiry) the hits are for reading: no "Insert answer".
    return render_template("faq/_suggestions.html", hits=hits, query=query,
                           insert=request.args.get("insert", "1") != "0")


def revision_value(name: str, value) -> str:
    """A value of the revision history as a person reads it: a status, topic, sister city or
    language by its name in the reader's language, a list joined, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "—"
    if name == "status":
        try:
            return str(STATUS_LABELS[FaqStatus(value)])
        except ValueError:
            return str(value)
    if name in ("topic", "city"):
        names = reference().topics if name == "topic" else reference().cities
        return names[value].name(current_locale()) if value in names else str(value)
    if name == "language":
        return language_label(value)
    return str(value)


@bp.get("/<int:entry_id>")
@role_required("operator", "coordinator", "supervisor")
def entry(entry_id: int):
    item = db.session.get(FaqEntry, entry_id)
    if item is None or not can_see(current_user, item):
        abort(404)
    figures = usage_figures([item.id])[item.id]
    return render_template("faq/entry.html", entry=item, figures=figures, status_labels=STATUS_LABELS,
                           field_labels=FIELD_LABELS, revision_value=revision_value,
                           may_edit=is_editor(current_user) and can_edit(current_user, item),
                           status_form=FaqStatusForm())


def _entry_form(obj: FaqEntry | None = None) -> FaqEntryForm:
    form = FaqEntryForm()
    topics = editable_topic_ids(current_user)
    choices = topic_choices(_("— choose a topic —"))
    if topics is not None:
        allowed_codes = set(db.session.execute(select(Topic.code).where(Topic.id.in_(topics))).scalars())
        if obj is not None and obj.topic is not None:
            allowed_codes.add(obj.topic.code)
        choices = [(code, label) for code, label in choices if code == "" or code in allowed_codes]
    form.topic.choices = choices
    form.city.choices = city_choices(_("— any —"))
    if obj is not None and request.method == "GET":
        form.question.data = obj.question
        form.answer.data = obj.answer
        form.wordings.data = "\n".join(w.text for w in obj.wordings)
        form.topic.data = obj.topic.code if obj.topic else ""
        form.city.data = obj.city.code if obj.city else ""
        form.language.data = obj.language
    return form


def _show_errors(form: FaqEntryForm, exc: ValidationFailed) -> None:
    db.session.rollback()
    for name, message in exc.fields.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + [message]
    flash(str(exc.message), "error")


def _edit_page(item: FaqEntry | None, save, done_message):
    """The editor for a new or an existing entry: `save(payload)` is the service verb to call."""
    form = _entry_form(item)
    if form.validate_on_submit():
        try:
            saved = save(form.to_payload())
        except ValidationFailed as exc:
            _show_errors(form, exc)
        except Forbidden:
            abort(403)
        else:
            db.session.commit()
            flash(str(done_message), "success")
            return redirect(url_for("faq.entry", entry_id=(item or saved).id))
    status = 422 if request.method == "POST" else 200
    return render_template("faq/edit.html", form=form, entry=item), status


@bp.route("/new", methods=["GET", "POST"])
@role_required("coordinator", "supervisor")
def new_entry():
    return _edit_page(None, lambda payload: create_entry(current_user, payload),
                      _l("FAQ entry saved as a draft."))


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required("coordinator", "supervisor")
def edit_entry(entry_id: int):
    item = db.session.get(FaqEntry, entry_id)
    if item is None:
        abort(404)
    if not can_edit(current_user, item):
        abort(403)
    return _edit_page(item, lambda payload: update_entry(current_user, item, payload), _l("FAQ entry saved."))


@bp.post("/<int:entry_id>/status")
@role_required("coordinator", "supervisor")
def set_status(entry_id: int):
    form = FaqStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        item = get_entry(entry_id)
        change_status(current_user, item, FaqStatus(form.status.data))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except (ValueError, Conflict, ValidationFailed):
        db.session.rollback()
        flash(_("This status change is not possible."), "error")
    else:
        db.session.commit()
        flash(_("FAQ entry is now %(status)s.", status=STATUS_LABELS[item.status]), "success")
    return redirect(url_for("faq.entry", entry_id=entry_id))


@bp.get("/usage")
@role_required("coordinator", "supervisor")
def usage():
    """Which answers carry the load, which are never used, and routed calls an entry answered."""
    top = top_entries(limit=15)
    unused = never_used()
    figures = usage_figures([e.id for e, _n in top] + [e.id for e in unused])
    candidates = routed_despite_match()
    return render_template("faq/usage.html", top=top, unused=unused, figures=figures,
                           candidates=candidates, votes=vote_figures(), is_supervisor=current_user.role in (Role.SUPERVISOR, Role.ADMIN))
