"""Web Push, received the way a browser receives it.

Usage: python3 web_push.py API_URL
Runs a push service on loopback. Members subscribe to it through the API (with Mastodon.py's
own calls, and with a browser-style standard subscription), then act on one another. Each
push that arrives has its VAPID token checked against the server key the instance announces
and is decrypted with Mastodon.py and http_ece. The push service also answers 500 once (the
push comes again, once), 410 (the subscription is deleted) and not at all (photos are
still processed meanwhile). Prints one line per step; exits non-zero at the first failure.
"""

import base64
import json
import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from mastodon import Mastodon
from mastodon.errors import MastodonNotFoundError
from pictures import png

API = sys.argv[1].rstrip("/")
RUN = os.urandom(4).hex()
PASSWORD = "correct horse battery"


def step(name):
    print(f"step: {name}", flush=True)


def b64d(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


received = queue.Queue()
answers = {}
lock = threading.Lock()


class PushService(BaseHTTPRequestHandler):
    """Takes pushes; /flaky fails the first, /gone says the subscription is gone, /hang
    never answers in time."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            answers[self.path] = answers.get(self.path, 0) + 1
            nth = answers[self.path]
        if self.path == "/hang":
            time.sleep(30)
            return
        status = 201
        if self.path == "/flaky" and nth == 1:
            status = 500
        elif self.path == "/gone":
            status = 410
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if status == 201:
            headers = {k.lower(): v for k, v in self.headers.items()}
            received.put((self.path, headers, body))

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), PushService)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
SINK = f"http://127.0.0.1:{server.server_address[1]}"


def member(name):
    client_id, client_secret = Mastodon.create_app(f"lookbook-{name}", api_base_url=API)
    anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=API)
    token = anonymous.create_account(f"{name}{RUN}", PASSWORD, f"{name}{RUN}@example.com", agreement=True)
    return Mastodon(access_token=token, api_base_url=API), token


def next_push(path, within=30):
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            got = received.get(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if got[0] == path:
            return got[1], got[2]
    raise AssertionError(f"no push to {path} within {within} s")


def check_vapid(token, key, server_key):
    """The token is signed by the key the instance announces, for the push service."""
    assert b64d(key) == b64d(server_key), (key, server_key)
    header, claims, signature = token.split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(key))
    raw = b64d(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(b64d(header))["alg"] == "ES256"
    claims = json.loads(b64d(claims))
    assert claims["aud"] == SINK, claims
    assert time.time() < claims["exp"] <= time.time() + 86400, claims
    assert claims["sub"].startswith(("mailto:", "https:")), claims


step("the server key is announced")
server_key = requests.get(f"{API}/api/v2/instance", timeout=10).json()["configuration"]["vapid"]["public_key"]
assert len(b64d(server_key)) == 65, server_key
ann, ann_token = member("ann")
bob, _ = member("bob")
cat, cat_token = member("cat")
dan, _ = member("dan")
eve, _ = member("eve")
assert b64d(ann.app_verify_credentials().vapid_key) == b64d(server_key)

step("Mastodon.py subscribes (aesgcm) and a like arrives, decrypted by Mastodon.py")
secret, public = ann.push_subscription_generate_keys()
sub = ann.push_subscription_set(f"{SINK}/ann", public, favourite_events=True, mention_events=True)
assert b64d(sub.server_key) == b64d(server_key)
assert sub.alerts["favourite"] is True and sub.policy == "all", sub
assert ann.push_subscription().endpoint == f"{SINK}/ann"
look = ann.status_post("Friday look #ootd")
bob.status_favourite(look.id)
headers, body = next_push("/ann")
assert headers["content-encoding"] == "aesgcm", headers
assert int(headers["ttl"]) > 0, headers
scheme, jwt = headers["authorization"].split(" ", 1)
assert scheme == "WebPush", headers
check_vapid(jwt, headers["crypto-key"].split("p256ecdsa=")[1], server_key)
push = ann.push_subscription_decrypt_push(body, secret, headers["encryption"], headers["crypto-key"])
assert push.notification_type == "favourite", push
assert push.access_token == ann_token, "the push names the token it was subscribed with"
assert f"bob{RUN}" in push.title, push
assert push.body == "Friday look #ootd", push
notification = ann.notifications(types=["favourite"])[0]
assert str(push.notification_id) == str(notification.id), (push, notification)

step("alerts switched off are not pushed; those on are")
ann.push_subscription_update(favourite_events=False, mention_events=True)
other = ann.status_post("Saturday look")
bob.status_favourite(other.id)
bob.status_post(f"@ann{RUN} where is that coat from?")
headers, body = next_push("/ann")
push = ann.push_subscription_decrypt_push(body, secret, headers["encryption"], headers["crypto-key"])
assert push.notification_type == "mention", push

step("a standard (aes128gcm) subscription from a browser; a 500 is retried, sent once")
browser_key = ec.generate_private_key(ec.SECP256R1())
browser_public = browser_key.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
auth = os.urandom(16)
cat_auth = {"Authorization": f"Bearer {cat_token}"}
made = requests.post(
    f"{API}/api/v1/push/subscription",
    headers=cat_auth,
    json={
        "subscription": {
            "endpoint": f"{SINK}/flaky",
            "keys": {"p256dh": b64e(browser_public), "auth": b64e(auth)},
            "standard": True,
        },
        "data": {"alerts": {"mention": True}, "policy": "followed"},
    },
    timeout=10,
)
assert made.status_code == 200, made.text
assert made.json()["standard"] is True and made.json()["policy"] == "followed", made.text
# cat follows bob, so bob's mention passes the policy; dan's does not.
cat.account_follow(bob.me().id)
dan.status_post(f"@cat{RUN} not followed, not pushed")
bob.status_post(f"@cat{RUN} that scarf!")
headers, body = next_push("/flaky")
assert headers["content-encoding"] == "aes128gcm", headers
token_part, key_part = headers["authorization"].removeprefix("vapid ").split(",")
check_vapid(token_part.strip().removeprefix("t="), key_part.strip().removeprefix("k="), server_key)
payload = json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm"))
assert payload["notification_type"] == "mention" and payload["access_token"] == cat_token, payload
assert "that scarf" in payload["body"], payload
time.sleep(3)
assert received.empty(), "a push came that should not have (twice, or past the policy)"
assert answers["/flaky"] == 2, answers

step("a subscription the push service calls gone is deleted")
dan.push_subscription_set(f"{SINK}/gone", dan.push_subscription_generate_keys()[1], follow_events=True)
bob.account_follow(dan.me().id)
deadline = time.time() + 30
while True:
    try:
        dan.push_subscription()
    except MastodonNotFoundError:
        break
    assert time.time() < deadline, "the gone subscription is still there"
    time.sleep(0.3)

step("a push service that hangs does not hold up photos")
eve.push_subscription_set(f"{SINK}/hang", eve.push_subscription_generate_keys()[1], favourite_events=True)
for n in range(6):
    bob.status_favourite(eve.status_post(f"look {n}").id)
started = time.time()
media = eve.media_post(png(800, 600, (90, 40, 30)), mime_type="image/png", synchronous=True)
assert media.url, media
print(f"photo processed in {time.time() - started:.1f} s while pushes hang", flush=True)
# Unsubscribed, the pushes still being retried find nothing to send and end.
eve.push_subscription_delete()

step("bad subscriptions are refused with a reason")
bad = [
    ({}, 400),
    ({"subscription[endpoint]": "ftp://example.com/x", "subscription[keys][p256dh]": b64e(browser_public),
      "subscription[keys][auth]": b64e(auth)}, 422),
    ({"subscription[endpoint]": f"{SINK}/x", "subscription[keys][p256dh]": b64e(b"\x04" + bytes(64)),
      "subscription[keys][auth]": b64e(auth)}, 422),
    ({"subscription[endpoint]": f"{SINK}/x", "subscription[keys][p256dh]": b64e(browser_public),
      "subscription[keys][auth]": b64e(auth), "data[policy]": "friends"}, 422),
]
for form, status in bad:
    answer = requests.post(f"{API}/api/v1/push/subscription", headers=cat_auth, data=form, timeout=10)
    assert answer.status_code == status and answer.json()["error"], (form, answer.status_code, answer.text)
# The refused attempts left cat's subscription as it was.
assert requests.get(f"{API}/api/v1/push/subscription", headers=cat_auth, timeout=10).json()["endpoint"] == f"{SINK}/flaky"

step("unsubscribing ends it")
ann.push_subscription_delete()
try:
    ann.push_subscription()
    raise AssertionError("the subscription is still there")
except MastodonNotFoundError:
    pass

print("web push: ok", flush=True)
