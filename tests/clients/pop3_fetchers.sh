#!/usr/bin/env bash
# The mail fetchers people run against POP3, against graphgate: curl's
# pop3:// (STLS) and pop3s://, fetchmail (STLS, UIDL, keep) and getmail6
# (POP3S, Maildir). fetchmail and getmail run as an unprivileged user
# (getmail refuses to deliver as root) and run twice: the second run must
# fetch nothing, which only holds if UIDL is stable between sessions.
# Arguments: POP3 port, POP3S port, certificate, login, password.
# Prints OK at the end; exits non-zero on any failure.
set -euo pipefail
pop3=$1 pop3s=$2 cert=$3 login=$4 password=$5

dir=$(mktemp -d /tmp/graphgate-pop3.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$cert" "$dir/cert.pem"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody "$dir"
    as_user=(runuser -u nobody --)
fi

# curl: LIST and UIDL over STLS, RETR of message 1, and POP3S.
list=$(curl -sS --ssl-reqd --cacert "$cert" -u "$login:$password" "pop3://127.0.0.1:$pop3/")
count=$(printf '%s\n' "$list" | grep -c '^[0-9]* [0-9]*')
[ "$count" -ge 1 ] || { echo "curl LIST: $list"; exit 1; }
uidl=$(curl -sS --ssl-reqd --cacert "$cert" -u "$login:$password" -X UIDL "pop3://127.0.0.1:$pop3/")
[ "$(printf '%s\n' "$uidl" | grep -c '^[0-9]* [0-9a-f]\{16\}')" -eq "$count" ] || { echo "curl UIDL: $uidl"; exit 1; }
retr=$(curl -sS --cacert "$cert" -u "$login:$password" "pop3s://127.0.0.1:$pop3s/1")
printf '%s\n' "$retr" | grep -qi '^subject:' || { echo "curl RETR: $retr"; exit 1; }

# fetchmail, twice.
mkdir -p "$dir/fetchmail"
cat > "$dir/fetchmailrc" <<EOF
set no bouncemail
poll 127.0.0.1 with service $pop3 protocol POP3 uidl
    user "$login" there with password "$password" is nobody here
    sslproto 'TLS1.2+' no sslcertck
    keep
    mda "/bin/sh -c 'cat > $dir/fetchmail/msg.\$\$'"
EOF
chmod 600 "$dir/fetchmailrc"
[ "$(id -u)" -eq 0 ] && chown -R nobody "$dir"
fetch() {
    "${as_user[@]}" env HOME="$dir" fetchmail -f "$dir/fetchmailrc" --idfile "$dir/fetchids" --nosyslog --nodetach 2>&1
}
out=$(fetch) || { echo "fetchmail failed: $out"; exit 1; }
got=$(ls "$dir/fetchmail" | wc -l)
[ "$got" -eq "$count" ] || { echo "fetchmail fetched $got of $count: $out"; exit 1; }
set +e
out=$(fetch)
status=$?
set -e
# Exit status 1: no mail (everything was seen, by UIDL).
[ "$status" -eq 1 ] || { echo "fetchmail's second run (status $status): $out"; exit 1; }
[ "$(ls "$dir/fetchmail" | wc -l)" -eq "$count" ] || { echo "fetchmail fetched again: $out"; exit 1; }

# getmail6, twice.
mkdir -p "$dir/getmail" "$dir/Maildir/cur" "$dir/Maildir/new" "$dir/Maildir/tmp"
cat > "$dir/getmail/getmailrc" <<EOF
[retriever]
type = SimplePOP3SSLRetriever
server = 127.0.0.1
port = $pop3s
username = $login
password = $password
ca_certs = $dir/cert.pem

[destination]
type = Maildir
path = $dir/Maildir/

[options]
read_all = false
delete = false
verbose = 1
EOF
[ "$(id -u)" -eq 0 ] && chown -R nobody "$dir"
out=$("${as_user[@]}" env HOME="$dir" getmail --getmaildir "$dir/getmail" --rcfile getmailrc 2>&1) || { echo "getmail failed: $out"; exit 1; }
got=$(ls "$dir/Maildir/new" | wc -l)
[ "$got" -eq "$count" ] || { echo "getmail delivered $got of $count: $out"; exit 1; }
out=$("${as_user[@]}" env HOME="$dir" getmail --getmaildir "$dir/getmail" --rcfile getmailrc 2>&1) || { echo "getmail's second run failed: $out"; exit 1; }
printf '%s\n' "$out" | grep -q '0 messages' || { echo "getmail's second run: $out"; exit 1; }
[ "$(ls "$dir/Maildir/new" | wc -l)" -eq "$count" ] || { echo "getmail fetched again: $out"; exit 1; }
echo OK
