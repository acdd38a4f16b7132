"""What an IMAP compliance tester checks and a client relies on, one case
per mode: mailbox names that are not modified UTF-7 (NO, never BAD) and LIST
patterns with any atom characters (OK), command lines up to 64 KiB before
and after login (ID with RFC 2971's limits and beyond), a new UIDVALIDITY
for a folder deleted and created again, COPY and MOVE into the selected
folder, and SEARCH FROM/TO/CC/BCC over addresses in every form.
Arguments: IMAP port, IMAPS port, certificate file, user, password, mode.
Prints JSON where the Rust test checks more (uidvalidity, self)."""

import imaplib
import json
import re
import socket
import sys

port, tls_port, cert, user, password, mode = sys.argv[1:7]
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("MOVE", ("SELECTED",))


def login():
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    return m


def answer(m, *args):
    """(typ, data) of a command; BAD (which imaplib raises) as ("BAD", ...)."""
    try:
        return m._simple_command(*args)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as e:
        return "BAD", [str(e).encode()]


def listing(m, command, pattern):
    """(typ, rows) of LIST or LSUB "" pattern; rows == [None] for none."""
    typ, data = answer(m, command, '""', pattern)
    if typ == "BAD":
        return typ, data
    return m._untagged_response(typ, data, command)


def alive(m, what):
    typ, data = m.noop()
    assert typ == "OK", (what, "the connection must stay usable", data)


class Raw:
    """A line-level client for exact responses."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", int(port)))
        self.f = self.s.makefile("rb")
        self.n = 0
        assert self.f.readline().startswith(b"* OK")

    def run(self, command):
        """Send `command` (bytes); returns (untagged lines, tagged line)."""
        self.n += 1
        tag = b"c%d" % self.n
        self.s.sendall(tag + b" " + command + b"\r\n")
        lines = []
        while True:
            line = self.f.readline()
            assert line, ("the server closed the connection", command[:60], lines)
            line = line.rstrip(b"\r\n")
            if line.startswith(tag + b" "):
                return lines, line[len(tag) + 1:]
            lines.append(line)


def names():
    m = login()
    ok, _ = m.select("INBOX")
    assert ok == "OK"
    message = b"From: a@example.org\r\nSubject: names\r\n\r\nx\r\n"
    for bad in ['"a&b"', '"&AGE-"', '"x&AOk"', "a&b"]:
        cases = [
            ("COPY", ("COPY", "1", bad)),
            ("MOVE", ("MOVE", "1", bad)),
            ("UID COPY", ("UID", "COPY", "1:*", bad)),
            ("STATUS", ("STATUS", bad, "(MESSAGES)")),
            ("CREATE", ("CREATE", bad)),
            ("DELETE", ("DELETE", bad)),
            ("RENAME from", ("RENAME", bad, "Elsewhere")),
            ("RENAME to", ("RENAME", "Travel", bad)),
            ("SUBSCRIBE", ("SUBSCRIBE", bad)),
            ("UNSUBSCRIBE", ("UNSUBSCRIBE", bad)),
            ("EXAMINE", ("EXAMINE", bad)),
        ]
        m.select("INBOX")
        for name, args in cases:
            typ, data = answer(m, *args)
            assert typ == "NO" and data[0].startswith(b"[CANNOT]"), (name, bad, typ, data)
        typ, data = m.append(bad, None, None, message)
        assert typ == "NO" and data[0].startswith(b"[CANNOT]"), ("APPEND", bad, typ, data)
        # A failed SELECT leaves no folder selected (RFC 3501 §6.3.1).
        ok, _ = m.select("INBOX")
        typ, data = answer(m, "SELECT", bad)
        assert typ == "NO", ("SELECT", bad, typ, data)
        typ, data = answer(m, "FETCH", "1", "(FLAGS)")
        assert typ == "BAD", ("FETCH after a failed SELECT", typ, data)
        alive(m, bad)

    # LIST and LSUB with every atom character: OK with what matches.
    atoms = "!#$&'+,-.0123456789:;<=>?@^_`|[}%*"
    for command in ["LIST", "LSUB"]:
        for pattern in [atoms, '"' + atoms + '"', "~foo%*", "a&b", "&", '"x&AOk*"']:
            typ, data = listing(m, command, pattern)
            assert typ == "OK", (command, pattern, typ, data)
            assert data == [None], (command, pattern, "nothing matches", data)
            alive(m, pattern)
    # A stray '&' in a pattern stands for itself.
    ok, _ = m.create('"Tom &- Jerry"')
    assert ok == "OK"
    typ, data = listing(m, "LIST", '"Tom & Jer%"')
    assert typ == "OK" and data == [b'(\\HasNoChildren) "/" "Tom &- Jerry"'], data
    # Atom characters (and ']', an astring character) in a folder name.
    name = "!#$&-'+,-.0123456789:;<=>?@^_`|[}~]"
    shown = (name.encode(), b'"' + name.encode() + b'"')
    for args in [("CREATE", name), ("SUBSCRIBE", name), ("SELECT", name)]:
        typ, data = answer(m, *args)
        assert typ == "OK", (args, typ, data)
    typ, data = listing(m, "LIST", name)
    assert typ == "OK" and len(data) == 1 and data[0].split(b'"/" ')[1] in shown, data
    typ, data = listing(m, "LSUB", name[:-5] + "%")
    assert typ == "OK" and len(data) == 1 and data[0].split(b'"/" ')[1] in shown, data
    ok, _ = m.select("INBOX")
    typ, data = answer(m, "DELETE", name)
    assert typ == "OK", data
    m.logout()
    print("OK")


def id_pairs(count, field, value):
    return "(" + " ".join(
        '"%s" "%s"' % (("f%03d" % i).ljust(field, "x"), "v" * value) for i in range(count)
    ) + ")"


def lines():
    r = Raw()
    # Before login: RFC 2971's largest ID (30 pairs, 30-octet fields,
    # 1,024-octet values), then more than it allows, then a 64 KiB line.
    for pairs in [id_pairs(30, 30, 1024), id_pairs(40, 60, 1500)]:
        untagged, tagged = r.run(b"ID " + pairs.encode())
        assert tagged.startswith(b"OK"), tagged
        assert any(b"graphgate" in u for u in untagged), untagged
    tag_len = len(b"c%d " % (r.n + 1))
    head = b'ID ("name" "'
    line = head + b"v" * (65536 - tag_len - len(head) - 2) + b'")'
    assert tag_len + len(line) == 65536
    _, tagged = r.run(line)
    assert tagged.startswith(b"OK"), tagged
    _, tagged = r.run(b"LOGIN " + user.encode() + b" " + password.encode())
    assert tagged.startswith(b"OK"), tagged
    # After login: the same, and a SEARCH on a 64 KiB line.
    _, tagged = r.run(b"ID " + id_pairs(30, 30, 1024).encode())
    assert tagged.startswith(b"OK"), tagged
    _, tagged = r.run(b"SELECT INBOX")
    assert tagged.startswith(b"OK"), tagged
    tag_len = len(b"c%d " % (r.n + 1))
    head = b'SEARCH SUBJECT "'
    line = head + b"s" * (65536 - tag_len - len(head) - 1) + b'"'
    untagged, tagged = r.run(line)
    assert tagged.startswith(b"OK") and untagged == [b"* SEARCH"], (untagged, tagged)
    _, tagged = r.run(b"NOOP")
    assert tagged.startswith(b"OK"), tagged
    # One byte more than 64 KiB is more than graphgate reads as a line.
    over = Raw()
    over.s.sendall(b"c1 ID (\"name\" \"" + b"v" * 65520 + b"\")\r\n")
    bye = over.f.readline()
    assert bye.startswith(b"* BYE") and b"longer than" in bye, bye
    print("OK")


def uidvalidity():
    m = login()
    folder = '"Again and again"'
    typ, data = m.list('""', folder)
    if data != [None]:
        assert m.delete(folder)[0] == "OK"
    if m.list('""', '"Renamed again"')[1] != [None]:
        assert m.delete('"Renamed again"')[0] == "OK"

    def status(name):
        typ, data = m.status(name, "(UIDVALIDITY)")
        assert typ == "OK", data
        return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))

    created = []
    for _ in range(3):
        assert m.create(folder)[0] == "OK"
        created.append(status(folder))
        typ, data = m.select(folder)
        assert typ == "OK", data
        selected = int(re.search(rb"(\d+)", m.response("UIDVALIDITY")[1][0]).group(1))
        assert selected == created[-1], (selected, created)
        m.close()
        assert m.delete(folder)[0] == "OK"
        typ, data = m.status(folder, "(UIDVALIDITY)")
        assert typ == "NO", data
    assert m.create(folder)[0] == "OK"
    created.append(status(folder))
    assert m.rename(folder, '"Renamed again"')[0] == "OK"
    renamed = status('"Renamed again"')
    m.logout()
    print(json.dumps({"created": created, "renamed": renamed}))


def into_itself():
    m = login()
    assert m.select("INBOX")[0] == "OK"
    subject = "into itself"
    message = f"From: a@example.org\r\nSubject: {subject}\r\n\r\nhello\r\n".encode()
    typ, data = m.append("INBOX", None, None, message)
    assert typ == "OK", data
    uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
    m.logout()

    r = Raw()
    r.run(b"LOGIN " + user.encode() + b" " + password.encode())
    untagged, tagged = r.run(b"SELECT INBOX")
    exists = int(next(re.match(rb"\* (\d+) EXISTS", u).group(1) for u in untagged if u.endswith(b"EXISTS")))
    validity = next(re.search(rb"UIDVALIDITY (\d+)", u).group(1) for u in untagged if b"UIDVALIDITY" in u)
    untagged, tagged = r.run(b"UID COPY %d INBOX" % uid)
    copied = re.match(rb"OK \[COPYUID (\d+) (\d+) (\d+)\]", tagged)
    assert copied and copied.group(1) == validity and int(copied.group(2)) == uid, tagged
    copy_uid = int(copied.group(3))
    assert copy_uid > uid, (uid, copy_uid)
    # RECENT comes with every EXISTS; which session gets \Recent is not
    # this test's business.
    untagged = [u for u in untagged if not u.endswith(b"RECENT")]
    assert untagged == [b"* %d EXISTS" % (exists + 1)], untagged
    # MOVE into the selected folder: COPYUID, the EXPUNGE of the original
    # and the EXISTS of the new one, in that order (RFC 6851 §4.3).
    untagged, tagged = r.run(b"UID MOVE %d INBOX" % uid)
    assert tagged.startswith(b"OK"), (untagged, tagged)
    moved = re.match(rb"\* OK \[COPYUID (\d+) (\d+) (\d+)\]", untagged[0])
    assert moved and moved.group(1) == validity and int(moved.group(2)) == uid, untagged
    moved_uid = int(moved.group(3))
    assert moved_uid > copy_uid, (copy_uid, moved_uid)
    untagged = [u for u in untagged if not u.endswith(b"RECENT")]
    assert untagged[1:] == [b"* %d EXPUNGE" % exists, b"* %d EXISTS" % (exists + 1)], untagged
    untagged, tagged = r.run(b'UID SEARCH SUBJECT "%s"' % subject.encode())
    assert untagged == [b"* SEARCH %d %d" % (copy_uid, moved_uid)], untagged
    untagged, tagged = r.run(b"UID FETCH %d (UID)" % uid)
    assert untagged == [] and tagged.startswith(b"OK"), untagged
    # MOVE of several at once, and COPY again: new UIDs every time.
    untagged, tagged = r.run(b"UID MOVE %d,%d INBOX" % (copy_uid, moved_uid))
    assert tagged.startswith(b"OK") and b"COPYUID" in untagged[0], (untagged, tagged)
    untagged, tagged = r.run(b'UID SEARCH SUBJECT "%s"' % subject.encode())
    final = [int(u) for u in untagged[0].split()[2:]]
    assert len(final) == 2 and min(final) > moved_uid, (untagged, moved_uid)
    print(json.dumps({"subject": subject, "uids": final}))


MESSAGES = [
    # (subject, header lines)
    ("plain", "From: user-from@domain.org\r\nTo: user-to@domain.org\r\n"
              "Cc: user-cc@domain.org\r\nBcc: user-bcc@domain.org\r\n"),
    ("comments", "From: <user (comment)@ (comment) example.org>\r\n"
                 "To: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.net>\r\n"
                 "Cc: \"Dr. Who\" <who@tardis.example> (the doctor)\r\n"),
    ("folded", "From: Display Name\r\n <display\r\n @domain.org>\r\n"
               "To: team: g1@domain.org,\r\n\tg2@domain.org;\r\n"
               "Cc: user-to@domain.org.example\r\n"),
]

SEARCHES = [
    # (criteria, subjects found)
    (["FROM", "user-from@domain.org"], ["plain"]),
    (["FROM", '"user-from@domain.org"'], ["plain"]),
    (["TO", "user-to@domain.org"], ["plain"]),
    (["CC", "user-cc@domain.org"], ["plain"]),
    (["BCC", "user-bcc@domain.org"], ["plain"]),
    (["FROM", "user@example.org"], ["comments"]),
    (["FROM", "comment"], []),
    (["TO", '"Jürgen Müller"'.encode("utf-8")], ["comments"]),
    (["TO", '"jürgen müller <jm@example.net>"'.encode("utf-8")], ["comments"]),
    (["CC", '"Dr. Who"'], ["comments"]),
    (["FROM", '"display name <display@domain.org>"'], ["folded"]),
    (["TO", "g2@domain.org"], ["folded"]),
    (["TO", "team"], ["folded"]),
    (["FROM", "domain.org"], ["plain", "folded"]),
    (["FROM", "USER-FROM@DOMAIN.ORG"], ["plain"]),
    (["OR", "FROM", "user@example.org", "BCC", "user-bcc"], ["plain", "comments"]),
    (["NOT", "FROM", "domain.org"], ["comments"]),
    (["BCC", '""'], ["plain"]),
]


def search():
    m = login()
    folder = '"Address search"'
    m.create(folder)
    assert m.select(folder)[0] == "OK"
    uids = {}
    for subject, headers in MESSAGES:
        mime = f"{headers}Subject: {subject}\r\n\r\nbody\r\n".encode()
        typ, data = m.append(folder, None, None, mime)
        assert typ == "OK", data
        uids[int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))] = subject
    m.noop()
    for criteria, expected in SEARCHES:
        args = []
        for c in criteria:
            if isinstance(c, bytes):
                m.literal = c[1:-1]
            else:
                args.append(c)
        if m.literal:
            typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", *args)
        else:
            typ, data = m.uid("SEARCH", *args)
        assert typ == "OK", (criteria, data)
        found = sorted(uids[int(u)] for u in data[0].split())
        assert found == sorted(expected), (criteria, found, expected)
    m.logout()
    print("OK")


{"names": names, "lines": lines, "uidvalidity": uidvalidity, "self": into_itself,
 "search": search}[mode]()
