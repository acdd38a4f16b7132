"""A header scan as mail clients do it, then BODY[] read in chunks of the
announced RFC822.SIZE; prints JSON with the sizes seen.
Arguments: IMAP port, IMAPS port, certificate file, user, password, then
"scan" (the scan only) or "chunks" (the scan, then the chunked read)."""

import imaplib
import json
import re
import sys

port, tls_port, cert, user, password, mode = sys.argv[1:7]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
m.select("INBOX")
typ, data = m.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])")
assert typ == "OK", data
sizes = {}
for item in data:
    if isinstance(item, tuple):
        meta = item[0].decode()
        uid = int(re.search(r"UID (\d+)", meta).group(1))
        sizes[uid] = int(re.search(r"RFC822\.SIZE (\d+)", meta).group(1))
        assert b"Subject:" in item[1] or b"SUBJECT:" in item[1].upper(), item
if mode == "scan":
    print(json.dumps({"scanned": len(sizes)}))
    sys.exit(0)
# Read the first message in chunks of 1000 bytes, as some clients do.
uid, size = next(iter(sizes.items()))
chunks = []
offset = 0
while offset < size:
    typ, data = m.uid("FETCH", str(uid), f"(BODY.PEEK[]<{offset}.1000>)")
    chunks.append(data[0][1])
    offset += 1000
whole = b"".join(chunks)
typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[])")
assert whole == data[0][1], "chunks add up to BODY[]"
assert len(whole) == size, (len(whole), size)
typ, data = m.uid("FETCH", str(uid), "(RFC822.SIZE)")
assert int(re.search(rb"RFC822\.SIZE (\d+)", data[0]).group(1)) == size, "size never changes"
print(json.dumps({"size": size, "served": len(whole)}))
