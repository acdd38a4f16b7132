"""UTF8=ACCEPT (RFC 6855) through Python's imaplib, which switches to UTF-8
names after ENABLE UTF8=ACCEPT: a folder created with a UTF-8 name is
listed, selected, renamed and given STATUS in UTF-8, while a session that
did not enable it sees the same folder in modified UTF-7; an ampersand is
itself in UTF-8 mode; STATUS with MAILBOXID and MYRIGHTS name the folder in UTF-8 too; SEARCH with CHARSET is BAD once enabled; APPEND with
the UTF8 data extension over a raw socket (imaplib wraps it wrongly inside
its literal) stores the message byte for byte. Arguments: IMAP port, IMAPS
port, certificate file, user, password."""

import imaplib
import socket
import sys

port, _tls_port, _cert, user, password = sys.argv[1:6]


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL: {what}")


utf8 = imaplib.IMAP4("127.0.0.1", int(port))
utf8.login(user, password)
check("UTF8=ACCEPT" in utf8.capabilities, f"capability: {utf8.capabilities}")
typ, data = utf8.enable("UTF8=ACCEPT")
check(typ == "OK" and utf8.utf8_enabled, f"enable: {typ} {data}")
_, enabled = utf8.response("ENABLED")
check(enabled == [b"UTF8=ACCEPT"], f"ENABLED: {enabled}")

typ, _ = utf8.create('"Entwürfe/Grüße"')
check(typ == "OK", "create with a UTF-8 name")
typ, data = utf8.list('""', '"Entwürfe*"')
rows = sorted(d.decode("utf-8") for d in data)
check(
    rows
    == [
        '(\\HasChildren) "/" "Entwürfe"',
        '(\\HasNoChildren) "/" "Entwürfe/Grüße"',
    ],
    f"LIST in UTF-8: {rows}",
)
typ, data = utf8.status('"Entwürfe/Grüße"', "(MESSAGES)")
check(typ == "OK" and data[0].decode("utf-8") == '"Entwürfe/Grüße" (MESSAGES 0)', f"STATUS: {data}")
typ, _ = utf8.rename('"Entwürfe/Grüße"', '"Entwürfe/Tschüss & Co"')
check(typ == "OK", "rename")
typ, data = utf8.select('"Entwürfe/Tschüss & Co"')
check(typ == "OK", f"select: {data}")
typ, data = utf8.status('"Entwürfe"', "(MESSAGES MAILBOXID)")
check(typ == "OK" and data[0].decode("utf-8").startswith('"Entwürfe" (MESSAGES 0 MAILBOXID (F'), f"STATUS MAILBOXID: {data}")
typ, data = utf8.myrights('"Entwürfe"')
check(typ == "OK" and data[0].decode("utf-8").startswith('"Entwürfe" '), f"MYRIGHTS: {data}")

# Another session without UTF8=ACCEPT sees modified UTF-7.
plain = imaplib.IMAP4("127.0.0.1", int(port))
plain.login(user, password)
typ, data = plain.list('""', "Entw&APw-rfe/*")
check(
    [d.decode() for d in data] == ['(\\HasNoChildren) "/" "Entw&APw-rfe/Tsch&APw-ss &- Co"'],
    f"LIST in modified UTF-7: {data}",
)
plain.logout()

# SEARCH with a charset is refused once UTF-8 is on.
try:
    # (imaplib refuses this itself; sent as a plain command.)
    utf8._simple_command("SEARCH", "CHARSET", "UTF-8", "ALL")
    check(False, "SEARCH CHARSET accepted")
except imaplib.IMAP4.error as e:
    check("CHARSET" in str(e), f"SEARCH CHARSET: {e}")
typ, data = utf8.search(None, "ALL")
check(typ == "OK", "SEARCH without a charset")
utf8.logout()

# APPEND with the UTF8 data extension, then the message back byte for byte.
message = "From: Jörg <joerg@example.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n".encode("utf-8")
sock = socket.create_connection(("127.0.0.1", int(port)))
buf = b""


def line():
    global buf
    while b"\r\n" not in buf:
        chunk = sock.recv(65536)
        check(chunk, "connection closed")
        buf += chunk
    out, buf = buf.split(b"\r\n", 1)
    return out


def until(tag):
    lines = []
    while True:
        got = line()
        lines.append(got)
        if got.startswith(tag + b" "):
            return lines


line()
sock.sendall(b"a LOGIN %s %s\r\n" % (user.encode(), password.encode()))
check(until(b"a")[-1].startswith(b"a OK"), "raw login")
sock.sendall(b"b ENABLE UTF8=ACCEPT\r\n")
check(until(b"b")[-1].startswith(b"b OK"), "raw enable")
sock.sendall(
    'c APPEND "Entwürfe" UTF8 (~{%d+}\r\n'.encode("utf-8") % len(message) + message + b")\r\n"
)
appended = until(b"c")
check(appended[-1].startswith(b"c OK [APPENDUID "), f"APPEND UTF8: {appended}")
uid = int(appended[-1].split(b"]")[0].split()[-1])
sock.sendall('d SELECT "Entwürfe"\r\n'.encode("utf-8"))
check(until(b"d")[-1].startswith(b"d OK"), "select")
sock.sendall(b"e UID FETCH %d BODY.PEEK[]\r\n" % uid)
first = line()
check(first.endswith(b"{%d}" % len(message)), f"FETCH: {first}")
while len(buf) < len(message):
    buf += sock.recv(65536)
check(buf[: len(message)] == message, f"body: {buf[:len(message)]!r}")
buf = buf[len(message):]
check(until(b"e")[-1].startswith(b"e OK"), "fetch done")
sock.sendall(b"f LOGOUT\r\n")
until(b"f")
print("utf8 ok")
