"""Collections made, changed and deleted by clients: python caldav's
make_calendar (MKCALENDAR) for an event calendar, an event saved and read
in it at the URL the client chose, a rename and a recolour by PROPPATCH
(and an all-or-nothing PROPPATCH refused), a VTODO-only calendar that
becomes a To Do list, an address book made by extended MKCOL, deletes;
refusals: a URL that exists, nesting, VJOURNAL, the default calendar and
the built-in To Do list, a read-only grant, a shared mailbox. Every change
is checked in the emulated tenant too.

Usage: dav_collections.py <http-port> <https-port> <cert> <password> <alice> <bob> <sales>
(GRAPHGATE_EMULATOR names the emulated tenant.)
"""

import os
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote, unquote

import caldav
import requests

port, sport, cert, password, alice, bob, sales = sys.argv[1:8]
emulator = os.environ["GRAPHGATE_EMULATOR"]
base = f"http://127.0.0.1:{port}"
D, C, CR, I = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}", "{urn:ietf:params:xml:ns:carddav}", "{http://apple.com/ns/ical/}"
home = f"/dav/calendars/{alice}/"
books = f"/dav/addressbooks/{alice}/"


def dav(method, path, body=None, user=alice, **headers):
    h = {"Content-Type": "application/xml"}
    h.update(headers)
    return requests.request(method, base + path, data=body, auth=(user, password), headers=h)


def graph(path, method="GET", upn=alice):
    token = requests.post(f"{emulator}/_emulator/tokens", json={
        "upn": upn, "scopes": ["Calendars.ReadWrite", "Tasks.ReadWrite", "Contacts.ReadWrite"]}).json()["access_token"]
    r = requests.request(method, f"{emulator}/v1.0/me/{path}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()["value"]


def props(path, *names, user=alice):
    body = "<d:propfind xmlns:d='DAV:' xmlns:c='urn:ietf:params:xml:ns:caldav' " \
           "xmlns:i='http://apple.com/ns/ical/'><d:prop>" + "".join(f"<{n}/>" for n in names) + \
           "</d:prop></d:propfind>"
    r = dav("PROPFIND", path, body, user=user, Depth="0")
    assert r.status_code == 207, (path, r.status_code, r.text)
    out = {}
    for ps in ET.fromstring(r.content).iter(f"{D}propstat"):
        if "200" in ps.find(f"{D}status").text:
            for p in ps.find(f"{D}prop"):
                out[p.tag] = p
    return out


def statuses(r):
    """{property tag: status code} of a 207 answer."""
    assert r.status_code == 207, (r.status_code, r.text)
    out = {}
    for ps in ET.fromstring(r.content).iter(f"{D}propstat"):
        code = int(ps.find(f"{D}status").text.split()[1])
        for p in ps.find(f"{D}prop"):
            out[p.tag] = code
    return out


client = caldav.DAVClient(url=f"{base}/dav/", username=alice, password=password)
principal = client.principal()

# The homes grant DAV:bind, so clients offer to make collections there.
for h in (home, books):
    privs = props(h, "d:current-user-privilege-set")[f"{D}current-user-privilege-set"]
    assert privs.find(f"{D}privilege/{D}bind") is not None, ET.tostring(privs)

# 1. An event calendar at the URL the client chose; an event in it.
cal = principal.make_calendar(name="Project X", cal_id="project-x")
assert unquote(cal.url.path) == home + "project-x/", cal.url
found = {unquote(c.url.path): c for c in principal.calendars()}
assert home + "project-x/" in found, list(found)
assert props(home + "project-x/", "d:displayname")[f"{D}displayname"].text == "Project X"
made = [c for c in graph("calendars") if c["name"] == "Project X"]
assert len(made) == 1, graph("calendars")
cal_id = made[0]["id"]
EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//EN
BEGIN:VEVENT
UID:project-kickoff@graphgate.test
DTSTAMP:20260301T090000Z
DTSTART:20260310T090000Z
DTEND:20260310T100000Z
SUMMARY:Project kickoff
END:VEVENT
END:VCALENDAR
"""
cal.save_event(EVENT)
back = cal.event_by_uid("project-kickoff@graphgate.test")
assert "Project kickoff" in back.data, back.data
assert unquote(back.url.path).startswith(home + "project-x/"), back.url
events = graph(f"calendars/{cal_id}/events")
assert [e["subject"] for e in events] == ["Project kickoff"], events
token_before = props(home + "project-x/", "d:sync-token")[f"{D}sync-token"].text

# 2. Rename and recolour by PROPPATCH; Graph takes a colour name.
PATCH = """<d:propertyupdate xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/"><d:set><d:prop>
<d:displayname>Project Y</d:displayname><i:calendar-color>#FF0000FF</i:calendar-color></d:prop></d:set>
</d:propertyupdate>"""
r = dav("PROPPATCH", home + "project-x/", PATCH)
assert set(statuses(r).values()) == {200}, r.text
p = props(home + "project-x/", "d:displayname", "i:calendar-color")
assert p[f"{D}displayname"].text == "Project Y", p
assert p[f"{I}calendar-color"].text.lower() == "#f38a8a", p[f"{I}calendar-color"].text
g = [c for c in graph("calendars") if c["id"] == cal_id][0]
assert (g["name"], g["color"]) == ("Project Y", "lightRed"), g
# All or nothing: a property Graph cannot keep fails the rename with it.
BAD = """<d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<d:displayname>Project Z</d:displayname><c:calendar-description>notes</c:calendar-description>
</d:prop></d:set></d:propertyupdate>"""
s = statuses(dav("PROPPATCH", home + "project-x/", BAD))
assert s == {f"{D}displayname": 424, f"{C}calendar-description": 403}, s
assert [c["name"] for c in graph("calendars") if c["id"] == cal_id] == ["Project Y"]

# 3. Refusals: the URL exists; nesting; VJOURNAL; both components.
r = dav("MKCALENDAR", home + "project-x/")
assert r.status_code == 405, (r.status_code, r.text)
r = dav("MKCALENDAR", home + "calendar/")
assert r.status_code == 405, (r.status_code, r.text)
r = dav("MKCALENDAR", home + "project-x/sub/")
assert r.status_code == 403 and "calendar-collection-location-ok" in r.text, (r.status_code, r.text)
r = dav("MKCALENDAR", home + "no-such/sub/")
assert r.status_code == 409, (r.status_code, r.text)
COMPS = """<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<c:supported-calendar-component-set>%s</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"""
for comps in ('<c:comp name="VJOURNAL"/>', '<c:comp name="VEVENT"/><c:comp name="VTODO"/>'):
    r = dav("MKCALENDAR", home + "journal/", COMPS % comps)
    assert r.status_code == 403 and "supported-calendar-component" in r.text, (r.status_code, r.text)
r = dav("MKCALENDAR", home + "x" * 200 + "/")
assert r.status_code == 403, r.status_code
# A property Microsoft 365 cannot keep fails the whole MKCALENDAR.
ODD = """<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
<d:displayname>Odd</d:displayname><x:mood xmlns:x="urn:x">sunny</x:mood></d:prop></d:set></c:mkcalendar>"""
r = dav("MKCALENDAR", home + "odd/", ODD)
assert r.status_code == 403 and "mkcalendar-response" in r.text and "424" in r.text, (r.status_code, r.text)
assert not [c for c in graph("calendars") if c["name"] == "Odd"]
assert dav("PROPFIND", home + "odd/", Depth="0").status_code == 404

# What Apple Calendar sends with a new calendar is taken (what Graph cannot
# keep is not kept); a transparent calendar is refused.
APPLE = """<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
 xmlns:i="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>From Apple</d:displayname>
<i:calendar-color>#63DA38FF</i:calendar-color><i:calendar-order>3</i:calendar-order>
<c:calendar-timezone>BEGIN:VCALENDAR\r\nEND:VCALENDAR</c:calendar-timezone>
<c:calendar-description>mine</c:calendar-description>
<c:schedule-calendar-transp><c:%s/></c:schedule-calendar-transp>
<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>
</d:prop></d:set></c:mkcalendar>"""
r = dav("MKCALENDAR", home + "apple-transparent/", APPLE % "transparent")
assert r.status_code == 403 and "424" in r.text, (r.status_code, r.text)
r = dav("MKCALENDAR", home + "apple/", APPLE % "opaque")
assert r.status_code == 201, (r.status_code, r.text)
g = [c for c in graph("calendars") if c["name"] == "From Apple"]
assert len(g) == 1 and g[0]["color"] == "lightGreen", g
assert dav("DELETE", home + "apple/").status_code == 204

# 4. A VTODO-only calendar is a To Do list.
chores = principal.make_calendar(name="Chores", cal_id="chores", supported_calendar_component_set=["VTODO"])
lists = [l for l in graph("todo/lists") if l["displayName"] == "Chores"]
assert len(lists) == 1, graph("todo/lists")
comps = props(home + "chores/", "c:supported-calendar-component-set")[f"{C}supported-calendar-component-set"]
assert [c.get("name") for c in comps] == ["VTODO"], ET.tostring(comps)
chores.save_todo("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//EN
BEGIN:VTODO
UID:sweep@graphgate.test
DTSTAMP:20260301T090000Z
SUMMARY:Sweep the floor
END:VTODO
END:VCALENDAR
""")
tasks = graph(f"todo/lists/{lists[0]['id']}/tasks")
assert [t["title"] for t in tasks] == ["Sweep the floor"], tasks
# The built-in list keeps its name and cannot go.
r = dav("PROPPATCH", home + "tasks/", PATCH.replace("<i:calendar-color>#FF0000FF</i:calendar-color>", ""))
assert statuses(r) == {f"{D}displayname": 403}, r.text
assert dav("DELETE", home + "tasks/").status_code == 403

# 5. An address book by extended MKCOL; plain MKCOL refused.
MKCOL = """<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>
<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Friends</d:displayname>
</d:prop></d:set></d:mkcol>"""
r = dav("MKCOL", books + "friends/", MKCOL)
assert r.status_code == 201, (r.status_code, r.text)
rt = props(books + "friends/", "d:resourcetype", "d:displayname")
assert rt[f"{D}resourcetype"].find(f"{CR}addressbook") is not None and rt[f"{D}displayname"].text == "Friends", rt
r = dav("PUT", books + "friends/ann.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ann@graphgate.test\r\nFN:Ann Example\r\n"
        "N:Example;Ann;;;\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n", **{"Content-Type": "text/vcard"})
assert r.status_code == 201, (r.status_code, r.text)
folder = [f for f in graph("contactFolders") if f["displayName"] == "Friends"]
assert len(folder) == 1, graph("contactFolders")
assert [c["displayName"] for c in graph(f"contactFolders/{folder[0]['id']}/contacts")] == ["Ann Example"]
r = dav("MKCOL", books + "plain/")
assert r.status_code == 403 and "valid-resourcetype" in r.text, (r.status_code, r.text)
r = dav("MKCOL", books + "friends/", MKCOL)
assert r.status_code == 405, r.status_code
# Renamed by PROPPATCH.
r = dav("PROPPATCH", books + "friends/", """<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>
<d:displayname>Close friends</d:displayname></d:prop></d:set></d:propertyupdate>""")
assert set(statuses(r).values()) == {200}, r.text
assert [f["displayName"] for f in graph("contactFolders") if f["id"] == folder[0]["id"]] == ["Close friends"]

# 6. Read-only grant, shared mailbox, another user's home.
shared = [c.url.path for c in caldav.DAVClient(url=f"{base}/dav/", username=bob, password=password)
          .principal().calendars() if unquote(c.url.path).startswith(f"/dav/calendars/{bob}/{sales}-")]
assert shared, "bob sees sales@'s calendar"
r = dav("PROPPATCH", shared[0], PATCH, user=bob)
assert r.status_code == 403 and "need-privileges" in r.text, (r.status_code, r.text)
r = dav("DELETE", shared[0], user=bob)
assert r.status_code == 403 and "need-privileges" in r.text, (r.status_code, r.text)
r = dav("MKCALENDAR", f"/dav/calendars/{bob}/{quote(sales)}-new/", user=bob)
assert r.status_code == 403 and "need-privileges" in r.text, (r.status_code, r.text)
r = dav("MKCALENDAR", home + quote(sales) + "-new/")
assert r.status_code == 403, (r.status_code, r.text)
r = dav("MKCALENDAR", f"/dav/calendars/{bob}/mine/")
assert r.status_code == 403, r.status_code

# 7. Deletes: the default calendar cannot go; ours do, with their tokens.
r = dav("DELETE", home + "calendar/")
assert r.status_code == 403 and "default" in r.text, (r.status_code, r.text)
for path in (home + "project-x/", home + "chores/", books + "friends/"):
    r = dav("DELETE", path)
    assert r.status_code == 204, (path, r.status_code, r.text)
    assert dav("PROPFIND", path, Depth="0").status_code == 404, path
assert not [c for c in graph("calendars") if c["id"] == cal_id]
assert not [l for l in graph("todo/lists") if l["displayName"] == "Chores"]
assert not [f for f in graph("contactFolders") if f["id"] == folder[0]["id"]]
assert home + "project-x/" not in {unquote(c.url.path) for c in principal.calendars()}
# Made again at the same URL: a new calendar, and the old token is void.
principal.make_calendar(name="Project X", cal_id="project-x")
SYNC = """<d:sync-collection xmlns:d="DAV:"><d:sync-token>%s</d:sync-token><d:sync-level>1</d:sync-level>
<d:prop><d:getetag/></d:prop></d:sync-collection>"""
r = dav("REPORT", home + "project-x/", SYNC % token_before)
assert r.status_code == 403 and "valid-sync-token" in r.text, (r.status_code, r.text)
r = dav("REPORT", home + "project-x/", SYNC % "")
assert r.status_code == 207 and "project-kickoff" not in r.text, r.text
assert dav("DELETE", home + "project-x/").status_code == 204
print("OK")
