"""ACL (RFC 4314) through imaplib, as a client library uses it: the ACL
and RIGHTS= capabilities, MYRIGHTS and GETACL on one's own INBOX and on a
shared mailbox with a write grant (the first user) and a read grant (the
second), LISTRIGHTS, and SETACL/DELETEACL refused with NO.
Arguments: IMAP port, IMAPS port, certificate file, writer, reader,
password."""

import imaplib
import sys

port, _tls_port, _cert, writer, reader, password = sys.argv[1:7]
SALES = '"Shared/sales@contoso.test/INBOX"'
# imaplib knows MYRIGHTS, GETACL, SETACL and DELETEACL, not LISTRIGHTS.
imaplib.Commands.setdefault("LISTRIGHTS", ("AUTH", "SELECTED"))


def connect(user):
    c = imaplib.IMAP4("127.0.0.1", int(port))
    c.login(user, password)
    return c


def rights_of(c, mailbox):
    typ, data = c.myrights(mailbox)
    assert typ == "OK", (typ, data)
    # imaplib returns the MYRIGHTS response data: b'mailbox rights'.
    return data[0].decode().rsplit(" ", 1)[1]


alice = connect(writer)
assert "ACL" in alice.capabilities, alice.capabilities
assert "RIGHTS=TEXK" in alice.capabilities, alice.capabilities
assert rights_of(alice, "INBOX") == "lrswikte"
assert rights_of(alice, SALES) == "lrswikte"
assert rights_of(alice, '"Shared/sales@contoso.test/Orders"') == "lrswikxtecd"

typ, data = alice.getacl("INBOX")
assert typ == "OK", (typ, data)
assert data[0].decode() == "INBOX %s lrswikte" % writer, data

typ, data = alice._simple_command("LISTRIGHTS", "INBOX", writer)
assert typ == "OK", (typ, data)
typ, data = alice._untagged_response(typ, data, "LISTRIGHTS")
assert data[0].decode() == "INBOX %s lrswikte" % writer, data

typ, data = alice.setacl("INBOX", reader, "lr")
assert typ == "NO", (typ, data)
assert b"administrator" in data[0], data
typ, data = alice.deleteacl("INBOX", reader)
assert typ == "NO", (typ, data)

bob = connect(reader)
assert rights_of(bob, SALES) == "lr"
typ, data = bob.getacl(SALES)
assert typ == "OK", (typ, data)
assert data[0].decode() == "Shared/sales@contoso.test/INBOX %s lr" % reader, data
typ, data = bob.myrights('"Shared/nobody@contoso.test/INBOX"')
assert typ == "NO", (typ, data)

for c in (alice, bob):
    c.logout()
print("OK acl")
