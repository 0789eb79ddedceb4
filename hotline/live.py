"""The desk's one live channel: what changed for a person since they last asked. A verb calls
`publish(user_id, kind, payload)` (after its commit: `publish_after_commit`); every open page asks
`GET /live?since=N` once a second and acts on the kinds that changed (the screen pop, the bell,
the inbox, the wallboard). One Redis hash per person (and per shared channel, like the
supervisors' wallboard) holds the latest change of each kind under one global sequence number,
so any web process on any machine answers, and no page holds a thread (README: why not SSE).
Redis is transport: a page that misses a change still shows the truth on its next slow refresh."""
from __future__ import annotations

import json
import logging

from flask_sqlalchemy.session import Session
from sqlalchemy import event

from .extensions import db
from .models import Role
from .queue import get_redis

log = logging.getLogger(__name__)

SEQ_KEY = "live:seq"
TTL_SECONDS = 24 * 3600  # a person who has not looked for a day gets a fresh start
# Shared channels, read by the roles `channels_for` names: the wallboard's (supervisors), and the
# desk's (coordinators and supervisors: an enquiry changed, every open inbox refreshes).
CHANNELS = {"supervisors", "desk"}


def _user_key(user_id: int) -> str:
    return f"live:u:{user_id}"


def _channel_key(name: str) -> str:
    return f"live:c:{name}"


def publish(user_id: int, kind: str, payload=None) -> None:
    """Tell one person that `kind` changed (the payload is what their page needs to act)."""
    _publish([(_user_key(user_id), kind, payload)])


def publish_channel(name: str, kind: str, payload=None) -> None:
    _publish([(_channel_key(name), kind, payload)])


# One round trip: take the next sequence numbers and write each change under its own.
_PUBLISH = """
local seq = redis.call('INCRBY', KEYS[1], #ARGV / 2) - #ARGV / 2
for i = 1, #ARGV, 2 do
  seq = seq + 1
  local key = KEYS[(i + 1) / 2 + 1]
  redis.call('HSET', key, ARGV[i], '{"seq":' .. seq .. ',"data":' .. ARGV[i + 1] .. '}')
  redis.call('EXPIRE', key, tonumber(KEYS[#KEYS]))
end
return seq
"""


def _publish(items: list[tuple[str, str, object]]) -> None:
    if not items:
        return
    keys = [SEQ_KEY] + [key for key, _kind, _payload in items] + [str(TTL_SECONDS)]
    args = []
    for _key, kind, payload in items:
        args += [kind, json.dumps(payload, ensure_ascii=False)]
    try:
        get_redis().eval(_PUBLISH, len(keys), *keys, *args)
    except Exception as exc:  # noqa: BLE001 - Redis is transport; pages refresh from the database anyway
        log.warning("live update not published (%s items): %s", len(items), exc)


def publish_after_commit(user_id: int, kind: str, payload=None) -> None:
    """Publish when the current transaction commits (a page that reacts then reads what was
    committed); dropped on rollback."""
    db.session.info.setdefault("hotline.live", []).append((_user_key(user_id), kind, payload))


def publish_channel_after_commit(name: str, kind: str, payload=None) -> None:
    db.session.info.setdefault("hotline.live", []).append((_channel_key(name), kind, payload))


@event.listens_for(Session, "after_commit")
def _send_pending(session) -> None:
    items = session.info.pop("hotline.live", None)
    if items:
        # Several changes of one kind for one key in a transaction: the last one says it all.
        latest = {(key, kind): payload for key, kind, payload in items}
        _publish([(key, kind, payload) for (key, kind), payload in latest.items()])


@event.listens_for(Session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop("hotline.live", None)


def channels_for(user) -> list[str]:
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return ["supervisors", "desk"]
    return ["desk"] if user.role is Role.COORDINATOR else []


def current_seq() -> int | str:
    """The sequence number now, for a page to start from; "" when Redis cannot be reached (the
    page's first look then only takes the mark)."""
    try:
        return int(get_redis().get(SEQ_KEY) or 0)
    except Exception:  # noqa: BLE001
        return ""


def changes(user, since: int) -> tuple[int, dict]:
    """(the sequence now, {kind: payload} for each kind changed after `since`): one round trip."""
    keys = [_user_key(user.id)] + [_channel_key(name) for name in channels_for(user)]
    with get_redis().pipeline(transaction=False) as pipe:
        pipe.get(SEQ_KEY)
        for key in keys:
            pipe.hgetall(key)
        seq_raw, *hashes = pipe.execute()
    found: dict[str, tuple[int, object]] = {}
    for values in hashes:
        for kind, raw in values.items():
            item = json.loads(raw)
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if item["seq"] > since and (kind not in found or item["seq"] > found[kind][0]):
                found[kind] = (item["seq"], item["data"])
    return int(seq_raw or 0), {kind: data for kind, (_seq, data) in found.items()}
