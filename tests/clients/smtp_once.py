"""Submit one message file with Python's smtplib (STARTTLS, AUTH PLAIN) and
print the reply: "250" when it was accepted, otherwise the code and text of
the refusal (a 451 is an answer here, not a failure), so a test can tell a
confirmed send from one graphgate asks the client to repeat.
Arguments: SMTP port, SMTPS port, certificate file, user, password,
MAIL FROM, RCPT TO (comma-separated), message file."""

import smtplib
import ssl
import sys

port, tls_port, cert, user, password, mail_from, rcpts, path = sys.argv[1:9]
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
s.ehlo("device.example")
s.starttls(context=ctx)
s.ehlo("device.example")
s.login(user, password)
with open(path, "rb") as f:
    message = f.read()
try:
    refused = s.sendmail(mail_from, rcpts.split(","), message)
    assert refused == {}, refused
    print(250)
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace"))
s.quit()
