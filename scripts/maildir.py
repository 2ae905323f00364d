"""Reads the mail the local SMTP server keeps (a Maildir; scripts/services runs aiosmtpd that
way) and follows a member's confirmation link, as they would from their inbox.

LOOKBOOK_MAILDIR names the Maildir (default: .run/mail of this checkout).
"""

import email
import email.policy
import mailbox
import os
import re
import time
import urllib.request

MAILDIR = os.environ.get(
    "LOOKBOOK_MAILDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".run", "mail")
)
LINK = re.compile(r"https?://\S+?(/auth/confirmation\?confirmation_token=[\w-]+)")


def confirmation_path(address, within=60):
    """The path of the newest confirmation link mailed to `address`, waiting up to `within` s."""
    deadline = time.time() + within
    while time.time() < deadline:
        found = None
        if os.path.isdir(MAILDIR):
            for message in mailbox.Maildir(MAILDIR, factory=None):
                parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
                if address in str(parsed["To"]):
                    match = LINK.search(parsed.get_body(("plain",)).get_content())
                    if match:
                        found = match.group(1)
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no confirmation mail to {address} in {MAILDIR} within {within} s")


def confirm(base, address):
    """Opens the confirmation link mailed to `address` on `base` (the link names the public
    URL; `base` reaches the same system)."""
    with urllib.request.urlopen(base.rstrip("/") + confirmation_path(address)) as response:
        assert response.status == 200, response.status
