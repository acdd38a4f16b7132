"""What calendar-data and address-data return, from outside: the seeded
weekly series expanded by the server (RFC 4791 §9.6.5) over January 2025
with exact RECURRENCE-IDs and UTC times, in calendar-query and
calendar-multiget, and through python caldav both ways (client-side and
server-side expansion); limit-recurrence-set; a property selection; too
many instances refused; calendar-timezone; an event made in New York
read back in New York; vCard 4.0 in addressbook-multiget and on GET with
Accept, with the stored card's ETag; a vCard 4.0 PUT read back as 3.0
and 4.0 with the same fields; unsupported versions refused.

Usage: dav_data.py <http-port> <https-port> <cert> <password> <alice> <sales>
"""

import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import unquote

import caldav
import requests

port, sport, cert, password, alice, sales = sys.argv[1:7]
base = f"http://127.0.0.1:{port}"
D, C, CR = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}", "{urn:ietf:params:xml:ns:carddav}"
cal = f"/dav/calendars/{alice}/calendar/"
book = f"/dav/addressbooks/{alice}/contacts/"


def dav(method, path, body=None, **headers):
    h = {"Content-Type": "application/xml"}
    h.update(headers)
    return requests.request(method, base + path, data=body, auth=(alice, password), headers=h)


def multistatus(r):
    assert r.status_code == 207, (r.status_code, r.text)
    out = {}
    for resp in ET.fromstring(r.content).findall(f"{D}response"):
        href = unquote(resp.find(f"{D}href").text)
        props = {}
        for ps in resp.findall(f"{D}propstat"):
            if "200" in ps.find(f"{D}status").text:
                for p in ps.find(f"{D}prop"):
                    props[p.tag] = p.text or ""
        out[href] = props
    return out


def unfolded(text):
    return [l for l in re.sub(r"\r?\n[ \t]", "", text).replace("\r", "").split("\n") if l]


def values(text, prop):
    return [l.split(":", 1)[1] for l in unfolded(text) if l.split(":", 1)[0].split(";")[0] == prop]


def lines_of(text, prop):
    return [l for l in unfolded(text) if l.split(":", 1)[0].split(";")[0] == prop]


JAN = 'start="20250101T000000Z" end="20250201T000000Z"'
QUERY = """<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data>%s</C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
<C:time-range %s/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"""

# 1. calendar-query with expand: the seeded series (Mondays 09:00 Berlin
# from 6 January 2025; 13 January moved to 10:00; 20 January cancelled).
got = multistatus(dav("REPORT", cal, QUERY % (f"<C:expand {JAN}/>", JAN), Depth="1"))
assert len(got) == 1, got
href, props = next(iter(got.items()))
text = props[f"{C}calendar-data"]
assert values(text, "RECURRENCE-ID") == ["20250106T080000Z", "20250113T080000Z", "20250127T080000Z"], text
assert values(text, "DTSTART") == ["20250106T080000Z", "20250113T090000Z", "20250127T080000Z"], text
assert values(text, "DTEND") == ["20250106T083000Z", "20250113T093000Z", "20250127T083000Z"], text
for gone in ("RRULE", "EXDATE", "RDATE", "TZID", "VTIMEZONE"):
    assert gone not in text, (gone, text)
assert len(set(values(text, "UID"))) == 1, text
assert all(s == "Weekly team sync" for s in values(text, "SUMMARY")), text
series_etag = props[f"{D}getetag"]

# Without expand, the same resource is the stored series (same ETag).
whole = multistatus(dav("REPORT", cal, QUERY % ("", JAN), Depth="1"))[href]
assert "RRULE:" in whole[f"{C}calendar-data"] and "EXDATE" in whole[f"{C}calendar-data"], whole
assert whole[f"{D}getetag"] == series_etag

# 2. calendar-multiget with expand, and limit-recurrence-set.
MULTIGET = """<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data>%s</C:calendar-data></D:prop><D:href>%s</D:href></C:calendar-multiget>"""
m = multistatus(dav("REPORT", cal, MULTIGET % (f"<C:expand {JAN}/>", href), Depth="1"))[href]
assert m[f"{C}calendar-data"] == text, (m, text)
assert m[f"{D}getetag"] == series_etag
lim = multistatus(dav("REPORT", cal, MULTIGET % (
    '<C:limit-recurrence-set start="20250201T000000Z" end="20250301T000000Z"/>', href), Depth="1"))[href]
lt = lim[f"{C}calendar-data"]
assert lt.count("BEGIN:VEVENT") == 1 and "RRULE:" in lt and "RECURRENCE-ID" not in lt, lt
lim = multistatus(dav("REPORT", cal, MULTIGET % (
    '<C:limit-recurrence-set start="20250113T000000Z" end="20250114T000000Z"/>', href), Depth="1"))[href]
assert lim[f"{C}calendar-data"].count("BEGIN:VEVENT") == 2, lim

# A selection: VEVENTs with UID, SUMMARY and DTSTART only, expanded.
SEL = f"""<C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT">
<C:prop name="UID"/><C:prop name="SUMMARY"/><C:prop name="DTSTART"/><C:prop name="RECURRENCE-ID"/></C:comp></C:comp>
<C:expand {JAN}/>"""
s = multistatus(dav("REPORT", cal, MULTIGET % (SEL, href), Depth="1"))[href][f"{C}calendar-data"]
names = {l.split(":", 1)[0].split(";")[0] for l in unfolded(s)}
assert names == {"BEGIN", "END", "VERSION", "UID", "SUMMARY", "DTSTART", "RECURRENCE-ID"}, (names, s)
assert values(s, "DTSTART") == ["20250106T080000Z", "20250113T090000Z", "20250127T080000Z"], s

# A malformed expand is refused.
r = dav("REPORT", cal, MULTIGET % ('<C:expand start="20250101"/>', href), Depth="1")
assert r.status_code == 400 and "valid-calendar-data" in r.text, (r.status_code, r.text)

# 3. python caldav: client-side expansion (what search(expand=True) does)
# and server-side (server_expand=True sends <C:expand>) agree.
client = caldav.DAVClient(url=f"{base}/dav/", username=alice, password=password)
calendar = client.calendar(url=f"{base}{cal}")
start, end = datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 2, 1, tzinfo=timezone.utc)


def instants(found):
    out = []
    for o in found:
        c = o.icalendar_component
        rid = c.get("recurrence-id")
        out.append((c.get("dtstart").dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                    rid.dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ") if rid else None))
    return sorted(out)


want = [("20250106T080000Z", "20250106T080000Z"), ("20250113T090000Z", "20250113T080000Z"),
        ("20250127T080000Z", "20250127T080000Z")]
server_side = instants(calendar.search(event=True, expand=True, server_expand=True, start=start, end=end))
assert server_side == want, server_side
client_side = instants(calendar.search(event=True, expand=True, start=start, end=end))
assert client_side == want, client_side

# 4. Too many instances: a daily series with no end, expanded over 60 years.
DAILY = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//graphgate tests//EN\r
BEGIN:VEVENT\r
UID:daily-1@graphgate.test\r
DTSTAMP:20270101T000000Z\r
DTSTART:20270105T090000Z\r
DTEND:20270105T091500Z\r
RRULE:FREQ=DAILY\r
SUMMARY:Stand-up\r
END:VEVENT\r
END:VCALENDAR\r
"""
r = dav("PUT", cal + "daily-1.ics", DAILY, **{"Content-Type": "text/calendar", "If-None-Match": "*"})
assert r.status_code == 201, (r.status_code, r.text)
far = 'start="20270101T000000Z" end="20900101T000000Z"'
r = dav("REPORT", cal, MULTIGET % (f"<C:expand {far}/>", cal + "daily-1.ics"), Depth="1")
assert r.status_code == 507 and "number-of-matches-within-limits" in r.text, (r.status_code, r.text)
week = 'start="20270301T000000Z" end="20270308T000000Z"'
d = multistatus(dav("REPORT", cal, MULTIGET % (f"<C:expand {week}/>", cal + "daily-1.ics"), Depth="1"))
dt = d[cal + "daily-1.ics"][f"{C}calendar-data"]
assert values(dt, "DTSTART") == [f"202703{day:02d}T090000Z" for day in range(1, 8)], dt
assert dav("DELETE", cal + "daily-1.ics").status_code == 204

# 5. calendar-timezone: the mailbox's zone (alice works in W. Europe).
TZ = """<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><C:calendar-timezone/></D:prop></D:propfind>"""
tz = multistatus(dav("PROPFIND", cal, TZ, Depth="0"))[cal][f"{C}calendar-timezone"]
assert "BEGIN:VCALENDAR" in tz and "BEGIN:VTIMEZONE" in tz and "TZID:Europe/Berlin" in tz, tz
assert "BEGIN:VEVENT" not in tz, tz
# A shared mailbox whose settings a delegate cannot read (Graph gives a
# user's mailboxSettings to that user only): UTC.
shared = f"/dav/calendars/{alice}/{sales}-calendar/"
stz = multistatus(dav("PROPFIND", shared, TZ, Depth="0"))[shared][f"{C}calendar-timezone"]
assert "TZID:UTC" in stz and "Europe/Berlin" not in stz, stz

# 6. An event made in New York reads back in New York.
NY = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//graphgate tests//EN\r
BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
DTSTART:20070311T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
DTSTART:20071104T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:ny-1@graphgate.test\r
DTSTAMP:20270101T000000Z\r
DTSTART;TZID=America/New_York:20270315T090000\r
DTEND;TZID=America/New_York:20270315T100000\r
SUMMARY:Breakfast in New York\r
END:VEVENT\r
END:VCALENDAR\r
"""
r = dav("PUT", cal + "ny-1.ics", NY, **{"Content-Type": "text/calendar", "If-None-Match": "*"})
assert r.status_code == 201, (r.status_code, r.text)
r = dav("GET", cal + "ny-1.ics")
assert r.status_code == 200, r.status_code
assert "DTSTART;TZID=America/New_York:20270315T090000" in unfolded(r.text), r.text
assert "DTEND;TZID=America/New_York:20270315T100000" in unfolded(r.text), r.text
assert "TZID:America/New_York" in unfolded(r.text), r.text
# Expanded, the same event is in UTC (13:00Z: New York is on EDT by then).
ny = multistatus(dav("REPORT", cal, MULTIGET % (
    '<C:expand start="20270301T000000Z" end="20270401T000000Z"/>', cal + "ny-1.ics"), Depth="1"))
nt = ny[cal + "ny-1.ics"][f"{C}calendar-data"]
assert values(nt, "DTSTART") == ["20270315T130000Z"] and values(nt, "RECURRENCE-ID") == [], nt
assert dav("DELETE", cal + "ny-1.ics").status_code == 204

# 7. vCard 4.0 in addressbook-multiget, with the stored card's ETag.
ALL = """<?xml version="1.0"?><R:addressbook-query xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><R:address-data/></D:prop></R:addressbook-query>"""
cards = multistatus(dav("REPORT", book, ALL, Depth="1"))
maria = [h for h, p in cards.items() if "Maria Garcia" in p[f"{CR}address-data"]]
assert maria, cards
maria = maria[0]
v3 = cards[maria][f"{CR}address-data"]
assert "VERSION:3.0" in v3, v3
CMULTI = """<?xml version="1.0"?><R:addressbook-multiget xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><R:address-data content-type="text/vcard" version="%s"/></D:prop><D:href>%s</D:href>
</R:addressbook-multiget>"""
g4 = multistatus(dav("REPORT", book, CMULTI % ("4.0", maria), Depth="1"))[maria]
v4 = g4[f"{CR}address-data"]
assert g4[f"{D}getetag"] == cards[maria][f"{D}getetag"], (g4, cards[maria])
u4 = unfolded(v4)
assert "VERSION:4.0" in u4 and "KIND:individual" in u4 and "FN:Maria Garcia" in u4, v4
assert "TEL;TYPE=work,voice:+49 30 1234567" in u4, v4
assert "TEL;TYPE=cell:+49 170 1234567" in u4, v4
assert any(l.startswith("PHOTO:data:image/png;base64,") for l in u4), v4
assert any(l.startswith("ADR;TYPE=home:") for l in u4), v4
assert not any("ENCODING=" in l for l in u4), v4
assert sorted(values(v4, "EMAIL")) == sorted(values(v3, "EMAIL")), (v3, v4)
assert values(v4, "N") == values(v3, "N"), (v3, v4)
# 3.0 asked for explicitly is the stored card.
g3 = multistatus(dav("REPORT", book, CMULTI % ("3.0", maria), Depth="1"))[maria]
assert g3[f"{CR}address-data"] == v3
# A version graphgate cannot give is refused.
r = dav("REPORT", book, CMULTI % ("5.0", maria), Depth="1")
assert r.status_code == 403 and "supported-address-data" in r.text, (r.status_code, r.text)

# 8. GET with Accept.
plain = dav("GET", maria)
assert plain.status_code == 200 and "VERSION:3.0" in plain.text
r = dav("GET", maria, Accept="text/vcard; version=4.0")
assert r.status_code == 200 and "VERSION:4.0" in r.text, (r.status_code, r.text)
assert "version=4.0" in r.headers["Content-Type"], r.headers
assert r.headers["ETag"] == plain.headers["ETag"], (r.headers, plain.headers)
assert "Accept" in r.headers.get("Vary", ""), r.headers
assert r.text.replace("\r\n", "\n") == v4.replace("\r\n", "\n"), (r.text, v4)
r = dav("GET", maria, Accept="text/vcard; version=2.1")
assert r.status_code == 415 and "supported-address-data-conversion" in r.text, (r.status_code, r.text)

# 9. A vCard 4.0 PUT, read back as 3.0 and 4.0 with the same fields; the
# ETag of either reading works for If-Match.
CARD4 = """BEGIN:VCARD\r
VERSION:4.0\r
KIND:individual\r
UID:urn:uuid:0d9c1f2e-4c7e-4f55-9a53-8f3c2f1e0a77\r
FN:Ines Ortega\r
N:Ortega;Ines;;;\r
EMAIL;TYPE=work:ines@work.example\r
TEL;VALUE=uri;TYPE=cell:tel:+34-600-123-456\r
ADR;TYPE=work:;;Calle Mayor 1;Madrid;;28013;Spain\r
BDAY:19900214\r
ORG:Northwind;Sales\r
END:VCARD\r
"""
r = dav("PUT", book + "ines.vcf", CARD4, **{"Content-Type": "text/vcard; version=4.0", "If-None-Match": "*"})
assert r.status_code == 201, (r.status_code, r.text)
r3 = dav("GET", book + "ines.vcf")
r4 = dav("GET", book + "ines.vcf", Accept="text/vcard;version=4.0")
assert r3.status_code == 200 and r4.status_code == 200
a, b = r3.text, r4.text
assert "VERSION:3.0" in a and "VERSION:4.0" in b, (a, b)
assert values(a, "FN") == values(b, "FN") == ["Ines Ortega"], (a, b)
assert values(a, "N") == values(b, "N") == ["Ortega;Ines;;;"], (a, b)
assert values(a, "ORG") == values(b, "ORG") == ["Northwind;Sales"], (a, b)
assert values(a, "EMAIL") == values(b, "EMAIL") == ["ines@work.example"], (a, b)
assert values(a, "UID") == values(b, "UID") == ["urn:uuid:0d9c1f2e-4c7e-4f55-9a53-8f3c2f1e0a77"]
assert values(a, "BDAY") == ["1990-02-14"] and values(b, "BDAY") == ["19900214"], (a, b)
assert any("+34-600-123-456" in l and "CELL" in l.upper() for l in lines_of(a, "TEL")), a
assert "TEL;VALUE=uri;TYPE=cell:tel:+34-600-123-456" in unfolded(b), b
assert any("Calle Mayor 1" in v and "Madrid" in v for v in values(a, "ADR")), a
assert any("Calle Mayor 1" in v and "Madrid" in v for v in values(b, "ADR")), b
assert b.count("KIND:") == 1, b
assert r3.headers["ETag"] == r4.headers["ETag"]
changed = CARD4.replace("FN:Ines Ortega", "FN:Ines Ortega Ruiz")
r = dav("PUT", book + "ines.vcf", changed, **{"Content-Type": "text/vcard", "If-Match": r4.headers["ETag"]})
assert r.status_code == 204, (r.status_code, r.text)
assert "FN:Ines Ortega Ruiz" in dav("GET", book + "ines.vcf").text
assert dav("DELETE", book + "ines.vcf").status_code == 204

# supported-address-data names both versions.
SAD = """<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
<D:prop><R:supported-address-data/></D:prop></D:propfind>"""
sad = dav("PROPFIND", book, SAD, Depth="0")
assert sad.status_code == 207 and 'version="4.0"' in sad.text and 'version="3.0"' in sad.text, sad.text

print("OK")
