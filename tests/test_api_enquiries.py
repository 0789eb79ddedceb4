"""`/api/v1/enquiries`: list, read (by id or reference, Latin alias too), answer, reassign."""
from .factories import make_coordinator, make_enquiry
from .jobs import run_jobs


def test_list_and_read_as_the_assignee(app, db, api, reference):
    coordinator_api = api("coordinator", topics=("youth",))
    e = make_enquiry()
    run_jobs(app, with_scheduler=False)
    listed = coordinator_api.get("/api/v1/enquiries?status=assigned&assignee=me").get_json()["enquiries"]
    assert [x["reference"] for x in listed] == [e.reference]
    body = coordinator_api.get(f"/api/v1/enquiries/{e.id}").get_json()
    assert body["status"] == "assigned" and body["assigned_at"] and body["sla"] == "ok"
    assert [t["kind"] for t in body["trail"]] == ["created", "assigned"]
    latin = e.reference.replace("ЗЛ", "ZL")
    assert coordinator_api.get(f"/api/v1/enquiries/{latin}").get_json()["id"] == e.id
    assert coordinator_api.get("/api/v1/enquiries?status=bogus").status_code == 422


def test_answer_and_reassign_through_the_api(app, db, api, reference):
    first = api("coordinator", topics=("youth",))
    e = make_enquiry()
    run_jobs(app, with_scheduler=False)
    second = make_coordinator(login="second")
    db.session.commit()
    response = first.post(f"/api/v1/enquiries/{e.id}/reassign", json={"to": "second", "reason": "отпуск"})
    assert response.status_code == 200 and response.get_json()["assignee"] == "second"
    # first is no longer the assignee, but still in the group: may read, may not answer
    assert first.get(f"/api/v1/enquiries/{e.id}").status_code == 200
    denied = first.post(f"/api/v1/enquiries/{e.id}/answer", json={"text": "Ответ"})
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    supervisor = api("supervisor")
    bad = supervisor.post(f"/api/v1/enquiries/{e.id}/answer", json={"text": 5})
    assert bad.status_code == 422 and "text" in bad.get_json()["error"]["fields"]
    ok = supervisor.post(f"/api/v1/enquiries/{e.id}/answer", json={"text": "Ответ", "faq_ids": []})
    assert ok.status_code == 200 and ok.get_json()["status"] == "answered" and ok.get_json()["answered_at"]
    again = supervisor.post(f"/api/v1/enquiries/{e.id}/answer", json={"text": "Ещё"})
    assert again.status_code == 409


def test_operators_see_only_what_they_logged(app, db, api, reference):
    mine = api("operator")
    e = make_enquiry(mine.user)
    other = make_enquiry()
    db.session.commit()
    ids = [x["id"] for x in mine.get("/api/v1/enquiries").get_json()["enquiries"]]
    assert ids == [e.id]
    assert mine.get(f"/api/v1/enquiries/{other.id}").status_code == 404
    assert mine.post(f"/api/v1/enquiries/{e.id}/answer", json={"text": "x"}).status_code == 403
