"""Scrape graphgate's /metrics after real IMAP and SMTP traffic and parse it
with the Prometheus project's own text parser (prometheus_client), then
check the names, types, labels and values an operator relies on, and that
/livez and /readyz answer 200.

Arguments: base URL of the listener, IMAP port, SMTPS port, certificate.
Prints OK at the end; any failure raises.
"""

import imaplib
import smtplib
import ssl
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

base, imap_port, smtps_port, cert = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ALICE, BOB, PW = "alice@contoso.test", "bob@contoso.test", "graphgate-demo"
ctx = ssl.create_default_context(cafile=cert)

# Traffic: a failed and a good IMAP login, a few commands, one message sent.
imap = imaplib.IMAP4("127.0.0.1", imap_port)
imap.starttls(ctx)
try:
    imap.login(ALICE, "wrong")
    raise AssertionError("a wrong password was accepted")
except imaplib.IMAP4.error:
    pass
imap.logout()
imap = imaplib.IMAP4("127.0.0.1", imap_port)
imap.starttls(ctx)
imap.login(ALICE, PW)
imap.select("INBOX")
imap.fetch("1:*", "(FLAGS)")
imap.noop()
with smtplib.SMTP_SSL("127.0.0.1", smtps_port, context=ctx, timeout=60) as s:
    s.login(ALICE, PW)
    s.sendmail(ALICE, [BOB], f"From: {ALICE}\r\nTo: {BOB}\r\nSubject: metrics\r\n\r\nhi\r\n")


def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


status, ctype, text = get("/metrics")
assert status == 200 and ctype.startswith("text/plain"), (status, ctype)
families = {f.name: f for f in text_string_to_metric_families(text)}


def samples(name, **labels):
    fam = families.get(name)
    assert fam is not None, f"{name} missing; have {sorted(families)}"
    return [s for s in fam.samples if all(s.labels.get(k) == v for k, v in labels.items())]


def total(family, sample_name=None, **labels):
    return sum(s.value for s in samples(family, **labels) if sample_name is None or s.name == sample_name)


# prometheus_client names counter families without the _total suffix.
want = {
    "graphgate_sessions_open": "gauge",
    "graphgate_connections": "counter",
    "graphgate_logins": "counter",
    "graphgate_imap_commands": "counter",
    "graphgate_imap_command_duration_seconds": "histogram",
    "graphgate_smtp_submissions": "counter",
    "graphgate_smtp_submission_duration_seconds": "histogram",
    "graphgate_graph_requests": "counter",
    "graphgate_graph_request_duration_seconds": "histogram",
    "graphgate_token_refreshes": "counter",
    "graphgate_build_info": "gauge",
}
for name, kind in want.items():
    assert name in families, f"{name} missing; have {sorted(families)}"
    assert families[name].type == kind, (name, families[name].type)

assert total("graphgate_logins", protocol="imap", outcome="ok") >= 1
assert total("graphgate_logins", protocol="imap", outcome="bad_credentials") >= 1
assert total("graphgate_logins", protocol="smtp", outcome="ok") >= 1
assert total("graphgate_imap_commands", command="SELECT", outcome="ok") >= 1
assert total("graphgate_imap_commands", command="FETCH", outcome="ok") >= 1
assert total("graphgate_smtp_submissions", outcome="sent") >= 1
assert total("graphgate_graph_requests") >= 1
assert total("graphgate_sessions_open", protocol="imap") >= 1
# A histogram has cumulative buckets ending in +Inf, equal to its count.
buckets = samples("graphgate_imap_command_duration_seconds", command="SELECT")
inf = [s.value for s in buckets if s.name.endswith("_bucket") and s.labels.get("le") == "+Inf"]
count = [s.value for s in buckets if s.name.endswith("_count")]
assert inf and count and inf[0] == count[0] >= 1, buckets
for fam in families.values():
    for s in fam.samples:
        for k, v in s.labels.items():
            assert "@" not in v, f"{fam.name} has a label value that looks like an address: {k}={v}"
imap.logout()

status, _, body = get("/livez")
assert status == 200, status
status, _, body = get("/readyz")
assert status == 200 and "ready" in body, (status, body)
print("OK")
