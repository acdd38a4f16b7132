//! The IMAP command path, whole: real client transcripts, mutated, sent
//! over loopback TCP to the real session code (imap-codec framing, literal
//! limits, every command, the replies) with an in-memory mail store behind
//! it. Everything the server says must pass `imap_check`.

use std::time::Duration;

use super::imap_backend::MemoryBackend;
use super::imap_check::check_output;
use super::loopback::Loopback;
use super::{Shape, Verdict, corpus_messages, fuzz};
use crate::imap::{ImapProtocol, ImapSettings};

const SHAPE: Shape = Shape {
    dictionary: &[
        "a1 LOGIN fuzz fuzz\r\n",
        "a2 SELECT INBOX\r\n",
        "a3 EXAMINE \"Shared/sales@contoso.test/INBOX\"\r\n",
        " FETCH ",
        " UID ",
        "1:*",
        "*:4294967295",
        "1,2,3:5,*",
        "$",
        " (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
        " BODY.PEEK[]",
        " BODY[HEADER]",
        " BODY[TEXT]",
        " BODY[1.2.MIME]",
        " BODY[2.1.HEADER.FIELDS (SUBJECT FROM)]",
        " BODY[HEADER.FIELDS.NOT (TO)]",
        " BINARY[1]",
        " BINARY.PEEK[2]<0.8>",
        " BINARY.SIZE[1]",
        " MODSEQ",
        " (CHANGEDSINCE 1 VANISHED)",
        " (UNCHANGEDSINCE 3)",
        " MODSEQ 2",
        " OLDER 60",
        " (QRESYNC (1001 1 1:9))",
        " ENABLE QRESYNC\r\n",
        "<0.10>",
        "<4294967295.1>",
        " RFC822",
        " RFC822.HEADER",
        " RFC822.TEXT",
        " SEARCH ",
        " SEARCH RETURN (MIN MAX COUNT ALL SAVE) ",
        " SEARCH RETURN () ",
        " SORT RETURN (SAVE MIN) (SUBJECT) UTF-8 ",
        " FETCH $ (FLAGS)\r\n",
        " UID $",
        " OR $ ",
        " SORT (REVERSE DATE SUBJECT DISPLAYFROM SIZE) UTF-8 ",
        " SORT (ARRIVAL CC FROM TO DISPLAYTO REVERSE SUBJECT) US-ASCII ",
        " THREAD REFERENCES UTF-8 ",
        " THREAD ORDEREDSUBJECT UTF-8 ",
        " CHARSET UTF-8 ",
        " OR ",
        " NOT ",
        " (",
        ")",
        " SUBJECT ",
        " HEADER X-Y ",
        " TEXT ",
        " BODY ",
        " SINCE 1-Jan-2026",
        " LARGER 100",
        " UNSEEN",
        " KEYWORD $Label1",
        " STORE 1:* +FLAGS.SILENT (\\Deleted \\Seen $Forwarded)",
        " EXPUNGE\r\n",
        " UID EXPUNGE 1:*\r\n",
        " COPY 1:* Archive\r\n",
        " MOVE 1 Sent\r\n",
        " APPEND INBOX (\\Seen) \"02-Nov-2026 09:30:00 +0000\" ",
        "{5}\r\nhello",
        "{5+}\r\nhello",
        "{4294967295}\r\n",
        "~{3}\r\nabc",
        " (\\Flagged) {5}\r\nworld",
        " CATENATE (TEXT {5}\r\nhello URL \"/INBOX/;UID=1/;SECTION=HEADER\")",
        " URL \"/INBOX;UIDVALIDITY=1/;UID=1/;SECTION=1.TEXT/;PARTIAL=0.10\"",
        " URL \"imap://fuzz@localhost/INBOX/;UID=1\"",
        " TEXT ~{3}\r\nabc",
        " LIST \"\" \"*\" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n",
        " LIST (SUBSCRIBED REMOTE) \"\" (\"INBOX\" \"%\")\r\n",
        " LSUB \"\" \"*\"\r\n",
        " STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n",
        " CREATE \"&AOk-t&AOk-\"\r\n",
        " RENAME Archive \"INBOX/&2D3eAA-\"\r\n",
        " DELETE \"INBOX/Sub\"\r\n",
        " SUBSCRIBE Sent\r\n",
        " AUTHENTICATE PLAIN\r\n",
        " AUTHENTICATE PLAIN AGZ1enoAZnV6eg==\r\n",
        "AGZ1enoAZnV6eg==\r\n",
        "*\r\n",
        " IDLE\r\nDONE\r\n",
        " ENABLE UTF8=ACCEPT CONDSTORE\r\n",
        " ENABLE IMAP4rev2\r\n",
        " ID (\"name\" \"Thunderbird\")\r\n",
        " NAMESPACE\r\n",
        " MYRIGHTS INBOX\r\n",
        " GETACL \"Shared/sales@contoso.test/INBOX\"\r\n",
        " LISTRIGHTS INBOX anyone\r\n",
        " SETACL INBOX bob lr\r\n",
        " DELETEACL INBOX bob\r\n",
        " EMAILID",
        " THREADID",
        " MAILBOXID",
        " EMAILID M47DEQpj8HBSa-_TImW-5JA",
        " STARTTLS\r\n",
        " UNSELECT\r\n",
        " CLOSE\r\n",
        " NOOP\r\n",
        " LOGOUT\r\n",
        "\"",
        "\\\"",
        "NIL",
        "\r\n",
    ],
    max_len: 256 * 1024,
    literals: true,
};

fn settings() -> ImapSettings {
    ImapSettings {
        // Small, so that literals over the limit are easy to reach.
        max_literal_bytes: 64 * 1024,
        max_connections_per_user: 4,
        idle_timeout: Duration::from_secs(120),
        allow_plaintext_auth_on_non_loopback: false,
    }
}

fn run(loopback: &Loopback, input: &[u8]) -> Verdict {
    let protocol = ImapProtocol::new(settings(), MemoryBackend::new(corpus_messages()));
    let out = loopback.session(&protocol, input)?;
    check_output(&out.bytes)
}

#[test]
fn imap_sessions_answer_every_input_with_valid_responses() {
    let loopback = Loopback::new();
    fuzz("imap", &SHAPE, |input| run(&loopback, input));
}
