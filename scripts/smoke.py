"""A short journey through a running Lookbook with Mastodon.py, as a new member would take it.

Usage: python3 scripts/smoke.py BASE_URL
Registers an app, signs up, confirms the address with the link the worker mailed (read from
the Maildir the local SMTP server keeps: scripts/maildir.py), posts a
photo, reads it back processed (and its file through /media/), and finds it on the home
timeline. Prints one line per step; exits non-zero at the
first failure. scripts/test runs it against `scripts/up --detach` on a fresh database.
"""

import os
import struct
import sys
import tempfile
import time
import urllib.request
import zlib

from mastodon import Mastodon

import maildir

BASE = sys.argv[1].rstrip("/")
RUN = os.urandom(4).hex()


def step(name):
    print(f"smoke: {name}", flush=True)


def png(width, height, rgb):
    """A solid-colour PNG, written without any imaging library."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = zlib.compress((b"\x00" + bytes(rgb) * width) * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


step("register an app")
client_id, client_secret = Mastodon.create_app("lookbook-smoke", api_base_url=BASE)

step("sign up")
token = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE).create_account(
    f"smoke{RUN}", "correct horse battery", f"smoke{RUN}@example.com", agreement=True
)
me = Mastodon(access_token=token, api_base_url=BASE)

step("confirm the address with the mailed link")
maildir.confirm(BASE, f"smoke{RUN}@example.com")
account = me.account_verify_credentials()
assert account.username == f"smoke{RUN}", account

step("post a photo")
with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
    f.write(png(800, 600, (120, 40, 90)))
    photo = f.name
media = me.media_post(photo, description="Plum coat", synchronous=True)
posted = me.status_post("First look #smoke", media_ids=[media], visibility="public")

step("read it back processed")
deadline = time.monotonic() + 60
while True:
    read = me.status(posted.id)
    attachment = read.media_attachments[0]
    if attachment.url:
        break
    assert time.monotonic() < deadline, f"the photo was not processed within 60 s: {attachment}"
    time.sleep(0.5)
assert attachment.meta.original.width == 800, attachment.meta
assert attachment.description == "Plum coat", attachment
with urllib.request.urlopen(attachment.url, timeout=10) as served:
    assert served.status == 200 and served.headers["Content-Type"] == "image/jpeg", served.headers
    # Web clients load images with `crossorigin`.
    assert served.headers["Access-Control-Allow-Origin"] == "*", served.headers
    assert served.read(2) == b"\xff\xd8", "not a JPEG"

step("read the home timeline")
deadline = time.monotonic() + 30
while posted.id not in [s.id for s in me.timeline_home()]:
    assert time.monotonic() < deadline, "the post never reached its author's home timeline"
    time.sleep(0.5)

step("the worker's metrics tell the mail it sent and what waits")
worker_metrics = os.environ.get("LOOKBOOK_WORKER_METRICS", "http://127.0.0.1:9464/metrics")
with urllib.request.urlopen(worker_metrics) as response:
    text = response.read().decode()
assert 'mails_total{outcome="sent"}' in text, "the worker counts no mail sent"
assert 'task_queue_depth{kind="fan_out"}' in text, "the worker reports no queue depth"

step("ok")
