"""The rest of the command set with imaplib: STARTTLS and AUTHENTICATE
PLAIN, ID, ENABLE, NAMESPACE, LIST-STATUS and SPECIAL-USE, LSUB and
(UN)SUBSCRIBE, RENAME, STATUS, EXAMINE, CHECK, UNSELECT, CLOSE, every FETCH
section form, BODY[] setting \\Seen, \\Answered, UID EXPUNGE, SEARCH keys.
Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import base64
import imaplib
import re
import ssl
import sys

port, tls_port, cert, user, password = sys.argv[1:6]
# imaplib knows RFC 3501 only; teach it the extension commands used here.
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("ENABLE", ("AUTH",))
imaplib.Commands.setdefault("UNSELECT", ("SELECTED",))


def ok(result, what):
    typ, data = result
    assert typ == "OK", f"{what}: {typ} {data}"
    return data


def cmd(m, *args):
    return m._simple_command(*args)


ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
m = imaplib.IMAP4("127.0.0.1", int(port))
ok(m.starttls(ssl_context=ctx), "starttls")
ok(m.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode()), "authenticate plain")

typ, data = cmd(m, "ID", '("name" "imaplib-test")')
assert typ == "OK", data
assert any(b"graphgate" in (d or b"") for d in m.untagged_responses.pop("ID", [])), "ID names graphgate"
typ, data = cmd(m, "ENABLE", "UTF8=ACCEPT")
assert typ == "OK" and m.untagged_responses.pop("ENABLED", []) == [b"UTF8=ACCEPT"], data
typ, data = m.namespace()
assert typ == "OK" and b'"Shared/"' in data[0], data

# LIST RETURN (SPECIAL-USE STATUS (...)) answers STATUS for every folder
typ, data = cmd(m, "LIST", '""', '"*"', "RETURN", "(SPECIAL-USE STATUS (MESSAGES UNSEEN UIDNEXT))")
assert typ == "OK", data
statuses = m.untagged_responses.pop("STATUS", [])
assert any(b"INBOX" in s for s in statuses), statuses
lists = m.untagged_responses.pop("LIST", [])
assert any(b"\\Sent" in l for l in lists), lists
typ, data = cmd(m, "LIST", "(SPECIAL-USE)", '""', '"*"')
specials = m.untagged_responses.pop("LIST", [])
assert specials and all(re.search(rb"\\(Sent|Drafts|Trash|Junk|Archive)", l) for l in specials), specials

# CREATE, SUBSCRIBE/LSUB, RENAME, STATUS
ok(m.create("Clients/Acme"), "create with parent")
ok(m.unsubscribe("Clients/Acme"), "unsubscribe")
typ, data = m.lsub('""', "*")
assert not any(b"Clients/Acme" in d for d in data), data
ok(m.subscribe("Clients/Acme"), "subscribe")
typ, data = m.lsub('""', "Clients/*")
assert any(b"Clients/Acme" in d for d in data), data
ok(m.rename("Clients/Acme", "\"Clients/Acme Corp\""), "rename")
typ, data = m.status('"Clients/Acme Corp"', "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
assert typ == "OK" and b"MESSAGES 0" in data[0], data
typ, data = m.status("Clients/Acme", "(MESSAGES)")
assert typ == "NO", data
typ, data = m.select('"Nowhere/At all"')
assert typ == "NO" and b"NONEXISTENT" in data[0], data

# EXAMINE is read-only; CHECK; UNSELECT
typ, data = m.select("INBOX", readonly=True)
assert typ == "OK", data
typ, data = cmd(m, "STORE", "1", "+FLAGS", "(\\Flagged)")
assert typ == "NO", data
ok(cmd(m, "CHECK"), "check")
ok(cmd(m, "UNSELECT"), "unselect")

# FETCH section forms, on a message of known shape
mime = (
    b"From: Zoe <zoe@example.test>\r\nTo: " + user.encode() + b"\r\nSubject: sections\r\n"
    b"Message-ID: <sections@example.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nfirst part\r\n"
    b"--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(b"\x00\x01binary") + b"\r\n--b1--\r\n"
)
typ, data = m.append("INBOX", None, None, mime)
uid = re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1).decode()
ok(m.select("INBOX"), "select")
typ, data = m.uid("FETCH", uid, "(FLAGS)")
assert b"\\Seen" not in data[0], data
typ, data = m.uid("FETCH", uid, "(BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[HEADER.FIELDS.NOT (TO FROM)] BODY.PEEK[TEXT]<2.5> RFC822.HEADER)")
parts = {}
for item in data:
    if isinstance(item, tuple):
        parts[item[0].split(b" ")[-2] if False else len(parts)] = item[1]
values = [item[1] for item in data if isinstance(item, tuple)]
assert b"first part" in values[0], values
assert b"Content-Type: text/plain" in values[1], values
assert b"Subject: sections" in values[2] and b"From:" not in values[2], values
assert len(values[3]) == 5, values
assert values[4].endswith(b"\r\n\r\n"), values
typ, data = m.uid("FETCH", uid, "(RFC822.TEXT)")
assert b"--b1" in data[0][1], data
typ, data = m.uid("FETCH", uid, "(FLAGS)")
assert b"\\Seen" in data[0], "RFC822.TEXT sets \\Seen"
typ, data = m.uid("FETCH", uid, "(BODYSTRUCTURE)")
assert b'("TEXT" "PLAIN"' in data[0].upper() and b"MIXED" in data[0].upper(), data

# \\Answered is Exchange's last verb; keywords survive
ok(m.uid("STORE", uid, "+FLAGS", "(\\Answered)"), "answered")
typ, data = m.uid("SEARCH", None, "ANSWERED")
assert uid in data[0].decode().split(), data

# SEARCH keys, exactly
checks = {
    'SUBJECT "sections"': True,
    "FROM zoe@example.test": True,
    "TO " + user: True,
    'BODY "first part"': True,
    'TEXT "first part"': True,
    "LARGER 10": True,
    "SMALLER 10": False,
    "SEEN ANSWERED": True,
    "NOT SEEN": False,
    'OR SUBJECT "nothing-like-this" SUBJECT "sections"': True,
    "UID " + uid: True,
    "SINCE 1-Jan-2000": True,
    "BEFORE 1-Jan-2000": False,
    'HEADER Message-ID "sections@example.test"': True,
    "DELETED": False,
}
for key, expected in checks.items():
    # (UTF8=ACCEPT is on: SEARCH takes no CHARSET, RFC 6855 section 3.)
    typ, data = m.uid("SEARCH", key)
    assert typ == "OK", (key, data)
    assert (uid in data[0].decode().split()) == expected, (key, data)

# UID EXPUNGE removes only the given message
typ, data = m.uid("SEARCH", None, "ALL")
all_uids = data[0].split()
other = all_uids[0].decode()
ok(m.uid("STORE", f"{other},{uid}", "+FLAGS.SILENT", "(\\Deleted)"), "mark two")
typ, data = cmd(m, "UID", "EXPUNGE", uid)
assert typ == "OK", data
typ, data = m.uid("SEARCH", None, "DELETED")
assert data[0].split() == [other.encode()], data
ok(m.uid("STORE", other, "-FLAGS.SILENT", "(\\Deleted)"), "unmark")
# CLOSE expunges silently what is marked
ok(m.close(), "close")
ok(m.select("INBOX"), "select again")
typ, data = m.uid("SEARCH", None, "UID " + uid)
assert data[0] == b"", data
ok(m.delete('"Clients/Acme Corp"'), "delete child")
ok(m.delete("Clients"), "delete parent")
m.logout()
print("OK")
