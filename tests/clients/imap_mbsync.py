"""mbsync (isync), the two-way synchroniser, against graphgate: pull the
Inbox into a Maildir over IMAPS, change it locally (a flag, a deletion, a
new message) and push, then check with imaplib that the server has exactly
those changes, that a third run changes nothing on either side, and that a
change made on the server (a flag) comes back down. Arguments: IMAP port,
IMAPS port, certificate file, user, password, work directory."""

import imaplib
import os
import re
import subprocess
import sys

port, tls_port, cert, user, password, work = sys.argv[1:7]
maildir = os.path.join(work, "mail")
os.makedirs(maildir, exist_ok=True)
rc = os.path.join(work, "mbsyncrc")
with open(rc, "w") as f:
    f.write(f"""IMAPAccount gw
Host 127.0.0.1
Port {tls_port}
User {user}
Pass {password}
SSLType IMAPS
CertificateFile {cert}
AuthMechs LOGIN

IMAPStore gw-remote
Account gw

MaildirStore gw-local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel gw
Far :gw-remote:
Near :gw-local:
Patterns INBOX
Create Near
Expunge Both
SyncState *
""")


def mbsync():
    r = subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"mbsync failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


def local():
    """Local messages: {file name: flags}."""
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(maildir, "INBOX", sub)
        for name in os.listdir(d):
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            out[os.path.join(sub, name)] = flags
    return out


def server():
    """Server messages: {uid: (flags, subject)}."""
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    m.select("INBOX", readonly=True)
    typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK", data
    out = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        head = item[0].decode()
        uid = int(re.search(r"UID (\d+)", head).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", head).group(1)
        subject = item[1].decode(errors="replace").strip()
        out[uid] = (flags, subject)
    m.logout()
    return out


mbsync()
before = server()
pulled = local()
assert len(pulled) == len(before) > 2, (len(pulled), len(before))

# Local changes: flag one, delete one, add one.
names = sorted(pulled)
flag_me, delete_me = names[0], names[1]
base = os.path.join(maildir, "INBOX")
src = os.path.join(base, flag_me)
stem = os.path.basename(flag_me).split(":2,", 1)[0]
os.rename(src, os.path.join(base, "cur", stem + ":2," + "".join(sorted(pulled[flag_me] + "F"))))
os.remove(os.path.join(base, delete_me))
new_msg = (
    "From: mbsync@contoso.test\r\nTo: alice@contoso.test\r\n"
    "Subject: written by mbsync\r\nMessage-ID: <mbsync-push@contoso.test>\r\n"
    "Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n\r\nPushed from a Maildir.\r\n"
)
with open(os.path.join(base, "new", "1700000000.pushed.host"), "w", newline="") as f:
    f.write(new_msg)
mbsync()

after = server()
assert len(after) == len(before), (len(before), len(after))  # one gone, one new
flagged = [u for u, (fl, _) in after.items() if "\\Flagged" in fl]
assert len(flagged) == len([u for u, (fl, _) in before.items() if "\\Flagged" in fl]) + 1, after
pushed = [u for u, (_, s) in after.items() if "written by mbsync" in s]
assert len(pushed) == 1, after
assert max(after) > max(before), "the pushed message got a new, higher UID"

# Nothing to do now, on either side.
mbsync()
assert server() == after
assert len(local()) == len(after)

# A change on the server comes down.
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
m.select("INBOX")
typ, _ = m.uid("STORE", str(pushed[0]), "+FLAGS", "(\\Seen \\Answered)")
assert typ == "OK"
m.logout()
mbsync()
pushed_local = [n for n in local() if ".pushed." in n]
assert len(pushed_local) == 1, local()
assert set("RS") <= set(local()[pushed_local[0]]), local()
with open(os.path.join(base, pushed_local[0]), newline="") as f:
    assert "written by mbsync" in f.read()
print("OK mbsync", len(after), "messages")
