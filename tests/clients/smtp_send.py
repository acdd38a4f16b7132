"""Submission with Python's smtplib: STARTTLS + AUTH PLAIN on the plain
port, implicit TLS + AUTH LOGIN on the other; To/Cc/Bcc, send-as, send on
behalf, a refused sender, a wrong password, 8-bit and SMTPUTF8 messages.
Arguments: SMTP port, SMTPS port, certificate file, then a scenario name."""

import smtplib
import ssl
import sys

port, tls_port, cert, scenario = sys.argv[1:5]
password = sys.argv[5] if len(sys.argv) > 5 else ""
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False


def plain(user):
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    s.ehlo("test.example")
    assert s.has_extn("starttls") and s.has_extn("pipelining") and s.has_extn("chunking"), s.esmtp_features
    assert s.has_extn("enhancedstatuscodes") and s.has_extn("8bitmime") and s.has_extn("smtputf8")
    s.starttls(context=ctx)
    s.ehlo("test.example")
    s.login(user, password)
    return s


def tls(user):
    s = smtplib.SMTP_SSL("127.0.0.1", int(tls_port), context=ctx, timeout=60)
    s.ehlo("test.example")
    s.user, s.password = user, password
    code, resp = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
    assert code == 235, (code, resp)
    return s


if scenario == "to-cc-bcc":
    s = plain("alice@contoso.test")
    msg = (b"From: Alice <alice@contoso.test>\r\nTo: bob@contoso.test\r\nCc: carol@contoso.test\r\n"
           b"Subject: to cc bcc\r\nMessage-ID: <tcb@contoso.test>\r\n\r\nhello all\r\n")
    refused = s.sendmail("alice@contoso.test", ["bob@contoso.test", "carol@contoso.test", "sales@contoso.test"], msg)
    assert refused == {}, refused
    s.quit()
elif scenario == "implicit-tls-8bit":
    s = tls("alice@contoso.test")
    msg = ("From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
           "Message-ID: <eightbit@contoso.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n.dot-stuffed line\r\n").encode()
    s.sendmail("alice@contoso.test", ["bob@contoso.test"], msg, mail_options=["BODY=8BITMIME"])
    utf8 = ("From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: Ünïcödé\r\n"
            "Message-ID: <smtputf8@contoso.test>\r\n\r\nbody\r\n").encode()
    s.sendmail("alice@contoso.test", ["bob@contoso.test"], utf8, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    s.quit()
elif scenario == "send-as":
    s = plain("alice@contoso.test")
    s.sendmail("sales@contoso.test", ["bob@contoso.test"],
               b"From: Sales <sales@contoso.test>\r\nTo: bob@contoso.test\r\nSubject: as sales\r\n"
               b"Message-ID: <as-sales@contoso.test>\r\n\r\nfrom sales\r\n")
    s.quit()
elif scenario == "on-behalf":
    s = plain("bob@contoso.test")
    s.sendmail("bob@contoso.test", ["carol@contoso.test"],
               b"From: Sales <sales@contoso.test>\r\nTo: carol@contoso.test\r\nSubject: for sales\r\n"
               b"Message-ID: <for-sales@contoso.test>\r\n\r\non behalf\r\n")
    s.quit()
elif scenario == "refused":
    s = plain("carol@contoso.test")
    try:
        s.sendmail("carol@contoso.test", ["bob@contoso.test"],
                   b"From: sales@contoso.test\r\nTo: bob@contoso.test\r\nSubject: spoof\r\n\r\nx\r\n")
        raise AssertionError("carol sent as sales@")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 550 and b"5.7.60" in e.smtp_error, e
    s.rset()
    s.quit()
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    s.starttls(context=ctx)
    try:
        s.login("alice@contoso.test", "wrong-password")
        raise AssertionError("a wrong password was accepted")
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == 535 and b"5.7.8" in e.smtp_error, e
    try:
        s.sendmail("alice@contoso.test", ["bob@contoso.test"], b"Subject: x\r\n\r\nx\r\n")
        raise AssertionError("sent without AUTH")
    except smtplib.SMTPSenderRefused as e:
        assert e.smtp_code == 530, e
    s.quit()
elif scenario == "trusted":
    # 127.0.0.2 is configured as a trusted client sending as carol.
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60, source_address=("127.0.0.2", 0))
    s.sendmail("carol@contoso.test", ["bob@contoso.test"],
               b"From: carol@contoso.test\r\nTo: bob@contoso.test\r\nSubject: from the scanner\r\n"
               b"Message-ID: <scanner@contoso.test>\r\n\r\nscan attached\r\n")
    try:
        s.sendmail("sales@contoso.test", ["bob@contoso.test"],
                   b"From: sales@contoso.test\r\nTo: bob@contoso.test\r\nSubject: x\r\n\r\nx\r\n")
        raise AssertionError("the trusted client sent as sales@")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 550, e
    s.quit()
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    try:
        s.sendmail("carol@contoso.test", ["bob@contoso.test"], b"Subject: x\r\n\r\nx\r\n")
        raise AssertionError("an untrusted address sent without AUTH")
    except smtplib.SMTPSenderRefused as e:
        assert e.smtp_code == 530, e
    s.quit()
elif scenario == "too-many-recipients":
    s = plain("alice@contoso.test")
    rcpts = [f"person{i}@example.test" for i in range(501)]
    refused = s.sendmail("alice@contoso.test", rcpts,
                         b"From: alice@contoso.test\r\nTo: undisclosed-recipients:;\r\nSubject: many\r\n\r\nx\r\n")
    assert list(refused) == ["person500@example.test"], refused
    code, text = refused["person500@example.test"]
    assert code == 452 and b"4.5.3" in text, (code, text)
    s.quit()
elif scenario == "spoof":
    cases = [
        ("carol@contoso.test", "carol@contoso.test", "From: sales@contoso.test"),
        ("carol@contoso.test", "carol@contoso.test", "From: \"alice@contoso.test\" <carol.evil@contoso.test>"),
        ("carol@contoso.test", "carol@contoso.test", "From: =?utf-8?q?Sales?= <=?utf-8?q?sales=40contoso.test?=>"),
        ("carol@contoso.test", "carol@contoso.test", "From: carol@contoso.test, sales@contoso.test"),
        ("carol@contoso.test", "carol@contoso.test", "From: carol@contoso.test\r\nSender: alice@contoso.test"),
        ("carol@contoso.test", "sales@contoso.test", "From: carol@contoso.test"),
        ("carol@contoso.test", "carol@contoso.test", "From: carol@contoso.test\r\nResent-From: sales@contoso.test"),
        ("carol@contoso.test", "carol@contoso.test", "From: carol+sales@contoso.test"),
        ("carol@contoso.test", "carol@contoso.test", "From: SALES@CONTOSO.TEST"),
        ("bob@contoso.test", "bob@contoso.test", "From: sales@contoso.test\r\nSender: alice@contoso.test"),
        ("alice@contoso.test", "alice@contoso.test", "From: sales@contoso.test\r\nSender: alice@contoso.test"),
        ("bob@contoso.test", "bob@contoso.test", "From: alice@contoso.test"),
        ("bob@contoso.test", "bob@contoso.test", "From: sales@contoso.test\r\nSender: sales@contoso.test"),
    ]
    refusals = 0
    for user, mail_from, headers in cases:
        s = plain(user)
        try:
            s.sendmail(mail_from, ["dave@example.test"],
                       (headers + "\r\nTo: dave@example.test\r\nSubject: spoof\r\n\r\nx\r\n").encode())
            raise AssertionError(f"{user} sent with {headers!r} from {mail_from}")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 550, (headers, e)
            refusals += 1
        s.quit()
    print("refusals", refusals)
elif scenario == "large":
    import hashlib
    import os
    from email.message import EmailMessage
    big = os.urandom(20 * 1024 * 1024)
    small = os.urandom(200 * 1024)
    m = EmailMessage()
    m["From"] = "alice@contoso.test"
    m["To"] = "bob@contoso.test"
    m["Subject"] = "twenty megabytes"
    m["Message-ID"] = "<large@contoso.test>"
    m.set_content("the report is attached")
    m.add_attachment(big, maintype="application", subtype="octet-stream", filename="report.bin")
    m.add_attachment(small, maintype="image", subtype="png", filename="chart.png")
    s = plain("alice@contoso.test")
    s.send_message(m)
    s.quit()
    print(hashlib.sha256(big).hexdigest(), hashlib.sha256(small).hexdigest())
elif scenario == "multi-from":
    # bob may send on behalf of sales@: both authors are his to name.
    s = plain("bob@contoso.test")
    s.sendmail("bob@contoso.test", ["carol@contoso.test"],
               b"From: Bob <bob@contoso.test>, Sales <sales@contoso.test>\r\nSender: bob@contoso.test\r\n"
               b"To: carol@contoso.test\r\nSubject: two authors\r\nMessage-ID: <two-authors@contoso.test>\r\n\r\nfrom both of us\r\n")
    s.quit()
elif scenario == "no-from":
    # Like cron or a scanner: no From, no Date, no Message-ID.
    s = plain("alice@contoso.test")
    for n in (1, 2):
        refused = s.sendmail("alice@contoso.test", ["bob@contoso.test"],
                             f"To: bob@contoso.test\r\nSubject: no from {n}\r\n\r\nnightly report {n}\r\n".encode())
        assert refused == {}, refused
    s.quit()
elif scenario == "rcpt-decides":
    # The header names more people, in every shape; only bob is addressed.
    s = plain("alice@contoso.test")
    msg = (b"From: alice@contoso.test\r\n"
           b"tO: Team: Bob <bob@contoso.test>,\r\n \"Mallory, M.\" <mallory@example.test>;,\r\n\t=?utf-8?q?Eve?= <eve@example.test>\r\n"
           b"cC: carol@contoso.test (Carol)\r\n"
           b"bcc: trudy@example.test\r\n"
           b"Resent-Bcc: oscar@example.test\r\n"
           b"Subject: only bob\r\nMessage-ID: <only-bob@contoso.test>\r\n\r\nfor bob alone\r\n")
    refused = s.sendmail("alice@contoso.test", ["bob@contoso.test"], msg)
    assert refused == {}, refused
    s.quit()
elif scenario == "daily-limit":
    # With smtp.messages_per_day = 2: a refused message uses up nothing,
    # the third sent one is refused for the day.
    s = plain("alice@contoso.test")

    def daily(n):
        return (b"From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: daily %d\r\n"
                b"Message-ID: <daily-%d@contoso.test>\r\n\r\nbody\r\n" % (n, n))

    s.sendmail("alice@contoso.test", ["bob@contoso.test"], daily(1))
    try:
        s.sendmail("alice@contoso.test", ["bob@contoso.test"],
                   b"From: sales-not@contoso.test\r\nTo: bob@contoso.test\r\nSubject: spoof\r\n\r\nx\r\n")
        raise AssertionError("alice sent as someone else")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 550 and b"5.7.60" in e.smtp_error, e
    s.rset()
    s.sendmail("alice@contoso.test", ["bob@contoso.test"], daily(2))
    try:
        s.sendmail("alice@contoso.test", ["bob@contoso.test"], daily(3))
        raise AssertionError("a third message was sent")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 550 and b"5.7.1" in e.smtp_error and b"2 messages" in e.smtp_error, e
    s.quit()
print("OK")
