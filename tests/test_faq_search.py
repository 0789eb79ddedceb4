"""FAQ search: Russian morphology, English stems, ё, typos, ranking, and who sees what."""
import pytest
from sqlalchemy import select

from hotline.faq.search import search, suggest
from hotline.faq.text import within_one_edit
from hotline.models import FaqEntry, FaqStatus, FaqTerm, FaqWording

from .factories import topic


@pytest.fixture
def demo_faq(db, reference):
    from hotline.seed.demo import seed_faq

    seed_faq()
    db.session.commit()


def make_entry(question, answer="—", topic_code="youth", status=FaqStatus.PUBLISHED, language="ru", wordings=()):
    entry = FaqEntry(question=question, answer=answer, topic_id=topic(topic_code).id, status=status,
                     language=language)
    entry.wordings = [FaqWording(text=w) for w in wordings]
    from hotline.extensions import db

    db.session.add(entry)
    db.session.flush()
    return entry


# Query → the question of the entry that must come first, over the demo FAQ (Russian and English).
MORPHOLOGY = [
    ("список побратимов", "Какие города являются побратимами Перми?"),
    ("какие города побратимы перми", "Какие города являются побратимами Перми?"),
    ("городами-побратимами список", "Какие города являются побратимами Перми?"),
    ("молодежного обмена", "Как попасть в молодёжный обмен с городами-побратимами?"),
    ("обменах с побратимами для молодёжи", "Как попасть в молодёжный обмен с городами-побратимами?"),
    ("документы для обмена", "Какие документы нужны для поездки по молодёжному обмену?"),
    ("стажировки в Луисвилле", "Можно ли пройти стажировку в Луисвилле?"),
    ("стажировкой в США", "Можно ли пройти стажировку в Луисвилле?"),
    ("стажировка луисвилл", "Можно ли пройти стажировку в Луисвилле?"),
    ("что такое кадры под ключ", "Что такое проект «Кадры под ключ»?"),
    ("кадров под ключ для студентов", "Могут ли студенты участвовать в «Кадрах под ключ»?"),
    ("заявку предприятия в кадры под ключ", "Как предприятию подать заявку в «Кадры под ключ»?"),
    ("бюллетеня Побратимы", "Как получить бюллетень «Побратимы»?"),
    ("бюллетенях", "Как получить бюллетень «Побратимы»?"),
    ("координатора по Дуйсбургу", "Как связаться с координатором по Дуйсбургу?"),
    ("координатором Дуйсбурга", "Как связаться с координатором по Дуйсбургу?"),
    ("презентации международных проектов", "Когда проходит ежегодная презентация международных проектов?"),
    ("презентацией международного проекта", "Когда проходит ежегодная презентация международных проектов?"),
    ("экстрим-парка часы работы", "Как работает экстрим-парк?"),
    ("экстрим парке", "Как работает экстрим-парк?"),
    ("деловых миссиях", "Как принять участие в деловой миссии в город-побратим?"),
    ("аккредитации журналистов", "Как журналисту получить аккредитацию на визит делегации?"),
    ("приемной главы города", "Как записаться в общественную приёмную Главы города?"),
    ("архивных документах", "Как получить архивные документы о сотрудничестве с побратимами?"),
    ("деловые контакты циндао", "Есть ли деловые контакты с Циндао?"),
    ("амневилем", "С какого года Пермь дружит с Амневилем?"),
    ("оксфорде", "Есть ли культурные обмены с Оксфордом?"),
    ("агридженто", "Какие проекты проводятся с Агридженто?"),
    ("евророка", "Как участвовать в фестивале «Роклайн + Евророк»?"),
    ("людям с инвалидностью", "Какие программы есть для людей с инвалидностью?"),
    ("телефон зелёной линии", "Какой телефон у горячей линии?"),
    ("кроссроутс", "Что такое проект Crossroutes?"),
    # one slip in a word of five letters or more
    ("бюлетень", "Как получить бюллетень «Побратимы»?"),
    ("список побратимамы", "Какие города являются побратимами Перми?"),
    ("стажеровка в луисвилле", "Можно ли пройти стажировку в Луисвилле?"),
    ("дуйсбурк координатор", "Как связаться с координатором по Дуйсбургу?"),
    # English
    ("youth exchanges", "How can I join a youth exchange with Perm's sister cities?"),
    ("list of sister cities", "Which cities are Perm's sister cities?"),
    ("business missions", "How do I join a business mission?"),
    ("bulletin subscriptions", "How do I get the «Pobratimy» bulletin?"),
    ("annual presentations", "When is the annual presentation of international projects?"),
    ("coordinators duisburg", "How can I reach the Duisburg coordinator?"),
    ("exchnage youth", "How can I join a youth exchange with Perm's sister cities?"),
]


@pytest.mark.parametrize("query,expected", MORPHOLOGY)
def test_inflected_queries_find_the_entry(demo_faq, query, expected):
    hits = search(query, limit=3)
    assert hits, f"nothing found for {query!r}"
    assert hits[0].entry.question == expected, [h.entry.question for h in hits]


def test_the_table_is_large_enough():
    assert len(MORPHOLOGY) >= 30
    assert sum(1 for q, _e in MORPHOLOGY if q.isascii()) >= 5


@pytest.mark.parametrize("query", ["побратим", "побратимов", "побратимами", "ПОБРАТИМЫ", "побратиму"])
def test_every_form_of_a_word_matches_any_other(db, reference, query):
    entry = make_entry("Встреча с побратимами", answer="Ответ.")
    make_entry("Экскурсия в музей", answer="Ответ.")
    db.session.commit()
    assert [e.id for e in suggest(query)] == [entry.id]


@pytest.mark.parametrize("query", ["обмен", "обмена", "обменах", "обменами"])
def test_exchange_forms(db, reference, query):
    entry = make_entry("Как попасть на обмен?")
    db.session.commit()
    assert [e.id for e in suggest(query)] == [entry.id]


@pytest.mark.parametrize("query", ["стажировка", "стажировки", "стажировкой", "стажировках"])
def test_internship_forms(db, reference, query):
    entry = make_entry("Стажировки за рубежом")
    db.session.commit()
    assert [e.id for e in suggest(query)] == [entry.id]


def test_yo_and_ye_are_the_same_letter(db, reference):
    green = make_entry("Телефон «Зелёной линии»")
    db.session.commit()
    assert [e.id for e in suggest("зеленая линия")] == [green.id]
    assert [e.id for e in suggest("ЗЕЛЁНАЯ")] == [green.id]


def test_typos_are_forgiven_once_and_only_in_long_words(db, reference):
    entry = make_entry("Программа стажировок", answer="Ответ.")
    key = make_entry("Ключ от архива", answer="Ответ.")
    db.session.commit()
    assert [e.id for e in suggest("програма")] == [entry.id]  # deletion
    assert [e.id for e in suggest("прогармма")] == [entry.id]  # transposition
    assert [e.id for e in suggest("программу")] == [entry.id]
    assert suggest("прагромма") == []  # two edits
    assert suggest("клюк") == []  # four letters: no typo tolerance
    assert [e.id for e in suggest("ключ")] == [key.id]


def test_within_one_edit():
    assert within_one_edit("обмен", "обмен")
    assert within_one_edit("обмен", "обмне") and within_one_edit("обмен", "обмн") and within_one_edit("обмен", "обмены")
    assert not within_one_edit("обмен", "бомне") and not within_one_edit("обмен", "обм")


def test_question_matches_rank_above_answer_matches(db, reference):
    in_answer = make_entry("Поездки школьников", answer="Летом проходит обмен с Оксфордом.")
    in_question = make_entry("Обмен с Оксфордом", answer="Летом проходят поездки.")
    db.session.commit()
    hits = search("обмен оксфорд")
    assert [h.entry.id for h in hits] == [in_question.id, in_answer.id]
    assert hits[0].score > hits[1].score and hits[0].relevance > hits[1].relevance


def test_alternative_wordings_count_as_question(db, reference):
    in_answer = make_entry("Поездки школьников", answer="Есть стажировка в Оксфорде.")
    worded = make_entry("Учёба за границей", answer="Обращайтесь к координатору.",
                        wordings=["стажировка в Оксфорде"])
    db.session.commit()
    hits = search("стажировка оксфорд")
    assert [h.entry.id for h in hits] == [worded.id, in_answer.id]
    assert hits[0].score == pytest.approx(hits[1].score * 3, rel=1e-3)


def test_the_chosen_topic_lifts_its_entries(db, reference):
    youth = make_entry("Обмен с Дуйсбургом", topic_code="youth")
    culture = make_entry("Обмен с Дуйсбургом", topic_code="culture")
    db.session.commit()
    assert [e.id for e in suggest("обмен дуйсбург", topic_id=topic("culture").id)] == [culture.id, youth.id]
    assert [e.id for e in suggest("обмен дуйсбург", topic_id=topic("youth").id)] == [youth.id, culture.id]


def test_language_filter(demo_faq):
    assert {e.language for e in suggest("sister cities", language="en")} == {"en"}
    assert suggest("sister cities", language="ru") == [] or all(
        e.language == "ru" for e in suggest("sister cities", language="ru"))


def test_retired_and_draft_entries_are_never_suggested(db, reference, client, login_as):
    published = make_entry("Бюллетень «Побратимы»: подписка")
    make_entry("Бюллетень для черновика", status=FaqStatus.DRAFT)
    make_entry("Бюллетень старого образца", status=FaqStatus.RETIRED)
    db.session.commit()
    assert [e.id for e in suggest("бюллетень")] == [published.id]
    login_as("operator")
    html = client.get("/calls/faq-suggest?question=бюллетени").get_data(as_text=True)
    assert "подписка" in html and "черновика" not in html and "старого образца" not in html
    html = client.get("/faq/suggest?q=бюллетени").get_data(as_text=True)
    assert "подписка" in html and "черновика" not in html and "старого образца" not in html


def test_retiring_an_entry_takes_it_out_of_suggestions(db, reference):
    entry = make_entry("Бюллетень «Побратимы»")
    db.session.commit()
    assert suggest("бюллетень") == [entry]
    entry.status = FaqStatus.RETIRED
    db.session.commit()
    assert suggest("бюллетень") == []
    assert db.session.execute(select(FaqTerm.status).where(FaqTerm.entry_id == entry.id)).scalars().all()


def test_the_index_follows_edits_of_question_and_wordings(db, reference):
    entry = make_entry("Бюллетень «Побратимы»")
    db.session.commit()
    entry.question = "Газета о побратимах"
    entry.wordings.append(FaqWording(text="журнал для подписчиков"))
    db.session.commit()
    assert suggest("бюллетень") == []
    assert suggest("газеты") == [entry]
    assert suggest("журналы") == [entry]
    assert "газета" in entry.search_question and "журнал" in entry.search_question
    entry.wordings.clear()
    db.session.commit()
    assert suggest("журналы") == []


def test_the_word_being_typed_matches_as_a_prefix(db, reference):
    entry = make_entry("Встреча с побратимами")
    db.session.commit()
    assert suggest("встреча побрат") == [entry]
    assert suggest("побр") == [entry]


def test_matches_are_highlighted_in_their_own_form(db, reference):
    make_entry("Как найти побратимов <b>Перми</b>?", answer="Список побратимов на сайте.")
    db.session.commit()
    (hit,) = search("побратимами")
    assert str(hit.highlight_question()) == "Как найти <mark>побратимов</mark> &lt;b&gt;Перми&lt;/b&gt;?"
    assert "<mark>побратимов</mark>" in str(hit.highlight_answer())


def test_function_words_alone_find_nothing(db, reference):
    make_entry("Как и где получить бюллетень?")
    db.session.commit()
    assert suggest("как и где") == []
    assert suggest("") == []


def test_drafts_are_shown_to_editors_only(db, reference, client, login_as):
    draft = make_entry("Черновик про бюллетень", status=FaqStatus.DRAFT)
    make_entry("Опубликовано про бюллетень")
    db.session.commit()
    login_as("operator")
    html = client.get("/faq/?q=бюллетень&status=draft").get_data(as_text=True)
    assert "Опубликовано" in html and "Черновик" not in html
    assert client.get(f"/faq/{draft.id}").status_code == 404
    client.post("/logout")
    login_as("supervisor")
    html = client.get("/faq/?q=бюллетень&status=draft").get_data(as_text=True)
    assert "Черновик" in html and "Опубликовано" not in html
    assert client.get(f"/faq/{draft.id}").status_code == 200


def test_live_search_returns_the_results_fragment(db, reference, client, login_as):
    make_entry("Бюллетень «Побратимы»")
    db.session.commit()
    login_as("operator")
    response = client.get("/faq/?q=бюллетеня", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<mark>Бюллетень</mark>" in html and "<html" not in html
