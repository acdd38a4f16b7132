"""IDLE hears about changes made by anyone: mail delivered at Microsoft,
flags set and messages expunged by another session.
Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import imaplib
import json
import os
import re
import socket
import sys
import time
import urllib.request

port, tls_port, cert, user, password = sys.argv[1:6]
emulator = os.environ["GRAPHGATE_EMULATOR"]


def deliver(subject):
    mime = (
        f"From: Outside <outside@example.test>\r\nTo: {user}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n\r\nhello\r\n"
    ).encode()
    req = urllib.request.Request(f"{emulator}/_emulator/mailboxes/{user}/deliver", data=mime, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)["id"]


def wait_for(sock_file, pattern, seconds=20):
    # The socket's own timeout (set below) bounds each read; a buffered
    # file cannot be read again after a timeout, so one ends the test.
    deadline = time.time() + seconds
    seen = []
    while time.time() < deadline:
        try:
            line = sock_file.readline()
        except socket.timeout:
            break
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no {pattern!r} within {seconds}s; got {seen}")


a = imaplib.IMAP4("127.0.0.1", int(port))
a.login(user, password)
typ, data = a.select("INBOX")
exists = int(data[0])
a.sock.settimeout(20)
a.send(b"i1 IDLE\r\n")
wait_for(a.file, rb"^\+ ")

deliver("idle arrival")
line = wait_for(a.file, rb"^\* (\d+) EXISTS")
assert int(re.match(rb"^\* (\d+) EXISTS", line).group(1)) == exists + 1, line

b = imaplib.IMAP4("127.0.0.1", int(port))
b.login(user, password)
typ, data = b.select("INBOX")
n = int(data[0])
assert n == exists + 1, (n, exists)
typ, data = b.store(str(n), "+FLAGS", "(\\Seen)")
assert typ == "OK", data
line = wait_for(a.file, rb"^\* %d FETCH \(.*\\Seen" % n)

typ, data = b.store(str(n), "+FLAGS", "(\\Deleted)")
typ, data = b.expunge()
assert typ == "OK" and data[0] == str(n).encode(), data
wait_for(a.file, rb"^\* %d EXPUNGE" % n)

a.send(b"DONE\r\n")
wait_for(a.file, rb"^i1 OK")
a.sock.settimeout(None)
typ, data = a.noop()
assert typ == "OK"
typ, data = a.search(None, "ALL")
assert len(data[0].split()) == exists, data
print("OK")
