"""The public FAQ pages: `/public/faq` (browse by topic and sister city, search), one entry with
«Это ответило на ваш вопрос?» and a way on to the question form. Cacheable: the pages carry an
ETag of what they show and answer 304 when the browser has it."""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..faq.public import LANGUAGES, published, published_entry, record_vote
from ..limits import limiter, per
from ..reference import city_choices, topic_choices
from . import bp

QUERY_MAX = 200
VOTED = "faq_voted"


def _cacheable(response):
    """Kept by the browser and asked again each time: 304 while the page is what it has. Private:
    the page carries the session's form key (and a signed-in person's name in the top bar)."""
    g.revalidated_cache = True
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.add_etag()
    return response.make_conditional(request)


def _language() -> str | None:
    value = (request.args.get("lang") or "").strip()
    if value == "all":
        return None
    return value if value in LANGUAGES else str(get_locale() or "ru")


@bp.get("/faq")
def faq():
    query = (request.args.get("q") or "").strip()[:QUERY_MAX]
    topic = (request.args.get("topic") or "").strip()[:64] or None
    city = (request.args.get("city") or "").strip()[:64] or None
    language = _language()
    found = published(topic, city, language, query or None)
    hits = found if query else None
    body = render_template("public/faq.html", q=query, topic=topic, city=city,
                               lang=request.args.get("lang") or "", hits=hits, entries=None if query else found,
                               topics=topic_choices(_("all topics")), cities=city_choices(_("all cities")))
    return _cacheable(make_response(body))


@bp.get("/faq/<int:entry_id>")
def faq_entry(entry_id: int):
    try:
        entry = published_entry(entry_id)
    except NotFound:
        abort(404)
    voted = entry.id in session.get(VOTED, [])
    return _cacheable(make_response(render_template("public/faq_entry.html", entry=entry, voted=voted)))


@bp.post("/faq/<int:entry_id>/vote")
@limiter.limit(per("PUBLIC_VOTES_PER_HOUR", "hour"))
def faq_vote(entry_id: int):
    """Once per entry and browser; the answer goes back to the entry (POST → redirect → GET)."""
    try:
        entry = published_entry(entry_id)
    except NotFound:
        abort(404)
    verdict = request.form.get("helpful")
    if verdict not in ("yes", "no"):
        flash(_("Choose «Yes» or «No»."), "error")
        return redirect(url_for("public.faq_entry", entry_id=entry.id), code=303)
    voted = list(session.get(VOTED, []))
    if entry.id not in voted:
        record_vote(entry, verdict == "yes", str(get_locale() or "ru"))
        db.session.commit()
        session[VOTED] = (voted + [entry.id])[-200:]
    flash(_("Thank you! Glad it helped.") if verdict == "yes"
          else _("Thank you. You can ask the hotline your question below."), "success")
    return redirect(url_for("public.faq_entry", entry_id=entry.id, answered=verdict), code=303)
