"""A bounded IMAP stress test: N clients work on one mailbox at once for a
fixed time, each doing random SELECT, FETCH, STORE (flags and keywords),
EXPUNGE, APPEND, COPY, MOVE, SEARCH, NOOP and IDLE, while every session's
view is tracked from what the server says. It fails on any protocol error
or view mismatch:

- a tagged BAD, an untagged BAD, an unexpected BYE, a NO that the command
  may not answer (only Graph trouble, `--faults`, and COPY/MOVE of a message
  expunged meanwhile may say NO), a command that takes longer than a minute;
- EXISTS going down, EXPUNGE with a number out of range or sent during
  FETCH, STORE or SEARCH (RFC 3501 §7.4.1);
- a sequence number whose UID changes, UIDs not growing with sequence
  numbers, a new message with a UID not above every UID seen before;
- `\\Recent` on one message in two sessions (RFC 3501 §2.3.2);
- a keyword in a FETCH that the session's FLAGS did not list (§7.2.6);
- a client's own keyword (each client owns one) showing in its own session
  anything but what the client last stored;
- SEARCH ALL not naming exactly the session's messages;
- at the end, after a NOOP in every session, two sessions that disagree on
  the folder's UIDs or flags.

Arguments: IMAP port, IMAPS port, certificate file, user, password, then
options: --clients N (4), --seconds S (8), --seed X, --faults (Graph
faults are being injected: NO [UNAVAILABLE] is allowed), --host H.
Prints one JSON line of counts; exits 1 with the first problems otherwise.
"""

import argparse
import asyncio
import json
import random
import re
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("tls_port")
parser.add_argument("cert")
parser.add_argument("user")
parser.add_argument("password")
parser.add_argument("--clients", type=int, default=4)
parser.add_argument("--seconds", type=float, default=8)
parser.add_argument("--seed", type=int, default=None)
parser.add_argument("--faults", action="store_true")
parser.add_argument("--host", default="127.0.0.1")
args = parser.parse_args()

SEED = args.seed if args.seed is not None else random.randrange(1 << 30)
FOLDER = "Stress"
OTHER = "Stress/Other"
MAX_MESSAGES = 30
COMMAND_TIMEOUT = 60
problems = []
counts = {"commands": 0, "no": 0, "fetch_expunged": 0, "idle": 0, "appends": 0}
# UID -> the client that saw it \Recent.
recent_owner = {}


def problem(who, what):
    if len(problems) < 50:
        problems.append(f"client {who}: {what}")


FETCH_RE = re.compile(rb"^\* (\d+) FETCH \((.*)\)$", re.S)
UID_RE = re.compile(rb"\bUID (\d+)")
FLAGS_RE = re.compile(rb"\bFLAGS \(([^)]*)\)")


class Session:
    def __init__(self, index):
        self.index = index
        self.keyword = f"$Own{index}"
        self.tag = 0
        self.view = []  # UIDs in sequence order; None until the server says
        self.flags = {}  # UID -> set of flags last shown
        self.keywords = set()  # keywords the last FLAGS listed
        self.own = {}  # UID -> whether this client's keyword should be set
        self.command = ""  # the command in progress
        self.expected_no = False

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(args.host, args.port)
        await self.line()  # greeting
        await self.run(f'LOGIN "{args.user}" "{args.password}"')

    async def line(self):
        """One response, literals included, without the final CRLF."""
        data = await self.reader.readline()
        if not data:
            raise ConnectionError("connection closed")
        out = data
        while True:
            m = re.search(rb"\{(\d+)\}\r\n$", out)
            if not m:
                break
            out += await self.reader.readexactly(int(m.group(1)))
            out += await self.reader.readline()
        return out.rstrip(b"\r\n")

    def send(self, text, literal=None):
        self.tag += 1
        tag = f"c{self.index}.{self.tag}"
        if literal is None:
            self.writer.write(f"{tag} {text}\r\n".encode())
        else:
            self.writer.write(f"{tag} {text} {{{len(literal)}+}}\r\n".encode() + literal + b"\r\n")
        return tag

    async def run(self, text, literal=None, may_fail=False):
        """Send a command and read to its tagged reply; returns (status, text)."""
        self.command = text.split(" ")[0].upper()
        if self.command == "UID":
            self.command = "UID " + text.split(" ")[1].upper()
        tag = self.send(text, literal)
        counts["commands"] += 1
        while True:
            resp = await asyncio.wait_for(self.line(), COMMAND_TIMEOUT)
            if resp.startswith(tag.encode() + b" "):
                rest = resp[len(tag) + 1 :].decode(errors="replace")
                status = rest.split(" ")[0]
                self.command = ""
                if status == "BAD":
                    problem(self.index, f"BAD for {text[:60]!r}: {rest}")
                elif status == "NO":
                    counts["no"] += 1
                    allowed = may_fail or (args.faults and "UNAVAILABLE" in rest)
                    if not allowed:
                        problem(self.index, f"NO for {text[:60]!r}: {rest}")
                return status, rest
            self.untagged(resp)

    def untagged(self, resp):
        if resp.startswith(b"+"):
            return
        m = re.match(rb"^\* (\d+) (EXISTS|EXPUNGE|RECENT)$", resp)
        if m:
            n, what = int(m.group(1)), m.group(2)
            if what == b"EXISTS":
                if n < len(self.view):
                    problem(self.index, f"EXISTS went down from {len(self.view)} to {n}")
                self.view.extend([None] * (n - len(self.view)))
            elif what == b"EXPUNGE":
                if self.command in ("FETCH", "STORE", "SEARCH"):
                    problem(self.index, f"EXPUNGE during {self.command}")
                if not 1 <= n <= len(self.view):
                    problem(self.index, f"EXPUNGE {n} of {len(self.view)}")
                else:
                    uid = self.view.pop(n - 1)
                    self.flags.pop(uid, None)
                    self.own.pop(uid, None)
            elif n > len(self.view):
                problem(self.index, f"RECENT {n} above EXISTS {len(self.view)}")
            return
        m = FETCH_RE.match(resp)
        if m:
            self.fetched(int(m.group(1)), m.group(2))
            return
        if resp.startswith(b"* FLAGS ("):
            self.keywords = {f for f in resp[9:-1].decode().split() if not f.startswith("\\")}
            return
        if resp.startswith(b"* BYE") and self.command != "LOGOUT":
            problem(self.index, f"unexpected {resp[:100]!r}")
        if resp.startswith(b"* BAD") or resp.startswith(b"* NO"):
            problem(self.index, f"untagged {resp[:100]!r}")

    def fetched(self, seq, items):
        if not 1 <= seq <= len(self.view):
            problem(self.index, f"FETCH for {seq} of {len(self.view)}")
            return
        # Literals may hold anything; look for UID and FLAGS before them.
        head = items.split(b"{", 1)[0]
        uid_m = UID_RE.search(head)
        uid = self.view[seq - 1]
        if uid_m:
            seen = int(uid_m.group(1))
            if uid is None:
                self.place(seq, seen)
                uid = seen
            elif uid != seen:
                problem(self.index, f"message {seq} was UID {uid}, now UID {seen}")
        flags_m = FLAGS_RE.search(head)
        if flags_m is None:
            return
        flags = set(flags_m.group(1).decode().split())
        for k in flags:
            if not k.startswith("\\") and k not in self.keywords:
                problem(self.index, f"keyword {k} used before FLAGS listed it")
        if uid is None:
            return
        if "\\Recent" in flags:
            owner = recent_owner.setdefault(uid, self.index)
            if owner != self.index:
                problem(self.index, f"UID {uid} is \\Recent in sessions {owner} and {self.index}")
        self.flags[uid] = flags - {"\\Recent"}
        want = self.own.get(uid)
        if want is not None and (self.keyword in flags) != want:
            problem(self.index, f"own keyword on UID {uid} is {not want}, stored {want}")

    def place(self, seq, uid):
        """A UID learned for a sequence number: it must fit between its neighbours."""
        before = [u for u in self.view[: seq - 1] if u is not None]
        after = [u for u in self.view[seq:] if u is not None]
        if (before and before[-1] >= uid) or (after and after[0] <= uid):
            problem(self.index, f"UID {uid} out of order at {seq}")
        self.view[seq - 1] = uid

    async def select(self):
        self.view, self.flags, self.own = [], {}, {}
        status, _ = await self.run(f'SELECT "{FOLDER}"')
        if status == "OK" and self.view:
            await self.run("UID FETCH 1:* (UID FLAGS)")

    async def step(self, rnd):
        n = len(self.view)
        op = rnd.random()
        if op < 0.05:
            await self.select()
        elif op < 0.25 and n:
            a = rnd.randint(1, n)
            b = rnd.randint(a, min(n, a + 5))
            what = rnd.choice(["(UID FLAGS)", "(FLAGS INTERNALDATE RFC822.SIZE)",
                               "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])", "(UID BODY.PEEK[])"])
            status, rest = await self.run(f"FETCH {a}:{b} {what}", may_fail=True)
            if status == "NO":
                if "EXPUNGEISSUED" in rest:
                    counts["fetch_expunged"] += 1
                elif not (args.faults and "UNAVAILABLE" in rest):
                    problem(self.index, f"FETCH: {rest}")
        elif op < 0.45 and n:
            seq = rnd.randint(1, n)
            uid = self.view[seq - 1]
            on = rnd.random() < 0.6
            flag = rnd.choice([self.keyword, "\\Seen", "\\Flagged", self.keyword])
            mine = flag == self.keyword and uid is not None
            if mine:
                self.own[uid] = on
            status, _ = await self.run(f"STORE {seq} {'+' if on else '-'}FLAGS ({flag})")
            if mine and status != "OK":
                self.own.pop(uid, None)
        elif op < 0.52 and n:
            seq = rnd.randint(1, n)
            await self.run(f"STORE {seq} +FLAGS.SILENT (\\Deleted)")
            await self.run("EXPUNGE")
        elif op < 0.62:
            if n < MAX_MESSAGES:
                counts["appends"] += 1
                body = (f"From: c{self.index}@example.test\r\nSubject: stress {time.time()}\r\n"
                        f"Message-ID: <{random.random()}@stress>\r\n\r\nclient {self.index}\r\n").encode()
                await self.run(f'APPEND "{FOLDER}" (\\Seen)', literal=body)
        elif op < 0.68 and n:
            seq = rnd.randint(1, n)
            await self.run(f'COPY {seq} "{OTHER}"', may_fail=True)
        elif op < 0.74 and n:
            seq = rnd.randint(1, n)
            await self.run(f'MOVE {seq} "{OTHER}"', may_fail=True)
        elif op < 0.82:
            status, rest = await self.search()
        elif op < 0.9:
            await self.idle(rnd.uniform(0.2, 0.8))
        else:
            await self.run("NOOP")
        self.check_order()

    async def search(self):
        tag = self.send("UID SEARCH ALL")
        self.command = "UID SEARCH"
        counts["commands"] += 1
        found, known = None, None
        while True:
            resp = await asyncio.wait_for(self.line(), COMMAND_TIMEOUT)
            if resp.startswith(b"* SEARCH"):
                # Compared with the view as it stands now: updates come after.
                found = [int(x) for x in resp[8:].split()]
                known = None if None in self.view else list(self.view)
                continue
            if resp.startswith(tag.encode() + b" "):
                rest = resp[len(tag) + 1 :].decode(errors="replace")
                self.command = ""
                if not rest.startswith("OK"):
                    problem(self.index, f"UID SEARCH: {rest}")
                if found is not None and known is not None and found != known:
                    extra = sorted(set(found) ^ set(known))
                    if extra:
                        problem(self.index, f"SEARCH ALL differs from the view by {extra[:5]}")
                return rest.split(" ")[0], rest
            self.untagged(resp)

    async def idle(self, seconds):
        counts["idle"] += 1
        tag = self.send("IDLE")
        self.command = "IDLE"
        while True:
            resp = await asyncio.wait_for(self.line(), COMMAND_TIMEOUT)
            if resp.startswith(b"+"):
                break
            if resp.startswith(tag.encode()):
                problem(self.index, f"IDLE answered {resp[:80]!r}")
                return
            self.untagged(resp)
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                resp = await asyncio.wait_for(self.line(), left)
            except asyncio.TimeoutError:
                break
            self.untagged(resp)
        self.writer.write(b"DONE\r\n")
        while True:
            resp = await asyncio.wait_for(self.line(), COMMAND_TIMEOUT)
            if resp.startswith(tag.encode() + b" "):
                if b" OK" not in resp:
                    problem(self.index, f"IDLE ended with {resp!r}")
                break
            self.untagged(resp)
        self.command = ""

    def check_order(self):
        known = [u for u in self.view if u is not None]
        if any(a >= b for a, b in zip(known, known[1:])):
            problem(self.index, f"UIDs not growing: {known[:20]}")
            self.view = [None] * len(self.view)


async def client(index, deadline):
    rnd = random.Random(SEED * 1000 + index)
    s = Session(index)
    await s.connect()
    await s.select()
    while time.monotonic() < deadline and len(problems) < 50:
        await s.step(rnd)
        if None in s.view:
            await s.run("UID FETCH 1:* (UID FLAGS)")
    return s


async def setup():
    s = Session(99)
    await s.connect()
    for name in (FOLDER, OTHER):
        await s.run(f'CREATE "{name}"', may_fail=True)
    await s.run(f'SELECT "{FOLDER}"')
    for i in range(10):
        body = f"From: seed@example.test\r\nSubject: seed {i}\r\n\r\nseed\r\n".encode()
        await s.run(f'APPEND "{FOLDER}"', literal=body)
    await s.run("LOGOUT")


async def main():
    await setup()
    deadline = time.monotonic() + args.seconds
    sessions = await asyncio.gather(*(client(i, deadline) for i in range(args.clients)))
    # Everyone catches up; then all views must agree.
    views = []
    for s in sessions:
        await s.run("NOOP")
        await s.run("UID FETCH 1:* (UID FLAGS)")
        views.append((s.index, list(s.view), {u: sorted(f) for u, f in s.flags.items()}))
    first = views[0]
    for other in views[1:]:
        if other[1] != first[1]:
            problem(other[0], f"final UIDs differ from client {first[0]}: {other[1][:10]} vs {first[1][:10]}")
        elif other[2] != {u: first[2].get(u) for u in other[2]}:
            diff = [u for u in other[2] if other[2][u] != first[2].get(u)][:3]
            problem(other[0], f"final flags differ from client {first[0]} on UIDs {diff}")
    for s in sessions:
        await s.run("LOGOUT")
    counts["messages"] = len(first[1])
    counts["seed"] = SEED


try:
    asyncio.run(main())
except Exception as e:  # a dropped connection or a timeout is a failure too
    problem("-", f"{type(e).__name__}: {e}")
if problems:
    print(f"seed {SEED}", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(json.dumps(counts))
