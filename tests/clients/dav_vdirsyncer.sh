#!/usr/bin/env bash
# vdirsyncer (Debian's) syncs alice's default calendar both ways with the
# DAV front: discovery from the server's root, a first download (the seeded
# weekly series arrives whole), an event made locally goes up, a change on
# the server comes down, a local delete goes up, and a second sync with no
# change moves nothing.
#
# Usage: dav_vdirsyncer.sh <http-port> <https-port> <cert> <password> <alice>
set -euo pipefail
port=$1 _sport=$2 _cert=$3 password=$4 alice=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/config" <<CONF
[general]
status_path = "$work/status/"

[pair cal]
a = "local"
b = "remote"
collections = ["calendar"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "$work/cal/"
fileext = ".ics"

[storage remote]
type = "caldav"
url = "http://127.0.0.1:$port/"
username = "$alice"
password = "$password"

[pair card]
a = "card_local"
b = "card_remote"
collections = ["contacts"]
conflict_resolution = "b wins"

[storage card_local]
type = "filesystem"
path = "$work/card/"
fileext = ".vcf"

[storage card_remote]
type = "carddav"
url = "http://127.0.0.1:$port/"
username = "$alice"
password = "$password"
CONF
vds() { vdirsyncer -c "$work/config" "$@"; }
mkdir -p "$work/cal/calendar" "$work/card/contacts"
vds discover cal >/dev/null
vds discover card >/dev/null
vds sync >/dev/null
dir="$work/cal/calendar"
count=$(ls "$dir" | wc -l)
[ "$count" -ge 2 ] || { echo "first sync brought $count events"; exit 1; }
grep -l "RRULE:FREQ=WEEKLY" "$dir"/*.ics | xargs grep -q "RECURRENCE-ID" \
    || { echo "the weekly series did not arrive whole"; exit 1; }

# Made locally: goes up.
cat > "$dir/local-1.ics" <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//EN
BEGIN:VEVENT
UID:vdirsyncer-local-1@graphgate.test
DTSTAMP:20270101T000000Z
DTSTART:20270301T090000Z
DTEND:20270301T093000Z
SUMMARY:Made in a text editor
END:VEVENT
END:VCALENDAR
ICS
vds sync >/dev/null
base="http://127.0.0.1:$port/dav/calendars/$alice/calendar/"
query='<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
<c:prop-filter name="UID"><c:text-match>vdirsyncer-local-1</c:text-match></c:prop-filter>
</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>'
listing=$(curl -sf -u "$alice:$password" -X REPORT -H "Depth: 1" -H "Content-Type: application/xml" \
    --data-binary "$query" "$base")
href=$(printf '%s' "$listing" | grep -o '<d:href>[^<]*</d:href>' | sed 's/<[^>]*>//g' | head -1)
[ -n "$href" ] || { echo "the local event is not on the server"; exit 1; }
curl -sf -u "$alice:$password" "http://127.0.0.1:$port$href" | grep -q "Made in a text editor" \
    || { echo "the server's copy differs"; exit 1; }

# Changed on the server: comes down.
body=$(curl -sf -u "$alice:$password" "http://127.0.0.1:$port$href" | sed 's/SUMMARY:Made in a text editor/SUMMARY:Changed on the server/')
curl -sf -u "$alice:$password" -X PUT -H "Content-Type: text/calendar" --data-binary "$body" \
    "http://127.0.0.1:$port$href" >/dev/null
vds sync >/dev/null
grep -q "SUMMARY:Changed on the server" "$dir/local-1.ics" \
    || { echo "the server's change did not come down"; cat "$dir/local-1.ics"; exit 1; }

# Deleted locally: goes up.
rm "$dir/local-1.ics"
vds sync >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$alice:$password" "http://127.0.0.1:$port$href")
[ "$code" = 404 ] || { echo "the deleted event is still on the server ($code)"; exit 1; }

# The address book: the seeded contacts come down, one made locally goes up.
cards="$work/card/contacts"
grep -l "Maria Garcia" "$cards"/*.vcf | xargs grep -q "PHOTO" \
    || { echo "the seeded contact did not arrive with its photo"; exit 1; }
cat > "$cards/local-card.vcf" <<VCF
BEGIN:VCARD
VERSION:3.0
UID:vdirsyncer-card-1@graphgate.test
FN:Vera Sync
N:Sync;Vera;;;
EMAIL;TYPE=INTERNET:vera@sync.example
END:VCARD
VCF
vds sync >/dev/null
abase="http://127.0.0.1:$port/dav/addressbooks/$alice/contacts/"
aquery='<?xml version="1.0"?><card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/></d:prop><card:filter><card:prop-filter name="EMAIL">
<card:text-match>vera@sync.example</card:text-match></card:prop-filter></card:filter></card:addressbook-query>'
found=$(curl -sf -u "$alice:$password" -X REPORT -H "Depth: 1" -H "Content-Type: application/xml" \
    --data-binary "$aquery" "$abase" | grep -c '<d:href>' || true)
[ "$found" = 1 ] || { echo "the local contact is not on the server ($found)"; exit 1; }

# Nothing changed: nothing moves.
out=$(vds sync 2>&1)
if printf '%s' "$out" | grep -Eq "Copying|Updating|Deleting"; then
    echo "a sync with no change moved something: $out"; exit 1
fi
echo OK
