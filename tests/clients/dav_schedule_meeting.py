"""A meeting made over CalDAV, as Exchange schedules it: alice saves an
event with bob as attendee (python caldav); bob's invitation arrives in
his IMAP INBOX (imaplib against the gateway); bob's copy appears in his
calendar over CalDAV, he sets PARTSTAT=ACCEPTED and PUTs it, and alice's
event shows him as accepted; alice moves the meeting (an update mail) and
deletes it (a cancellation mail, and bob's copy shows as cancelled).

Usage: dav_schedule_meeting.py <http-port> <https-port> <cert> <password> <alice> <bob> <imap-port>
"""

import email
import email.header
import imaplib
import re
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import caldav
import requests

port, sport, cert, password, alice, bob, imap_port = sys.argv[1:8]
url = f"http://127.0.0.1:{port}/dav/"

day = date.today() + timedelta(days=42)
day += timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday
subject = f"Roadmap review {uuid.uuid4().hex[:8]}"
uid = f"{uuid.uuid4()}@graphgate.test"


def stamp(h):
    return datetime(day.year, day.month, day.day, h, tzinfo=timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def meeting(start_h, end_h):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//graphgate tests//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:{stamp(start_h)}\r\nDTEND:{stamp(end_h)}\r\nSUMMARY:{subject}\r\n"
        f"ORGANIZER;CN=Alice:mailto:{alice}\r\n"
        f"ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{bob}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def default_calendar(user):
    """Called once per user: each has one client for the whole script.
    Discovery is idempotent: tried once more if the connection drops (seen
    when another test's gateway in the same test process stops)."""
    for attempt in (1, 2):
        try:
            c = caldav.DAVClient(url=url, username=user, password=password)
            calendars = c.principal().calendars()
            break
        except Exception as e:
            if "ConnectionError" not in type(e).__name__ or attempt == 2:
                raise
    for cal in calendars:
        if cal.url.path == f"/dav/calendars/{user}/calendar/":
            return cal
    raise AssertionError(f"no default calendar for {user}")


def unfold(ical):
    return re.sub(r"\r?\n[ \t]", "", ical)


def until(what, probe, seconds=30):
    deadline = time.time() + seconds
    while True:
        got = probe()
        if got:
            return got
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def inbox_subjects():
    """Subjects of bob's INBOX, decoded, over IMAP through the gateway."""
    imap = imaplib.IMAP4("127.0.0.1", int(imap_port))
    try:
        imap.login(bob, password)
        imap.select("INBOX", readonly=True)
        typ, data = imap.search(None, "ALL")
        assert typ == "OK", data
        ids = data[0].split()
        out = []
        if ids:
            typ, data = imap.fetch(b",".join(ids), "(BODY.PEEK[HEADER.FIELDS (SUBJECT CONTENT-TYPE)])")
            for part in data:
                if isinstance(part, tuple):
                    msg = email.message_from_bytes(part[1])
                    s = str(email.header.make_header(email.header.decode_header(msg["Subject"] or "")))
                    out.append(s)
        return out
    finally:
        imap.logout()


def count(s):
    return inbox_subjects().count(s)


bob_cal = default_calendar(bob)


def bob_copy():
    """bob's copy of the meeting, over CalDAV."""
    cal = bob_cal
    found = cal.search(event=True, start=datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
                       end=datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(days=1))
    return [e for e in found if subject in e.data]


# alice invites bob.
alice_cal = default_calendar(alice)
alice_cal.save_event(meeting(15, 16))
until("the invitation in bob's INBOX", lambda: count(subject) == 1)

# bob's copy appears in his calendar; he accepts it over CalDAV.
copies = until("bob's copy in his calendar", bob_copy)
assert len(copies) == 1, [c.data for c in copies]
copy = copies[0]
r = requests.get(copy.url, auth=(bob, password))
assert r.status_code == 200, r.status_code
etag = r.headers["ETag"]
text = unfold(r.text)
lines = text.splitlines()
mine = [l for l in lines if l.startswith("ATTENDEE") and bob in l.lower()]
assert mine, text
accepted = [re.sub(r"PARTSTAT=[A-Z-]+", "PARTSTAT=ACCEPTED", l) if l in mine else l for l in lines]
if "PARTSTAT=ACCEPTED" not in "\r\n".join(accepted):
    accepted = [l.replace("ATTENDEE", "ATTENDEE;PARTSTAT=ACCEPTED", 1) if l in mine else l for l in accepted]
r = requests.put(copy.url, data="\r\n".join(accepted).encode(), auth=(bob, password),
                 headers={"Content-Type": "text/calendar", "If-Match": etag})
assert r.status_code in (201, 204), (r.status_code, r.text)


last = {}


def alice_sees_accepted():
    ev = alice_cal.event_by_uid(uid)
    data = unfold(ev.data)
    last["alice"] = data
    return any(l.startswith("ATTENDEE") and bob in l.lower() and "PARTSTAT=ACCEPTED" in l
               for l in data.splitlines())


try:
    until("bob's acceptance in alice's event", alice_sees_accepted)
except AssertionError:
    print(last.get("alice"), file=sys.stderr)
    print("bob PUT:", "\r\n".join(accepted), file=sys.stderr)
    print("inbox:", inbox_subjects(), file=sys.stderr)
    raise

# alice moves the meeting: an update (a second request) reaches bob.
ev = alice_cal.event_by_uid(uid)
moved = ev.data.replace(f"DTSTART:{stamp(15)}", f"DTSTART:{stamp(17)}").replace(
    f"DTEND:{stamp(16)}", f"DTEND:{stamp(18)}")
assert moved != ev.data, ev.data
r = requests.put(ev.url, data=moved.encode(), auth=(alice, password),
                 headers={"Content-Type": "text/calendar"})
assert r.status_code in (201, 204), (r.status_code, r.text)
until("the update in bob's INBOX", lambda: count(subject) == 2)
assert f"DTSTART:{stamp(17)}" in alice_cal.event_by_uid(uid).data

# alice deletes it: the cancellation reaches bob.
r = requests.delete(ev.url, auth=(alice, password))
assert r.status_code in (200, 204), (r.status_code, r.text)
until("the cancellation in bob's INBOX", lambda: count(f"Canceled: {subject}") == 1)
# Exchange keeps the attendee's copy, marked cancelled, until they remove it.
until("bob's copy cancelled in his calendar",
      lambda: (lambda copies: len(copies) == 1 and all(
          "STATUS:CANCELLED" in c.data and f"Canceled: {subject}" in unfold(c.data)
          for c in copies))(bob_copy()))
print("OK")
