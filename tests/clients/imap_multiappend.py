"""MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469) over a raw socket with
the exact grammar: several messages in one APPEND (synchronizing,
non-synchronizing and literal8 literals), APPENDUID with a uid-set,
CATENATE of TEXT and URL parts, NO [BADURL] for a URL with another
UIDVALIDITY, and then imaplib reading back what was stored. Arguments:
IMAP port, IMAPS port, certificate file, user, password."""

import imaplib
import re
import socket
import sys

port, _tls_port, _cert, user, password = sys.argv[1:6]


class Raw:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", int(port)))
        self.buf = b""
        self.n = 0
        self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def run(self, *pieces):
        """Send the pieces of one command, waiting for + after each
        synchronizing literal; return the tagged line."""
        self.n += 1
        tag = b"p%d" % self.n
        pieces = list(pieces)
        pieces[0] = tag + b" " + pieces[0]
        for i, piece in enumerate(pieces):
            self.sock.sendall(piece + b"\r\n")
            if i < len(pieces) - 1 and piece.endswith(b"}") and not piece.endswith(b"+}"):
                cont = self.line()
                assert cont.startswith(b"+"), cont
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return line[len(tag) + 1 :]


def mime(subject, body):
    return (
        b"From: py@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\n%s\r\n"
        % (user.encode(), subject, body)
    )


c = Raw()
assert c.run(b"LOGIN %s %s" % (user.encode(), password.encode())).startswith(b"OK")
assert c.run(b"CREATE PyMulti").startswith(b"OK")

m1, m2, m3 = mime(b"py one", b"1"), mime(b"py two", b"2"), mime(b"py three", "drei \xc3\xbc".encode("latin-1"))
ok = c.run(
    b"APPEND PyMulti (\\Seen) {%d}" % len(m1),
    m1 + b' (\\Draft) "05-Jun-2021 10:00:00 +0000" {%d+}' % len(m2),
    m2 + b" ~{%d}" % len(m3),
    m3,
)
assert ok.startswith(b"OK [APPENDUID "), ok
validity, uid_set = re.search(rb"APPENDUID (\d+) ([\d:,]+)\]", ok).groups()
first, last = (int(x) for x in uid_set.split(b":"))
assert last - first == 2, uid_set

# CATENATE: the first message's header, new text, the second's body.
text = b"\r\nfrom a catenate\r\n"
ok = c.run(
    b'APPEND PyMulti CATENATE (URL "/PyMulti;UIDVALIDITY=%s/;UID=%d/;SECTION=HEADER" TEXT {%d}'
    % (validity, first, len(text)),
    text + b' URL "/PyMulti/;UID=%d/;SECTION=TEXT")' % (first + 1),
)
assert ok.startswith(b"OK [APPENDUID %s " % validity), ok
cat_uid = int(re.search(rb"APPENDUID \d+ (\d+)\]", ok).group(1))

ok = c.run(b'APPEND PyMulti CATENATE (URL "/PyMulti;UIDVALIDITY=%d/;UID=%d")' % (int(validity) + 1, first))
assert ok.startswith(b"NO [BADURL /PyMulti;UIDVALIDITY="), ok
c.run(b"LOGOUT")

m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
typ, data = m.select("PyMulti")
assert typ == "OK" and data[0] == b"4", data
typ, data = m.uid("FETCH", "%d:%d" % (first, cat_uid), "(FLAGS INTERNALDATE BODY.PEEK[])")
assert typ == "OK", data
bodies = [part[1] for part in data if isinstance(part, tuple)]
metas = [part[0] for part in data if isinstance(part, tuple)]
assert bodies[:3] == [m1, m2, m3], bodies
assert b"\\Seen" in metas[0] and b"\\Draft" in metas[1], metas
assert b"05-Jun-2021 10:00:00 +0000" in metas[1], metas
assert bodies[3] == m1[: m1.index(b"\r\n\r\n") + 4] + text + b"2\r\n", bodies[3]
m.logout()
print("OK multiappend")
