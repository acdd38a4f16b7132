"""A second, independent client: the imapclient package (its own parser).
Two sessions on one mailbox: one stores flags and expunges, the other sees
it in IDLE. Then flags, keywords, MOVE, UID EXPUNGE and SEARCH, checked
against what the first session sees. Arguments: IMAP port, IMAPS port,
certificate file, user, password."""

import ssl
import sys
import time

from imapclient import IMAPClient

port, tls_port, cert, user, password = sys.argv[1:6]

ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
watcher = IMAPClient("127.0.0.1", port=int(tls_port), ssl=True, ssl_context=ctx)
watcher.login(user, password)
info = watcher.select_folder("INBOX")
assert b"UIDVALIDITY" in info and info[b"EXISTS"] > 2, info
uids = watcher.search(["ALL"])

worker = IMAPClient("127.0.0.1", port=int(port), ssl=False)
worker.login(user, password)
worker.select_folder("INBOX")
assert worker.search(["ALL"]) == uids

watcher.idle()
target = uids[-1]
worker.add_flags([target], [b"\\Flagged", b"Project_X"])
deadline = time.time() + 20
seen_flags = False
while time.time() < deadline and not seen_flags:
    for resp in watcher.idle_check(timeout=1):
        if len(resp) == 3 and resp[1] == b"FETCH" and b"\\Flagged" in str(resp[2]).encode():
            seen_flags = True
assert seen_flags, "the watcher saw the flag change in IDLE"
worker.set_flags([target], [b"\\Deleted"])
worker.uid_expunge([target])
deadline = time.time() + 20
seen_expunge = False
while time.time() < deadline and not seen_expunge:
    for resp in watcher.idle_check(timeout=1):
        if len(resp) == 2 and resp[1] == b"EXPUNGE":
            seen_expunge = True
assert seen_expunge, "the watcher saw the expunge in IDLE"
watcher.idle_done()
assert target not in watcher.search(["ALL"])

# keywords are Outlook categories and come back as keywords
k = uids[0]
worker.add_flags([k], [b"Client_A"])
assert b"Client_A" in worker.get_flags([k])[k]
assert k in worker.search(["KEYWORD", "Client_A"])
worker.remove_flags([k], [b"Client_A"])

# MOVE with COPYUID, then the message is in Archive
worker.move([uids[1]], "Archive")
assert uids[1] not in worker.search(["ALL"])
worker.select_folder("Archive")
assert len(worker.search(["ALL"])) >= 1
worker.logout()
watcher.logout()
print("OK")
