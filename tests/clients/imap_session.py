"""A day in the life of an IMAP client, with Python's imaplib against
graphgate: log in, list, select, fetch every kind of item, flag, append
with flags and date, copy and move with COPYUID, expunge, search, and IMAPS.
Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import imaplib
import re
import ssl
import sys
import time

port, tls_port, cert, user, password = sys.argv[1:6]


def ok(result, what):
    typ, data = result
    assert typ == "OK", f"{what}: {typ} {data}"
    return data


m = imaplib.IMAP4("127.0.0.1", int(port))
caps = m.capabilities
for cap in ("IMAP4REV1", "IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE", "NAMESPACE", "LITERAL+"):
    assert cap in caps, f"capability {cap} missing: {caps}"
try:
    m.login(user, "wrong-password")
    raise AssertionError("a wrong password was accepted")
except imaplib.IMAP4.error as e:
    assert "AUTHENTICATIONFAILED" in str(e), e
ok(m.login(user, password), "login")

# LIST: INBOX, special-use folders, the shared namespace
lines = [l.decode() for l in ok(m.list(), "list")]
names = {}
for line in lines:
    mt = re.match(r'\((.*?)\) "(.*?)" (.*)$', line)
    assert mt, line
    names[mt.group(3).strip('"')] = mt.group(1)
assert "INBOX" in names, names
own = {n: a for n, a in names.items() if not n.startswith("Shared")}
sent = [n for n, a in own.items() if "\\Sent" in a]
trash = [n for n, a in own.items() if "\\Trash" in a]
assert sent == ["Sent Items"], names
assert trash == ["Deleted Items"], names
assert "INBOX/Projects" in names, names
assert "Shared/sales@contoso.test/INBOX" in names, names
assert "\\Noselect" in names["Shared"], names

# SELECT and FETCH everything
data = ok(m.select("INBOX"), "select")
exists = int(data[0])
assert exists > 0
typ, data = m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
assert typ == "OK", data
fetched = [d for d in data if isinstance(d, tuple)]
assert len(fetched) == exists, (len(fetched), exists)
first = fetched[0][0].decode()
size = int(re.search(r"RFC822\.SIZE (\d+)", first).group(1))
assert "ENVELOPE (" in first and "BODYSTRUCTURE (" in first, first
typ, data = m.fetch("1", "(BODY.PEEK[])")
body = data[0][1]
assert len(body) == size, f"RFC822.SIZE {size} != BODY[] {len(body)}"
typ, data = m.fetch("1", "(BODY.PEEK[TEXT]<0.10> BODY.PEEK[1.MIME] RFC822.HEADER)")
assert typ == "OK", data

# STORE
typ, data = m.store("1", "+FLAGS", "(\\Flagged $Forwarded Client_A)")
assert typ == "OK", data
flags = data[0].decode()
assert "\\Flagged" in flags and "$Forwarded" in flags and "Client_A" in flags, flags
typ, data = m.store("1", "-FLAGS.SILENT", "(\\Flagged $Forwarded Client_A)")
assert typ == "OK", data

# APPEND with flags and date keeps every byte
mime = (
    b"From: Zoe <zoe@example.test>\r\nTo: " + user.encode() + b"\r\n"
    b"Subject: appended with care\r\nMessage-ID: <append-1@example.test>\r\n"
    b"X-Custom: kept\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Gr\xc3\xbc\xc3\x9fe aus dem Test.\r\n"
)
date = imaplib.Time2Internaldate(time.mktime((2024, 5, 6, 7, 8, 9, 0, 0, -1)))
typ, data = m.append("INBOX", "(\\Seen \\Flagged)", date, mime)
assert typ == "OK", data
mt = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
assert mt, data
uid = mt.group(2).decode()
m.noop()
typ, data = m.uid("FETCH", uid, "(FLAGS INTERNALDATE BODY.PEEK[])")
assert typ == "OK" and data[0] is not None, data
meta = data[0][0].decode()
assert data[0][1] == mime, "APPENDed message comes back byte-identical"
assert "\\Seen" in meta and "\\Flagged" in meta and "\\Draft" not in meta, meta
assert "06-May-2024" in meta, meta

# SEARCH
typ, data = m.uid("SEARCH", None, 'SUBJECT "appended with care"')
assert data[0].decode().split() == [uid], data
typ, data = m.uid("SEARCH", None, "FLAGGED SEEN HEADER X-Custom kept")
assert uid in data[0].decode().split(), data

# CREATE, COPY with COPYUID, MOVE, EXPUNGE
ok(m.create("\"INBOX/Gateway Test\""), "create")
# imaplib's uid() keeps only untagged FETCH data; the tagged text holds COPYUID.
typ, data = m._simple_command("UID", "COPY", uid, "\"INBOX/Gateway Test\"")
assert typ == "OK" and b"COPYUID" in data[0], data
typ, data = m.uid("MOVE", uid, "\"Deleted Items\"")
assert typ == "OK", data
typ, data = m.uid("SEARCH", None, 'SUBJECT "appended with care"')
assert data[0] == b"", f"moved message left INBOX: {data}"
ok(m.select("\"INBOX/Gateway Test\""), "select new folder")
typ, data = m.search(None, "ALL")
assert data[0].split() == [b"1"], data
typ, data = m.store("1", "+FLAGS", "(\\Deleted)")
typ, data = m.expunge()
assert typ == "OK" and data[0] == b"1", data
typ, data = m.search(None, "ALL")
assert data[0] == b"", data
ok(m.select("INBOX"), "back to INBOX")
ok(m.delete("\"INBOX/Gateway Test\""), "delete folder")
assert m.logout()[0] == "BYE"

# IMAPS with the gateway's certificate
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
s = imaplib.IMAP4_SSL("127.0.0.1", int(tls_port), ssl_context=ctx)
ok(s.login(user, password), "login over TLS")
ok(s.select("Shared/sales@contoso.test/INBOX", readonly=True), "examine shared")
s.logout()
print("OK")
