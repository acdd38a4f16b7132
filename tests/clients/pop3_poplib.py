"""POP3 against graphgate with Python's poplib (the exact grammar), checked
against the same mailbox over IMAP (imaplib):

- CAPA before and after STLS; USER/PASS, AUTH PLAIN and AUTH LOGIN; a wrong
  password refused with [AUTH];
- STAT, LIST, UIDL and RETR agree with IMAP (UIDL = UIDVALIDITY + UID, the
  same in the next session), TOP gives the header and n lines;
- DELE then a dropped connection deletes nothing; DELE, RSET, DELE, QUIT
  moves the message to Deleted Items;
- a message removed over IMAP while a POP3 session is open answers RETR
  with a clear -ERR, and the session goes on;
- POP3S (implicit TLS);
- a read-only maildrop (bob's, sales@'s Inbox) refuses DELE and still reads.

Arguments: POP3 port, POP3S port, IMAP port, certificate, password.
Prints OK at the end; any failure raises.
"""

import base64
import imaplib
import poplib
import re
import socket
import ssl
import sys

pop3_port, pop3s_port, imap_port = (int(a) for a in sys.argv[1:4])
cert, pw = sys.argv[4], sys.argv[5]
ALICE, BOB = "alice@contoso.test", "bob@contoso.test"
ctx = ssl.create_default_context(cafile=cert)


def pop(user=ALICE):
    p = poplib.POP3("127.0.0.1", pop3_port, timeout=60)
    p.stls(ctx)
    p.user(user)
    p.pass_(pw)
    return p


def imap():
    m = imaplib.IMAP4("127.0.0.1", imap_port)
    m.starttls(ctx)
    m.login(ALICE, pw)
    return m


def uidl_map(p):
    _, lines, _ = p.uidl()
    out = {}
    for line in lines:
        n, uid = line.decode().split()
        out[int(n)] = uid
    return out


def deliver(m, subject):
    msg = f"From: a@example.test\r\nTo: {ALICE}\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n.leading dot\r\n"
    typ, _ = m.append("INBOX", None, None, msg.encode())
    assert typ == "OK"


# CAPA: on loopback, logins are offered before TLS too; STLS is offered.
p = poplib.POP3("127.0.0.1", pop3_port, timeout=60)
caps = p.capa()
for cap in ("TOP", "UIDL", "USER", "SASL", "STLS", "RESP-CODES", "PIPELINING"):
    assert cap in caps, caps
assert caps["SASL"] == ["PLAIN", "LOGIN"], caps
p.stls(ctx)
caps = p.capa()
assert "STLS" not in caps and "USER" in caps, caps
try:
    p.user(ALICE)
    p.pass_("wrong-password")
    raise AssertionError("a wrong password was accepted")
except poplib.error_proto as e:
    assert b"[AUTH]" in e.args[0], e
p.quit()

# Two fresh messages, so DELE has something of its own to remove.
m = imap()
for s in ("pop-one", "pop-two"):
    deliver(m, s)
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "ALL")
imap_uids = [int(x) for x in data[0].split()]
typ, data = m.status("INBOX", "(UIDVALIDITY)")
uidvalidity = int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))

p = pop()
count, total = p.stat()
assert count == len(imap_uids), (count, imap_uids)
_, listing, _ = p.list()
sizes = {int(l.split()[0]): int(l.split()[1]) for l in listing}
assert sum(sizes.values()) == total and len(sizes) == count
ids = uidl_map(p)
assert [ids[n] for n in sorted(ids)] == [f"{uidvalidity:08x}{u:08x}" for u in imap_uids], ids
assert all(0 < len(v) <= 70 and all(0x21 <= ord(c) <= 0x7E for c in v) for v in ids.values())
# RETR of pop-two: IMAP's BODY[] of the same UID, dot-unstuffed.
typ, data = m.uid("SEARCH", None, 'SUBJECT "pop-two"')
two = int(data[0].split()[-1])
n = imap_uids.index(two) + 1
_, lines, octets = p.retr(n)
typ, data = m.uid("FETCH", str(two), "(BODY.PEEK[])")
body = data[0][1]
assert b"\r\n".join(lines) + b"\r\n" == body, (lines, body)
assert b".leading dot" in lines, lines
one = p.list(n).split()
assert one[1:] == [str(n).encode(), str(len(body)).encode()], (one, len(body))
_, top_lines, _ = p.top(n, 0)
assert b"Subject: pop-two" in top_lines and top_lines[-1] == b"", top_lines
assert b"body of pop-two" not in top_lines

# DELE and a dropped connection: nothing is deleted.
p.dele(n)
p.sock.close()
p = pop()
assert p.stat()[0] == count, "a dropped connection deleted nothing"
assert uidl_map(p) == ids, "UIDL is the same in the next session"
# DELE, RSET, DELE again, QUIT: to Deleted Items.
p.dele(n)
assert p.stat()[0] == count - 1
try:
    p.retr(n)
    raise AssertionError("RETR of a deleted message")
except poplib.error_proto:
    pass
p.rset()
assert p.stat()[0] == count
p.dele(n)
resp = p.quit()
assert resp.startswith(b"+OK") and b"1 message deleted" in resp, resp
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "ALL")
assert two not in [int(x) for x in data[0].split()], "gone from the Inbox"
m.select('"Deleted Items"')
typ, data = m.search(None, 'SUBJECT "pop-two"')
assert data[0].split(), "moved to Deleted Items"

# Removed over IMAP during a POP3 session: RETR says so, the session goes on.
p = pop()
count = p.stat()[0]
m.select("INBOX")
typ, data = m.uid("SEARCH", None, 'SUBJECT "pop-one"')
victim = int(data[0].split()[-1])
ids = uidl_map(p)
n = [k for k, v in ids.items() if v.endswith(f"{victim:08x}")][0]
m.uid("STORE", str(victim), "+FLAGS.SILENT", r"(\Deleted)")
m.expunge()
try:
    p.retr(n)
    raise AssertionError("RETR of a message removed elsewhere")
except poplib.error_proto as e:
    assert b"removed from the mailbox by another client" in e.args[0], e
assert p.stat()[0] == count, "message numbers stay fixed for the session"
p.noop()
p.quit()

# AUTH PLAIN (initial response) and AUTH LOGIN (two steps), raw.
for mech in ("PLAIN", "LOGIN"):
    s = socket.create_connection(("127.0.0.1", pop3_port), timeout=30)
    f = s.makefile("rwb")
    assert f.readline().startswith(b"+OK")
    if mech == "PLAIN":
        blob = base64.b64encode(f"\0{ALICE}\0{pw}".encode()).decode()
        f.write(f"AUTH PLAIN {blob}\r\n".encode())
    else:
        f.write(b"AUTH LOGIN\r\n")
        f.flush()
        assert f.readline().startswith(b"+ VXNlcm5hbWU6")
        f.write(base64.b64encode(ALICE.encode()) + b"\r\n")
        f.flush()
        assert f.readline().startswith(b"+ UGFzc3dvcmQ6")
        f.write(base64.b64encode(pw.encode()) + b"\r\n")
    f.flush()
    answer = f.readline()
    assert answer.startswith(b"+OK"), (mech, answer)
    f.write(b"STAT\r\nQUIT\r\n")
    f.flush()
    assert f.readline().startswith(b"+OK ")
    assert f.readline().startswith(b"+OK")
    s.close()

# POP3S.
p = poplib.POP3_SSL("127.0.0.1", pop3s_port, context=ctx, timeout=60)
p.user(ALICE)
p.pass_(pw)
assert p.stat()[0] >= 1
p.quit()

# bob's maildrop is sales@'s Inbox, which he may only read.
p = pop(BOB)
count = p.stat()[0]
assert count >= 1, count
p.retr(1)
try:
    p.dele(1)
    raise AssertionError("DELE on a read-only maildrop")
except poplib.error_proto as e:
    assert b"may only read" in e.args[0], e
assert p.stat()[0] == count
p.quit()
m.logout()
print("OK")
