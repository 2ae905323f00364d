"""Mail end to end: confirmation at sign-up and password reset, read back from a real SMTP
server (aiosmtpd) that this script runs on loopback, with its links followed.

Usage: python3 mail.py BASE_URL SMTP_PORT
The SMTP server is down when the first mail is due and comes up a while later: that mail
still arrives, once. Mastodon.py signs up and asks for the mail again, as an app would.
Prints one line per step and exits non-zero at the first failure.
"""

import os
import re
import sys
import time

import requests
from aiosmtpd.controller import Controller
from mastodon import Mastodon, MastodonAPIError

import smtp_inbox
from smtp_inbox import Inbox, parts

BASE, SMTP_PORT = sys.argv[1].rstrip("/"), int(sys.argv[2])
RUN = os.urandom(4).hex()
PASSWORD = "correct horse battery"


def step(name):
    print(f"step: {name}", flush=True)


def link(message, path):
    return smtp_inbox.link(message, BASE, path)


inbox = Inbox()
smtp = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)

step("sign up with Mastodon.py while the SMTP server is down")
client_id, client_secret = Mastodon.create_app(f"lookbook-mail-{RUN}", api_base_url=BASE)
anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
address = f"ann{RUN}@example.com"
token = anonymous.create_account(f"ann{RUN}", PASSWORD, address, agreement=True)
ann = Mastodon(access_token=token, api_base_url=BASE)
auth = {"Authorization": f"Bearer {token}"}

step("an unconfirmed member is refused with Mastodon's error")
try:
    ann.account_verify_credentials()
    raise AssertionError("an unconfirmed member read their credentials")
except MastodonAPIError as e:
    assert e.args[1] == 403, e.args
    assert "missing a confirmed e-mail address" in str(e.args), e.args
r = requests.get(f"{BASE}/api/v1/emails/check_confirmation", headers=auth)
assert r.status_code == 200 and r.json() is False, (r.status_code, r.text)

step("the SMTP server comes up after the worker failed to reach it; the mail arrives once")
deadline = time.time() + 60
retried = 0
while time.time() < deadline and retried < 1:
    metrics = requests.get(f"{BASE}/metrics").text
    found = re.search(r'^mails_total\{outcome="retried"\} (\d+)', metrics, re.M)
    retried = int(found.group(1)) if found else 0
    time.sleep(0.2)
assert retried >= 1, "the worker never tried the SMTP server while it was down"
time.sleep(2)
smtp.start()
first = inbox.wait(address, 1)[0]
time.sleep(3)
assert len(inbox.to(address)) == 1, f"sent {len(inbox.to(address))} times"
assert "Confirm your e-mail address" in first["Subject"], first["Subject"]
assert address in first["To"], first["To"]
assert first["Message-ID"], "no Message-ID"
first_link = link(first, "/auth/confirmation")
text, html = parts(first)
assert f"@ann{RUN}" in text and "Confirm my address" in html, (text, html)

step("asking again replaces the link; so does correcting the address, for every link")
ann.email_resend_confirmation()
second = inbox.wait(address, 2)[1]
second_link = link(second, "/auth/confirmation")
assert second_link != first_link
r = requests.post(f"{BASE}/auth/password", data={"email": address})
assert r.status_code == 200, r.status_code
early_reset = link(inbox.wait(address, 3)[2], "/auth/password/edit")
assert requests.get(early_reset).status_code == 200, "a fresh reset link does not open"

step("only the app the member signed up with may change the address")
other_id, other_secret = Mastodon.create_app(f"lookbook-other-{RUN}", api_base_url=BASE)
r = requests.post(f"{BASE}/oauth/token", data={
    "grant_type": "password", "client_id": other_id, "client_secret": other_secret,
    "scope": "read write", "username": address, "password": PASSWORD})
assert r.status_code == 200, (r.status_code, r.text)
other = {"Authorization": f"Bearer {r.json()['access_token']}"}
r = requests.post(f"{BASE}/api/v1/emails/confirmations", headers=other, data={"email": f"evil{RUN}@example.com"})
assert r.status_code == 403 and "originally signed-up" in r.json()["error"], (r.status_code, r.text)
corrected = f"ann.b{RUN}@example.com"
r = requests.post(f"{BASE}/api/v1/emails/confirmations", headers=auth, data={"email": "not an address"})
assert r.status_code == 422, (r.status_code, r.text)
r = requests.post(f"{BASE}/api/v1/emails/confirmations", headers=auth, data={"email": corrected})
assert r.status_code == 200 and r.json() == {}, (r.status_code, r.text)
third = inbox.wait(corrected, 1)[0]
third_link = link(third, "/auth/confirmation")
for old in (first_link, second_link, early_reset):
    r = requests.get(old)
    assert r.status_code == 404 and "does not work" in r.text, (old, r.status_code)

step("the link confirms; the member's token works from then on")
r = requests.get(third_link)
assert r.status_code == 200 and "confirmed" in r.text, (r.status_code, r.text)
me = ann.account_verify_credentials()
assert me["username"] == f"ann{RUN}"
r = requests.get(f"{BASE}/api/v1/emails/check_confirmation", headers=auth)
assert r.json() is True, r.text
r = requests.get(third_link)
assert r.status_code == 200, "opening the link twice (a mail scanner first) must still confirm"
r = requests.post(f"{BASE}/api/v1/emails/confirmations", headers=auth)
assert r.status_code == 403 and "awaiting confirmation" in r.json()["error"], (r.status_code, r.text)

step("forgot password: the same answer for any address; one mail, to the member")
r = requests.get(f"{BASE}/auth/password/new")
assert r.status_code == 200 and 'name="email"' in r.text, r.status_code
unknown = f"nobody{RUN}@example.com"
answers = [requests.post(f"{BASE}/auth/password", data={"email": a}) for a in (unknown, corrected.upper())]
assert [a.status_code for a in answers] == [200, 200], [a.status_code for a in answers]
assert answers[0].text == answers[1].text, "the answer tells whether the address is known"
reset = inbox.wait(corrected, 2)[1]
assert "Set a new password" in reset["Subject"], reset["Subject"]
reset_link = link(reset, "/auth/password/edit")
r = requests.post(f"{BASE}/auth/password", data={"email": corrected}, headers={"Origin": "https://evil.example"})
assert r.status_code == 403, r.status_code

step("the link opens a form; a bad password is refused and the link still works")
r = requests.get(reset_link)
assert r.status_code == 200 and 'name="password"' in r.text, (r.status_code, r.text)
token_field = re.search(r'name="reset_password_token" value="([^"]+)"', r.text).group(1)
new_password = "a new and longer secret"
for bad in ({"password": "short", "password_confirmation": "short"},
            {"password": new_password, "password_confirmation": new_password + "!"}):
    r = requests.post(f"{BASE}/auth/password/edit", data={"reset_password_token": token_field, **bad})
    assert r.status_code == 422 and 'class="error"' in r.text, (r.status_code, r.text)

step("setting the password signs every app out; the new one signs in, once")
r = requests.post(f"{BASE}/auth/password/edit", data={
    "reset_password_token": token_field, "password": new_password, "password_confirmation": new_password})
assert r.status_code == 200 and "changed" in r.text, (r.status_code, r.text)
r = requests.get(f"{BASE}/api/v1/accounts/verify_credentials", headers=auth)
assert r.status_code == 401, f"the old token still works: {r.status_code}"
grant = {"grant_type": "password", "client_id": client_id, "client_secret": client_secret,
         "scope": "read", "username": corrected}
r = requests.post(f"{BASE}/oauth/token", data={**grant, "password": PASSWORD})
assert r.status_code in (400, 401), f"the old password still signs in: {r.status_code}"
r = requests.post(f"{BASE}/oauth/token", data={**grant, "password": new_password})
assert r.status_code == 200 and r.json()["access_token"], (r.status_code, r.text)
r = requests.get(reset_link)
assert r.status_code == 404, f"a used link opened the form again: {r.status_code}"
r = requests.post(f"{BASE}/auth/password/edit", data={
    "reset_password_token": token_field, "password": "yet another secret", "password_confirmation": "yet another secret"})
assert r.status_code == 404, f"a used link set a password again: {r.status_code}"

step("nothing was sent twice, and nothing to the unknown address")
# The unknown address was asked for before the member's, whose mail came long ago.
assert inbox.to(unknown) == [], "a mail went to an unknown address"
assert len(inbox.to(address)) == 3 and len(inbox.to(corrected)) == 2, (
    len(inbox.to(address)), len(inbox.to(corrected)))
smtp.stop()
print("mail: ok", flush=True)
