"""Bad input gets a protocol answer and the session goes on: garbage,
unknown commands, commands in the wrong state, an overlong line, a literal
larger than the limit, a bad sequence set. Then BODY[] is printed as a
SHA-256 for the message with the given Message-ID (compared by the test
with Graph's $value). Arguments: IMAP port, IMAPS port, certificate file,
user, password, Message-ID."""

import hashlib
import imaplib
import socket
import sys

port, tls_port, cert, user, password, message_id = sys.argv[1:7]

s = socket.create_connection(("127.0.0.1", int(port)))
f = s.makefile("rb")
assert f.readline().startswith(b"* OK"), "greeting"


def send(line):
    s.sendall(line)


def answer(tag):
    lines = []
    while True:
        line = f.readline()
        assert line, f"connection closed; got {lines}"
        lines.append(line)
        if line.startswith(tag + b" "):
            return line, lines


for bad, tag in [
    (b"\x00\x01\x02 garbage\r\n", None),
    (b"a1 FROBNICATE\r\n", b"a1"),
    (b"a2 SELECT INBOX\r\n", b"a2"),
    (b"a3 FETCH 1 (FLAGS)\r\n", b"a3"),
    (b"a4 LOGIN " + b"x" * 10000 + b" y\r\n", b"a4"),
]:
    send(bad)
    if tag is None:
        line = f.readline()
        assert line.startswith(b"* BAD") or b"BAD" in line, line
        continue
    line, _ = answer(tag)
    assert line.startswith(tag + b" BAD") or line.startswith(tag + b" NO"), (bad[:40], line)

# A line beyond the limit (64 KiB) ends the session with a BYE that says why.
s2 = socket.create_connection(("127.0.0.1", int(port)))
f2 = s2.makefile("rb")
f2.readline()
s2.sendall(b"z1 LOGIN " + b"x" * 200000 + b" y\r\n")
bye = f2.readline()
assert bye.startswith(b"* BYE") and b"longer than" in bye, bye
s2.close()

send(b"a5 LOGIN " + user.encode() + b" " + password.encode() + b"\r\n")
line, _ = answer(b"a5")
assert line.startswith(b"a5 OK"), line
send(b"a6 SELECT INBOX\r\n")
line, _ = answer(b"a6")
assert line.startswith(b"a6 OK"), line
send(b"a7 FETCH 0:x (FLAGS)\r\n")
line, _ = answer(b"a7")
assert line.startswith(b"a7 BAD"), line
send(b"a8 APPEND INBOX {999999999}\r\n")
line = f.readline()
assert line.startswith(b"a8 NO") or line.startswith(b"a8 BAD"), line
assert b"TOOBIG" in line or b"LIMIT" in line or b"large" in line.lower(), line
send(b"a9 NOOP\r\n")
line, _ = answer(b"a9")
assert line.startswith(b"a9 OK"), line
s.close()

m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
m.select("INBOX", readonly=True)
typ, data = m.uid("SEARCH", None, f'HEADER Message-ID "{message_id}"')
uid = data[0].split()[0].decode()
typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
print(hashlib.sha256(data[0][1]).hexdigest())
m.logout()
