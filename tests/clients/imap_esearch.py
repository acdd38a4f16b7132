"""ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and ESORT (RFC 5267) through
Python's imaplib: the folder is made and filled with imaplib's own calls,
then the extended commands are sent as raw lines with tags of our choice
(imaplib has no ESEARCH parser) and the exact lines that come back are
printed as JSON for the Rust test to compare.
Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import imaplib
import json
import sys

port, _tls_port, _cert, user, password = sys.argv[1:6]
FOLDER = "PyEsearch"

m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
caps = m.capabilities
for cap in ("ESEARCH", "SEARCHRES", "ESORT"):
    assert cap in caps, caps
typ, _ = m.create(FOLDER)
assert typ == "OK"
# Subjects c, b, a; the first and the last flagged.
for subject, flags in (("c", r"(\Flagged)"), ("b", None), ("a", r"(\Flagged)")):
    body = ("From: carol@contoso.test\r\nSubject: %s\r\n\r\n%s\r\n" % (subject, subject)).encode()
    typ, _ = m.append(FOLDER, flags, None, body)
    assert typ == "OK"
typ, _ = m.select(FOLDER)
assert typ == "OK"


def raw(tag, command):
    """Send one command line as is; return its untagged lines and the tagged one."""
    m.send(("%s %s\r\n" % (tag, command)).encode())
    untagged = []
    while True:
        line = m.readline().decode().rstrip("\r\n")
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def one(tag, command):
    untagged, done = raw(tag, command)
    assert done.startswith(tag + " OK"), (command, done)
    assert len(untagged) == 1, (command, untagged)
    return untagged[0]


out = {}
out["all"] = one("E1", "SEARCH RETURN (ALL) FLAGGED")
out["uid_count"] = one("E2", "UID SEARCH RETURN (COUNT) ALL")
out["empty"] = one("E3", "SEARCH RETURN (COUNT) KEYWORD none")
untagged, done = raw("E4", "SEARCH RETURN (SAVE) FLAGGED")
assert untagged == [], untagged
out["saved"] = done
untagged, done = raw("E5", "FETCH $ (FLAGS)")
assert done.startswith("E5 OK"), done
out["fetch_saved"] = ",".join(line.split()[1] for line in untagged)
out["sort"] = one("E6", "SORT RETURN (MIN MAX ALL) (SUBJECT) UTF-8 ALL")
_, done = raw("E7", "SEARCH RETURN (FOO) ALL")
out["bad"] = done.split()[1]

# imaplib's own search still works after the raw lines.
typ, data = m.search(None, "FLAGGED")
assert typ == "OK" and data == [b"1 3"], (typ, data)
m.logout()
print(json.dumps(out))
