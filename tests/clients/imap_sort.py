"""SORT and THREAD through the imapclient package (its own parser, its own
use of UID SORT and UID THREAD): a small conversation is appended to a new
folder with chosen Date, From, To, Cc, Subject, Message-ID, In-Reply-To and
References fields and arrival times, then sorted and threaded every way.
Prints JSON: each answer with the messages by name, for the Rust test to
check. Arguments: IMAP port, IMAPS port, certificate file, user, password."""

import json
import sys
from datetime import datetime, timezone

from imapclient import IMAPClient

port, tls_port, cert, user, password = sys.argv[1:6]
FOLDER = "Threads"

# name, arrival (INTERNALDATE, March 2026, UTC), header fields.
MESSAGES = [
    ("plan", (10, 8), [
        "From: =?UTF-8?Q?Zo=C3=AB?= Adams <zoe@contoso.test>",
        "To: bob@contoso.test",
        "Subject: Plan for Q3",
        "Date: Mon, 02 Mar 2026 09:00:00 +0000",
        "Message-ID: <plan@contoso.test>",
    ]),
    ("lunch", (1, 12), [
        "From: carol@contoso.test",
        "To: Team <team@contoso.test>",
        "Cc: zed@contoso.test",
        "Subject: Lunch?",
        "Message-ID: <lunch@contoso.test>",
    ]),
    ("re1", (10, 9), [
        "From: Bob <bob@contoso.test>",
        "To: zoe@contoso.test",
        "Subject: Re: Plan for Q3",
        "Date: Mon, 02 Mar 2026 11:30:00 +0100",
        "Message-ID: <re1@contoso.test>",
        "In-Reply-To: <plan@contoso.test>",
    ]),
    ("re2", (10, 10), [
        "From: alice <alice@contoso.test>",
        "To: zoe@contoso.test",
        "Subject: RE: plan for q3",
        "Date: Mon, 02 Mar 2026 10:00:00 +0000",
        "Message-ID: <re2@contoso.test>",
        "References: <plan@contoso.test>",
    ]),
    ("re3", (10, 11), [
        "From: =?UTF-8?Q?=C3=89mile?= <emile@contoso.test>",
        "To: zoe@contoso.test, bob@contoso.test",
        "Subject: Re: Re: Plan for Q3",
        "Date: Mon, 02 Mar 2026 12:00:00 +0000",
        "Message-ID: <re3@contoso.test>",
        "References: <plan@contoso.test>\r\n <re1@contoso.test>",
    ]),
    ("fwd", (10, 12), [
        "From: Dan <dan@contoso.test>",
        "To: carl@contoso.test",
        "Subject: [Fwd: Budget 2026]",
        "Date: Tue, 03 Mar 2026 08:00:00 -0500",
        "Message-ID: <fwd@contoso.test>",
    ]),
    ("budget", (10, 13), [
        "From: Carl <carl@contoso.test>",
        "To: All Staff <staff@contoso.test>",
        "Subject: Budget 2026",
        "Date: Tue, 03 Mar 2026 09:00:00 +0000",
        "Message-ID: <budget@contoso.test>",
    ]),
    ("oa", (10, 14), [
        "From: erin@contoso.test",
        "To: offsite: ;",
        "Subject: Re: Offsite",
        "Date: Wed, 04 Mar 2026 09:00:00 +0000",
        "Message-ID: <oa@contoso.test>",
        "References: <offsite@contoso.test>",
    ]),
    ("ob", (10, 15), [
        "From: Frank <frank@contoso.test>",
        "Cc: amy@contoso.test",
        "Subject: Re: Offsite",
        "Date: Wed, 04 Mar 2026 10:00:00 +0000",
        "Message-ID: <ob@contoso.test>",
        "References: <offsite@contoso.test>",
    ]),
]

c = IMAPClient("127.0.0.1", port=int(port), ssl=False)
c.login(user, password)
caps = c.capabilities()
for cap in (b"SORT", b"SORT=DISPLAY", b"THREAD=ORDEREDSUBJECT", b"THREAD=REFERENCES"):
    assert cap in caps, (cap, caps)
c.create_folder(FOLDER)
for name, (day, hour), fields in MESSAGES:
    mime = "\r\n".join(fields) + "\r\n\r\n" + f"This is {name}.\r\n"
    arrived = datetime(2026, 3, day, hour, 0, 0, tzinfo=timezone.utc)
    c.append(FOLDER, mime.encode(), msg_time=arrived)

c.select_folder(FOLDER)
uids = c.search(["ALL"])
assert len(uids) == len(MESSAGES), uids
name_of = {uid: name for uid, (name, _, _) in zip(uids, MESSAGES)}


def names(tree):
    """imapclient's nested tuples of UIDs, as lists of names."""
    if isinstance(tree, int):
        return name_of[tree]
    return [names(t) for t in tree]


out = {"uids": uids}
for key in [
    "ARRIVAL", "REVERSE ARRIVAL", "DATE", "REVERSE DATE", "SUBJECT",
    "SUBJECT REVERSE DATE", "FROM", "TO", "CC", "DISPLAYFROM",
    "REVERSE DISPLAYFROM", "DISPLAYTO", "SIZE",
]:
    out[key] = names(c.sort(key.split(), ["ALL"]))
out["REVERSE DATE of plan"] = names(c.sort(["REVERSE", "DATE"], ["SUBJECT", "plan"]))
out["nothing"] = names(c.sort(["DATE"], ["SUBJECT", "no such subject"]))
out["REFERENCES"] = names(c.thread("REFERENCES"))
out["ORDEREDSUBJECT"] = names(c.thread("ORDEREDSUBJECT"))
out["REFERENCES since 4 Mar"] = names(c.thread("REFERENCES", ["SENTSINCE", "4-Mar-2026"]))
# Sizes are the octets of each message as served.
sizes = c.fetch(uids, ["RFC822.SIZE"])
out["sizes"] = {name_of[u]: sizes[u][b"RFC822.SIZE"] for u in uids}
c.logout()
print(json.dumps(out))
