"""APPEND a list of messages with their flags and dates, then check from a
second session what a client sees: APPENDUID (UIDVALIDITY and ascending
UIDs), FLAGS exactly as appended, INTERNALDATE as given, BODY[] byte for
byte. Arguments: IMAP port, IMAPS port, certificate file, user, password,
folder, and a JSON file of cases [{"file", "flags", "date"}] (date as IMAP
writes it, or null). Prints [{"uid", "message_id"}] as JSON."""

import imaplib
import json
import re
import sys
from datetime import datetime

port, tls_port, cert, user, password, folder, spec = sys.argv[1:8]
with open(spec) as f:
    cases = json.load(f)


def connect():
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    return m


def when(text):
    return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z")


a = connect()
appended = []
for case in cases:
    with open(case["file"], "rb") as f:
        mime = f.read()
    date = None if case["date"] is None else f'"{case["date"]}"'
    typ, data = a.append(f'"{folder}"', case["flags"], date, mime)
    assert typ == "OK", data
    found = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
    assert found, data
    appended.append((int(found.group(1)), int(found.group(2)), mime, case))
a.logout()

b = connect()
typ, data = b.select(f'"{folder}"', readonly=True)
assert typ == "OK", data
typ, validity = b.response("UIDVALIDITY")
uids = [uid for _, uid, _, _ in appended]
assert uids == sorted(uids) and len(set(uids)) == len(uids), uids
out = []
for uidvalidity, uid, mime, case in appended:
    assert uidvalidity == int(validity[0]), (uidvalidity, validity)
    typ, data = b.uid("FETCH", str(uid), "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert typ == "OK", data
    literal = next(d for d in data if isinstance(d, tuple))
    meta = b" ".join([literal[0]] + [d for d in data if isinstance(d, bytes)]).decode()
    assert re.search(rf"UID {uid}\b", meta), meta
    assert literal[1] == mime, f"BODY[] of UID {uid} differs from what was appended"
    # \Recent is the session's, not a flag that was appended.
    flags = set(re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split()) - {"\\Recent"}
    wanted = set(case["flags"].strip("()").split())
    assert flags == wanted, (uid, flags, wanted)
    internal = re.search(r'INTERNALDATE "([^"]+)"', meta).group(1)
    if case["date"] is not None:
        assert when(internal) == when(case["date"]), (uid, internal, case["date"])
    mid = re.search(rb"(?im)^Message-ID:\s*(<[^>]+>)", mime).group(1).decode()
    out.append({"uid": uid, "message_id": mid})
b.logout()
print(json.dumps(out))
