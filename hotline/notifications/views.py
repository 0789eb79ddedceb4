"""The bell: the list of one's notifications, and marking them read."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..request_guard import parse_ids
from ..extensions import db
from ..models import Notification
from . import bp
from .service import mark_read, message, unread_count


@bp.get("/")
@login_required
def index():
    items = db.session.execute(
        select(Notification).options(selectinload(Notification.enquiry))
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc()).limit(100)
    ).scalars().all()
    return render_template("notifications/index.html", items=items, message=message)


@bp.get("/count")
@login_required
def count():
    """The bell's number, polled by htmx."""
    return render_template("notifications/_count.html", count=unread_count(current_user.id))


@bp.post("/read")
@login_required
def read():
    ids = parse_ids(request.form.getlist("id")) or None
    mark_read(current_user, ids)
    db.session.commit()
    return redirect(url_for("notifications.index"))
