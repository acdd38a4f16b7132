#!/usr/bin/env bash
# curl's IMAP support against graphgate: list, search, fetch a whole
# message by UID, append, and the same over implicit TLS.
# Arguments: IMAP port, IMAPS port, certificate file, user, password.
set -euo pipefail
port=$1 tls=$2 cert=$3 user=$4 pass=$5
base="imap://127.0.0.1:$port"
list=$(curl -sS --fail -u "$user:$pass" "$base/")
grep -q '"INBOX"\|INBOX' <<<"$list" || { echo "no INBOX in LIST: $list"; exit 1; }
grep -q 'Sent Items' <<<"$list" || { echo "no Sent Items in LIST: $list"; exit 1; }
search=$(curl -sS --fail -u "$user:$pass" "$base/INBOX" -X 'SEARCH ALL')
grep -q '^\* SEARCH [0-9]' <<<"$search" || { echo "SEARCH: $search"; exit 1; }
first=$(awk '/^\* SEARCH/ {print $3; exit}' <<<"$search")
curl -sS --fail -u "$user:$pass" "$base/INBOX;UID=$first" -o "$TMPDIR_CURL/fetched.eml"
grep -qi '^Subject:' "$TMPDIR_CURL/fetched.eml" || { echo "fetched message has no Subject"; exit 1; }
printf 'From: curl <curl@example.test>\r\nTo: %s\r\nSubject: sent up by curl\r\nMessage-ID: <curl-append@example.test>\r\n\r\nhello from curl\r\n' "$user" >"$TMPDIR_CURL/up.eml"
curl -sS --fail -u "$user:$pass" "$base/INBOX" -T "$TMPDIR_CURL/up.eml"
found=$(curl -sS --fail -u "$user:$pass" "$base/INBOX" -X 'SEARCH SUBJECT "sent up by curl"')
grep -q '^\* SEARCH [0-9]' <<<"$found" || { echo "appended message not found: $found"; exit 1; }
tls_search=$(curl -sS --fail --cacert "$cert" -u "$user:$pass" "imaps://localhost:$tls/INBOX" -X 'SEARCH ALL')
[ "$tls_search" = "$(curl -sS --fail -u "$user:$pass" "$base/INBOX" -X 'SEARCH ALL')" ] || { echo "IMAPS and IMAP disagree"; exit 1; }
echo OK
