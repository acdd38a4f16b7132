"""Print a folder's UIDVALIDITY, UIDNEXT and UIDs (with Message-IDs) as JSON.
Arguments: IMAP port, IMAPS port, certificate file, user, password, folder."""

import imaplib
import json
import re
import sys

port, tls_port, cert, user, password, folder = sys.argv[1:7]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
typ, data = m.status(f'"{folder}"', "(UIDVALIDITY UIDNEXT MESSAGES)")
assert typ == "OK", data
status = data[0].decode()
uidvalidity = int(re.search(r"UIDVALIDITY (\d+)", status).group(1))
uidnext = int(re.search(r"UIDNEXT (\d+)", status).group(1))
typ, data = m.select(f'"{folder}"', readonly=True)
assert typ == "OK", data
uids = {}
typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
for item in data:
    if isinstance(item, tuple):
        uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
        uids[uid] = item[1].decode().strip()
m.logout()
print(json.dumps({"uidvalidity": uidvalidity, "uidnext": uidnext, "uids": uids}))
