"""Letters to residents in the admins' wording (issue 11): edited on the admin page, checked before
they are saved (it renders, it keeps the feedback links, it reaches nothing but its values), used by
the next letter through SMTP, and put back to the default."""
from __future__ import annotations

from sqlalchemy import select

from hotline.models import AuditEntry, MailTemplate

from .delivery_helpers import answered
from .factories import count
from .jobs import run_jobs
from .mailservers import smtp, smtp_server  # noqa: F401

RU = {"Accept-Language": "ru"}
PAGE = "/admin/mail-templates/answer/ru/{part}"
TEXT = """Добрый день{% if name %}, {{ name }}{% endif %}.

По вопросу {{ reference }} отвечаем: {{ answer }}

Помогло: {{ helpful_url }}
Не помогло: {{ not_helpful_url }}

Департамент, отдел побратимских связей
"""
HTML = """<p>Ответ по {{ reference }}:</p><blockquote>{{ answer }}</blockquote>
<p><a href="{{ helpful_url }}">Помогло</a> · <a href="{{ not_helpful_url }}">Не помогло</a></p>"""


def test_an_admins_wording_is_the_next_letter_in_both_parts_and_the_answer_stays_escaped(
        app, client, login_as, db, reference, smtp):
    login_as("admin")
    assert "Это ответ на ваш вопрос" in client.get(PAGE.format(part="txt"), headers=RU).get_data(as_text=True)
    for part, source in (("txt", TEXT), ("html", HTML)):
        response = client.post(PAGE.format(part=part), data={"source": source, "action": "save"}, headers=RU)
        assert response.status_code == 303
    listing = client.get("/admin/mail-templates", headers=RU).get_data(as_text=True)
    assert listing.count("изменено") == 2
    enquiry = answered(app, text="Заявки принимаются до 1 марта <script>alert(1)</script>.")
    run_jobs(app, with_scheduler=False)
    [message] = smtp.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Добрый день, Анна Соколова.") and f"По вопросу {enquiry.reference} отвечаем:" in text
    assert "отдел побратимских связей" in text and text.count("/feedback/") == 2
    assert "&lt;script&gt;" in html and "<script>" not in html and html.count("/feedback/") == 2
    assert enquiry.reference in message["Subject"]  # the subject stays the desk's own
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "mail_template")).scalars()
    assert list(actions) == ["edit_mail_template", "edit_mail_template"]


def test_an_english_resident_still_gets_the_english_default(app, client, login_as, db, reference, smtp):
    login_as("admin")
    client.post(PAGE.format(part="txt"), data={"source": TEXT, "action": "save"}, headers=RU)
    answered(app, language="en", text="Applications close on 1 March.")
    run_jobs(app, with_scheduler=False)
    [message] = smtp.messages
    assert "This is the answer to your question" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_broken_wording_is_refused_in_russian_and_nothing_is_saved(client, login_as, db, reference):
    login_as("admin")
    cases = {
        "{% if name %}Здравствуйте": "не читается (строка 1)",                      # not closed
        TEXT.replace("{{ reference }}", "{{ phone }}"): "не читается",               # no such value
        TEXT.replace("{{ not_helpful_url }}", ""): "{{ not_helpful_url }}",          # the loop would break
        TEXT + "{{ name.__class__.__mro__ }}": "не читается",                        # the sandbox
        "   ": "не может быть пустым",
    }
    for source, said in cases.items():
        response = client.post(PAGE.format(part="txt"), data={"source": source, "action": "save"}, headers=RU)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, source
        assert said in page and 'aria-invalid="true"' in page, (source, said)
    assert count(db, MailTemplate) == 0


def test_preview_renders_sample_values_and_saves_nothing(client, login_as, db, reference):
    login_as("admin")
    response = client.post(PAGE.format(part="html"), data={"source": HTML, "action": "preview"}, headers=RU)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Предпросмотр" in page and "ЗЛ-2026-000042" in page
    assert count(db, MailTemplate) == 0


def test_reset_brings_back_the_default(client, login_as, db, reference):
    login_as("admin")
    client.post(PAGE.format(part="txt"), data={"source": TEXT, "action": "save"}, headers=RU)
    assert count(db, MailTemplate) == 1
    assert client.post(PAGE.format(part="txt") + "/reset", headers=RU).status_code == 303
    assert count(db, MailTemplate) == 0
    assert "Это ответ на ваш вопрос" in client.get(PAGE.format(part="txt"), headers=RU).get_data(as_text=True)
    assert client.get("/admin/mail-templates/answer/de/txt", headers=RU).status_code == 404
    assert client.get("/admin/mail-templates/acknowledgement/ru/html", headers=RU).status_code == 404
