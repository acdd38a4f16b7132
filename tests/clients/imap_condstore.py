"""CONDSTORE (RFC 7162) through the imapclient package, as a syncing
client uses it: ENABLE, HIGHESTMODSEQ at SELECT, MODSEQ in FETCH, FETCH
CHANGEDSINCE after another session changed flags, SEARCH MODSEQ, STATUS
HIGHESTMODSEQ, and the MODSEQ of unsolicited FETCH responses in IDLE.
Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import sys
import time

from imapclient import IMAPClient

port, _tls_port, _cert, user, password = sys.argv[1:6]


def connect():
    c = IMAPClient("127.0.0.1", port=int(port), ssl=False)
    c.login(user, password)
    return c


syncer = connect()
caps = syncer.capabilities()
for cap in (b"CONDSTORE", b"QRESYNC", b"WITHIN"):
    assert cap in caps, caps
assert syncer.enable("CONDSTORE") == [b"CONDSTORE"]
info = syncer.select_folder("INBOX")
highest = info[b"HIGHESTMODSEQ"]
assert highest > 0, info
uids = syncer.search(["ALL"])
assert len(uids) >= 3, uids

# Every message has a mod-sequence, none above HIGHESTMODSEQ.
first = syncer.fetch(uids, ["FLAGS", "MODSEQ"])
for uid in uids:
    (modseq,) = first[uid][b"MODSEQ"]
    assert 0 < modseq <= highest, (uid, modseq, highest)

# Nothing changed since HIGHESTMODSEQ: CHANGEDSINCE finds nothing.
assert syncer.fetch(uids, ["FLAGS"], modifiers=["CHANGEDSINCE %d" % highest]) == {}

# Another session flags one message; the syncer finds exactly that one.
other = connect()
other.select_folder("INBOX")
target = uids[1]
other.add_flags([target], [b"\\Flagged", b"Project_Y"])
changed = syncer.fetch(uids, ["FLAGS"], modifiers=["CHANGEDSINCE %d" % highest])
assert list(changed) == [target], changed
(new_modseq,) = changed[target][b"MODSEQ"]
assert new_modseq > highest, (new_modseq, highest)
assert b"\\Flagged" in changed[target][b"FLAGS"], changed

# SEARCH MODSEQ: the changed message, with the highest mod-sequence found.
found = syncer.search(["MODSEQ", highest + 1])
assert list(found) == [target], found
assert found.modseq == new_modseq, (found.modseq, new_modseq)

# STATUS HIGHESTMODSEQ of the folder agrees.
status = other.folder_status("INBOX", ["HIGHESTMODSEQ", "MESSAGES"])
assert status[b"HIGHESTMODSEQ"] >= new_modseq, status

# WITHIN: every message arrived more than a second ago, none in the future.
assert syncer.search(["OLDER", 1]) == uids
assert syncer.search(["YOUNGER", 1]) == []

# IDLE: a flag change elsewhere arrives with its MODSEQ.
syncer.idle()
other.remove_flags([target], [b"\\Flagged"])
deadline = time.time() + 20
seen = None
while time.time() < deadline and seen is None:
    for resp in syncer.idle_check(timeout=1):
        if len(resp) == 3 and resp[1] == b"FETCH" and b"MODSEQ" in resp[2]:
            # (UID u FLAGS (...) MODSEQ (m)) as name, value pairs.
            seen = dict(zip(resp[2][::2], resp[2][1::2]))
syncer.idle_done()
assert seen is not None, "the flag change came with its MODSEQ in IDLE"
assert seen[b"MODSEQ"][0] > new_modseq, seen
assert b"\\Flagged" not in seen[b"FLAGS"], seen

other.logout()
syncer.logout()
print("OK condstore")
