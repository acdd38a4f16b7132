#!/usr/bin/env bash
# curl against the DAV front, checking the exact XML it answers, and how
# it lives through the faults Graph can throw: a 410 on the calendar's
# delta (the sync state is gone) and a 412 on an update (the item changed
# under the write).
#
# usage: dav_curl.sh <dav_port> <password> <login> <emulator_base>
set -euo pipefail
port=$1 password=$2 login=$3 emulator=$4
base="http://127.0.0.1:$port"
cal="$base/dav/calendars/$login/calendar/"
auth=(-u "$login:$password")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect <haystack> <needle> <what>
    [[ "$1" == *"$2"* ]] || fail "$3: wanted $2 in: $1"
}

# Discovery: the well-known URI redirects, the context path names the
# principal, the principal names the homes.
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X PROPFIND "$base/.well-known/caldav")
[[ "$code" == "301 $base/dav/" ]] || fail "well-known: $code"
out=$(curl -s -X PROPFIND -H 'Depth: 0' "${auth[@]}" "$base/dav/" --data \
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>')
expect "$out" "<d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/dav/principals/$login/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>" "current-user-principal"
out=$(curl -s -X PROPFIND -H 'Depth: 0' "${auth[@]}" "$base/dav/principals/$login/" --data \
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><c:calendar-home-set/><card:addressbook-home-set/><d:unknown-prop/></d:prop></d:propfind>')
expect "$out" "<c:calendar-home-set><d:href>/dav/calendars/$login/</d:href></c:calendar-home-set>" "calendar-home-set"
expect "$out" "<card:addressbook-home-set><d:href>/dav/addressbooks/$login/</d:href></card:addressbook-home-set>" "addressbook-home-set"
expect "$out" "<d:status>HTTP/1.1 404 Not Found</d:status>" "an unknown property is 404 in its own propstat"

# Without credentials: 401 with a Basic challenge, and the connection
# stays usable for the retry (the body was read).
out=$(curl -s -i -X PROPFIND -H 'Depth: 0' "$base/dav/" --data '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>' \
    --next -s -o /dev/null -w '%{http_code} %{num_connects}' -X PROPFIND -H 'Depth: 0' "${auth[@]}" "$base/dav/")
expect "$out" "HTTP/1.1 401" "no credentials"
expect "$out" 'www-authenticate: Basic realm="graphgate"' "Basic challenge"
expect "$out" "207 0" "the authenticated retry reuses the connection"

# sync-collection: a first report lists everything with a token.
report() { # report <token>
    curl -s -X REPORT "${auth[@]}" -H 'Content-Type: application/xml' "$cal" --data \
        "<?xml version=\"1.0\"?><d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>$1</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
}
first=$(report "")
token=$(grep -o '<d:sync-token>[^<]*' <<<"$first" | cut -d'>' -f2)
[[ "$token" == http://graphgate/sync/*/* ]] || fail "sync token: $first"
hrefs() { grep -o '<d:href>[^<]*</d:href><d:propstat><d:prop><d:getetag>[^<]*' <<<"$1" | sort; }
[[ -n "$(hrefs "$first")" ]] || fail "no resources: $first"
same=$(report "$token")
expect "$same" "<d:sync-token>$token</d:sync-token>" "an unchanged calendar keeps its token"
[[ -z "$(hrefs "$same")" ]] || fail "an unchanged calendar reports changes: $same"

# Graph forgets the delta state (410): graphgate starts the history over,
# the old token is refused with valid-sync-token, and a new full report
# names the same resources with the same ETags.
curl -s -f -X POST "$emulator/_emulator/faults" -H 'Content-Type: application/json' \
    -d '{"status":410,"match":"calendarView/delta"}' >/dev/null
sleep 2.2 # [dav] fresh_s: the next request asks Graph
out=$(curl -s -w '\n%{http_code}' -X REPORT "${auth[@]}" -H 'Content-Type: application/xml' "$cal" --data \
    "<?xml version=\"1.0\"?><d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>$token</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>")
expect "$out" "<d:valid-sync-token/>" "the token from before the reset"
expect "$out" $'\n403' "the token from before the reset"
again=$(report "")
[[ "$(hrefs "$first")" == "$(hrefs "$again")" ]] || fail "names or ETags changed across the reset"

# A write Graph refuses with 412 (the event changed under it) is a 412 for
# the client, and nothing changed; the same PUT again goes through.
cat > "$work/ev.ics" <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//graphgate tests//curl//EN
BEGIN:VEVENT
UID:curl-412@example.com
DTSTAMP:20261201T000000Z
DTSTART:20261210T090000Z
DTEND:20261210T100000Z
SUMMARY:Made with curl
END:VEVENT
END:VCALENDAR
ICS
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "${auth[@]}" -H 'Content-Type: text/calendar' \
    -H 'If-None-Match: *' --data-binary @"$work/ev.ics" "${cal}curl.ics")
[[ "$code" == 201 ]] || fail "create: $code"
etag=$(curl -s -D - -o /dev/null "${auth[@]}" "${cal}curl.ics" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\r')
[[ -n "$etag" ]] || fail "no ETag on GET"
sed -i 's/Made with curl/Changed with curl/' "$work/ev.ics"
curl -s -f -X POST "$emulator/_emulator/faults" -H 'Content-Type: application/json' \
    -d '{"status":412,"match":"PATCH /users/{user-id}/events/{event-id}"}' >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "${auth[@]}" -H 'Content-Type: text/calendar' \
    -H "If-Match: $etag" --data-binary @"$work/ev.ics" "${cal}curl.ics")
[[ "$code" == 412 ]] || fail "Graph's 412: $code"
expect "$(curl -s "${auth[@]}" "${cal}curl.ics")" "SUMMARY:Made with curl" "unchanged after the 412"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "${auth[@]}" -H 'Content-Type: text/calendar' \
    -H "If-Match: $etag" --data-binary @"$work/ev.ics" "${cal}curl.ics")
[[ "$code" == 204 ]] || fail "the PUT again: $code"
expect "$(curl -s "${auth[@]}" "${cal}curl.ics")" "SUMMARY:Changed with curl" "changed after the second PUT"
echo OK
