#!/usr/bin/env python3
"""OAuth sign-in (XOAUTH2, OAUTHBEARER) with Python's own clients.

imaplib, smtplib and poplib log in with a token the tenant issued for the
gateway's API; refused tokens get the RFC 7628 error challenge, which the
client answers before the final NO / 535 / -ERR.

Arguments: IMAP port, IMAPS port, SMTP port, POP3 port, CA certificate,
user, a valid token, and a JSON object of refused tokens by name. Prints
one JSON object of what each client saw, then OK."""

import base64
import imaplib
import json
import poplib
import smtplib
import socket
import ssl
import sys

(imap_port, imaps_port, smtp_port, pop3_port, cafile, user, token,
 refused_json) = sys.argv[1:9]
refused = json.loads(refused_json)
HOST = "127.0.0.1"


def xoauth2(user, token):
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user, token, port):
    authz = user.replace("=", "=3D").replace(",", "=2C")
    return (f"n,a={authz},\x01host={HOST}\x01port={port}\x01"
            f"auth=Bearer {token}\x01\x01").encode()


def b64(raw):
    return base64.b64encode(raw).decode()


def challenge_json(line):
    """The JSON of a '+ <base64>' or '334 <base64>' line."""
    return json.loads(base64.b64decode(line.split(" ", 1)[1]))


seen = {}

# IMAP: capabilities, XOAUTH2 after the continuation (imaplib's way).
m = imaplib.IMAP4(HOST, int(imap_port))
caps = m.capabilities
assert "AUTH=XOAUTH2" in caps and "AUTH=OAUTHBEARER" in caps, caps
typ, data = m.authenticate("XOAUTH2", lambda _: xoauth2(user, token))
assert typ == "OK", (typ, data)
typ, data = m.select("INBOX")
assert typ == "OK", data
seen["imap_xoauth2_exists"] = int(data[0])
m.logout()

# IMAPS: OAUTHBEARER without an authorization identity.
ctx = ssl.create_default_context(cafile=cafile)
m = imaplib.IMAP4_SSL(HOST, int(imaps_port), ssl_context=ctx)
typ, _ = m.authenticate(
    "OAUTHBEARER", lambda _: f"n,,\x01auth=Bearer {token}\x01\x01".encode())
assert typ == "OK"
m.logout()


def raw_imap(lines):
    """Send lines one by one on a fresh connection; the server's answers."""
    s = socket.create_connection((HOST, int(imap_port)), timeout=30)
    f = s.makefile("rb")
    answers = [f.readline().decode().rstrip("\r\n")]
    for line in lines:
        s.sendall(line.encode() + b"\r\n")
        while True:
            try:
                got = f.readline().decode().rstrip("\r\n")
            except TimeoutError:
                raise SystemExit(f"no answer to {line[:40]!r} after {answers}")
            answers.append(got)
            if got.startswith("+") or got.startswith("A1 ") or not got:
                break
    s.close()
    return answers


# SASL-IR: the whole OAUTHBEARER message on the command line.
answers = raw_imap([f"A1 AUTHENTICATE OAUTHBEARER {b64(oauthbearer(user, token, imap_port))}"])
assert answers[-1].startswith("A1 OK"), answers

# Each refused token: the error challenge, ^A, then NO [AUTHENTICATIONFAILED].
for name, bad in refused.items():
    answers = raw_imap([
        f"A1 AUTHENTICATE OAUTHBEARER {b64(oauthbearer(user, bad, imap_port))}",
        "AQ==",
    ])
    assert answers[1].startswith("+ "), (name, answers)
    err = challenge_json(answers[1])
    assert err["status"] in ("invalid_token", "insufficient_scope"), (name, err)
    assert err["scope"].endswith("/Mail.Gateway"), err
    assert "openid-configuration" in err, err
    assert answers[2].startswith("A1 NO [AUTHENTICATIONFAILED]"), (name, answers)
    seen[f"imap_refused_{name}"] = answers[2]

# XOAUTH2's error is Google's: an HTTP status and "schemes"; imaplib
# answers the challenge with an empty line.
bad = next(iter(refused.values()))
m = imaplib.IMAP4(HOST, int(imap_port))
calls = []


def xo_bad(challenge):
    calls.append(challenge)
    return xoauth2(user, bad) if len(calls) == 1 else b""


try:
    m.authenticate("XOAUTH2", xo_bad)
    raise SystemExit("a refused XOAUTH2 token logged in")
except imaplib.IMAP4.error as e:
    seen["imap_xoauth2_refused"] = str(e)
err = json.loads(calls[1])
assert err["status"] == "401" and err["schemes"] == "bearer", err
m.logout()

# A malformed message (no final ^A) is refused the same way, as
# invalid_request; `*` cancels with BAD.
answers = raw_imap([f"A1 AUTHENTICATE OAUTHBEARER {b64(b'n,,' + bytes([1]) + b'auth=Bearer x')}", "AQ=="])
assert challenge_json(answers[1])["status"] == "invalid_request", answers
assert answers[2].startswith("A1 NO"), answers
answers = raw_imap(["A1 AUTHENTICATE XOAUTH2", "*"])
assert answers[1] == "+ " and answers[2].startswith("A1 BAD"), answers

# SMTP: smtplib sends the initial response on the AUTH line.
s = smtplib.SMTP(HOST, int(smtp_port), timeout=30)
s.ehlo()
assert "OAUTHBEARER" in s.esmtp_features["auth"] and "XOAUTH2" in s.esmtp_features["auth"]
code, _ = s.auth("XOAUTH2", lambda challenge=None: xoauth2(user, token).decode())
assert code == 235, code
msg = (f"From: {user}\r\nTo: {user}\r\nSubject: sent with an OAuth token\r\n\r\n"
       "hello\r\n")
s.sendmail(user, [user], msg)
s.quit()
seen["smtp_sent"] = True

s = smtplib.SMTP(HOST, int(smtp_port), timeout=30)
s.ehlo()
smtp_calls = []


def smtp_bad(challenge=None):
    smtp_calls.append(challenge)
    return oauthbearer(user, bad, smtp_port).decode() if challenge is None else "\x01"


try:
    s.auth("OAUTHBEARER", smtp_bad)
    raise SystemExit("a refused token was accepted over SMTP")
except smtplib.SMTPAuthenticationError as e:
    assert e.smtp_code == 535, e
    seen["smtp_refused"] = e.smtp_error.decode()
assert json.loads(smtp_calls[1])["status"] == "invalid_token", smtp_calls
s.quit()

# POP3: the two-step form (a token never fits RFC 5034's 255 octets).
p = poplib.POP3(HOST, int(pop3_port), timeout=30)
capa = p.capa()
assert "OAUTHBEARER" in capa["SASL"] and "XOAUTH2" in capa["SASL"], capa
assert p._shortcmd("AUTH XOAUTH2").startswith(b"+")
ok = p._shortcmd(b64(xoauth2(user, token)))
assert ok.startswith(b"+OK"), ok
count, _size = p.stat()
seen["pop3_messages"] = count
p.quit()

p = poplib.POP3(HOST, int(pop3_port), timeout=30)
assert p._shortcmd("AUTH OAUTHBEARER").startswith(b"+")
challenge = p._shortcmd(b64(oauthbearer(user, bad, pop3_port)))
assert challenge.startswith(b"+ "), challenge
assert challenge_json(challenge.decode())["status"] == "invalid_token"
try:
    p._shortcmd("AQ==")
    raise SystemExit("a refused token was accepted over POP3")
except poplib.error_proto as e:
    seen["pop3_refused"] = e.args[0].decode()
    assert seen["pop3_refused"].startswith("-ERR [AUTH]"), seen
p.quit()

print(json.dumps(seen))
print("OK")
