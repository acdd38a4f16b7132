"""Send N messages as a well-behaved client does: a 4xx reply means "try
again", so the message is sent again (up to 10 times); 250 means done.
Prints JSON: the Message-IDs accepted, and how many 4xx replies came.
Arguments: SMTP port, SMTPS port, certificate file, password, N, tag."""

import json
import smtplib
import ssl
import sys

port, tls_port, cert, password, n, tag = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
accepted, transient, permanent = [], 0, []


def connect():
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=120)
    s.starttls(context=ctx)
    s.login("alice@contoso.test", password)
    return s


s = connect()
for i in range(int(n)):
    mid = f"<{tag}-{i}@contoso.test>"
    msg = (f"From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: {tag} {i}\r\n"
           f"Message-ID: {mid}\r\n\r\nmessage {i}\r\n").encode()
    for attempt in range(10):
        try:
            s.sendmail("alice@contoso.test", ["bob@contoso.test"], msg)
            accepted.append(mid)
            break
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused) as e:
            code = getattr(e, "smtp_code", None) or 0
            if 400 <= code < 500:
                transient += 1
                s.rset()
                continue
            permanent.append((mid, code, str(e)))
            break
        except smtplib.SMTPServerDisconnected:
            transient += 1
            s = connect()
print(json.dumps({"accepted": accepted, "transient": transient, "permanent": permanent}))
