"""An SMTP server's inbox for the mail tests: aiosmtpd hands it every message, which the
tests read by recipient."""

import email
import email.policy
import re
import threading
import time


class Inbox:
    """What the SMTP server received, by recipient."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [m for _, rcpt, m, _ in self.received if address in rcpt]

    def raw_to(self, address):
        """The mails to `address` as they came over the wire."""
        with self.lock:
            return [raw for _, rcpt, _, raw in self.received if address in rcpt]

    def wait(self, address, count, within=60):
        deadline = time.time() + within
        while time.time() < deadline:
            got = self.to(address)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"{count} mail(s) to {address} expected within {within} s, got {len(self.to(address))}")


def parts(message):
    """The text and HTML parts of a multipart/alternative mail."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link(message, base, path):
    """The one link to `base` + `path` in both parts (the same in each)."""
    text, html = parts(message)
    pattern = re.escape(base + path) + r"\?[a-z_]+=[A-Za-z0-9_-]+"
    in_text = re.findall(pattern, text)
    in_html = re.findall(pattern, html)
    assert in_text and in_html, (text, html)
    assert in_text[0] == in_html[0], (in_text, in_html)
    return in_text[0]
