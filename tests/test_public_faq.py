"""The public FAQ (issue 14, SPEC 12): published entries only, by topic and sister city, searched
with the same morphology, Russian and English, «Это ответило на ваш вопрос?» counted into the FAQ
statistics, a way on to the question form, and cacheable pages (ETag, 304)."""
from __future__ import annotations

import pytest

from hotline.models import FaqEntry, FaqStatus, FaqVote

from .factories import PASSWORD, city, count, make_user, topic


@pytest.fixture
def entries(db, reference):
    made = {
        "exchange": FaqEntry(question="Как попасть в молодёжный обмен с Дуйсбургом?",
                             answer="Заявки принимает отдел международных связей.", topic_id=topic("youth").id,
                             city_id=city("duisburg").id, language="ru", status=FaqStatus.PUBLISHED),
        "archive": FaqEntry(question="Где найти архивные документы о побратимах?",
                            answer="В городском архиве, по записи.", topic_id=topic("archives").id,
                            language="ru", status=FaqStatus.PUBLISHED),
        "english": FaqEntry(question="How do I join the youth exchange?", answer="Apply by e-mail.",
                            topic_id=topic("youth").id, language="en", status=FaqStatus.PUBLISHED),
        "draft": FaqEntry(question="Черновик про обмен с побратимами", answer="Ещё не готово.",
                          topic_id=topic("youth").id, language="ru", status=FaqStatus.DRAFT),
        "retired": FaqEntry(question="Старый ответ про обмен", answer="Устарело.", topic_id=topic("youth").id,
                            language="ru", status=FaqStatus.RETIRED),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


def test_browse_and_search_show_published_entries_only(client, entries):
    page = client.get("/public/faq").get_data(as_text=True)
    assert entries["exchange"].question in page and entries["archive"].question in page
    assert "Черновик" not in page and "Старый ответ" not in page
    assert entries["english"].question not in page  # the page's language (Russian) by default
    page = client.get("/public/faq?q=обменах").get_data(as_text=True)  # a form the text does not have
    assert "<mark>обмен</mark>" in page and "Черновик" not in page and "Старый ответ" not in page
    page = client.get("/public/faq?q=exchanges&lang=en").get_data(as_text=True)
    assert "How do I join" in page
    page = client.get("/public/faq?topic=archives").get_data(as_text=True)
    assert entries["archive"].question in page and entries["exchange"].question not in page
    page = client.get("/public/faq?city=oxford").get_data(as_text=True)
    assert entries["exchange"].question not in page and entries["archive"].question in page  # any city
    for hidden in ("draft", "retired"):
        assert client.get(f"/public/faq/{entries[hidden].id}").status_code == 404
    assert client.get("/public/faq/999999").status_code == 404


def test_nothing_found_leads_to_the_question_form(client, entries):
    page = client.get("/public/faq?q=крокодилы&topic=youth").get_data(as_text=True)
    assert 'href="/public/ask?topic=youth"' in page
    page = client.get(f"/public/faq/{entries['exchange'].id}").get_data(as_text=True)
    assert 'href="/public/ask?topic=youth"' in page
    form = client.get("/public/ask?topic=youth").get_data(as_text=True)
    assert '<option value="youth" selected>' in form


def _csrf(client, url):
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_votes_are_counted_once_and_shown_in_the_faq_statistics(app, client, db, entries):
    app.config["WTF_CSRF_ENABLED"] = True
    entry = entries["exchange"]
    url = f"/public/faq/{entry.id}"
    token = _csrf(client, url)
    response = client.post(f"{url}/vote", data={"helpful": "yes", "csrf_token": token})
    assert response.status_code == 303
    client.post(f"{url}/vote", data={"helpful": "yes", "csrf_token": token})  # the same browser again
    assert count(db, FaqVote, FaqVote.entry_id == entry.id) == 1
    other = app.test_client()
    other.post(f"{url}/vote", data={"helpful": "no", "csrf_token": _csrf(other, url)})
    assert count(db, FaqVote) == 2
    assert client.post(f"{url}/vote", data={"helpful": "maybe", "csrf_token": token}).status_code == 303
    assert count(db, FaqVote) == 2
    assert client.post(f"/public/faq/{entries['draft'].id}/vote",
                       data={"helpful": "yes", "csrf_token": token}).status_code == 404
    assert "Спасибо за ответ!" in client.get(url).get_data(as_text=True)
    assert "Это ответило на ваш вопрос?" in app.test_client().get(url).get_data(as_text=True)
    supervisor = make_user("supervisor")
    db.session.commit()
    client.post("/login", data={"login": supervisor.login, "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    page = client.get("/faq/usage").get_data(as_text=True)
    assert 'id="votes-helpful">1<' in page and 'id="votes-not-helpful">1<' in page


def test_pages_are_cacheable(client, entries):
    response = client.get("/public/faq")
    assert response.headers["ETag"] and response.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/public/faq", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    entries["archive"].question = "Где искать архивные документы о побратимах?"
    from hotline.extensions import db

    db.session.commit()
    changed = client.get("/public/faq", headers={"If-None-Match": response.headers["ETag"]})
    assert changed.status_code == 200 and "Где искать" in changed.get_data(as_text=True)
