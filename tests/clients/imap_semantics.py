"""RFC 3501 / RFC 2180 semantics between sessions, checked on the raw wire
(the exact responses and their order matter here, so no client library):

- a message another session expunged is still answered by FETCH (its
  content included) and STORE until this session may be told, and no
  EXPUNGE is sent during FETCH, STORE or SEARCH (RFC 2180 §4.1, §4.2;
  RFC 3501 §7.4.1); NOOP then reports it;
- `\\Recent`: exactly one session sees a new message as recent; SELECT and
  STATUS count it, EXAMINE shows it without taking it, SEARCH RECENT, NEW
  and OLD use it (RFC 3501 §2.3.2);
- a keyword set by another session arrives with a new FLAGS (and
  PERMANENTFLAGS) before the FETCH that uses it; a keyword only removed by
  STORE joins FLAGS too; `NIL` is a keyword like any other;
- twenty connections logging in at once with the same password all get in.

Arguments: IMAP port, IMAPS port, certificate file, user, password.
"""

import json
import os
import re
import socket
import sys
import threading
import urllib.request

port, tls_port, cert, user, password = sys.argv[1:6]
port = int(port)
emulator = os.environ["GRAPHGATE_EMULATOR"]
FOLDER = "Semantics"


def deliver(subject, folder_hint=None):
    mime = (f"From: Sender <sender@example.test>\r\nTo: {user}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n\r\nbody of {subject}\r\n").encode()
    req = urllib.request.Request(f"{emulator}/_emulator/mailboxes/{user}/deliver", data=mime, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)["id"]


class Conn:
    def __init__(self, name):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.n = 0
        self.line()  # greeting

    def line(self):
        data = self.file.readline()
        assert data, f"{self.name}: connection closed"
        while True:
            m = re.search(rb"\{(\d+)\}\r\n$", data)
            if not m:
                break
            data += self.file.read(int(m.group(1)))
            data += self.file.readline()
        return data.rstrip(b"\r\n").decode("utf-8", "replace")

    def cmd(self, text, ok=True):
        """Run a command: (untagged lines, tagged reply)."""
        self.n += 1
        tag = f"{self.name}{self.n}"
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        untagged = []
        while True:
            resp = self.line()
            if resp.startswith(tag + " "):
                reply = resp[len(tag) + 1:]
                if ok:
                    assert reply.startswith("OK"), f"{self.name}: {text!r} -> {reply}\n{untagged}"
                return untagged, reply
            untagged.append(resp)


def expect(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def login(name):
    c = Conn(name)
    c.cmd(f'LOGIN "{user}" "{password}"')
    return c


def count(lines, word):
    for line in lines:
        m = re.match(rf"^\* (\d+) {word}$", line)
        if m:
            return int(m.group(1))
    return None


# --- many logins at once, before any (nothing remembered yet) ---------------
results = []


def one():
    try:
        conn = Conn("p")
        _, reply = conn.cmd(f'LOGIN "{user}" "{password}"', ok=False)
        results.append(reply)
        conn.cmd("LOGOUT", ok=False)
    except Exception as e:  # noqa: BLE001 - any failure is reported
        results.append(repr(e))


threads = [threading.Thread(target=one) for _ in range(20)]
for t in threads:
    t.start()
for t in threads:
    t.join()
expect(all(r.startswith("OK") for r in results), f"20 logins at once: {results}")

# --- setup: a folder of three messages --------------------------------------
a = login("a")
a.cmd(f'CREATE "{FOLDER}"', ok=False)
for i in range(3):
    body = f"Subject: m{i}\r\n\r\nthe body of {i}\r\n"
    a.cmd(f'APPEND "{FOLDER}" (\\Seen) {{{len(body)}+}}\r\n{body}')
a.cmd("LOGOUT", ok=False)

# --- \Recent: one session, SELECT count, EXAMINE does not take -------------
b = login("b")
untagged, _ = b.cmd(f'EXAMINE "{FOLDER}"')
expect(count(untagged, "RECENT") == 3, f"EXAMINE shows the 3 new messages as recent: {untagged}")
status, _ = login("s").cmd(f'STATUS "{FOLDER}" (RECENT MESSAGES)')
expect(any("RECENT 3" in l for l in status), f"STATUS RECENT 3 after EXAMINE: {status}")
c = login("c")
untagged, _ = c.cmd(f'SELECT "{FOLDER}"')
expect(count(untagged, "RECENT") == 3, f"the first SELECT takes the 3 recent: {untagged}")
d = login("d")
untagged, _ = d.cmd(f'SELECT "{FOLDER}"')
expect(count(untagged, "RECENT") == 0, f"a second SELECT sees none recent: {untagged}")
fetch, _ = c.cmd("FETCH 1:3 (FLAGS)")
expect(all("\\Recent" in l for l in fetch) and len(fetch) == 3, f"FLAGS show \\Recent: {fetch}")
found, _ = c.cmd("SEARCH RECENT")
expect(found == ["* SEARCH 1 2 3"], f"SEARCH RECENT: {found}")
found, _ = c.cmd("SEARCH NEW")
expect(found == ["* SEARCH"], f"NEW is RECENT UNSEEN, and all are seen: {found}")
found, _ = d.cmd("SEARCH OLD")
expect(found == ["* SEARCH 1 2 3"], f"SEARCH OLD in the other session: {found}")
status, _ = login("s2").cmd(f'STATUS "{FOLDER}" (RECENT)')
expect(any("RECENT 0" in l for l in status), f"STATUS RECENT 0 once taken: {status}")

# A message arriving now is recent to exactly one of c and d.
c.cmd(f'APPEND "{FOLDER}" {{16+}}\r\nSubject: new\r\n\r\n')
seen_c, _ = c.cmd("FETCH 4 (FLAGS)")
seen_d, _ = d.cmd("NOOP")
seen_d += d.cmd("FETCH 4 (FLAGS)")[0]
recent_c = any("\\Recent" in l for l in seen_c if "FETCH" in l)
recent_d = any("\\Recent" in l for l in seen_d if "FETCH" in l)
expect(recent_c != recent_d, f"exactly one session sees it recent: c={seen_c} d={seen_d}")
expect(count(seen_d, "RECENT") is not None, f"NOOP reports RECENT with EXISTS: {seen_d}")

# --- keywords: FLAGS before the FETCH that uses them ----------------------
c.cmd("STORE 1 +FLAGS.SILENT ($Brandnew NIL)")
lines, _ = d.cmd("NOOP")
flags_at = next((i for i, l in enumerate(lines) if l.startswith("* FLAGS")), None)
fetch_at = next((i for i, l in enumerate(lines) if "FETCH" in l and "$Brandnew" in l), None)
expect(flags_at is not None and fetch_at is not None and flags_at < fetch_at,
       f"FLAGS comes before the FETCH with the new keyword: {lines}")
expect("$Brandnew" in lines[flags_at] and "NIL" in lines[flags_at], f"FLAGS lists them: {lines[flags_at]}")
expect(any("PERMANENTFLAGS" in l and "\\*" in l and "$Brandnew" in l for l in lines),
       f"PERMANENTFLAGS again: {lines}")
lines, _ = d.cmd("STORE 2 -FLAGS ($OnlyRemoved)")
expect(any(l.startswith("* FLAGS") and "$OnlyRemoved" in l for l in lines),
       f"a keyword STORE names joins FLAGS even when removed: {lines}")

# --- RFC 2180: expunged elsewhere, still answered until told ---------------
before, _ = d.cmd("FETCH 3 (UID)")
uid3 = re.search(r"UID (\d+)", before[0]).group(1)
c.cmd("STORE 3 +FLAGS.SILENT (\\Deleted)")
c.cmd("EXPUNGE")
lines, reply = d.cmd("FETCH 3 (UID FLAGS BODY.PEEK[])")
expect(not any(l.endswith("EXPUNGE") for l in lines), f"no EXPUNGE during FETCH: {lines}")
expect(any(f"UID {uid3}" in l and "the body of 2" in l for l in lines),
       f"FETCH still answers the expunged message with its content: {lines} {reply}")
lines, reply = d.cmd("STORE 3 +FLAGS (\\Flagged)")
expect(not any(l.endswith("EXPUNGE") for l in lines), f"no EXPUNGE during STORE: {lines}")
expect(any("\\Flagged" in l for l in lines), f"STORE on it succeeds in this session: {lines}")
lines, _ = d.cmd("SEARCH ALL")
expect(not any(l.endswith("EXPUNGE") for l in lines), f"no EXPUNGE during SEARCH: {lines}")
lines, _ = d.cmd("NOOP")
expect("* 3 EXPUNGE" in lines, f"NOOP reports the expunge: {lines}")

print("OK")
