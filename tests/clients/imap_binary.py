"""BINARY (RFC 3516) over a raw socket, checking the exact bytes: APPEND
with a literal8 holding NUL bytes, FETCH BINARY[part] decoding base64 and
quoted-printable, BINARY.SIZE, a partial, literal8 (~{n}) for content
with NUL, BINARY.PEEK leaving \\Seen alone while BINARY sets it, NIL for a
part that does not exist, and NO [UNKNOWN-CTE] for an encoding that cannot
be undone. Arguments: IMAP port, IMAPS port, certificate file, user,
password."""

import base64
import re
import socket
import sys

port, _tls_port, _cert, user, password = sys.argv[1:6]

PAYLOAD = bytes(range(256)) * 4  # NUL and every other byte value
TEXT = "Grüße aus Köln, ça va? " * 20

message = (
    b"From: binary@example.org\r\n"
    b"To: alice@contoso.test\r\n"
    b"Subject: binary parts\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="xyz"\r\n'
    b"\r\n"
    b"--xyz\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    + "".join(
        "=%02X" % b if b > 127 or b == ord("=") else chr(b)
        for b in TEXT.encode("utf-8")
    ).encode()
    + b"\r\n"
    b"--xyz\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    + b"\r\n".join(
        base64.b64encode(PAYLOAD)[i : i + 76]
        for i in range(0, len(base64.b64encode(PAYLOAD)), 76)
    )
    + b"\r\n"
    b"--xyz\r\n"
    b"Content-Type: application/x-thing\r\n"
    b"Content-Transfer-Encoding: x-uuencode\r\n"
    b"\r\n"
    b"begin 644 thing\r\n"
    b"--xyz--\r\n"
)


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

    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def run(self, command, literal=None, literal8=False):
        """(tagged line, [(untagged line, [literals])])."""
        self.n += 1
        tag = b"b%d" % self.n
        if literal is None:
            self.sock.sendall(tag + b" " + command + b"\r\n")
        else:
            mark = b"~" if literal8 else b""
            self.sock.sendall(tag + b" " + command + b" " + mark + b"{%d}\r\n" % len(literal))
            cont = self.line()
            assert cont.startswith(b"+"), cont
            self.sock.sendall(literal + b"\r\n")
        responses = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return line[len(tag) + 1 :], responses
            literals = []
            whole = line
            while True:
                m = re.search(rb"~?\{(\d+)\}$", line)
                if not m:
                    break
                literals.append((line[m.start() : m.start() + 1] == b"~", self.exact(int(m.group(1)))))
                line = self.line()
                whole += b"<literal>" + line
            responses.append((whole, literals))


c = Raw()
ok, _ = c.run(b"LOGIN %s %s" % (user.encode(), password.encode()))
assert ok.startswith(b"OK"), ok
ok, caps = c.run(b"CAPABILITY")
assert b" BINARY" in caps[0][0], caps
ok, _ = c.run(b"SELECT INBOX")
assert ok.startswith(b"OK"), ok

# APPEND with a literal8: the message itself may hold NUL bytes now.
ok, _ = c.run(b"APPEND INBOX ()", message, literal8=True)
assert ok.startswith(b"OK [APPENDUID"), ok
uid = int(re.search(rb"APPENDUID \d+ (\d+)", ok).group(1))

ok, resp = c.run(b"UID FETCH %d (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.SIZE[2] FLAGS)" % uid)
assert ok.startswith(b"OK"), ok
(line, literals), = resp
assert literals[0][1] == TEXT.encode("utf-8"), literals[0][1][:80]
assert b"BINARY.SIZE[1] %d" % len(TEXT.encode("utf-8")) in line, line
assert b"BINARY.SIZE[2] %d" % len(PAYLOAD) in line, line
assert b"\\Seen" not in line, line

ok, resp = c.run(b"UID FETCH %d (BINARY[2])" % uid)
assert ok.startswith(b"OK"), ok
(line, literals), = resp
is_literal8, data = literals[0]
assert is_literal8, line  # it holds NUL: literal8
assert data == PAYLOAD, (len(data), data[:16])
assert b"\\Seen" in line, line  # BINARY without PEEK sets \Seen

ok, resp = c.run(b"UID FETCH %d (BINARY.PEEK[2]<256.16>)" % uid)
(line, literals), = resp
assert literals[0][1] == PAYLOAD[256:272], literals
# The origin is named, as for BODY[]<origin> (RFC 3516 section 4.2).
assert b" BINARY[2]<256> ~{16}" in line, line

ok, resp = c.run(b"UID FETCH %d (BINARY.PEEK[9])" % uid)
assert ok.startswith(b"OK"), ok
assert b"BINARY[9] NIL" in resp[0][0], resp

ok, resp = c.run(b"UID FETCH %d (BINARY.PEEK[3])" % uid)
assert ok.startswith(b"NO [UNKNOWN-CTE]"), ok

ok, _ = c.run(b"LOGOUT")
print("OK binary")
