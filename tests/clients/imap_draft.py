"""\\Draft is an ordinary flag: stored and cleared on a received message,
searched with DRAFT / UNDRAFT, seen from a second session, set by another
client at Microsoft, and shown on real drafts (made in Outlook or appended).
Prints the Message-IDs it worked on as JSON for the caller's checks at
Microsoft. Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import imaplib
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

port, tls_port, cert, user, password = sys.argv[1:6]
emulator = os.environ["GRAPHGATE_EMULATOR"]
MARK = "String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name graphgate-draft"


def graph(method, path, body=None):
    """A Graph request as another client (Outlook) would make it."""
    req = urllib.request.Request(
        f"{emulator}/_emulator/tokens",
        data=json.dumps({"upn": user, "scopes": ["Mail.ReadWrite"]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        token = json.load(r)["access_token"]
    req = urllib.request.Request(
        f"{emulator}/v1.0{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def connect(folder):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    typ, data = m.select(f'"{folder}"')
    assert typ == "OK", data
    return m


def fetch(m, uid, items):
    # Unsolicited FETCH updates (NOOP, STORE) would mix into the answer.
    m.untagged_responses.pop("FETCH", None)
    typ, data = m.uid("FETCH", str(uid), items)
    assert typ == "OK", data
    return data


def flags_of(m, uid):
    data = fetch(m, uid, "(FLAGS)")
    text = b" ".join(d for d in data if isinstance(d, bytes))
    found = re.search(rb"FLAGS \(([^)]*)\)", text)
    assert found, data
    # \Recent is this session's, not a flag of the message.
    return set(found.group(1).decode().split()) - {"\\Recent"}


def search(m, *criteria):
    typ, data = m.uid("SEARCH", *criteria)
    assert typ == "OK", data
    return {int(u) for u in data[0].split()}


def store(m, uid, op, flags):
    typ, data = m.uid("STORE", str(uid), op, flags)
    assert typ == "OK", data
    return flags_of(m, uid)


def message_id(m, uid):
    data = fetch(m, uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    header = next(d[1] for d in data if isinstance(d, tuple)).decode()
    return header.split(":", 1)[1].strip()


def append(m, folder, flags, subject):
    mime = (
        f"From: {user}\r\nTo: bob@contoso.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@contoso.test>\r\n\r\nhello\r\n"
    ).encode()
    typ, data = m.append(f'"{folder}"', flags, None, mime)
    assert typ == "OK", data
    return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))


def eventually(what, check, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds}s: {what}")


a = connect("INBOX")
typ, perm = a.response("PERMANENTFLAGS")
assert perm and b"\\Draft" in perm[0], perm

# A received message: \Draft set, searched, seen by a second session.
received = sorted(search(a, "UNDRAFT") - search(a, "DRAFT"))
assert len(received) >= 2, received
uid, other = received[0], received[1]
assert "\\Draft" not in flags_of(a, uid)
assert "\\Draft" in store(a, uid, "+FLAGS", "(\\Draft)")
assert uid in search(a, "DRAFT") and uid not in search(a, "UNDRAFT")
b = connect("INBOX")
assert "\\Draft" in flags_of(b, uid), flags_of(b, uid)
assert uid in search(b, "DRAFT")

# Cleared, and the second session hears it.
assert "\\Draft" not in store(a, uid, "-FLAGS", "(\\Draft)")
b.noop()
assert "\\Draft" not in flags_of(b, uid)
assert uid in search(b, "UNDRAFT") and uid not in search(b, "DRAFT")

# Several flags in one STORE; STORE FLAGS without \Draft clears it.
assert {"\\Draft", "\\Flagged"} <= store(a, uid, "+FLAGS", "(\\Draft \\Flagged)")
assert store(a, uid, "FLAGS", "(\\Seen)") == {"\\Seen"}
stored_mid = message_id(a, uid)

# Another client sets the mark at Microsoft: the next delta round brings it.
other_mid = message_id(a, other)
quoted = urllib.parse.quote(f"internetMessageId eq '{other_mid}'")
found = graph("GET", f"/me/mailFolders/inbox/messages?$filter={quoted}&$select=id")["value"]
assert len(found) == 1, found
graph("PATCH", f"/me/messages/{found[0]['id']}", {"singleValueExtendedProperties": [{"id": MARK, "value": "1"}]})
eventually("\\Draft from Microsoft", lambda: b.noop() and "\\Draft" in flags_of(b, other))
assert other in search(b, "DRAFT")

# A real draft, made in Outlook, shows \Draft; it can be cleared for IMAP.
subject = "a draft from outlook"
graph("POST", "/me/messages", {"subject": subject, "body": {"contentType": "text", "content": "x"},
                               "toRecipients": [{"emailAddress": {"address": "bob@contoso.test"}}]})
d = connect("Drafts")
real = search(d, "SUBJECT", f'"{subject}"')
assert len(real) == 1, real
real = real.pop()
assert "\\Draft" in flags_of(d, real) and real in search(d, "DRAFT")
assert "\\Draft" not in store(d, real, "-FLAGS", "(\\Draft)")
assert real in search(d, "UNDRAFT")
assert "\\Draft" in store(d, real, "+FLAGS", "(\\Draft)")
real_mid = message_id(d, real)

# APPEND with \Draft sets it (in Drafts and elsewhere); without, it does not.
in_drafts = append(d, "Drafts", "(\\Draft)", "appended draft")
d.noop()
assert "\\Draft" in flags_of(d, in_drafts)
drafty = append(a, "INBOX", "(\\Draft \\Seen)", "appended drafty")
plain = append(a, "INBOX", "()", "appended plain")
a.noop()
assert flags_of(a, drafty) == {"\\Draft", "\\Seen"}, flags_of(a, drafty)
assert "\\Draft" not in flags_of(a, plain)

for m in (a, b, d):
    m.logout()
print(json.dumps({"stored": stored_mid, "other": other_mid, "real": real_mid}))
