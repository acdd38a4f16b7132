"""Free/busy over CalDAV with the python caldav library (3.x) and requests:
busy times PUT as alice, bob and carol into their own calendars, then
alice asks the schedule outbox about the three of them (RFC 6638 POST of
a VFREEBUSY REQUEST, answered from Microsoft 365's getSchedule) and her
calendar for its own free/busy (RFC 4791 free-busy-query); the exact
schedule-response XML; and the refusals (no time-range, a range outside
what graphgate keeps, a VEVENT POST, another ORGANIZER, too many
attendees) and the empty inbox and outbox.

Usage: dav_schedule.py <http-port> <https-port> <cert> <password> <alice> <bob> <carol> <sales>
"""

import sys
import uuid
from datetime import date, datetime, time, timedelta, timezone

import xml.etree.ElementTree as ET

import caldav
import requests

port, sport, cert, password, alice, bob, carol, sales = sys.argv[1:9]
url = f"http://127.0.0.1:{port}/dav/"
C = "{urn:ietf:params:xml:ns:caldav}"
D = "{DAV:}"

# A Tuesday five weeks ahead: the seeded events are in this week, the
# seeded weekly series is on Mondays.
day = date.today() + timedelta(days=35)
day += timedelta(days=(1 - day.weekday()) % 7)


def at(h, m=0):
    return datetime.combine(day, time(h, m), tzinfo=timezone.utc)


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def event(summary, start, end, extra=""):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//graphgate tests//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uuid.uuid4()}@graphgate.test\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART:{stamp(start)}\r\nDTEND:{stamp(end)}\r\nSUMMARY:{summary}\r\n{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


clients = {}


def client(user):
    """One client per user for the whole script."""
    if user not in clients:
        clients[user] = caldav.DAVClient(url=url, username=user, password=password)
    return clients[user]


def default_calendar(user):
    # Discovery is idempotent: tried once more if the connection drops
    # (seen when another test's gateway in the same test process stops).
    for attempt in (1, 2):
        try:
            calendars = client(user).principal().calendars()
            break
        except Exception as e:  # niquests' ConnectionError, under caldav
            if "ConnectionError" not in type(e).__name__ or attempt == 2:
                raise
            clients.pop(user, None)
    for c in calendars:
        if c.url.path == f"/dav/calendars/{user}/calendar/":
            return c
    raise AssertionError(f"no default calendar for {user}")


def periods(ical):
    """FREEBUSY lines as (FBTYPE, start, end), unfolded."""
    text = ical.replace("\r\n ", "").replace("\n ", "")
    out = []
    for line in text.splitlines():
        if line.startswith("FREEBUSY"):
            head, value = line.split(":", 1)
            fbtype = dict(p.split("=", 1) for p in head.split(";")[1:]).get("FBTYPE", "BUSY")
            for period in value.split(","):
                s, e = period.split("/")
                out.append((fbtype, s, e))
    return sorted(out)


# Busy times, each user in their own calendar.
mine = default_calendar(alice)
mine.save_event(event("FB alice busy", at(9), at(10)))
mine.save_event(event("FB alice maybe", at(13), at(14), "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE\r\n"))
mine.save_event(event("FB alice free", at(15), at(16), "TRANSP:TRANSPARENT\r\n"))
default_calendar(bob).save_event(event("FB bob one", at(10), at(12)))
default_calendar(bob).save_event(event("FB bob two", at(11), at(13)))
default_calendar(carol).save_event(
    event("FB carol away", at(14), at(18), "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n"))

ALICE_BUSY = [
    ("BUSY", stamp(at(9)), stamp(at(10))),
    ("BUSY-TENTATIVE", stamp(at(13)), stamp(at(14))),
]
BOB_BUSY = [("BUSY", stamp(at(10)), stamp(at(13)))]
CAROL_BUSY = [("BUSY-UNAVAILABLE", stamp(at(14)), stamp(at(18)))]

# RFC 6638: alice asks the outbox about the three of them (and nobody).
principal = client(alice).principal()
start, end = at(0), at(0) + timedelta(days=1)
nobody = "mailto:nobody@contoso.test"
who = [f"mailto:{alice}", f"mailto:{bob}", f"mailto:{carol}", nobody]
answer = principal.freebusy_request(start, end, who)
assert periods(answer[f"mailto:{alice}"].data) == ALICE_BUSY, answer[f"mailto:{alice}"].data
assert periods(answer[f"mailto:{bob}"].data) == BOB_BUSY, answer[f"mailto:{bob}"].data
assert periods(answer[f"mailto:{carol}"].data) == CAROL_BUSY, answer[f"mailto:{carol}"].data
assert answer["errors"] == {nobody: "3.7;Invalid calendar user"}, answer["errors"]
reply = answer[f"mailto:{bob}"].data
for line in ["METHOD:REPLY", f"ORGANIZER:mailto:{alice}", f"ATTENDEE:mailto:{bob}",
             f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}", "BEGIN:VFREEBUSY"]:
    assert line in reply.replace("\r\n ", ""), (line, reply)

# RFC 4791: alice's calendar's own free/busy (the transparent event is free).
fb = mine.freebusy_request(start, end)
assert periods(fb.data) == ALICE_BUSY, fb.data
assert f"DTSTART:{stamp(start)}" in fb.data and f"DTEND:{stamp(end)}" in fb.data, fb.data
assert "DTSTAMP:" in fb.data, fb.data

# The schedule-response element by element.
outbox = f"{url}calendars/{alice}/outbox/"
REQUEST = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//graphgate tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VFREEBUSY\r\nUID:fb-raw-1\r\nDTSTAMP:20270101T000000Z\r\n"
    f"DTSTART:{stamp(start)}\r\nDTEND:{stamp(end)}\r\nORGANIZER:mailto:{alice}\r\n"
    "{attendees}END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
)


def post(body, user=alice, ctype="text/calendar; charset=utf-8"):
    return requests.post(f"{url}calendars/{user}/outbox/", data=body.encode(), auth=(user, password),
                         headers={"Content-Type": ctype})


r = post(REQUEST.format(attendees=f"ATTENDEE:mailto:{bob}\r\nATTENDEE:{nobody}\r\n"))
assert r.status_code == 200, (r.status_code, r.text)
assert r.headers["Content-Type"].startswith("application/xml"), r.headers
tree = ET.fromstring(r.content)
assert tree.tag == C + "schedule-response", tree.tag
responses = tree.findall(C + "response")
assert len(responses) == 2, r.text
first, second = responses
assert [c.tag for c in first] == [C + "recipient", C + "request-status", C + "calendar-data"], r.text
assert first.find(f"{C}recipient/{D}href").text == f"mailto:{bob}"
assert first.find(C + "request-status").text == "2.0;Success"
data = first.find(C + "calendar-data").text
assert "UID:fb-raw-1" in data and periods(data) == BOB_BUSY, data
assert [c.tag for c in second] == [C + "recipient", C + "request-status"], r.text
assert second.find(f"{C}recipient/{D}href").text == nobody
assert second.find(C + "request-status").text == "3.7;Invalid calendar user"

# Refusals, each with its precondition and a sentence.
INVITE = (REQUEST.replace("VFREEBUSY", "VEVENT")
          .format(attendees=f"ATTENDEE:mailto:{bob}\r\nSUMMARY:Invite\r\n"))
r = post(INVITE)
assert r.status_code == 403 and "valid-scheduling-message" in r.text and "invitations" in r.text, r.text
r = post(REQUEST.replace(f"ORGANIZER:mailto:{alice}", f"ORGANIZER:mailto:{bob}")
         .format(attendees=f"ATTENDEE:mailto:{carol}\r\n"))
assert r.status_code == 403 and "organizer-allowed" in r.text, (r.status_code, r.text)
many = "".join(f"ATTENDEE:mailto:user{i}@contoso.test\r\n" for i in range(21))
r = post(REQUEST.format(attendees=many))
assert r.status_code == 403 and "max-recipients" in r.text and "20" in r.text, (r.status_code, r.text)
r = post(REQUEST.format(attendees=f"ATTENDEE:mailto:{bob}\r\n"), ctype="application/xml")
assert r.status_code == 403 and "supported-calendar-data" in r.text, (r.status_code, r.text)
# Another user's outbox is not alice's.
r = requests.post(f"{url}calendars/{bob}/outbox/", auth=(alice, password),
                  data=REQUEST.format(attendees=f"ATTENDEE:mailto:{bob}\r\n").encode(),
                  headers={"Content-Type": "text/calendar"})
assert r.status_code == 403, (r.status_code, r.text)

FBQ = """<?xml version="1.0"?><c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">%s</c:free-busy-query>"""


def report(cal_url, body, user=alice):
    return requests.request("REPORT", cal_url, data=body, auth=(user, password),
                            headers={"Content-Type": "application/xml", "Depth": "1"})


r = report(mine.url, FBQ % "")
assert r.status_code == 403 and "valid-filter" in r.text and "time-range" in r.text, r.text
r = report(mine.url, FBQ % '<c:time-range start="20000101T000000Z" end="20000102T000000Z"/>')
assert r.status_code == 403 and "valid-filter" in r.text, (r.status_code, r.text)
r = report(mine.url, FBQ % f'<c:time-range start="{stamp(start)}" end="{stamp(start + timedelta(days=400))}"/>')
assert r.status_code == 403 and "366 days" in r.text, (r.status_code, r.text)
r = report(mine.url, FBQ % f'<c:time-range start="{stamp(start)}" end="{stamp(end)}"/>')
assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar"), r.headers
assert periods(r.text) == ALICE_BUSY, r.text

# bob only reads sales@: free/busy of its calendar is his to read.
shared = [c for c in client(bob).principal().calendars()
          if c.url.path.startswith(f"/dav/calendars/{bob}/{sales}-")]
assert shared
r = report(shared[0].url, FBQ % f'<c:time-range start="{stamp(start)}" end="{stamp(end)}"/>', user=bob)
assert r.status_code == 200 and "BEGIN:VFREEBUSY" in r.text, (r.status_code, r.text)

# The inbox and outbox: empty collections of their own types.
for box, kind in [("inbox", "schedule-inbox"), ("outbox", "schedule-outbox")]:
    r = requests.request("PROPFIND", f"{url}calendars/{alice}/{box}/", auth=(alice, password),
                         headers={"Depth": "1"})
    assert r.status_code == 207, (r.status_code, r.text)
    tree = ET.fromstring(r.content)
    assert len(tree.findall(D + "response")) == 1, r.text
    assert tree.find(f".//{D}resourcetype/{C}{kind}") is not None, r.text
    r = requests.request("REPORT", f"{url}calendars/{alice}/{box}/", auth=(alice, password),
                         data='<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1'
                              '</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
                         headers={"Content-Type": "application/xml"})
    assert r.status_code == 207 and ET.fromstring(r.content).findall(D + "response") == [], r.text
print("OK")
