"""Staff search (SPEC 8.2, 12; issue 14): morphology, references in both alphabets, phones in any
format and by their last digits, names and e-mails, scoping for every role (the count too),
escaped highlighting, edits and erasures searchable at once, the audit of what was shown."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from hotline.enquiries import workflow
from hotline.models import AuditEntry, Caller, EnquiryStatus, SearchDocument, utcnow
from hotline.privacy.service import erase_caller
from hotline.search import search
from hotline.search.analysis import parse_query
from hotline.search.index import reindex_all

from .factories import PASSWORD, count, make_enquiry, make_user

QUESTION = "Как подать заявку на обмен с городами-побратимами?"


def _assign(enquiry, coordinator):
    enquiry.status, enquiry.assignee_id, enquiry.assigned_at = EnquiryStatus.ASSIGNED, coordinator.id, utcnow()


def _found(user, text, kind=None):
    results = search(user, text, kind)
    return {(hit.kind, hit.record.id) for hit in results.hits}, results


def _enquiries(user, text):
    return {hit.record.id for hit in search(user, text, "enquiry").hits}


def test_a_word_form_not_in_the_text_finds_it(db, reference):
    supervisor = make_user("supervisor")
    enquiry = make_enquiry(question=QUESTION)
    db.session.commit()
    for form in ("побратимы", "побратимов", "побратиму", "обменами", "заявки"):
        assert enquiry.id in _enquiries(supervisor, form), form
    assert _enquiries(supervisor, "побратимов заявка") == {enquiry.id}  # every word must match
    assert _enquiries(supervisor, "побратимов крокодил") == set()


def test_references_in_either_alphabet(db, reference):
    supervisor = make_user("supervisor")
    enquiry, other = make_enquiry(), make_enquiry()
    db.session.commit()
    latin = enquiry.reference.replace("ЗЛ", "ZL")
    for text in (enquiry.reference, latin, latin.lower(), enquiry.reference.lower(), latin.replace("-", " ")):
        found, results = _found(supervisor, text, "enquiry")
        assert found == {("enquiry", enquiry.id)}, text
    assert results.hits[0].record.reference == enquiry.reference
    assert other.id not in _enquiries(supervisor, enquiry.reference)


def test_phones_in_any_format_and_by_their_last_digits(db, reference):
    supervisor = make_user("supervisor")
    enquiry = make_enquiry()  # the payload's caller: 8 (342) 212-44-86
    caller_id = enquiry.caller_id
    somebody = Caller(name="Пётр Иванов", phone="+79121234567")
    db.session.add(somebody)
    db.session.commit()
    for text in ("+7 342 212-44-86", "8 (342) 2124486", "83422124486", "212-44-86", "4486", "24486"):
        found, _ = _found(supervisor, text, "caller")
        assert found == {("caller", caller_id)}, text
    found, _ = _found(supervisor, "4567", "caller")
    assert found == {("caller", somebody.id)}
    # by phone, the caller's enquiries and calls are found too
    assert enquiry.id in _enquiries(supervisor, "212-44-86")
    assert ("call", enquiry.call_id) in _found(supervisor, "2124486")[0]


def test_names_and_e_mail_addresses(db, reference):
    supervisor = make_user("supervisor")
    caller = Caller(name="Мария Кузнецова", phone=None, email="m.kuznetsova@example.org")
    db.session.add(caller)
    db.session.commit()
    assert _found(supervisor, "Кузнецовой", "caller")[0] == {("caller", caller.id)}
    assert _found(supervisor, "M.Kuznetsova@Example.org", "caller")[0] == {("caller", caller.id)}
    assert _found(supervisor, "other@example.org", "caller")[0] == set()


def test_scope_for_every_role_and_the_count_does_not_leak(db, reference):
    author, other_operator = make_user("operator"), make_user("operator")
    youth = make_user("coordinator", topics=["youth"])
    archives = make_user("coordinator", topics=["archives"])
    oxford_only = make_user("coordinator", topics=["youth"], cities=["oxford"])
    supervisor, admin = make_user("supervisor"), make_user("admin")
    enquiry = make_enquiry(author, topic_code="youth", city_code="duisburg", question=QUESTION)
    db.session.commit()
    expected = {
        author: {("enquiry", enquiry.id), ("call", enquiry.call_id)},
        other_operator: set(),  # another operator's call and enquiry: not in full (the caller card has them)
        youth: {("enquiry", enquiry.id), ("call", enquiry.call_id)},
        archives: set(), oxford_only: set(), admin: set(),
        supervisor: {("enquiry", enquiry.id), ("call", enquiry.call_id)},
    }
    for user, wanted in expected.items():
        found, results = _found(user, "побратимы")
        assert found == wanted, user.login
        assert results.count == len(wanted) and not results.more, user.login
    # by phone: operators and supervisors find every caller; a coordinator the callers of their enquiries
    for user, sees_caller in ((other_operator, True), (youth, True), (archives, False), (admin, False)):
        found, results = _found(user, "212-44-86", "caller")
        assert found == ({("caller", enquiry.caller_id)} if sees_caller else set()), user.login
        assert results.count == len(found)
    # assigned to the archives coordinator: now theirs, whatever their groups
    _assign(enquiry, archives)
    db.session.commit()
    assert _enquiries(archives, "побратимы") == {enquiry.id}


def test_ranked_by_field_then_newest(db, reference):
    """A word in the question ranks above the same word only in the answer, though that is newer;
    among equals the newer comes first."""
    supervisor = make_user("supervisor")
    in_question = make_enquiry(question="Где узнать про стажировку в Оксфорде?")
    in_answer = make_enquiry(question="Где узнать про поездку в Оксфорд?")
    in_answer.answer = "Стажировки объявляют весной."
    twin = make_enquiry(question="Где узнать про стажировку в Оксфорде?")
    db.session.commit()
    order = [hit.record.id for hit in search(supervisor, "стажировки", "enquiry").hits]
    assert order == [twin.id, in_question.id, in_answer.id]


def test_highlighting_escapes_what_people_typed(db, reference):
    supervisor = make_user("supervisor")
    make_enquiry(question='<script>alert("обмен")</script> про обмены & <b>побратимов</b>')
    db.session.commit()
    hit = search(supervisor, "обмен", "enquiry").hits[0]
    html = str(hit.text)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert "<mark>обмен</mark>" in html and "<mark>обмены</mark>" in html


def test_an_answer_a_note_and_an_edit_are_searchable_at_once(db, reference):
    coordinator = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry()
    _assign(enquiry, coordinator)
    db.session.commit()
    assert _enquiries(coordinator, "стипендия") == set()
    workflow.answer_enquiry(coordinator, enquiry, "Стипендию выплачивает принимающая сторона.")
    # before the commit, in the same transaction
    assert _enquiries(coordinator, "стипендии") == {enquiry.id}
    db.session.commit()
    workflow.add_note(coordinator, enquiry, "Позвонить в консульство Германии")
    db.session.commit()
    assert _enquiries(coordinator, "консульства") == {enquiry.id}
    enquiry.caller.name = "Анна Петрова"
    db.session.commit()
    assert _enquiries(coordinator, "Петровой") == {enquiry.id}
    assert _enquiries(coordinator, "Соколовой") == set()


def test_an_erasure_removes_the_caller_from_search_at_once(db, reference):
    supervisor = make_user("supervisor")
    coordinator = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(question=QUESTION)
    _assign(enquiry, coordinator)
    db.session.flush()
    workflow.answer_enquiry(coordinator, enquiry, "Ответ про стипендию")
    workflow.close(coordinator, enquiry)
    db.session.commit()
    assert _found(supervisor, "212-44-86")[0]
    erase_caller(supervisor, enquiry.caller, "Заявление от 01.12.2026")
    db.session.commit()
    assert _found(supervisor, "212-44-86")[0] == set()
    assert _found(supervisor, "Соколова")[0] == set()
    assert _found(supervisor, "побратимы")[0] == set()
    assert _found(supervisor, "стипендия")[0] == set()


def test_the_audit_names_what_search_showed(db, reference):
    supervisor = make_user("supervisor")
    enquiry = make_enquiry(question=QUESTION)
    db.session.commit()
    search(supervisor, "побратимы")
    db.session.commit()
    rows = db.session.execute(select(AuditEntry).where(AuditEntry.actor_id == supervisor.id,
                                                       AuditEntry.detail["via"].as_string() == "search")).scalars().all()
    shown = {(r.object_type, int(i)) for r in rows for i in r.object_ids.strip(",").split(",")}
    assert shown == {("enquiry", enquiry.id), ("call", enquiry.call_id)}
    before = count(db, AuditEntry)
    search(supervisor, "крокодил")
    assert count(db, AuditEntry) == before  # nothing shown, nothing logged


import pytest


@pytest.mark.parametrize("common", [False, True], ids=["read-from-the-index", "walked-newest-first"])
def test_more_than_a_hundred_is_not_counted(db, reference, monkeypatch, common):
    from hotline.search import backends

    # PostgreSQL walks for a word its statistics call common, reads a rarer one from GIN: both ways here.
    monkeypatch.setattr(backends, "_common_terms", lambda session: {"обмен": 0.5} if common else {})
    supervisor = make_user("supervisor")
    operator = make_user("operator")
    for _ in range(105):
        make_enquiry(operator, question="Вопрос про обмен")
    db.session.commit()
    results = search(supervisor, "обмен", "enquiry")
    assert results.more and results.count == 100
    assert len(results.hits) == 20
    # the newest come first among equals
    assert results.hits[0].record.id > results.hits[-1].record.id
    coordinator = make_user("coordinator", topics=["youth"])
    scoped = search(coordinator, "обмен", "enquiry")
    assert scoped.more and len(scoped.hits) == 20
    assert search(make_user("coordinator", topics=["archives"]), "обмены").count == 0


def test_reindex_rebuilds_the_same_documents(db, reference):
    supervisor = make_user("supervisor")
    enquiry = make_enquiry(question=QUESTION)
    db.session.commit()
    before = db.session.execute(select(SearchDocument.kind, SearchDocument.record_id, SearchDocument.ident,
                                       SearchDocument.title, SearchDocument.body)).all()
    reindex_all(db.session)
    db.session.commit()
    after = db.session.execute(select(SearchDocument.kind, SearchDocument.record_id, SearchDocument.ident,
                                      SearchDocument.title, SearchDocument.body)).all()
    assert sorted(before) == sorted(after)
    assert enquiry.id in _enquiries(supervisor, "побратимы")


def test_query_parsing_keeps_search_syntax_out():
    query = parse_query('обмен" OR * NEAR(x) \' & | ! :*')
    assert all(term.isalnum() for group in query.groups for term in group)
    assert parse_query("").groups == [] and parse_query("и в на").groups == []


# Pages and API ------------------------------------------------------------------------------------

def _sign_in(client, user):
    client.post("/logout")
    assert client.post("/login", data={"login": user.login, "password": PASSWORD}).status_code == 302


def test_the_search_page_and_the_top_bar_box(client, db, reference):
    coordinator = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(question=QUESTION)
    _assign(enquiry, coordinator)
    db.session.commit()
    _sign_in(client, coordinator)
    page = client.get("/enquiries/").get_data(as_text=True)
    assert 'data-search-box' in page and 'action="/search"' in page
    page = client.get("/search", query_string={"q": "побратимов"}).get_data(as_text=True)
    assert enquiry.reference in page and "<mark>побратимами</mark>" in page
    assert f'/callers/{enquiry.caller_id}' in page
    page = client.get("/search", query_string={"q": "крокодил"}).get_data(as_text=True)
    assert "ничего не найдено" in page


def test_admins_have_no_search(client, db, reference):
    admin = make_user("admin")
    db.session.commit()
    _sign_in(client, admin)
    assert "data-search-box" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/search?q=x").status_code == 403


def test_api_search(api, db, reference):
    enquiry = make_enquiry(question=QUESTION)
    supervisor = api("supervisor")
    response = supervisor.get("/api/v1/search", query_string={"q": enquiry.reference.replace("ЗЛ", "ZL")})
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 1 and body["results"][0]["reference"] == enquiry.reference
    assert body["results"][0]["kind"] == "enquiry"
    body = supervisor.get("/api/v1/search", query_string={"q": "2124486", "kind": "caller"}).get_json()
    assert body["results"][0]["phone"] != "+73422124486"  # masked for supervisors in a list
    other = api("coordinator", topics=["archives"])
    assert other.get("/api/v1/search", query_string={"q": "побратимы"}).get_json() == {
        "query": "побратимы", "kind": None, "count": 0, "more": False, "results": []}
    response = supervisor.get("/api/v1/search", query_string={"q": "", "kind": "thing"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"q", "kind"}


def test_the_caller_page(client, db, reference):
    author, other = make_user("operator"), make_user("operator")
    enquiry = make_enquiry(author, question=QUESTION)
    from hotline.attachments import add_attachment

    add_attachment(enquiry, "письмо.txt", "Здравствуйте!\n".encode(), "public", None)
    db.session.commit()
    _sign_in(client, author)
    page = client.get(f"/callers/{enquiry.caller_id}").get_data(as_text=True)
    assert enquiry.reference in page and "письмо.txt" in page and "побратимами" in page
    _sign_in(client, other)  # another operator: the summary, not the question or the file
    page = client.get(f"/callers/{enquiry.caller_id}").get_data(as_text=True)
    assert enquiry.reference in page and "письмо.txt" not in page and "побратимами" not in page
    archives = make_user("coordinator", topics=["archives"])
    db.session.commit()
    _sign_in(client, archives)
    assert client.get(f"/callers/{enquiry.caller_id}").status_code == 404


def test_imported_history_is_searchable(db, reference, tmp_path):
    from hotline.imports.calls import import_calls

    supervisor = make_user("supervisor")
    path = tmp_path / "calls.csv"
    path.write_text("started_at,topic,outcome,phone,caller_name,question\n"
                    "2025-03-01 10:00,youth,answered,+79123334455,Ольга Смирнова,Где найти расписание фестиваля?\n",
                    encoding="utf-8")
    import_calls(str(path))
    db.session.commit()
    found, _ = _found(supervisor, "фестивалей")
    assert {kind for kind, _id in found} == {"call"}
    assert {kind for kind, _id in _found(supervisor, "334455")[0]} == {"call", "caller"}


def test_the_index_scope_agrees_with_the_record_checks(db, reference):
    """The rule written over the index's columns keeps exactly what the object checks allow."""
    from hotline import visibility
    from hotline.models import Call, Caller, Enquiry

    author, other_operator = make_user("operator"), make_user("operator")
    coordinators = [make_user("coordinator", topics=["youth"], cities=["oxford"]),
                    make_user("coordinator", topics=["youth"]), make_user("coordinator", topics=["archives"])]
    users = [author, other_operator, *coordinators, make_user("supervisor"), make_user("admin")]
    made = [make_enquiry(author, city_code="oxford"), make_enquiry(author, city_code="duisburg"),
            make_enquiry(other_operator, topic_code="archives")]
    _assign(made[2], coordinators[0])
    from .factories import make_call, make_caller

    make_call(author, caller=make_caller("+79120000001", "Игорь Белов"))
    db.session.commit()
    docs = db.session.execute(select(SearchDocument)).scalars().all()
    assert {d.kind for d in docs} == {"enquiry", "call", "caller"}
    check = {"enquiry": (Enquiry, visibility.can_see_enquiry), "call": (Call, visibility.can_see_call),
             "caller": (Caller, visibility.can_see_caller)}
    for user in users:
        indexed = set(db.session.execute(select(SearchDocument.kind, SearchDocument.record_id)
                                         .where(visibility.document_condition(user, SearchDocument))).all())
        allowed = {(d.kind, d.record_id) for d in docs
                   if check[d.kind][1](user, db.session.get(check[d.kind][0], d.record_id))}
        if user is other_operator:  # the caller cards: operators look every caller up
            assert all(kind != "caller" or (kind, i) in indexed for kind, i in allowed)
        assert indexed == allowed, user.login
        # the scope words keep the same enquiries and calls, and every caller the rule keeps
        keys = visibility.scope_keys(user)
        worded = {(d.kind, d.record_id) for d in docs
                  if keys is None or set(d.scope.split()) & set(keys.get(d.kind, ()))}
        assert {d for d in worded if d[0] != "caller"} == {d for d in indexed if d[0] != "caller"}, user.login
        assert {d for d in indexed if d[0] == "caller"} <= worded, user.login


def test_the_migration_writes_the_scope_words_as_the_index_does(db, reference):
    """i14_search_scope_words fills `scope` by SQL for the documents there are: the same words."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    path = Path(__file__).parent.parent / "migrations" / "versions" / "i14_search_scope_words.py"
    spec = importlib.util.spec_from_file_location("scope_words", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    author = make_user("operator")
    coordinator = make_user("coordinator", topics=["youth"])
    _assign(make_enquiry(author, city_code="oxford"), coordinator)
    make_enquiry(author, topic_code="archives")
    from .factories import make_call

    make_call(author)
    db.session.commit()
    rows = db.session.execute(text(f"SELECT kind, scope, {migration.SCOPE_SQL} FROM search_document")).all()
    assert {kind for kind, *_ in rows} == {"enquiry", "call", "caller"}
    assert any("c" in word[4:] for _kind, scope, _sql in rows for word in scope.split())  # a city's word
    for _kind, scope, by_sql in rows:
        assert by_sql == scope


def test_scope_words_are_not_found_by_what_people_type(db, reference):
    operator, supervisor = make_user("operator"), make_user("supervisor")
    enquiry = make_enquiry(operator, question=QUESTION)
    db.session.commit()
    scope = db.session.execute(select(SearchDocument.scope).where(
        SearchDocument.kind == "enquiry", SearchDocument.record_id == enquiry.id)).scalar_one()
    assert f"secb{operator.id}" in scope.split()
    for word in scope.split():
        assert search(supervisor, word).count == 0, word
