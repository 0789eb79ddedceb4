"""Every command of SPEC 8.1 that exists so far."""
from sqlalchemy import func, select

from hotline.models import ApiToken, Call, FaqEntry, GroupMember, RoutingRule, SisterCity, Topic, User


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_seed_reference_is_idempotent(app, db):
    first = run(app, "seed-reference")
    assert first.exit_code == 0, first.output
    second = run(app, "seed-reference")
    assert "topics +0" in second.output
    assert db.session.execute(select(func.count(SisterCity.id))).scalar() == 6
    assert db.session.execute(select(func.count(Topic.id))).scalar() == 12
    assert db.session.execute(select(func.count(RoutingRule.id))).scalar() == 12
    codes = set(db.session.execute(select(Topic.code)).scalars())
    assert {"youth", "staffing", "extreme-park", "information", "other"} <= codes


def test_seed_demo_is_idempotent_and_fills_every_screen(app, db):
    assert run(app, "seed-demo").exit_code == 0
    calls = db.session.execute(select(func.count(Call.id))).scalar()
    result = run(app, "seed-demo")
    assert result.exit_code == 0 and "users +0" in result.output
    assert db.session.execute(select(func.count(Call.id))).scalar() == calls > 100
    assert db.session.execute(select(func.count(FaqEntry.id))).scalar() >= 20
    logins = set(db.session.execute(select(User.login)).scalars())
    assert {"operator", "coordinator", "supervisor", "admin"} <= logins
    # every topic has somebody to route to
    covered = db.session.execute(
        select(func.count(func.distinct(RoutingRule.topic_id)))
        .join(GroupMember, GroupMember.group_id == RoutingRule.group_id)
    ).scalar()
    assert covered == 12


def test_users_create_with_topic_and_city(app, db):
    run(app, "seed-reference")
    result = run(app, "users", "create", "anna", "--role", "coordinator", "--password", "long-enough-1",
                 "--name", "Анна", "--topic", "youth", "--city", "duisburg")
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.login == "anna")).scalar_one()
    assert user.check_password("long-enough-1")
    member = db.session.execute(select(GroupMember).where(GroupMember.user_id == user.id)).scalar_one()
    assert member.city.code == "duisburg" and member.group.topic.code == "youth"


def test_users_create_refuses_bad_input_and_duplicates(app, db):
    run(app, "seed-reference")
    assert run(app, "users", "create", "x", "--role", "operator", "--password", "short").exit_code != 0
    assert run(app, "users", "create", "x", "--role", "operator", "--password", "long-enough",
               "--topic", "nonsense").exit_code != 0
    assert db.session.execute(select(func.count(User.id))).scalar() == 0  # nothing half-saved
    assert run(app, "users", "create", "x", "--role", "operator", "--password", "long-enough").exit_code == 0
    again = run(app, "users", "create", "x", "--role", "operator", "--password", "long-enough")
    assert again.exit_code != 0 and "x" in again.output


def test_users_token_prints_a_token_that_works(app, db, client):
    run(app, "seed-reference")
    run(app, "users", "create", "op", "--role", "operator", "--password", "long-enough")
    result = run(app, "users", "token", "op")
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("zl_")
    assert db.session.execute(select(ApiToken.token_hash)).scalar() == ApiToken.hash(token)
    response = client.get("/api/v1/callers?phone=83422124486", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert run(app, "users", "token", "nobody").exit_code != 0


def test_sweep_command_reports(app, db):
    result = run(app, "sweep")
    assert result.exit_code == 0 and "re-enqueued 0" in result.output
