"""Mastodon.py reads notifications and listens to the user stream.

Usage: python3 mastodon_py_notifications.py LISTEN_URL ACT_URL
The listener signs in through LISTEN_URL, where the instance announces its streaming API;
the other members act through ACT_URL, which reaches another instance. Prints one line per
step and exits non-zero at the first failure.
"""

import os
import queue
import sys
import time

from mastodon import Mastodon, StreamListener

LISTEN, ACT = sys.argv[1], sys.argv[2]
RUN = os.urandom(4).hex()
PASSWORD = "correct horse battery"


def step(name):
    print(f"step: {name}", flush=True)


def member(name, base):
    client_id, client_secret = Mastodon.create_app(f"lookbook-{name}", api_base_url=base)
    anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    token = anonymous.create_account(f"{name}{RUN}", PASSWORD, f"{name}{RUN}@example.com", agreement=True)
    return Mastodon(access_token=token, api_base_url=base)


class Collector(StreamListener):
    """Puts every update and notification it hears on a queue."""

    def __init__(self):
        super().__init__()
        self.events = queue.Queue()

    def on_update(self, status):
        self.events.put(("update", status))

    def on_notification(self, notification):
        self.events.put(("notification", notification))


def expect(events, kind, check, within=30):
    """Waits for an event of `kind` that `check` accepts; skips others."""
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            got, payload = events.get(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if got == kind and check(payload):
            return payload
    raise AssertionError(f"no {kind} event within {within} s")


step("create members")
ann = member("ann", LISTEN)
bob = member("bob", ACT)
cat = member("cat", ACT)
dan = member("dan", ACT)
ann_id = ann.me().id

step("listen to ann's user stream")
collector = Collector()
handle = ann.stream_user(collector, run_async=True, reconnect_async=True)
deadline = time.time() + 15
while not handle.is_receiving() and time.time() < deadline:
    time.sleep(0.1)
assert handle.is_receiving(), "the stream did not open"
time.sleep(0.5)

step("a like, a comment, a mention and a follow")
ann.account_follow(bob.me().id)
look = ann.status_post("Monday look #ootd")
bob.status_favourite(look.id)
heard = expect(collector.events, "notification", lambda n: n.type == "favourite")
assert heard.account.username == f"bob{RUN}", heard
assert heard.status.id == look.id, heard
cat.status_favourite(look.id)
bob.status_post("Love the coat", in_reply_to_id=look.id)
fresh = bob.status_post("Fresh fit")
expect(collector.events, "update", lambda s: s.id == fresh.id)
mention = cat.status_post(f"Styled like @ann{RUN} today")
dan.account_follow(ann_id)
expect(collector.events, "notification", lambda n: n.type == "follow")

step("read the notifications")
notes = ann.notifications()
kinds = [(n.type, n.account.username) for n in notes]
assert kinds == [
    ("follow", f"dan{RUN}"),
    ("mention", f"cat{RUN}"),
    ("mention", f"bob{RUN}"),
    ("favourite", f"cat{RUN}"),
    ("favourite", f"bob{RUN}"),
], kinds
assert notes[1].status.id == mention.id
assert [n.type for n in ann.notifications(types=["favourite"])] == ["favourite", "favourite"]
assert len(ann.notifications(exclude_types=["mention", "favourite"])) == 1
assert ann.notifications(id=notes[0].id).type == "follow"
assert ann.notifications_unread_count()["count"] == 5

step("read them grouped")
grouped = ann.grouped_notifications()
groups = grouped.notification_groups
likes = [g for g in groups if g.type == "favourite"]
assert len(groups) == 4, groups
assert len(likes) == 1 and likes[0].notifications_count == 2, likes
assert str(likes[0].status_id) == str(look.id), likes[0]
accounts = ann.grouped_notification_accounts(likes[0].group_key)
assert sorted(a.username for a in accounts) == [f"bob{RUN}", f"cat{RUN}"], accounts

step("markers")
ann.markers_set(["notifications"], [notes[0].id])
marker = ann.markers_get(["notifications"])["notifications"]
assert str(marker.last_read_id) == str(notes[0].id), marker
assert ann.notifications_unread_count()["count"] == 0

step("an unlike takes its notification back")
cat.status_unfavourite(look.id)
assert [n.account.username for n in ann.notifications(types=["favourite"])] == [f"bob{RUN}"]

step("dismiss and clear")
ann.notifications_dismiss(notes[0].id)
assert len(ann.notifications()) == 3
ann.dismiss_grouped_notification(likes[0].group_key)
assert len(ann.notifications()) == 2
ann.notifications_clear()
assert ann.notifications() == []

handle.close()
print("mastodon.py notifications: ok", flush=True)
