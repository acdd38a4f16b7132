//! SORT and THREAD (RFC 5256) with SORT=DISPLAY (RFC 5957) over real TCP
//! against the emulated tenant: the imapclient package sorting and threading
//! a conversation appended with chosen headers; raw lines checked against
//! the exact responses and read back by imap-codec's response parser, with
//! the header read from the MIME and from Graph's headers; EXPUNGE held
//! back during SORT and THREAD but not their UID forms; and what the
//! commands cost in Graph requests next to a SEARCH of the header.

use std::collections::HashMap;

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imapclient_sorts_and_threads_a_conversation_by_every_key() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_sort.py", &[ALICE, PASSWORD]).await;
    let v: Value = serde_json::from_str(out.trim()).expect("JSON from imap_sort.py");
    let names = |key: &str| -> Vec<String> {
        serde_json::from_value(v[key].clone()).unwrap_or_else(|e| panic!("{key}: {e} in {v}"))
    };
    let arrival = [
        "lunch", "plan", "re1", "re2", "re3", "fwd", "budget", "oa", "ob",
    ];
    assert_eq!(names("ARRIVAL"), arrival);
    let mut reverse_arrival = arrival;
    reverse_arrival.reverse();
    assert_eq!(names("REVERSE ARRIVAL"), reverse_arrival);
    // The Date field in UTC; lunch has none, so its arrival counts.
    let date = [
        "lunch", "plan", "re2", "re1", "re3", "budget", "fwd", "oa", "ob",
    ];
    assert_eq!(names("DATE"), date);
    let mut reverse_date = date;
    reverse_date.reverse();
    assert_eq!(names("REVERSE DATE"), reverse_date);
    // Base subjects: "[Fwd: Budget 2026]" is "Budget 2026", "RE: plan
    // for q3" is "Plan for Q3"; equal ones in sequence order.
    let subject = [
        "fwd", "budget", "lunch", "oa", "ob", "plan", "re1", "re2", "re3",
    ];
    assert_eq!(names("SUBJECT"), subject);
    assert_eq!(
        names("SUBJECT REVERSE DATE"),
        [
            "fwd", "budget", "lunch", "ob", "oa", "re3", "re1", "re2", "plan"
        ]
    );
    // The first address's mailbox (a group's name for "offsite: ;").
    assert_eq!(
        names("FROM"),
        [
            "re2", "re1", "budget", "lunch", "fwd", "re3", "oa", "ob", "plan"
        ]
    );
    assert_eq!(
        names("TO"),
        [
            "ob", "plan", "fwd", "oa", "budget", "lunch", "re1", "re2", "re3"
        ]
    );
    assert_eq!(
        names("CC"),
        [
            "plan", "re1", "re2", "re3", "fwd", "budget", "oa", "ob", "lunch"
        ]
    );
    // Display names decoded (Zoë, Émile), else the address; the accent
    // of É sorts after plain letters (i;unicode-casemap).
    let display_from = [
        "re2", "re1", "budget", "lunch", "fwd", "oa", "re3", "ob", "plan",
    ];
    assert_eq!(names("DISPLAYFROM"), display_from);
    let mut reverse_display = display_from;
    reverse_display.reverse();
    assert_eq!(names("REVERSE DISPLAYFROM"), reverse_display);
    assert_eq!(
        names("DISPLAYTO"),
        [
            "ob", "budget", "plan", "fwd", "oa", "lunch", "re1", "re2", "re3"
        ]
    );
    // SIZE: the octets served, ties in sequence order.
    let sizes: HashMap<String, u64> = serde_json::from_value(v["sizes"].clone()).unwrap();
    let mut by_size: Vec<&str> = arrival.to_vec();
    let seq = [
        "plan", "lunch", "re1", "re2", "re3", "fwd", "budget", "oa", "ob",
    ];
    by_size.sort_by_key(|n| (sizes[*n], seq.iter().position(|s| s == n)));
    assert_eq!(names("SIZE"), by_size);
    // Search criteria first, then the order.
    assert_eq!(names("REVERSE DATE of plan"), ["re3", "re1", "re2", "plan"]);
    assert!(names("nothing").is_empty());
    // REFERENCES: re1 by In-Reply-To, re3 under re1, the forward under
    // the budget by subject, the two replies to a missing message under
    // a dummy; threads and siblings by sent date.
    let tree = |key: &str| v[key].to_string();
    assert_eq!(
        tree("REFERENCES"),
        r#"[["lunch"],["plan",["re2"],["re1","re3"]],["budget","fwd"],[["oa"],["ob"]]]"#
    );
    assert_eq!(
        tree("ORDEREDSUBJECT"),
        r#"[["lunch"],["plan",["re2"],["re1"],["re3"]],["budget","fwd"],["oa","ob"]]"#
    );
    assert_eq!(tree("REFERENCES since 4 Mar"), r#"[[["oa"],["ob"]]]"#);
    gw.stop().await;
}

/// A line-level client that checks every response line with imap-codec.
struct Lines {
    stream: BufReader<TcpStream>,
    tag: u32,
}

impl Lines {
    async fn connect(gw: &TestGateway) -> Lines {
        let stream = TcpStream::connect(gw.imap).await.expect("connect");
        let mut lines = Lines {
            stream: BufReader::new(stream),
            tag: 0,
        };
        let greeting = lines.line().await;
        assert!(greeting.starts_with("* OK"), "{greeting}");
        lines
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.stream.read_line(&mut line).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        line
    }

    /// Run `command`; returns its untagged lines and the tagged line,
    /// without the tag and CRLF. Every line must be a whole response to
    /// imap-codec.
    async fn run(&mut self, command: &str) -> (Vec<String>, String) {
        self.tag += 1;
        let tag = format!("s{}", self.tag);
        let sent = format!("{tag} {command}\r\n");
        self.stream
            .get_mut()
            .write_all(sent.as_bytes())
            .await
            .unwrap();
        let mut untagged = Vec::new();
        loop {
            let line = self.line().await;
            match ResponseCodec::default().decode(line.as_bytes()) {
                Ok((rest, _)) => assert!(rest.is_empty(), "one response per line: {line:?}"),
                Err(e) => panic!("imap-codec cannot read {line:?}: {e:?}"),
            }
            let text = line.trim_end_matches("\r\n").to_string();
            if let Some(status) = text.strip_prefix(&format!("{tag} ")) {
                return (untagged, status.to_string());
            }
            untagged.push(text);
        }
    }

    /// Run `command`, which must answer OK; returns its untagged lines.
    async fn ok(&mut self, command: &str) -> Vec<String> {
        let (untagged, status) = self.run(command).await;
        assert!(status.starts_with("OK"), "{command}: {status}");
        untagged
    }

    /// The one untagged line of `command` that starts with `prefix`.
    async fn data(&mut self, command: &str, prefix: &str) -> String {
        let lines = self.ok(command).await;
        let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(prefix)).collect();
        assert_eq!(found.len(), 1, "{command}: {lines:?}");
        found[0].clone()
    }
}

/// A conversation: (Message-ID, References, Subject, Date), arriving
/// one a day from 2025-12-25 in this order.
const GRAMMAR: [(&str, &str, &str, &str); 7] = [
    ("a", "", "Kickoff", "Thu, 01 Jan 2026 10:00:00 +0000"),
    (
        "b",
        "<a@t>",
        "Re: Kickoff",
        "Thu, 01 Jan 2026 11:00:00 +0000",
    ),
    (
        "c",
        "<a@t>",
        "Re: Kickoff",
        "Thu, 01 Jan 2026 12:00:00 +0000",
    ),
    (
        "d",
        "<a@t> <b@t>",
        "Re: Kickoff",
        "Thu, 01 Jan 2026 13:00:00 +0000",
    ),
    (
        "e",
        "<lost@t>",
        "Re: Lost",
        "Thu, 01 Jan 2026 09:00:00 +0000",
    ),
    (
        "f",
        "<lost@t>",
        "Re: Lost",
        "Thu, 01 Jan 2026 09:30:00 +0000",
    ),
    ("g", "", "Notes", ""),
];

async fn grammar_holds(gw: &TestGateway) {
    let mut c = Lines::connect(gw).await;
    let caps = c.data("CAPABILITY", "* CAPABILITY").await;
    for cap in [
        "SORT",
        "SORT=DISPLAY",
        "THREAD=ORDEREDSUBJECT",
        "THREAD=REFERENCES",
    ] {
        assert!(caps.split(' ').any(|c| c == cap), "{cap} in {caps}");
    }
    c.ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let (_, status) = c.run("SORT (DATE) UTF-8 ALL").await;
    assert!(
        !status.starts_with("OK"),
        "SORT needs a selected folder: {status}"
    );
    c.ok("CREATE Grammar").await;
    for (i, (id, refs, subject, date)) in GRAMMAR.iter().enumerate() {
        let mut mime = format!("From: a@t\r\nSubject: {subject}\r\nMessage-ID: <{id}@t>\r\n");
        if !refs.is_empty() {
            mime.push_str(&format!("References: {refs}\r\n"));
        }
        if !date.is_empty() {
            mime.push_str(&format!("Date: {date}\r\n"));
        }
        mime.push_str("\r\nbody\r\n");
        let arrived = format!("{:02}-Dec-2025 08:00:00 +0000", 25 + i);
        c.ok(&format!(
            "APPEND Grammar \"{arrived}\" {{{}+}}\r\n{mime}",
            mime.len()
        ))
        .await;
    }
    c.ok("SELECT Grammar").await;
    let uids = c.data("UID SEARCH ALL", "* SEARCH").await;
    let uids: Vec<&str> = uids.split(' ').skip(2).collect();
    assert_eq!(uids.len(), 7, "{uids:?}");
    let as_uids = |seqs: &str| -> String {
        seqs.split(' ')
            .map(|s| uids[s.parse::<usize>().unwrap() - 1])
            .collect::<Vec<_>>()
            .join(" ")
    };

    // SORT: numbers in order, nothing else on the line (RFC 5256 §4).
    let cases = [
        ("SORT (DATE) UTF-8 ALL", "7 5 6 1 2 3 4"),
        ("SORT (SUBJECT REVERSE DATE) US-ASCII ALL", "4 3 2 1 6 5 7"),
        (
            "SORT (REVERSE ARRIVAL) \"UTF-8\" NOT SUBJECT kickoff",
            "7 6 5",
        ),
        ("SORT (DISPLAYFROM SUBJECT) UTF-8 5:*", "5 6 7"),
    ];
    for (command, want) in cases {
        assert_eq!(
            c.data(command, "* SORT").await,
            format!("* SORT {want}"),
            "{command}"
        );
        let uid_line = c.data(&format!("UID {command}"), "* SORT").await;
        assert_eq!(
            uid_line,
            format!("* SORT {}", as_uids(want)),
            "UID {command}"
        );
    }
    assert_eq!(
        c.data("SORT (DATE) UTF-8 SUBJECT absent", "* SORT").await,
        "* SORT"
    );

    // THREAD: thread-list grammar, members and nested threads.
    let references = "(7)((5)(6))(1 (2 4)(3))";
    let thread = c.data("THREAD REFERENCES UTF-8 ALL", "* THREAD").await;
    assert_eq!(thread, format!("* THREAD {references}"));
    let ordered = c.data("THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD").await;
    assert_eq!(ordered, "* THREAD (7)(5 6)(1 (2)(3)(4))");
    let uid_thread = c.data("UID THREAD REFERENCES UTF-8 ALL", "* THREAD").await;
    let mut want = references.to_string();
    for seq in (1..=7).rev() {
        want = want.replace(&seq.to_string(), &format!("#{seq}"));
    }
    for seq in 1..=7 {
        want = want.replace(&format!("#{seq}"), uids[seq - 1]);
    }
    assert_eq!(uid_thread, format!("* THREAD {want}"));
    let two = c.data("THREAD REFERENCES UTF-8 1,2", "* THREAD").await;
    assert_eq!(two, "* THREAD (1 2)");
    assert_eq!(
        c.data("THREAD REFERENCES UTF-8 SUBJECT absent", "* THREAD")
            .await,
        "* THREAD"
    );

    // Refusals.
    let (_, status) = c.run("SORT (DATE) KOI8-R ALL").await;
    assert!(
        status.starts_with("NO [BADCHARSET (UTF-8 US-ASCII)]"),
        "{status}"
    );
    let (_, status) = c.run("THREAD REFERENCES KOI8-R ALL").await;
    assert!(status.starts_with("NO [BADCHARSET"), "{status}");
    let (_, status) = c.run("THREAD FANCY UTF-8 ALL").await;
    assert!(status.starts_with("BAD"), "{status}");

    // Another session expunges message 7: SORT and THREAD hold the
    // EXPUNGE back (RFC 5256 §3), their UID forms send it.
    let mut other = Lines::connect(gw).await;
    other.ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    other.ok("SELECT Grammar").await;
    other.ok("STORE 7 +FLAGS.SILENT (\\Deleted)").await;
    other.ok("EXPUNGE").await;
    for command in ["SORT (DATE) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL"] {
        let lines = c.ok(command).await;
        assert!(
            !lines.iter().any(|l| l.ends_with("EXPUNGE")),
            "{command}: {lines:?}"
        );
    }
    let lines = c.ok("UID SORT (DATE) UTF-8 ALL").await;
    assert!(lines.contains(&"* 7 EXPUNGE".to_string()), "{lines:?}");
    let now = c.data("SORT (DATE) UTF-8 ALL", "* SORT").await;
    assert_eq!(now, "* SORT 5 6 1 2 3 4");
    c.ok("LOGOUT").await;
    other.ok("LOGOUT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_thread_responses_are_exact_and_parse_with_headers_from_the_mime() {
    let gw = TestGateway::start().await;
    grammar_holds(&gw).await;
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_thread_responses_are_the_same_with_headers_from_graph() {
    use graphgate::config::SizeMode;
    let gw = TestGateway::start_with(graphgate::mailbox::MailSettings {
        size_mode: SizeMode::Estimate,
        ..test_settings()
    })
    .await;
    grammar_holds(&gw).await;
    gw.stop().await;
}

/// The Graph requests for message content (`$value` and single messages)
/// that `commands` caused in the Inbox of a fresh gateway, and how many
/// messages the Inbox has.
async fn content_requests(size_mode: graphgate::config::SizeMode, commands: &[&str]) -> (u64, u64) {
    let gw = TestGateway::start_with(graphgate::mailbox::MailSettings {
        size_mode,
        ..test_settings()
    })
    .await;
    let inbox = gw.tenant.mailbox(ALICE, "inbox").await.len() as u64;
    let mut c = Lines::connect(&gw).await;
    c.ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c.ok("SELECT INBOX").await;
    let content = |stats: &Value| {
        endpoint_sum(stats, |k| {
            k.starts_with("GET") && k.contains("messages") && !k.contains("delta")
        })
    };
    let before = content(&gw.tenant.stats().await);
    for command in commands {
        c.ok(command).await;
    }
    let after = content(&gw.tenant.stats().await);
    c.ok("LOGOUT").await;
    gw.stop().await;
    (after - before, inbox)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_thread_read_no_more_from_graph_than_a_header_search() {
    use graphgate::config::SizeMode;
    let search = ["SEARCH HEADER Subject zzz-not-there"];
    let sorts = [
        "SORT (SUBJECT) UTF-8 ALL",
        "SORT (REVERSE DATE DISPLAYFROM CC SIZE) UTF-8 ALL",
        "THREAD REFERENCES UTF-8 ALL",
        "UID THREAD ORDEREDSUBJECT UTF-8 ALL",
    ];
    // Exact sizes: each message's MIME once, for the search as for all
    // the sorts and threads together.
    let (searched, inbox) = content_requests(SizeMode::Exact, &search).await;
    let (sorted, _) = content_requests(SizeMode::Exact, &sorts).await;
    assert!(inbox > 5, "the demo Inbox has mail");
    assert_eq!(searched, inbox, "a header search reads each message once");
    assert!(sorted <= searched, "sorted {sorted}, searched {searched}");
    // Estimated sizes: the headers Graph sent with the folder suffice.
    let (sorted, _) = content_requests(SizeMode::Estimate, &sorts).await;
    assert_eq!(sorted, 0, "no message content read");
}
