"""Attempts to reach a shared mailbox that policy does not grant, or to
change one granted read-only. Each case must be refused; the test checks
the audit log afterwards. Prints JSON: the cases and their answers.
Arguments: IMAP port, IMAPS port, certificate, password."""

import imaplib
import json
import sys

port, tls_port, cert, password = sys.argv[1:5]
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
results = []


def session(user):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    return m


def refused(name, typ, data):
    text = b" ".join(d if isinstance(d, bytes) else b"" for d in (data or []))
    ok = typ in ("NO", "BAD")
    results.append({"case": name, "answer": typ, "text": text.decode(errors="replace"), "refused": ok})


def cmd(m, *args):
    try:
        return m._simple_command(*args)
    except imaplib.IMAP4.error as e:
        return ("BAD", [str(e).encode()])


c = session("carol@contoso.test")
typ, data = c.namespace()
assert typ == "OK" and b"Shared" not in data[0], ("carol sees the shared namespace", data)
typ, data = c.list()
assert not any(b"Shared" in l for l in data), data
typ, data = c.lsub()
assert not any(b"Shared" in (l or b"") for l in data), data
box = '"Shared/sales@contoso.test/INBOX"'
for name, mailbox in [
    ("select", box),
    ("select mixed case", '"shared/SALES@Contoso.TEST/inbox"'),
    ("select dot-dot", '"Shared/sales@contoso.test/../../INBOX"'),
    ("select percent-encoded at", '"Shared/sales%40contoso.test/INBOX"'),
    ("select trailing delimiter", '"Shared/sales@contoso.test/INBOX/"'),
    ("select the mailbox level", '"Shared/sales@contoso.test"'),
    ("select double delimiter", '"Shared//sales@contoso.test/INBOX"'),
    ("select modified UTF-7 S", '"&AFM-hared/sales@contoso.test/INBOX"'),
    ("select percent-encoded slashes", '"Shared%2Fsales@contoso.test%2FINBOX"'),
    ("select backslash", '"Shared\\\\sales@contoso.test\\\\INBOX"'),
]:
    refused(name, *cmd(c, "SELECT", mailbox))
refused("examine", *cmd(c, "EXAMINE", box))
refused("status", *cmd(c, "STATUS", box, "(MESSAGES)"))
typ, data = c.append(box, None, None, b"Subject: x\r\n\r\nx\r\n") if True else (None, None)
refused("append", typ, data)
refused("create inside", *cmd(c, "CREATE", '"Shared/sales@contoso.test/Evil"'))
refused("delete inside", *cmd(c, "DELETE", box))
c.create("Mine")
refused("rename into", *cmd(c, "RENAME", "Mine", '"Shared/sales@contoso.test/Mine"'))
c.select("INBOX")
refused("copy into", *cmd(c, "COPY", "1", box))
refused("move into", *cmd(c, "MOVE", "1", box))
refused("uid copy into", *cmd(c, "UID", "COPY", "1:*", box))
c.logout()

b = session("bob@contoso.test")
typ, data = b.append(box, None, None, b"Subject: x\r\n\r\nx\r\n")
refused("reader append", typ, data)
b.select(box, readonly=True)
refused("reader store", *cmd(b, "STORE", "1", "+FLAGS", "(\\Deleted)"))
refused("reader expunge", *cmd(b, "EXPUNGE"))
refused("reader move out", *cmd(b, "MOVE", "1", "INBOX"))
b.select("INBOX")
refused("reader copy into", *cmd(b, "COPY", "1", box))
refused("reader create inside", *cmd(b, "CREATE", '"Shared/sales@contoso.test/New"'))
b.logout()
print(json.dumps(results))
