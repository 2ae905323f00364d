"""Digest mail: a member who has been away gets what they missed, of the types they chose,
once per absence, with a one-click unsubscribe link that works without signing in.

Usage: python3 mail_digest.py BASE_URL SMTP_PORT AWAY_SECONDS DKIM_KEY_FILE
Runs its own SMTP server (aiosmtpd) on loopback; checks each mail's DKIM signature with
dkimpy against the public half of the key the worker signs with. Prints one line per step and exits
non-zero at the first failure.
"""

import os
import re
import sys
import time

import base64

import dkim
import requests
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from mastodon import Mastodon

from smtp_inbox import Inbox, parts

BASE, SMTP_PORT, AWAY = sys.argv[1].rstrip("/"), int(sys.argv[2]), float(sys.argv[3])
with open(sys.argv[4], "rb") as f:
    PUBLIC = serialization.load_pem_private_key(f.read(), password=None).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
RUN = os.urandom(4).hex()
PASSWORD = "correct horse battery"


def step(name):
    print(f"step: {name}", flush=True)


def dns(name, timeout=5):
    """The DKIM record the operator publishes for selector `mail` of localhost."""
    assert name == b"mail._domainkey.localhost.", name
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(PUBLIC)


def signed(raw):
    """Whether dkimpy finds the mail's DKIM signature good, and what it signed."""
    assert raw.startswith(b"DKIM-Signature: "), raw[:80]
    header = raw.split(b"\r\n", 1)[0].decode()
    return dkim.verify(raw, dnsfunc=dns), header


def member(name):
    client_id, client_secret = Mastodon.create_app(f"lookbook-{name}", api_base_url=BASE)
    anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
    address = f"{name}{RUN}@example.com"
    token = anonymous.create_account(f"{name}{RUN}", PASSWORD, address, agreement=True)
    return Mastodon(access_token=token, api_base_url=BASE), token, address


inbox = Inbox()
smtp = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
smtp.start()

step("members; ann wants digests of likes and mentions only")
ann, ann_token, ann_address = member("ann")
bob, _, bob_address = member("bob")
cat, _, _ = member("cat")
ann_auth = {"Authorization": f"Bearer {ann_token}"}
r = requests.get(f"{BASE}/api/lookbook/v1/mail_preferences", headers=ann_auth)
assert r.status_code == 200 and r.json()["digest"] is True and "follow" in r.json()["digest_types"], r.text
r = requests.patch(f"{BASE}/api/lookbook/v1/mail_preferences", headers=ann_auth,
                   data={"digest_types[]": ["favourite", "bogus"]})
assert r.status_code == 422 and "bogus" in r.json()["error"], (r.status_code, r.text)
r = requests.patch(f"{BASE}/api/lookbook/v1/mail_preferences", headers=ann_auth,
                   data={"digest_types[]": ["favourite", "mention"]})
assert r.status_code == 200 and r.json()["digest_types"] == ["favourite", "mention"], r.text
coat = ann.status_post("Linen coat, second-hand boots")

step("while ann is away, bob and cat like her post, bob follows and mentions her")
bob.status_favourite(coat["id"])
cat.status_favourite(coat["id"])
bob.account_follow(ann.me()["id"])
bob.status_post(f"@ann{RUN} where is the coat from?")

step("one digest arrives, of the chosen types, with a one-click unsubscribe link")
digest = inbox.wait(ann_address, 1, within=AWAY + 60)[0]
text, html = parts(digest)
assert "3 new notifications" in digest["Subject"], digest["Subject"]
assert "and 1 other liked your post: “Linen coat, second-hand boots”" in text, text
assert "mentioned you" in text and "followed you" not in text, text
assert "liked your post" in html, html
unsubscribe = re.fullmatch(r"<(\S+)>", digest["List-Unsubscribe"]).group(1)
assert unsubscribe.startswith(f"{BASE}/mail/unsubscribe?token="), unsubscribe
assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", digest["List-Unsubscribe-Post"]
assert unsubscribe in text and unsubscribe.replace("&", "&amp;") in html
good, header = signed(inbox.raw_to(ann_address)[0])
assert good, f"the DKIM signature does not verify: {header}"
assert "list-unsubscribe:list-unsubscribe-post" in header and "d=localhost" in header, header
tampered = inbox.raw_to(ann_address)[0].replace(b"/mail/unsubscribe?token=", b"/mail/unsubscribe?token=x", 1)
assert not dkim.verify(tampered, dnsfunc=dns), "a changed unsubscribe link still verifies"
time.sleep(AWAY + 2)
assert len(inbox.to(ann_address)) == 1, "a second digest with nothing new"
assert inbox.to(bob_address) == [], "bob got a digest of nothing"

step("news after the digest makes the next one, of that news only")
hat = ann.status_post("Wide-brim hat")
bob.status_favourite(hat["id"])
second = inbox.wait(ann_address, 2, within=AWAY + 60)[1]
text, _ = parts(second)
assert "1 new notification" in second["Subject"], second["Subject"]
assert "liked your post: “Wide-brim hat”" in text and "Linen coat" not in text, text

step("opening the link asks; one click (no sign-in) turns digests off")
r = requests.get(unsubscribe)
assert r.status_code == 200 and "<form" in r.text, (r.status_code, r.text)
assert requests.get(f"{BASE}/api/lookbook/v1/mail_preferences", headers=ann_auth).json()["digest"] is True
r = requests.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
assert r.status_code == 200, (r.status_code, r.text)
assert requests.get(f"{BASE}/api/lookbook/v1/mail_preferences", headers=ann_auth).json()["digest"] is False
r = requests.post(f"{BASE}/mail/unsubscribe?token=not-a-token", data={"List-Unsubscribe": "One-Click"})
assert r.status_code == 404, r.status_code
bob.status_post(f"@ann{RUN} still there?")
time.sleep(AWAY + 2)
assert len(inbox.to(ann_address)) == 2, "a digest after unsubscribing"

smtp.stop()
print("mail digest: ok", flush=True)
