"""Runs schemathesis, with every check, against a running Lookbook instance.

Usage: python3 scripts/conformance.py INSTANCE_URL [SCHEMATHESIS_RUN_OPTIONS...]
Signs a member up for a token (so operations that need one are exercised; the address is
confirmed through the mailed link, scripts/maildir.py), then tests every
operation of INSTANCE_URL/api/openapi.json as schemathesis.toml says. Exits non-zero on any
failure. scripts/test runs it against the smoke run's first instance.
"""

import os
import subprocess
import sys

import requests

import maildir

BASE = sys.argv[1].rstrip("/")
RUN = os.urandom(4).hex()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

app = requests.post(
    f"{BASE}/api/v1/apps",
    data={"client_name": "conformance", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow push"},
    timeout=10,
).json()
app_token = requests.post(
    f"{BASE}/oauth/token",
    data={
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "scope": "read write follow push",
    },
    timeout=10,
).json()["access_token"]
member = requests.post(
    f"{BASE}/api/v1/accounts",
    headers={"Authorization": f"Bearer {app_token}"},
    data={
        "username": f"conformance{RUN}",
        "email": f"conformance{RUN}@example.com",
        "password": "correct horse battery",
        "agreement": "true",
        "locale": "en",
    },
    timeout=10,
)
member.raise_for_status()
token = member.json()["access_token"]
# A new member's token works once the address is confirmed (when the instance asks for it).
confirmed = requests.get(
    f"{BASE}/api/v1/emails/check_confirmation", headers={"Authorization": f"Bearer {token}"}, timeout=10
).json()
if confirmed is not True:
    maildir.confirm(BASE, f"conformance{RUN}@example.com")

result = subprocess.run(
    [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", os.path.join(REPO, "schemathesis.toml"),
        "--no-color",
        "run", f"{BASE}/api/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        *sys.argv[2:],
    ],
    check=False,
)
sys.exit(result.returncode)
