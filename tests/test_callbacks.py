"""Call-back tasks (SPEC 3, 8.2, 12): a phone delivery waits in the operators' list; one click per
attempt; at most three, then unreachable; reached delivers the answer."""
from __future__ import annotations

from sqlalchemy import select

from hotline.callbacks.service import open_callback
from hotline.extensions import db as _db
from hotline.models import (
    CallbackKind,
    CallbackStatus,
    CallbackTask,
    Delivery,
    DeliveryStatus,
    Enquiry,
    ReplyChannel,
)

from .delivery_helpers import answered


def _task(db) -> CallbackTask:
    return db.session.execute(select(CallbackTask)).scalar_one()


def test_a_phone_answer_waits_in_the_operators_list_with_the_answer_to_read(app, db, reference, client, login_as):
    enquiry = answered(app, email=None)
    assert enquiry.reply_channel is ReplyChannel.PHONE
    task = _task(db)
    assert task.kind is CallbackKind.ANSWER and task.phone == "+73422124486" and task.enquiry_id == enquiry.id
    login_as("operator")
    page = client.get("/callbacks/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'href="tel:+73422124486"' in page
    assert "Заявки на обмен принимаются до 1 марта." in page and "Ответ, который нужно зачитать" in page
    assert "дозвонились" in page and "не ответили" in page and "неверный номер" in page


def test_reached_delivers_the_answer(app, db, reference, client, login_as):
    enquiry = answered(app, email=None)
    task = _task(db)
    operator = login_as("operator")
    response = client.post(f"/callbacks/{task.id}/attempts", data={"result": "reached", "note": "всё понятно"})
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.status is CallbackStatus.DONE and task.attempts[0].operator_id == operator.id
    delivery = db.session.execute(select(Delivery)).scalar_one()
    assert delivery.status is DeliveryStatus.CALLED_BACK and delivery.delivered_at is not None
    kinds = [e.kind for e in db.session.get(Enquiry, enquiry.id).events]
    assert "callback-attempt" in kinds and kinds[-1] == "called-back"
    assert "Обратных звонков в очереди нет." in client.get("/callbacks/", headers={"Accept-Language": "ru"}) \
        .get_data(as_text=True)


def test_three_attempts_then_unreachable_and_no_fourth(app, db, reference, api):
    answered(app, email=None)
    task = _task(db)
    operator = api("operator")
    for n in range(3):
        response = operator.post(f"/api/v1/callbacks/{task.id}/attempts", json={"result": "no-answer"})
        assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "unreachable" and len(response.get_json()["attempts"]) == 3
    response = operator.post(f"/api/v1/callbacks/{task.id}/attempts", json={"result": "reached"})
    assert response.status_code == 409
    assert db.session.execute(select(Delivery)).scalar_one().status is DeliveryStatus.UNREACHABLE
    assert operator.get("/api/v1/callbacks").get_json()["callbacks"] == []
    assert len(operator.get("/api/v1/callbacks?status=unreachable").get_json()["callbacks"]) == 1


def test_a_wrong_number_ends_it_at_once(app, db, reference, api):
    answered(app, email=None)
    task = _task(db)
    body = api("operator").post(f"/api/v1/callbacks/{task.id}/attempts", json={"result": "wrong-number"}).get_json()
    assert body["status"] == "unreachable"


def test_the_api_lists_open_tasks_oldest_first_and_checks_input(app, db, reference, api):
    first = open_callback(CallbackKind.MISSED_CALL, "+73422000001", telephony_call_id=41)
    second = open_callback(CallbackKind.MISSED_CALL, "+73422000002", telephony_call_id=42)
    assert open_callback(CallbackKind.MISSED_CALL, "+73422000001", telephony_call_id=41).id == first.id  # once per call
    db.session.commit()
    operator = api("operator")
    listed = operator.get("/api/v1/callbacks?status=open").get_json()["callbacks"]
    assert [t["id"] for t in listed] == [first.id, second.id]
    assert listed[0]["kind"] == "missed-call" and listed[0]["enquiry"] is None and listed[0]["answer"] is None
    assert operator.get("/api/v1/callbacks?status=lost").status_code == 422
    response = operator.post(f"/api/v1/callbacks/{first.id}/attempts", json={"result": "maybe"})
    assert response.status_code == 422 and "result" in response.get_json()["error"]["fields"]
    assert operator.post("/api/v1/callbacks/999/attempts", json={"result": "reached"}).status_code == 404
    assert operator.post(f"/api/v1/callbacks/{first.id}/attempts", data="x").status_code == 400
    assert _db.session.get(CallbackTask, first.id).attempts_count == 0  # nothing half-saved


def test_coordinators_do_not_work_call_backs(app, db, reference, api, client, login_as):
    assert api("coordinator").get("/api/v1/callbacks").status_code == 403
    login_as("coordinator")
    assert client.get("/callbacks/").status_code == 403


def test_the_page_fits_a_phone_and_reads_in_english(app, db, reference, client, login_as):
    answered(app, email=None)
    login_as("operator")
    page = client.get("/callbacks/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Call-backs" in page and "Answer to read out" in page and "no answer" in page
