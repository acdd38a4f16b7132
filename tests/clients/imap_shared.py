"""Shared mailboxes as policy allows: bob may only read sales@, carol may not
see it at all. Arguments: IMAP port, IMAPS port, certificate, then
bob's login, carol's login, the password."""

import imaplib
import sys

port, tls_port, cert, bob, carol, password = sys.argv[1:7]
box = '"Shared/sales@contoso.test/INBOX"'

b = imaplib.IMAP4("127.0.0.1", int(port))
b.login(bob, password)
try:
    b.select(box)
    raise AssertionError("SELECT of a read-only grant must answer [READ-ONLY]")
except imaplib.IMAP4.readonly:
    pass
b.shutdown()
b = imaplib.IMAP4("127.0.0.1", int(port))
b.login(bob, password)
typ, data = b.select(box, readonly=True)
assert typ == "OK", data
typ, data = b._simple_command("STORE", "1", "+FLAGS", "(\\Flagged)")
assert typ == "NO", ("bob changed flags in a mailbox he may only read", typ, data)
try:
    typ, data = b.append(box, None, None, b"Subject: x\r\n\r\nx\r\n")
    assert typ != "OK", "bob appended to a mailbox he may only read"
except imaplib.IMAP4.error as e:
    assert "NOPERM" in str(e).upper(), e
typ, data = b.fetch("1", "(BODY.PEEK[HEADER])")
assert typ == "OK" and data[0] is not None, data
b.logout()

c = imaplib.IMAP4("127.0.0.1", int(port))
c.login(carol, password)
typ, data = c.list()
assert not any(b"Shared" in line for line in data), data
typ, data = c.select(box)
assert typ == "NO" and b"NOPERM" in data[0], ("carol selected sales@", typ, data)
typ, data = c.status(box, "(MESSAGES)")
assert typ == "NO", data
c.logout()
print("OK")
