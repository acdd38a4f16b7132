"""Events over CalDAV with the python caldav library (3.x): the seeded
weekly series with its exception and cancelled date; a new series with an
exception and an EXDATE written, read back, changed and deleted; an
all-day event across a DST change in Europe/Berlin; an RRULE Microsoft 365
cannot hold refused with its precondition; a read-only grant refused for
writes; sync-collection after changes.

Usage: dav_events.py <http-port> <https-port> <cert> <password> <alice> <bob> <sales>
"""

import re
import sys
from urllib.parse import unquote
from datetime import datetime, timezone

import xml.etree.ElementTree as ET

import caldav
import requests

port, sport, cert, password, alice, bob, sales = sys.argv[1:8]
url = f"http://127.0.0.1:{port}/dav/"


def calendars(user):
    client = caldav.DAVClient(url=url, username=user, password=password)
    principal = client.principal()
    return {c.url.path: c for c in principal.calendars()}


mine = calendars(alice)
default = mine[f"/dav/calendars/{alice}/calendar/"]

# The seeded weekly series: one resource with RRULE, EXDATE and an exception.
found = default.search(event=True, start=datetime(2020, 1, 1, tzinfo=timezone.utc),
                       end=datetime(2030, 1, 1, tzinfo=timezone.utc))
series = [e for e in found if e.icalendar_component.get("rrule")]
assert series, [e.data for e in found]
data = series[0].data
assert "EXDATE" in data and "RECURRENCE-ID" in data, data
assert data.count("BEGIN:VEVENT") >= 2, data
uids = {l.split(":", 1)[1].strip() for l in data.splitlines() if l.startswith("UID:")}
assert len(uids) == 1, uids

# A new series with an exception and a deleted occurrence.
NEW = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:series-1@graphgate.test
DTSTAMP:20270101T000000Z
DTSTART;TZID=Europe/Berlin:20270104T100000
DTEND;TZID=Europe/Berlin:20270104T110000
SUMMARY:Planning
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6
EXDATE;TZID=Europe/Berlin:20270118T100000
END:VEVENT
BEGIN:VEVENT
UID:series-1@graphgate.test
DTSTAMP:20270101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20270111T100000
DTSTART;TZID=Europe/Berlin:20270111T140000
DTEND;TZID=Europe/Berlin:20270111T150000
SUMMARY:Planning (moved)
END:VEVENT
END:VCALENDAR
"""
ev = default.save_event(NEW)
back = default.event_by_uid("series-1@graphgate.test")
d = back.data
assert "RRULE:FREQ=WEEKLY" in d and "COUNT=6" in d, d
assert "EXDATE" in d and "20270118" in d, d
assert "Planning (moved)" in d and "RECURRENCE-ID" in d, d
assert "Europe/Berlin" in d, d
# The occurrences Graph holds agree: 5 in the range (6 minus the EXDATE).
inst = default.search(event=True, expand=True, start=datetime(2027, 1, 1, tzinfo=timezone.utc),
                      end=datetime(2027, 3, 1, tzinfo=timezone.utc))
summaries = sorted(str(i.icalendar_component.get("summary")) for i in inst
                   if str(i.icalendar_component.get("uid")) == "series-1@graphgate.test")
assert summaries == ["Planning"] * 4 + ["Planning (moved)"], summaries

# Changing it changes its ETag; deleting it removes it.
r = requests.get(back.url, auth=(alice, password))
etag1 = r.headers["ETag"]
changed = re.sub(r"SUMMARY:Planning(\r?\n)", r"SUMMARY:Planning v2\1", d, count=1)
assert changed != d
r = requests.put(back.url, data=changed.encode(), auth=(alice, password),
                 headers={"Content-Type": "text/calendar", "If-Match": etag1})
assert r.status_code in (201, 204), (r.status_code, r.text)
r = requests.get(back.url, auth=(alice, password))
assert r.headers["ETag"] != etag1 and "Planning v2" in r.text, r.text
# A stale If-Match is refused.
r = requests.put(back.url, data=changed.encode(), auth=(alice, password),
                 headers={"Content-Type": "text/calendar", "If-Match": etag1})
assert r.status_code == 412, r.status_code

# All-day across the October DST change stays all-day, by date.
ALLDAY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//EN
BEGIN:VEVENT
UID:allday-1@graphgate.test
DTSTAMP:20270101T000000Z
DTSTART;VALUE=DATE:20271030
DTEND;VALUE=DATE:20271102
SUMMARY:Offsite
END:VEVENT
END:VCALENDAR
"""
default.save_event(ALLDAY)
a = default.event_by_uid("allday-1@graphgate.test").data
assert "DTSTART;VALUE=DATE:20271030" in a and "DTEND;VALUE=DATE:20271102" in a, a

# An RRULE Graph cannot hold is refused, with the precondition named.
HOURLY = NEW.replace("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "RRULE:FREQ=HOURLY;COUNT=3").replace(
    "series-1@", "hourly-1@")
r = requests.put(default.url.join("hourly.ics"), data=HOURLY.encode(), auth=(alice, password),
                 headers={"Content-Type": "text/calendar", "If-None-Match": "*"})
assert r.status_code == 403 and "valid-calendar-object-resource" in r.text, (r.status_code, r.text)

# sync-collection: a token, a change, only the change comes back.
objs = default.objects_by_sync_token(load_objects=False)
token = objs.sync_token
assert token and token.startswith("http://graphgate/sync/"), token
requests.delete(back.url, auth=(alice, password)).raise_for_status()
REPORT = """<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>%s</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
r = requests.request("REPORT", default.url, data=REPORT % token, auth=(alice, password),
                     headers={"Content-Type": "application/xml"})
assert r.status_code == 207, (r.status_code, r.text)
tree = ET.fromstring(r.content)
gone = [resp.find("{DAV:}href").text for resp in tree.findall("{DAV:}response")
        if resp.find("{DAV:}status") is not None and "404" in resp.find("{DAV:}status").text]
assert [unquote(g) for g in gone] == [unquote(back.url.path)], (gone, back.url.path)
new_token = tree.find("{DAV:}sync-token").text
assert new_token != token
# Nothing changed since the new token: nothing comes back.
r = requests.request("REPORT", default.url, data=REPORT % new_token, auth=(alice, password),
                     headers={"Content-Type": "application/xml"})
assert r.status_code == 207 and ET.fromstring(r.content).findall("{DAV:}response") == [], r.text
# A token from nowhere is refused with its precondition.
r = requests.request("REPORT", default.url, data=REPORT % "http://graphgate/sync/nope/1",
                     auth=(alice, password), headers={"Content-Type": "application/xml"})
assert r.status_code == 403 and "valid-sync-token" in r.text, (r.status_code, r.text)

# bob may only read sales@: writes are refused.
his = calendars(bob)
shared = [c for p, c in his.items() if p.startswith(f"/dav/calendars/{bob}/{sales}-")]
assert shared
r = requests.put(shared[0].url.join("x.ics"), data=ALLDAY.replace("allday-1@", "bob-1@").encode(),
                 auth=(bob, password), headers={"Content-Type": "text/calendar"})
assert r.status_code == 403 and "need-privileges" in r.text, (r.status_code, r.text)
print("OK")
