"""Who sees what (SPEC 10): one rule per record kind in hotline/visibility.py, the same through the
pages and the API — another operator's call, another topic's or sister city's enquiry are 404."""
from sqlalchemy import select

from hotline import visibility
from hotline.models import AuditEntry, Call, CallOutcome, Enquiry

from .factories import PASSWORD, count, make_call, make_caller, make_enquiry, make_user


def _sign_in(client, user):
    client.post("/logout")
    response = client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302


# The rule itself --------------------------------------------------------------------------------

def test_enquiry_rule_query_and_object_check_agree(db, reference):
    operator, other_operator = make_user("operator"), make_user("operator")
    oxford_only = make_user("coordinator", topics=["youth"], cities=["oxford"])
    youth_any = make_user("coordinator", topics=["youth"])
    supervisor, admin = make_user("supervisor"), make_user("admin")
    oxford = make_enquiry(operator, city_code="oxford")
    duisburg = make_enquiry(operator, city_code="duisburg")
    archives = make_enquiry(other_operator, topic_code="archives")
    everything = [oxford, duisburg, archives]
    expected = {
        operator: {oxford, duisburg}, other_operator: {archives},
        oxford_only: {oxford}, youth_any: {oxford, duisburg},
        supervisor: set(everything), admin: set(),
    }
    for user, wanted in expected.items():
        listed = set(db.session.execute(visibility.enquiries(select(Enquiry), user)).scalars())
        assert listed == wanted, user.login
        assert {e for e in everything if visibility.can_see_enquiry(user, e)} == wanted, user.login
    # the assignee sees it whatever their groups
    archives.assignee_id = oxford_only.id
    db.session.flush()
    assert visibility.can_see_enquiry(oxford_only, archives)
    assert archives in db.session.execute(visibility.enquiries(select(Enquiry), oxford_only)).scalars().all()


def test_call_rule_query_and_object_check_agree(db, reference):
    operator, other_operator = make_user("operator"), make_user("operator")
    coordinator = make_user("coordinator", topics=["youth"])
    supervisor, admin = make_user("supervisor"), make_user("admin")
    answered = make_call(operator)  # no enquiry: coordinators never see it
    routed_youth = make_enquiry(operator).call
    routed_archives = make_enquiry(other_operator, topic_code="archives").call
    everything = [answered, routed_youth, routed_archives]
    expected = {
        operator: {answered, routed_youth}, other_operator: {routed_archives}, coordinator: {routed_youth},
        supervisor: set(everything), admin: set(),
    }
    for user, wanted in expected.items():
        listed = set(db.session.execute(visibility.calls(select(Call), user)).scalars())
        assert listed == wanted, user.login
        assert {c for c in everything if visibility.can_see_call(user, c)} == wanted, user.login


def test_caller_rule(db, reference):
    operator = make_user("operator")
    youth, archives = make_user("coordinator", topics=["youth"]), make_user("coordinator", topics=["archives"])
    enquiry = make_enquiry(operator)
    caller = enquiry.caller
    assert visibility.can_see_caller(operator, caller)
    assert visibility.can_see_caller(youth, caller)
    assert not visibility.can_see_caller(archives, caller)
    assert not visibility.can_see_caller(make_user("admin"), caller)
    assert visibility.can_see_caller(make_user("supervisor"), caller)


# Through the API --------------------------------------------------------------------------------

def test_api_call_is_404_for_another_operator_and_an_unrelated_coordinator(api, db, reference):
    mine = api("operator")
    other = api("operator")
    coordinator = api("coordinator", topics=["archives"])
    admin = api("admin")
    call = make_call(mine.user, caller=make_caller())
    db.session.commit()
    url = f"/api/v1/calls/{call.id}"
    for client in (other, coordinator):
        response = client.get(url)
        assert response.status_code == 404, client.user.role
        assert response.get_json()["error"]["code"] == "not_found"
    assert admin.get(url).status_code == 403  # admins read no calls (SPEC 10)
    assert mine.get(url).status_code == 200
    assert api("supervisor").get(url).status_code == 200
    # a read of personal data is in the audit log, a refused one is not
    assert count(db, AuditEntry, AuditEntry.action == "read", AuditEntry.object_type == "call",
                 AuditEntry.object_id == call.id) == 2


def test_api_callers_show_a_coordinator_only_callers_of_their_enquiries(api, db, reference):
    operator = api("operator")
    enquiry = make_enquiry(operator.user)
    db.session.commit()
    phone = enquiry.caller.phone
    assert api("coordinator", topics=["archives"]).get(f"/api/v1/callers?phone={phone}").get_json()["callers"] == []
    body = api("coordinator", topics=["youth"]).get(f"/api/v1/callers?phone={phone}").get_json()
    assert [c["id"] for c in body["callers"]] == [enquiry.caller_id]


def test_api_callers_give_an_operator_other_operators_calls_as_summaries(api, db, reference):
    mine, theirs = api("operator"), api("operator")
    caller = make_caller()
    own = make_call(mine.user, caller=caller, question="Мой вопрос")
    foreign = make_call(theirs.user, caller=caller, question="Чужой вопрос")
    db.session.commit()
    calls = {c["id"]: c for c in mine.get(f"/api/v1/callers?phone={caller.phone}").get_json()["callers"][0]["calls"]}
    assert calls[own.id]["question"] == "Мой вопрос"
    assert calls[foreign.id]["question"] is None
    assert calls[foreign.id]["topic"] == "youth" and calls[foreign.id]["outcome"] == "answered"


def test_api_enquiries_of_another_sister_city_are_hidden(api, db, reference):
    operator = make_user("operator")
    oxford, duisburg = make_enquiry(operator, city_code="oxford"), make_enquiry(operator, city_code="duisburg")
    db.session.commit()
    coordinator = api("coordinator", topics=["youth"], cities=["oxford"])
    listed = [e["id"] for e in coordinator.get("/api/v1/enquiries").get_json()["enquiries"]]
    assert listed == [oxford.id]
    assert coordinator.get(f"/api/v1/enquiries/{duisburg.id}").status_code == 404
    assert coordinator.get(f"/api/v1/enquiries/{oxford.id}").status_code == 200


def test_api_admin_sees_no_enquiries(api, db, reference):
    enquiry = make_enquiry()
    db.session.commit()
    admin = api("admin")
    assert admin.get("/api/v1/enquiries").status_code == 403
    assert admin.get(f"/api/v1/enquiries/{enquiry.id}").status_code == 403
    # and the rule itself gives them nothing, whatever calls it
    assert db.session.execute(visibility.enquiries(select(Enquiry), admin.user)).scalars().all() == []


# Through the pages -------------------------------------------------------------------------------

def test_calls_list_shows_a_coordinator_only_calls_of_their_enquiries(client, login_as, db, reference):
    operator = make_user("operator")
    youth = make_enquiry(operator, question="Про обмен с Дуйсбургом")
    make_enquiry(operator, topic_code="archives", question="Про архив Оксфорда")
    make_call(operator, question="Справка про выставку")
    login_as("coordinator", topics=["youth"])
    page = client.get("/calls/").get_data(as_text=True)
    assert "Про обмен с Дуйсбургом" in page
    assert "Про архив Оксфорда" not in page and "Справка про выставку" not in page
    assert youth.reference


def test_enquiry_page_of_another_city_is_404(client, login_as, db, reference):
    operator = make_user("operator")
    duisburg = make_enquiry(operator, city_code="duisburg")
    login_as("coordinator", topics=["youth"], cities=["oxford"])
    assert client.get(f"/enquiries/{duisburg.id}").status_code == 404
    assert client.post(f"/enquiries/{duisburg.id}/note", data={"body": "x"}).status_code == 404


def test_operator_caller_card_hides_other_operators_questions(client, login_as, db, reference):
    other = make_user("operator")
    caller = make_caller()
    make_call(other, caller=caller, question="Секрет чужого звонка", outcome=CallOutcome.INFO)
    me = login_as("operator")
    make_call(me, caller=caller, question="Мой собственный вопрос")
    card = client.get("/calls/lookup?phone=%2B73422124486").get_data(as_text=True)
    assert "Мой собственный вопрос" in card
    assert "Секрет чужого звонка" not in card
    assert card.count("<li>") >= 2  # both calls are listed, the other one as a summary


def test_supervisors_see_phones_masked_in_lists_and_whole_on_a_detail_page(client, login_as, db, reference):
    enquiry = make_enquiry(make_user("operator"))  # the caller is +7 342 212-44-86
    login_as("supervisor")
    whole, masked = "212-44-86", "+7342•••4486"
    listing = client.get("/calls/").get_data(as_text=True)
    assert masked in listing and whole not in listing
    search = client.get("/privacy/?q=Соколова").get_data(as_text=True)
    assert masked in search and whole not in search
    assert whole in client.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
