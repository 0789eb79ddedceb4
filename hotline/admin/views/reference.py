"""Topics and sister cities (admins only)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.decorators import role_required
from ...errors import Conflict, ValidationFailed
from ...models import SisterCity, Topic
from .. import bp, service
from ..forms import CityEditForm, CityForm, ConfirmForm, TopicEditForm, TopicForm
from .base import done, form_status, get_or_404, put_on_form, refused, require_confirmation


@bp.get("/reference")
@role_required("admin")
def reference():
    topics, cities = service.all_topics(), service.all_cities()
    return render_template("admin/reference.html", topics=topics, cities=cities)


@bp.route("/topics/new", methods=["GET", "POST"])
@role_required("admin")
def new_topic():
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = service.add_topic(current_user, code=form.code.data, name_ru=form.name_ru.data,
                                      name_en=form.name_en.data, position=form.position.data,
                                      active=form.active.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Topic %(code)s created with its coordinator group and routing rule; add coordinators "
                          "to the group.", code=topic.code), "admin.reference")
    return render_template("admin/topic_edit.html", form=form, topic=None), form_status()


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_topic(topic_id: int):
    topic = get_or_404(Topic, topic_id)
    form = TopicEditForm(obj=topic) if request.method == "GET" else TopicEditForm()
    if form.validate_on_submit():
        try:
            service.update_topic(current_user, topic, name_ru=form.name_ru.data, name_en=form.name_en.data,
                                 position=form.position.data, active=form.active.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Topic %(code)s saved.", code=topic.code), "admin.reference")
    return render_template("admin/topic_edit.html", form=form, topic=topic, confirm=ConfirmForm()), form_status()


@bp.post("/topics/<int:topic_id>/delete")
@role_required("admin")
def delete_topic(topic_id: int):
    topic = get_or_404(Topic, topic_id)
    require_confirmation()
    code = topic.code
    try:
        service.delete_topic(current_user, topic)
    except Conflict as exc:
        return refused(exc, "admin.edit_topic", topic_id=topic_id)
    return done(_("Topic %(code)s deleted.", code=code), "admin.reference")


@bp.route("/cities/new", methods=["GET", "POST"])
@role_required("admin")
def new_city():
    form = CityForm()
    if form.validate_on_submit():
        try:
            city = service.add_city(current_user, code=form.code.data, name_ru=form.name_ru.data,
                                    name_en=form.name_en.data, country_ru=form.country_ru.data,
                                    country_en=form.country_en.data, agreement_year=form.agreement_year.data,
                                    active=form.active.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Sister city %(code)s created.", code=city.code), "admin.reference")
    return render_template("admin/city_edit.html", form=form, city=None), form_status()


@bp.route("/cities/<int:city_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_city(city_id: int):
    city = get_or_404(SisterCity, city_id)
    form = CityEditForm(obj=city) if request.method == "GET" else CityEditForm()
    if form.validate_on_submit():
        try:
            service.update_city(current_user, city, name_ru=form.name_ru.data, name_en=form.name_en.data,
                                country_ru=form.country_ru.data, country_en=form.country_en.data,
                                agreement_year=form.agreement_year.data, active=form.active.data)
        except ValidationFailed as exc:
            put_on_form(form, exc)
        else:
            return done(_("Sister city %(code)s saved.", code=city.code), "admin.reference")
    return render_template("admin/city_edit.html", form=form, city=city, confirm=ConfirmForm()), form_status()


@bp.post("/cities/<int:city_id>/delete")
@role_required("admin")
def delete_city(city_id: int):
    city = get_or_404(SisterCity, city_id)
    require_confirmation()
    code = city.code
    try:
        service.delete_city(current_user, city)
    except Conflict as exc:
        return refused(exc, "admin.edit_city", city_id=city_id)
    return done(_("Sister city %(code)s deleted.", code=code), "admin.reference")
