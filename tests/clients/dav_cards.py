"""CardDAV and To Do lists over CalDAV from outside with requests: the
address-book home (the default folder Graph's list omits, other folders,
a shared mailbox's), the seeded contact with three emails, two addresses
and a photo, a contact written with the same and a fourth email kept,
vCard 4 asked for, a task with a due date both ways, sync-collection
after a contact made in the tenant directly, a read-only grant refused.

Usage: dav_cards.py <http-port> <https-port> <cert> <password> <alice> <bob> <sales>
(GRAPHGATE_EMULATOR names the emulated tenant.)
"""

import base64
import os
import sys
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import requests

port, sport, cert, password, alice, bob, sales = sys.argv[1:8]
emulator = os.environ["GRAPHGATE_EMULATOR"]
base = f"http://127.0.0.1:{port}"
D, C, CR = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}", "{urn:ietf:params:xml:ns:carddav}"


def dav(method, path, body=None, user=alice, **headers):
    h = {"Content-Type": "application/xml"}
    h.update(headers)
    return requests.request(method, base + path, data=body, auth=(user, password), headers=h)


def multistatus(r):
    assert r.status_code == 207, (r.status_code, r.text)
    out = {}
    for resp in ET.fromstring(r.content).findall(f"{D}response"):
        href = unquote(resp.find(f"{D}href").text)
        props = {}
        for ps in resp.findall(f"{D}propstat"):
            if "200" in ps.find(f"{D}status").text:
                for p in ps.find(f"{D}prop"):
                    props[p.tag] = p
        out[href] = props
    return out


LIST = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"
 xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:resourcetype/><d:displayname/>
 <d:current-user-privilege-set/><d:sync-token/><c:supported-calendar-component-set/></d:prop></d:propfind>"""

# The address-book home: the default folder (missing from Graph's list),
# Partners, and sales@'s.
home = multistatus(dav("PROPFIND", f"/dav/addressbooks/{alice}/", LIST, Depth="1"))
books = {h: p[f"{D}displayname"].text for h, p in home.items()
         if p[f"{D}resourcetype"].find(f"{CR}addressbook") is not None}
default = f"/dav/addressbooks/{alice}/contacts/"
assert default in books, books
assert "Partners" in books.values(), books
assert any(h.startswith(f"/dav/addressbooks/{alice}/{sales}-") for h in books), books

# Every member with its data.
ALL = """<?xml version="1.0"?><card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/><card:address-data/></d:prop></card:addressbook-query>"""
cards = multistatus(dav("REPORT", default, ALL, Depth="1"))
maria = [p[f"{CR}address-data"].text for p in cards.values() if "Maria Garcia" in p[f"{CR}address-data"].text]
assert maria, cards
m = maria[0]
assert m.count("EMAIL") >= 3 and m.count("ADR") >= 2 and "PHOTO" in m, m

# A contact with three emails, two addresses and a photo, plus a fourth
# email Outlook cannot hold (kept by graphgate) goes in and comes back.
png = base64.b64encode(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")).decode()
CARD = f"""BEGIN:VCARD\r
VERSION:3.0\r
UID:card-1@graphgate.test\r
FN:Nora Quist\r
N:Quist;Nora;;;\r
EMAIL;TYPE=INTERNET,WORK:nora@work.example\r
EMAIL;TYPE=INTERNET,HOME:nora@home.example\r
EMAIL;TYPE=INTERNET:nora@other.example\r
EMAIL;TYPE=INTERNET:nora@fourth.example\r
TEL;TYPE=CELL:+49 170 1234567\r
ADR;TYPE=HOME:;;Hauptstr. 1;Berlin;;10115;Germany\r
ADR;TYPE=WORK:;;Werkstr. 2;Hamburg;;20095;Germany\r
ORG:Fabrikam\r
PHOTO;ENCODING=b;TYPE=PNG:{png}\r
END:VCARD\r
"""
r = dav("PUT", default + "nora.vcf", CARD, **{"Content-Type": "text/vcard", "If-None-Match": "*"})
assert r.status_code == 201, (r.status_code, r.text)
r = dav("GET", default + "nora.vcf")
assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/vcard"), r.status_code
back = r.text
for needed in ("nora@work.example", "nora@home.example", "nora@other.example", "nora@fourth.example",
               "Hauptstr. 1", "Werkstr. 2", "PHOTO", "UID:card-1@graphgate.test"):
    assert needed in back, (needed, back)
etag = r.headers["ETag"]
# The same again with If-None-Match: * is refused.
r = dav("PUT", default + "nora.vcf", CARD, **{"Content-Type": "text/vcard", "If-None-Match": "*"})
assert r.status_code == 412, r.status_code
# Another resource with the same UID is refused.
r = dav("PUT", default + "nora2.vcf", CARD, **{"Content-Type": "text/vcard"})
assert r.status_code == 409 and "no-uid-conflict" in r.text, (r.status_code, r.text)
# Outlook holds it: the tenant has the three addresses Outlook keeps.
token = requests.post(f"{emulator}/_emulator/tokens",
                      json={"upn": alice, "scopes": ["Contacts.ReadWrite"]}).json()["access_token"]
g = requests.get(f"{emulator}/v1.0/me/contacts?$top=100", headers={"Authorization": f"Bearer {token}"}).json()
nora = [x for x in g["value"] if x.get("surname") == "Quist"]
assert nora and len(nora[0]["emailAddresses"]) == 3, g

# Sync: a token, then a contact made in the tenant directly shows up.
SYNC = """<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>%s</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
first = dav("REPORT", default, SYNC % "")
assert first.status_code == 207, first.text
tok = ET.fromstring(first.content).find(f"{D}sync-token").text
made = requests.post(f"{emulator}/v1.0/me/contacts", headers={"Authorization": f"Bearer {token}"},
                     json={"givenName": "Otto", "surname": "Direct",
                           "emailAddresses": [{"address": "otto@direct.example"}]})
assert made.status_code == 201, made.text
import time
time.sleep(2.5)  # past [dav] fresh_s
later = dav("REPORT", default, SYNC % tok)
changed = multistatus(later)
assert len(changed) == 1, changed
href = next(iter(changed))
assert "Otto" in dav("GET", href).text

# Tasks: the default To Do list is a VTODO calendar named "tasks".
cal = multistatus(dav("PROPFIND", f"/dav/calendars/{alice}/", LIST, Depth="1"))
tasks = f"/dav/calendars/{alice}/tasks/"
comps = [c.get("name") for c in cal[tasks][f"{C}supported-calendar-component-set"]]
assert comps == ["VTODO"], comps
QUERY = """<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">
<c:comp-filter name="VTODO"/></c:comp-filter></c:filter></c:calendar-query>"""
todos = multistatus(dav("REPORT", tasks, QUERY, Depth="1"))
texts = [p[f"{C}calendar-data"].text for p in todos.values()]
assert any("Submit expense report" in t and "DUE;VALUE=DATE:" in t for t in texts), texts
TODO = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//graphgate tests//EN\r
BEGIN:VTODO\r
UID:task-1@graphgate.test\r
DTSTAMP:20270101T000000Z\r
SUMMARY:File the quarterly report\r
DUE;VALUE=DATE:20270115\r
PRIORITY:1\r
END:VTODO\r
END:VCALENDAR\r
"""
r = dav("PUT", tasks + "task-1.ics", TODO, **{"Content-Type": "text/calendar"})
assert r.status_code == 201, (r.status_code, r.text)
t = dav("GET", tasks + "task-1.ics").text
assert "File the quarterly report" in t and "DUE;VALUE=DATE:20270115" in t and "UID:task-1@graphgate.test" in t, t
# An event in a task list is refused with its precondition.
EVENT = TODO.replace("VTODO", "VEVENT").replace("DUE;VALUE=DATE:20270115", "DTSTART;VALUE=DATE:20270115")
r = dav("PUT", tasks + "event.ics", EVENT, **{"Content-Type": "text/calendar"})
assert r.status_code == 403 and "supported-calendar-component" in r.text, (r.status_code, r.text)
r = dav("DELETE", tasks + "task-1.ics")
assert r.status_code == 204, r.status_code
assert dav("GET", tasks + "task-1.ics").status_code == 404

# bob may only read sales@: its address book refuses writes.
bhome = multistatus(dav("PROPFIND", f"/dav/addressbooks/{bob}/", LIST, user=bob, Depth="1"))
shared = [h for h in bhome if h.startswith(f"/dav/addressbooks/{bob}/{sales}-")]
assert shared, bhome
r = dav("PUT", shared[0] + "x.vcf", CARD.replace("card-1@", "card-b@"), user=bob,
        **{"Content-Type": "text/vcard"})
assert r.status_code == 403 and "need-privileges" in r.text, (r.status_code, r.text)
print("OK")
