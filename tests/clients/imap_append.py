"""APPEND a message file to a folder; print the APPENDUID answer.
Arguments: IMAP port, IMAPS port, certificate file, user, password,
folder, message file."""

import imaplib
import re
import sys

port, tls_port, cert, user, password, folder, path = sys.argv[1:8]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login(user, password)
with open(path, "rb") as f:
    typ, data = m.append(f'"{folder}"', "(\\Seen)", None, f.read())
assert typ == "OK", data
print(re.search(rb"APPENDUID (\d+ \d+)", data[0]).group(1).decode())
m.logout()
