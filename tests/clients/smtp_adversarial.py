"""Attempts to send in someone else's name, or past the envelope's
recipients, through graphgate's SMTP submission port. Each case must be
refused with a 5xx reply; the Rust test then checks the audit log and that
nothing reached the tenant. Messages go byte for byte with BDAT (smtplib's
DATA would rewrite bare line ends), some with DATA.
Prints JSON: the cases and their answers.
Arguments: SMTP port, SMTPS port, certificate file, password.

Policy in the test tenant: alice may send as sales@, bob may send on
behalf of sales@, carol may do neither."""

import json
import smtplib
import ssl
import sys

port, tls_port, cert, password = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False

ALICE, BOB, CAROL, SALES = (f"{u}@contoso.test" for u in ("alice", "bob", "carol", "sales"))
DAVE = "dave@example.test"
sessions = {}
results = []


def session(user):
    s = sessions.get(user)
    if s is not None:
        try:
            code, _ = s.rset()
            if code == 250:
                return s
        except (smtplib.SMTPException, OSError):
            pass
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    s.ehlo("adversary.example")
    s.starttls(context=ctx)
    s.ehlo("adversary.example")
    s.login(user, password)
    sessions[user] = s
    return s


def attempt(name, user, headers, mail_from=None, rcpts=(DAVE,), use_data=False, mail_options=()):
    """Send `headers` + a body; record the first 5xx (or the acceptance)."""
    raw = headers if isinstance(headers, bytes) else headers.encode()
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    if b"\r\n\r\n" not in raw and b"\n\n" not in raw:
        raw += b"Subject: adversarial\r\n\r\n"
    raw += b"body of " + name.encode() + b"\r\n"
    s = session(user)
    code, text = s.mail(mail_from or user, list(mail_options))
    if code < 400:
        for r in rcpts:
            code, text = s.rcpt(r)
            if code >= 400:
                break
    if code < 400:
        if use_data:
            s.putcmd("data")
            code, text = s.getreply()
            if code == 354:
                s.send(raw + b".\r\n")
                code, text = s.getreply()
        else:
            s.putcmd(f"bdat {len(raw)} last")
            s.send(raw)
            code, text = s.getreply()
    results.append({
        "case": name,
        "user": user,
        "code": code,
        "text": text.decode(errors="replace") if isinstance(text, bytes) else str(text),
        "refused": 500 <= code < 600,
    })


C = "\r\n"
# From: whom the message claims to come from.
attempt("from a shared mailbox without a grant", CAROL, f"From: {SALES}")
attempt("from in capitals", CAROL, "From: SALES@CONTOSO.TEST")
attempt("from without a space", CAROL, f"From:{SALES}")
attempt("from with a blank before the colon", CAROL, f"From : {SALES}")
attempt("from in odd case beside a real from", CAROL, f"From: {CAROL}{C}fRoM: {SALES}")
attempt("two from headers", CAROL, f"From: {CAROL}{C}From: {SALES}")
attempt("two from, the second folded", CAROL, f"From: {CAROL}{C}From:{C} {SALES}")
attempt("several from with sender = self (issue 12)", CAROL, f"From: {CAROL}, {SALES}{C}Sender: {CAROL}")
attempt("several from, shared first, sender = self", CAROL, f"From: {SALES}, {CAROL}{C}Sender: {CAROL}")
attempt("several from without sender", CAROL, f"From: {CAROL}, {SALES}")
attempt("several from folded over lines", CAROL, f"From: {CAROL},{C}\t{SALES}{C}Sender: {CAROL}")
attempt("group in from", CAROL, f"From: Team: {CAROL}, {SALES};{C}Sender: {CAROL}")
attempt("display name is another address", CAROL, f'From: "{SALES}" <{CAROL}>')
attempt("unquoted address as display name", CAROL, f"From: {SALES} <{CAROL}>")
attempt("encoded word for the address", CAROL, "From: =?utf-8?q?Sales?= <=?utf-8?q?sales=40contoso.test?=>")
attempt("encoded word as the whole address", CAROL, "From: =?utf-8?q?sales=40contoso.test?=")
attempt("encoded display name decoding to an address", CAROL, f"From: =?utf-8?q?sales=40contoso.test?= <{CAROL}>")
attempt("base64 display name decoding to an address", CAROL, f"From: =?utf-8?b?c2FsZXNAY29udG9zby50ZXN0?= <{CAROL}>")
attempt("full-width at sign in the display name", CAROL, f'From: "sales\uff20contoso.test" <{CAROL}>', mail_options=["SMTPUTF8"])
attempt("comment holding an address", CAROL, f"From: {CAROL} ({SALES})")
attempt("quoted local part holding an at", CAROL, f'From: "{SALES}"@contoso.test')
attempt("address after the angle address", CAROL, f"From: <{CAROL}> {SALES}")
attempt("source route", CAROL, f"From: <@contoso.test:{SALES}>")
attempt("unterminated quote", CAROL, f'From: "Carol <{CAROL}>, {SALES}')
attempt("unicode look-alike of the own address", CAROL, "From: car\u043el@contoso.test", mail_options=["SMTPUTF8"])
attempt("null address", CAROL, "From: <>")
attempt("from naming 25 addresses", CAROL, "From: " + ", ".join([CAROL] * 25) + f"{C}Sender: {CAROL}")
# Line structure: header lines that two readers could read differently.
attempt("second from after a bare LF", CAROL, f"From: {CAROL}\r\nTo: {DAVE}\nFrom: {SALES}\r\n")
attempt("second from after a bare CR", CAROL, f"From: {CAROL}\rFrom: {SALES}\r\n")
attempt("NUL byte inside from", CAROL, f"From: {CAROL}\0, {SALES}".encode())
attempt("blank LF line, then another header block", CAROL, f"From: {CAROL}\r\n\nFrom: {SALES}\r\n\r\n")
attempt("blank-looking line of spaces, then from", CAROL, f"From: {CAROL}\r\n \r\nFrom: {SALES}\r\n\r\n")
attempt("line without a colon, then from", CAROL, f"From: {CAROL}\r\nnot a header\r\nFrom: {SALES}\r\n\r\n")
attempt("8-bit field name", CAROL, f"From: {CAROL}\r\nFr\u00f6m: {SALES}\r\n", mail_options=["SMTPUTF8"])
attempt("folded first line", CAROL, f" From: {SALES}\r\nFrom: {CAROL}\r\n")
attempt("spoof sent with DATA", CAROL, f"From: {CAROL}, {SALES}{C}Sender: {CAROL}", use_data=True)
# Sender, Resent-*, Reply-To.
attempt("sender is a shared mailbox without a grant", CAROL, f"From: {CAROL}{C}Sender: {SALES}")
attempt("sender is someone else", CAROL, f"From: {CAROL}{C}Sender: {ALICE}")
attempt("two sender headers", CAROL, f"From: {CAROL}{C}Sender: {CAROL}{C}Sender: {SALES}")
attempt("sender with two addresses", CAROL, f"From: {CAROL}{C}Sender: {CAROL}, {SALES}")
attempt("resent-from a shared mailbox", CAROL, f"From: {CAROL}{C}Resent-From: {SALES}")
attempt("resent-from with two addresses", CAROL, f"From: {CAROL}{C}Resent-From: {CAROL}, {SALES}")
attempt("second resent block from a shared mailbox", CAROL, f"From: {CAROL}{C}Resent-From: {CAROL}{C}Resent-From: {SALES}")
attempt("resent-sender someone else", CAROL, f"From: {CAROL}{C}Resent-From: {CAROL}{C}Resent-Sender: {ALICE}")
attempt("resent-from hidden in an encoded word", CAROL, f"From: {CAROL}{C}Resent-From: =?utf-8?q?sales=40contoso.test?=")
attempt("reply-to a shared mailbox without a grant", CAROL, f"From: {CAROL}{C}Reply-To: {SALES}")
attempt("reply-to a shared mailbox inside a group", CAROL, f"From: {CAROL}{C}Reply-To: replies: {SALES};")
attempt("two reply-to headers", CAROL, f"From: {CAROL}{C}Reply-To: {CAROL}{C}Reply-To: {DAVE}")
# The envelope.
attempt("mail from a shared mailbox", CAROL, f"From: {CAROL}", mail_from=SALES)
attempt("mail from someone else", CAROL, f"From: {CAROL}", mail_from=ALICE)
attempt("mail from the shared mailbox, from it too", CAROL, f"From: {SALES}", mail_from=SALES)
# Grants that belong to someone else, or the wrong mode.
attempt("send-as a mailbox granted only on behalf", BOB, f"From: {SALES}{C}Sender: {SALES}")
attempt("on behalf with someone else as sender", BOB, f"From: {SALES}{C}Sender: {ALICE}")
attempt("from another user", BOB, f"From: {ALICE}")
attempt("send-as with oneself as sender", ALICE, f"From: {SALES}{C}Sender: {ALICE}")
attempt("send-as with another user as sender", ALICE, f"From: {SALES}{C}Sender: {BOB}")
attempt("on behalf of a mailbox and of another user", BOB, f"From: {SALES}, {ALICE}{C}Sender: {BOB}")
# Recipients the envelope does not name, and fields allowed once.
attempt("two to headers", ALICE, f"From: {ALICE}{C}To: mallory@example.test{C}To: {DAVE}")
attempt("two cc headers", ALICE, f"From: {ALICE}{C}Cc: {DAVE}{C}cc: mallory@example.test")
attempt("two bcc headers", ALICE, f"From: {ALICE}{C}Bcc: {DAVE}{C}BCC: mallory@example.test")
attempt("resent-to someone outside the envelope", ALICE, f"From: {ALICE}{C}To: {DAVE}{C}Resent-To: mallory@example.test")
attempt("to hidden in an encoded word", ALICE, f"From: {ALICE}{C}To: =?utf-8?q?mallory=40example.test?=")
attempt("two subjects", ALICE, f"From: {ALICE}{C}Subject: one{C}Subject: two")
attempt("two message-ids", ALICE, f"From: {ALICE}{C}Message-ID: <a1@contoso.test>{C}Message-ID: <a2@contoso.test>")
attempt("two dates", ALICE, f"From: {ALICE}{C}Date: Mon, 1 Jan 2024 00:00:00 +0000{C}Date: Tue, 2 Jan 2024 00:00:00 +0000")
attempt("two in-reply-to", ALICE, f"From: {ALICE}{C}In-Reply-To: <x@y>{C}In-Reply-To: <z@y>")

for s in sessions.values():
    try:
        s.quit()
    except (smtplib.SMTPException, OSError):
        pass
print(json.dumps(results))
