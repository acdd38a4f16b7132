"""CalDAV/CardDAV discovery from outside with requests: well-known URIs
(RFC 6764), current-user-principal, the home sets, the calendar home's
collections with their privileges, OPTIONS, and refusals.

Usage: dav_discovery.py <http-port> <https-port> <cert> <password> <alice> <bob> <sales>
"""

import sys
import xml.etree.ElementTree as ET

import requests

port, sport, cert, password, alice, bob, sales = sys.argv[1:8]
base = f"http://127.0.0.1:{port}"
sbase = f"https://127.0.0.1:{sport}"
D, C, CR, CS = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}", "{urn:ietf:params:xml:ns:carddav}", "{http://calendarserver.org/ns/}"


def propfind(url, body, depth="0", user=alice, verify=None):
    r = requests.request(
        "PROPFIND",
        url,
        data=body,
        headers={"Depth": depth, "Content-Type": "application/xml"},
        auth=(user, password),
        verify=verify,
        allow_redirects=False,
    )
    assert r.status_code == 207, (url, r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/xml"), r.headers
    return ET.fromstring(r.content)


def responses(tree):
    out = {}
    for resp in tree.findall(f"{D}response"):
        href = resp.find(f"{D}href").text
        props = {}
        for ps in resp.findall(f"{D}propstat"):
            status = ps.find(f"{D}status").text
            for p in ps.find(f"{D}prop"):
                props[p.tag] = (status, p)
        out[href] = props
    return out


# Well-known URIs redirect to the context path, for GET and PROPFIND.
for path in ("/.well-known/caldav", "/.well-known/carddav"):
    for method in ("GET", "PROPFIND"):
        r = requests.request(method, base + path, allow_redirects=False)
        assert r.status_code == 301 and r.headers["Location"] == "/dav/", (path, r.status_code, r.headers)

# OPTIONS names what is supported, without credentials.
r = requests.options(base + "/dav/")
assert r.status_code == 200, r.status_code
dav = r.headers["DAV"]
for cls in ("1", "calendar-access", "addressbook", "calendar-auto-schedule"):
    assert cls in [c.strip() for c in dav.split(",")], dav
assert "REPORT" in r.headers["Allow"] and "MKCALENDAR" in r.headers["Allow"], r.headers

# No or wrong credentials: 401 with a Basic challenge.
r = requests.request("PROPFIND", base + "/dav/", headers={"Depth": "0"})
assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"], (r.status_code, r.headers)
r = requests.request("PROPFIND", base + "/dav/", headers={"Depth": "0"}, auth=(alice, "wrong"))
assert r.status_code == 401, r.status_code

# The context path names the principal.
cup = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"""
tree = responses(propfind(base + "/dav/", cup))
status, prop = tree["/dav/"][f"{D}current-user-principal"]
principal = prop.find(f"{D}href").text
assert "200" in status and principal == f"/dav/principals/{alice}/", principal

# The principal names the homes, the address set and the scheduling boxes.
body = """<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:prop><c:calendar-home-set/><card:addressbook-home-set/><c:calendar-user-address-set/>
 <c:schedule-outbox-URL/><d:displayname/><x:unknown xmlns:x="urn:example"/></d:prop></d:propfind>"""
tree = responses(propfind(base + principal, body))
p = tree[principal]
chome = p[f"{C}calendar-home-set"][1].find(f"{D}href").text
ahome = p[f"{CR}addressbook-home-set"][1].find(f"{D}href").text
assert chome == f"/dav/calendars/{alice}/" and ahome == f"/dav/addressbooks/{alice}/", (chome, ahome)
addrs = [h.text for h in p[f"{C}calendar-user-address-set"][1].findall(f"{D}href")]
assert f"mailto:{alice}" in addrs, addrs
assert "404" in p["{urn:example}unknown"][0], p

# The calendar home lists the own calendars and sales@'s, with rights.
body = """<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
 <d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/>
 <d:current-user-privilege-set/><cs:getctag/><d:sync-token/><d:supported-report-set/></d:prop></d:propfind>"""


def calendars(user):
    tree = responses(propfind(base + f"/dav/calendars/{user}/", body, depth="1", user=user))
    out = {}
    for href, props in tree.items():
        rt = props[f"{D}resourcetype"][1]
        if rt.find(f"{C}calendar") is None:
            continue
        privs = {p[0].tag for p in props[f"{D}current-user-privilege-set"][1].findall(f"{D}privilege")}
        comps = [c.get("name") for c in props[f"{C}supported-calendar-component-set"][1]]
        reports = {r.find(f"{D}report")[0].tag for r in props[f"{D}supported-report-set"][1]}
        token = props[f"{D}sync-token"][1].text
        assert token and token == props[f"{CS}getctag"][1].text, props
        out[href] = (props[f"{D}displayname"][1].text, privs, comps, reports)
    return out


mine = calendars(alice)
default = mine[f"/dav/calendars/{alice}/calendar/"]
assert default[2] == ["VEVENT"], default
assert f"{D}write-content" in default[1], default
assert {f"{C}calendar-multiget", f"{C}calendar-query", f"{D}sync-collection"} <= default[3], default
assert any("Projects" == v[0] for v in mine.values()), mine
shared = [h for h in mine if h.startswith(f"/dav/calendars/{alice}/{sales}-")]
assert shared, mine
# bob may only read sales@: its calendars are read-only for him.
his = calendars(bob)
hshared = [v for h, v in his.items() if h.startswith(f"/dav/calendars/{bob}/{sales}-")]
assert hshared and all(f"{D}write-content" not in v[1] and f"{D}read" in v[1] for v in hshared), his

# Another user's home is refused.
r = requests.request("PROPFIND", base + f"/dav/calendars/{bob}/", headers={"Depth": "1"}, auth=(alice, password))
assert r.status_code == 403, r.status_code
# Depth: infinity is refused with its precondition.
r = requests.request("PROPFIND", base + f"/dav/calendars/{alice}/", headers={"Depth": "infinity"}, auth=(alice, password))
assert r.status_code == 403 and "propfind-finite-depth" in r.text, (r.status_code, r.text)
# The same over HTTPS.
tree = responses(propfind(sbase + "/dav/", cup, verify=cert))
assert f"/dav/" in tree
print("OK")
