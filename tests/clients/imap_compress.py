"""COMPRESS=DEFLATE (RFC 4978) from a client that is not graphgate's own:
Python's zlib with wbits=-15 (raw DEFLATE), over plain TCP, IMAPS and
STARTTLS. Each run logs in, turns compression on, then APPENDs a large
message with a synchronizing literal (the `+` must come through the
compressor), SELECTs and FETCHes it back byte for byte, IDLEs while mail
is delivered at Microsoft (the EXISTS must arrive while the server has
nothing else to say: proof that every flush reaches the client), and logs
out. Also: COMPRESS before login, twice, with an unknown algorithm, sent
with compressed commands right behind it, and followed by garbage.

Arguments: IMAP port, IMAPS port, certificate file, user, password, and a
directory where the inflated server output after each COMPRESS is written
(transcript-<mode>.bin) for the Rust side to parse with imap-codec."""

import base64
import json
import os
import random
import re
import socket
import ssl
import sys
import time
import urllib.request
import zlib

port, tls_port, cert, user, password, out_dir = sys.argv[1:7]
emulator = os.environ["GRAPHGATE_EMULATOR"]
DEADLINE = 20


def deliver(subject):
    mime = (
        f"From: Outside <outside@example.test>\r\nTo: {user}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n\r\nhello\r\n"
    ).encode()
    req = urllib.request.Request(f"{emulator}/_emulator/mailboxes/{user}/deliver", data=mime, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)["id"]


def large_message():
    """About 600 KB: text that compresses well and base64 that does not."""
    rng = random.Random(4978)
    words = ["gateway", "compress", "deflate", "mailbox", "Graph", "IDLE", "literal", "window"]
    text = "\r\n".join(
        " ".join(rng.choice(words) for _ in range(12)) for _ in range(6000)
    )
    blob = bytes(rng.getrandbits(8) for _ in range(150_000))
    encoded = base64.b64encode(blob).decode()
    b64 = "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    return (
        f"From: Alice <{user}>\r\nTo: Bob <bob@contoso.test>\r\n"
        "Subject: compressed append\r\nMessage-ID: <compress-append@example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"{text}\r\n"
        "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{b64}\r\n--b1--\r\n"
    ).encode()


class Client:
    """A raw IMAP client that can switch to raw DEFLATE both ways."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(DEADLINE)
        self.buf = b""
        self.deflate = None
        self.inflate = None
        self.transcript = bytearray()
        self.wire_in = 0
        self.wire_out = 0

    def send(self, data):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.wire_out += len(data)
        self.sock.sendall(data)

    def fill(self):
        raw = self.sock.recv(65536)
        if not raw:
            raise EOFError("the server closed the connection")
        self.wire_in += len(raw)
        if self.inflate:
            raw = self.inflate.decompress(raw)
            self.transcript += raw
        self.buf += raw

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def until(self, tag):
        """Responses up to the tagged one: (untagged lines, literals, tagged line)."""
        lines, literals = [], []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return lines, literals, line
            while True:
                m = re.search(rb"\{(\d+)\}$", line)
                if not m:
                    break
                literals.append(self.exactly(int(m.group(1))))
                line = self.line()
            lines.append(line)

    def command(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def compress_on(self):
        assert self.buf == b"", f"the server said more before compression: {self.buf!r}"
        self.deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflate = zlib.decompressobj(-15)


def expect(tagged, prefix, what):
    assert tagged.startswith(prefix), f"{what}: {tagged!r}"


def connect(mode):
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    if mode == "imaps":
        sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(tls_port))))
        c = Client(sock)
        c.line()
        return c
    c = Client(socket.create_connection(("127.0.0.1", int(port))))
    greeting = c.line()
    assert b"COMPRESS" not in greeting, greeting
    if mode == "starttls":
        _, _, tagged = c.command(b"s1", b"STARTTLS")
        expect(tagged, b"s1 OK", "STARTTLS")
        c.sock = ctx.wrap_socket(c.sock)
        c.sock.settimeout(DEADLINE)
    return c


def login(c):
    _, _, tagged = c.command(b"a0", b"COMPRESS DEFLATE")
    expect(tagged, b"a0 BAD", "COMPRESS before login")
    _, _, tagged = c.command(b"a1", b"LOGIN " + user.encode() + b" " + password.encode())
    expect(tagged, b"a1 OK", "LOGIN")
    assert b"COMPRESS=DEFLATE" in tagged, f"advertised after login: {tagged!r}"


def full_session(mode):
    c = connect(mode)
    login(c)
    _, _, tagged = c.command(b"a2", b"COMPRESS DEFLATE")
    expect(tagged, b"a2 OK", "COMPRESS")
    c.compress_on()

    _, _, tagged = c.command(b"a3", b"COMPRESS DEFLATE")
    expect(tagged, b"a3 NO [COMPRESSIONACTIVE]", "second COMPRESS")
    _, _, tagged = c.command(b"a4", b"COMPRESS LZ4")
    expect(tagged, b"a4 BAD", "unknown algorithm")

    # APPEND with a synchronizing literal: the continuation request must
    # come out of the compressor before the client sends the message.
    message = large_message()
    c.send(b"a5 APPEND INBOX (\\Seen) {%d}\r\n" % len(message))
    cont = c.line()
    assert cont.startswith(b"+"), cont
    c.send(message + b"\r\n")
    _, _, tagged = c.until(b"a5")
    expect(tagged, b"a5 OK", "APPEND")
    uid = int(re.search(rb"APPENDUID \d+ (\d+)", tagged).group(1))

    lines, _, tagged = c.command(b"a6", b"SELECT INBOX")
    expect(tagged, b"a6 OK", "SELECT")
    exists = max(int(m.group(1)) for l in lines if (m := re.match(rb"\* (\d+) EXISTS", l)))

    _, literals, tagged = c.command(b"a7", b"UID FETCH %d (RFC822.SIZE BODY.PEEK[])" % uid)
    expect(tagged, b"a7 OK", "FETCH")
    assert literals == [message], f"FETCH gave {[len(l) for l in literals]} bytes, {len(message)} appended"

    # IDLE: the go-ahead, then mail delivered at Microsoft must be told
    # while nothing else is sent.
    c.send(b"a8 IDLE\r\n")
    assert c.line().startswith(b"+"), "IDLE go-ahead"
    started = time.time()
    deliver(f"compressed idle {mode}")
    while True:
        line = c.line()
        m = re.match(rb"\* (\d+) EXISTS", line)
        if m:
            assert int(m.group(1)) == exists + 1, line
            break
    told = time.time() - started
    c.send(b"DONE\r\n")
    _, _, tagged = c.until(b"a8")
    expect(tagged, b"a8 OK", "IDLE")

    lines, _, tagged = c.command(b"a9", b"LOGOUT")
    expect(tagged, b"a9 OK", "LOGOUT")
    assert any(l.startswith(b"* BYE") for l in lines), lines
    try:
        rest = c.sock.recv(1024)
        assert rest == b"", rest
    except (ConnectionResetError, ssl.SSLError):
        pass
    with open(os.path.join(out_dir, f"transcript-{mode}.bin"), "wb") as f:
        f.write(c.transcript)
    print(
        f"{mode}: IDLE told in {told:.2f} s; server sent {len(c.transcript)} bytes as {c.wire_in} "
        f"(ratio {len(c.transcript) / max(c.wire_in, 1):.2f}), client {c.wire_out} on the wire"
    )


def pipelined():
    """Compressed commands sent right behind COMPRESS, before its OK."""
    c = connect("plain")
    login(c)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    early = deflate.compress(b"p1 NOOP\r\np2 CAPABILITY\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH)
    c.sock.sendall(b"a2 COMPRESS DEFLATE\r\n" + early)
    expect(c.line(), b"a2 OK", "COMPRESS")
    c.inflate = zlib.decompressobj(-15)
    c.buf = c.inflate.decompress(c.buf)
    c.deflate = deflate
    _, _, tagged = c.until(b"p1")
    expect(tagged, b"p1 OK", "NOOP sent before the OK")
    lines, _, tagged = c.until(b"p2")
    expect(tagged, b"p2 OK", "CAPABILITY sent before the OK")
    assert any(b"COMPRESS=DEFLATE" in l for l in lines), lines
    _, _, tagged = c.command(b"p3", b"LOGOUT")
    expect(tagged, b"p3 OK", "LOGOUT")


def garbage():
    """Bytes that are not DEFLATE after COMPRESS: BYE, then the end."""
    c = connect("plain")
    login(c)
    _, _, tagged = c.command(b"a2", b"COMPRESS DEFLATE")
    expect(tagged, b"a2 OK", "COMPRESS")
    c.compress_on()
    c.sock.sendall(b"\xff" * 64 + b"a3 NOOP\r\n")
    said = b""
    try:
        while True:
            c.fill()
    except (EOFError, ConnectionResetError):
        said = bytes(c.transcript)
    assert said.startswith(b"* BYE"), said
    # The server is fine: a new session works.
    c = connect("plain")
    login(c)
    _, _, tagged = c.command(b"a2", b"NOOP")
    expect(tagged, b"a2 OK", "NOOP after the garbage session")


for mode in ("plain", "imaps", "starttls"):
    full_session(mode)
pipelined()
garbage()
print("OK")
