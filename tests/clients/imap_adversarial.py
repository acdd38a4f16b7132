"""Attempts to reach a mailbox that policy does not grant (name tricks and
every command that names a mailbox), to change one granted read-only, and,
as a user made read-only, to change their own mailbox. Each case must be
refused, and each refusal that reached policy must add a line to the audit
log (read after every case). Prints JSON: the cases and their answers.
Arguments: IMAP port, IMAPS port, certificate, password, audit log path,
read-only login."""

import imaplib
import json
import sys

port, tls_port, cert, password, audit_log, read_only_user = sys.argv[1:7]
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
results = []


def session(user):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    return m


def audited():
    try:
        with open(audit_log, encoding="utf-8") as f:
            return sum(1 for line in f if '"refused"' in line)
    except FileNotFoundError:
        return 0


seen = [0]


def refused(name, typ, data):
    text = b" ".join(d if isinstance(d, bytes) else b"" for d in (data or []))
    ok = typ in ("NO", "BAD")
    now = audited()
    results.append({"case": name, "answer": typ, "text": text.decode(errors="replace"),
                    "refused": ok, "audited": now > seen[0]})
    seen[0] = now


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
    # Look-alikes, in modified UTF-7 as IMAP writes non-ASCII names.
    ("select long s in the address", '"Shared/&AX8-ales@contoso.test/INBOX"'),
    ("select full-width S in the prefix", '"&,zM-hared/sales@contoso.test/INBOX"'),
    ("select full-width prefix", '"&,zP,KP8h,zL,Jf8k-/sales@contoso.test/INBOX"'),
    ("select full-width s in the address", '"Shared/&,1M-ales@contoso.test/INBOX"'),
    ("select combining accent in the address", '"Shared/sales&AwE-@contoso.test/INBOX"'),
    ("select combining accent inside the address", '"Shared/sale&AwE-s@contoso.test/INBOX"'),
    ("select ASCII address in modified UTF-7", '"Shared/&AHMAYQBsAGUAcw-@contoso.test/INBOX"'),
    ("select slash in modified UTF-7", '"Shared&AC8-sales@contoso.test/INBOX"'),
    ("select trailing space in the address", '"Shared/sales@contoso.test /INBOX"'),
    ("select trailing dot in the address", '"Shared/sales@contoso.test./INBOX"'),
    ("select upper-case address", '"Shared/SALES@CONTOSO.TEST/INBOX"'),
    ("select own address as a shared path", '"Shared/carol@contoso.test/INBOX"'),
    ("select another user's mailbox", '"Shared/alice@contoso.test/INBOX"'),
    ("select another user's sent items", '"Shared/alice@contoso.test/Sent Items"'),
    ("select Other Users path", '"Shared/Other Users/alice@contoso.test/INBOX"'),
    ("select tilde user path", '"Shared/~alice@contoso.test/INBOX"'),
    ("select address without domain", '"Shared/alice/INBOX"'),
]:
    refused(name, *cmd(c, "SELECT", mailbox))
refused("examine", *cmd(c, "EXAMINE", box))
refused("status", *cmd(c, "STATUS", box, "(MESSAGES)"))
refused("status of another user", *cmd(c, "STATUS", '"Shared/alice@contoso.test/INBOX"', "(MESSAGES UNSEEN)"))
refused("subscribe", *cmd(c, "SUBSCRIBE", box))
refused("subscribe another user", *cmd(c, "SUBSCRIBE", '"Shared/alice@contoso.test/INBOX"'))
refused("examine another user", *cmd(c, "EXAMINE", '"Shared/alice@contoso.test/INBOX"'))
refused("delete the mailbox level", *cmd(c, "DELETE", '"Shared/sales@contoso.test"'))
refused("rename out of", *cmd(c, "RENAME", box, "Stolen"))
refused("rename the mailbox level", *cmd(c, "RENAME", '"Shared/sales@contoso.test"', "Stolen"))
typ, data = c.append('"Shared/alice@contoso.test/INBOX"', None, None, b"Subject: x\r\n\r\nx\r\n")
refused("append to another user", typ, data)
for pattern in ['"Shared/*"', '"Shared/sales@contoso.test/*"', '"*sales*"', '"Shared/%"', '"%/%/%"']:
    typ, data = c.list('""', pattern)
    assert typ == "OK" and not any(b"sales" in (l or b"") for l in data), (pattern, data)
    typ, data = c.lsub('""', pattern)
    assert typ == "OK" and not any(b"sales" in (l or b"") for l in data), (pattern, data)
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
refused("uid move into", *cmd(c, "UID", "MOVE", "1:*", box))
refused("copy into another user", *cmd(c, "COPY", "1", '"Shared/alice@contoso.test/INBOX"'))
c.logout()

b = session("bob@contoso.test")
typ, data = b.append(box, None, None, b"Subject: x\r\n\r\nx\r\n")
refused("reader append", typ, data)
b.select(box, readonly=True)
refused("reader store", *cmd(b, "STORE", "1", "+FLAGS", "(\\Deleted)"))
refused("reader expunge", *cmd(b, "EXPUNGE"))
refused("reader move out", *cmd(b, "MOVE", "1", "INBOX"))
refused("reader uid store", *cmd(b, "UID", "STORE", "1:*", "+FLAGS.SILENT", "(\\Seen)"))
refused("reader uid expunge", *cmd(b, "UID", "EXPUNGE", "1:*"))
refused("reader uid move out", *cmd(b, "UID", "MOVE", "1:*", "INBOX"))
cmd(b, "SELECT", box)  # a read grant makes it READ-ONLY all the same
refused("reader store after select", *cmd(b, "STORE", "1", "+FLAGS", "(\\Flagged)"))
refused("reader expunge after select", *cmd(b, "EXPUNGE"))
b.select("INBOX")
refused("reader copy into", *cmd(b, "COPY", "1", box))
refused("reader create inside", *cmd(b, "CREATE", '"Shared/sales@contoso.test/New"'))
refused("reader delete a folder", *cmd(b, "DELETE", box))
refused("reader rename a folder", *cmd(b, "RENAME", box, '"Shared/sales@contoso.test/Old"'))
b.create("Mine2")
refused("reader rename into", *cmd(b, "RENAME", "Mine2", '"Shared/sales@contoso.test/Mine2"'))
b.logout()

# A user policy made read-only tries every change to their own mailbox.
r = session(read_only_user)
typ, data = r.append("INBOX", None, None, b"Subject: x\r\n\r\nx\r\n")
refused("read-only append", typ, data)
refused("read-only create", *cmd(r, "CREATE", "Mine3"))
refused("read-only delete", *cmd(r, "DELETE", '"Sent Items"'))
refused("read-only rename", *cmd(r, "RENAME", '"Sent Items"', "Gone"))
r.select("INBOX", readonly=True)
cmd(r, "SELECT", "INBOX")  # SELECT, not EXAMINE: policy makes it READ-ONLY
refused("read-only store", *cmd(r, "STORE", "1", "+FLAGS", "(\\Deleted)"))
refused("read-only uid store", *cmd(r, "UID", "STORE", "1:*", "-FLAGS", "(\\Seen)"))
refused("read-only expunge", *cmd(r, "EXPUNGE"))
refused("read-only uid expunge", *cmd(r, "UID", "EXPUNGE", "1:*"))
refused("read-only copy within", *cmd(r, "COPY", "1", '"Sent Items"'))
refused("read-only move within", *cmd(r, "MOVE", "1", '"Deleted Items"'))
refused("read-only uid move within", *cmd(r, "UID", "MOVE", "1:*", '"Deleted Items"'))
r.logout()
print(json.dumps(results))
