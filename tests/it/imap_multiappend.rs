//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469) from outside: raw
//! commands with synchronizing and non-synchronizing literals against the
//! emulated tenant, the exact bytes read back, the Graph requests counted;
//! all or nothing when a message in the middle fails (over the limit, a bad
//! date, refused by Graph), checked in the folder and in the tenant;
//! CATENATE's URLs, BADURL and TOOBIG; and a Python client.

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

/// The literal limit of these tests (APPENDLIMIT): small, so TOOBIG is cheap.
const LIMIT: u32 = 64 * 1024;

async fn gateway() -> TestGateway {
    TestGateway::start_configured(|config| config.imap.max_literal_bytes = LIMIT).await
}

/// A raw IMAP connection that sends exact bytes and waits for `+` after a
/// synchronizing literal.
struct Raw {
    stream: BufReader<TcpStream>,
    n: u32,
}

/// The tagged line and the untagged ones (literals inlined).
struct Done {
    tagged: String,
    untagged: Vec<String>,
}

impl Raw {
    async fn login(gw: &TestGateway, user: &str) -> Raw {
        let stream = TcpStream::connect(gw.imap).await.unwrap();
        let mut raw = Raw {
            stream: BufReader::new(stream),
            n: 0,
        };
        raw.line().await;
        let done = raw
            .run(&[format!("LOGIN {user} {PASSWORD}").as_bytes()])
            .await;
        assert!(done.tagged.starts_with("OK"), "{}", done.tagged);
        raw
    }

    async fn line(&mut self) -> String {
        let mut line = Vec::new();
        let n = self.stream.read_until(b'\n', &mut line).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        String::from_utf8_lossy(&line).trim_end().to_string()
    }

    /// Send a command in `pieces`: each piece but the last ends with a
    /// literal's announcement; after a synchronizing one, wait for `+`.
    /// Returns early (the rest unsent) if the server answers instead.
    async fn run(&mut self, pieces: &[&[u8]]) -> Done {
        self.n += 1;
        let tag = format!("m{}", self.n);
        let mut first = format!("{tag} ").into_bytes();
        first.extend_from_slice(pieces[0]);
        let mut pieces: Vec<Vec<u8>> = pieces.iter().map(|p| p.to_vec()).collect();
        pieces[0] = first;
        let last = pieces.len() - 1;
        let mut untagged = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let stream = self.stream.get_mut();
            stream.write_all(piece).await.unwrap();
            stream.write_all(b"\r\n").await.unwrap();
            if i < last && piece.ends_with(b"}") && !piece.ends_with(b"+}") {
                let line = self.line().await;
                if !line.starts_with('+') {
                    return Done {
                        tagged: line[tag.len() + 1..].to_string(),
                        untagged,
                    };
                }
            }
        }
        loop {
            let mut line = self.line().await;
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                return Done {
                    tagged: rest.to_string(),
                    untagged,
                };
            }
            while let Some(size) = literal_size(&line) {
                let mut buf = vec![0; size];
                self.stream.read_exact(&mut buf).await.unwrap();
                line.push_str(&String::from_utf8_lossy(&buf));
                line.push_str(&self.line().await);
            }
            untagged.push(line);
        }
    }

    async fn ok(&mut self, command: &str) -> Done {
        let done = self.run(&[command.as_bytes()]).await;
        assert!(done.tagged.starts_with("OK"), "{command}: {}", done.tagged);
        done
    }

    /// The exact bytes of `BODY[]` of the message with `uid` (selected folder).
    async fn body(&mut self, uid: u32) -> Vec<u8> {
        self.n += 1;
        let tag = format!("m{}", self.n);
        let command = format!("{tag} UID FETCH {uid} BODY.PEEK[]\r\n");
        self.stream
            .get_mut()
            .write_all(command.as_bytes())
            .await
            .unwrap();
        let mut body = None;
        loop {
            let line = self.line().await;
            if line.starts_with(&tag) {
                assert!(line.contains("OK"), "{line}");
                return body.expect("a BODY[] literal");
            }
            if let Some(size) = literal_size(&line) {
                let mut buf = vec![0; size];
                self.stream.read_exact(&mut buf).await.unwrap();
                body = Some(buf);
                self.line().await;
            }
        }
    }
}

fn literal_size(line: &str) -> Option<usize> {
    let open = line.rfind('{')?;
    line[open + 1..].strip_suffix('}')?.parse().ok()
}

/// `* STATUS` MESSAGES of `folder`.
async fn count(raw: &mut Raw, folder: &str) -> u64 {
    let done = raw.ok(&format!("STATUS {folder} (MESSAGES)")).await;
    crate::common::imap_client::number_after(&done.untagged, "(MESSAGES ").unwrap()
}

/// The uid-set of `[APPENDUID v set]` in `tagged`, expanded.
fn appended_uids(tagged: &str) -> (u32, Vec<u32>) {
    let at = tagged.find("[APPENDUID ").expect("APPENDUID") + "[APPENDUID ".len();
    let end = tagged[at..].find(']').unwrap() + at;
    let (validity, set) = tagged[at..end].split_once(' ').unwrap();
    let mut uids = Vec::new();
    for range in set.split(',') {
        match range.split_once(':') {
            Some((a, b)) => uids.extend(a.parse::<u32>().unwrap()..=b.parse().unwrap()),
            None => uids.push(range.parse().unwrap()),
        }
    }
    (validity.parse().unwrap(), uids)
}

fn message(subject: &str, body: &str) -> String {
    simple_mime("sender@example.org", "alice@contoso.test", subject, body)
}

/// The tenant's messages in alice's folder `path` (as the control API
/// names folders).
async fn in_tenant(gw: &TestGateway, path: &str) -> usize {
    let all = gw
        .tenant
        .control_get(&format!("/_emulator/mailboxes/{ALICE}/messages"))
        .await;
    all["value"]
        .as_array()
        .map(|list| list.iter().filter(|m| m["folder"] == path).count())
        .unwrap_or(0)
}

/// Graph requests that create messages or put their MIME.
fn creations(stats: &serde_json::Value) -> u64 {
    endpoint_sum(stats, |e| {
        (e.starts_with("POST") && e.ends_with("/messages")) || e.contains("$value")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiappend_stores_each_message_with_its_flags_and_date() {
    let gw = gateway().await;
    let mut c = Raw::login(&gw, ALICE).await;
    let caps = c.ok("CAPABILITY").await;
    assert!(
        caps.untagged[0].contains(" MULTIAPPEND"),
        "{:?}",
        caps.untagged
    );
    assert!(
        caps.untagged[0].contains(" CATENATE"),
        "{:?}",
        caps.untagged
    );
    c.ok("CREATE Multi").await;
    c.ok("SELECT Multi").await;
    let (m1, m2, m3) = (
        message("one", "first"),
        message("two", "second"),
        message("three", "third"),
    );
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    // A synchronizing literal, a non-synchronizing one, a synchronizing one.
    let head1 = format!(
        "APPEND Multi (\\Seen) \"24-Mar-2007 23:00:00 +0200\" {{{}}}",
        m1.len()
    );
    let head2 = format!("{m1} (\\Flagged \\Answered) {{{}+}}", m2.len());
    let head3 = format!("{m2} \"01-Jan-2020 08:30:00 +0000\" {{{}}}", m3.len());
    let done = c
        .run(&[
            head1.as_bytes(),
            head2.as_bytes(),
            head3.as_bytes(),
            m3.as_bytes(),
        ])
        .await;
    assert!(done.tagged.starts_with("OK [APPENDUID "), "{}", done.tagged);
    let (_, uids) = appended_uids(&done.tagged);
    assert_eq!(uids.len(), 3, "{}", done.tagged);
    assert!(
        done.untagged.iter().any(|l| l == "* 3 EXISTS"),
        "{:?}",
        done.untagged
    );
    // Each message costs what one APPEND costs: a create and its MIME.
    let stats = gw.tenant.stats().await;
    assert!(creations(&stats) <= 6, "{stats}");
    assert!(stats["requests"].as_u64().unwrap() <= 10, "{stats}");

    let fetched = c.ok("UID FETCH 1:* (UID FLAGS INTERNALDATE)").await;
    let line = |uid: u32| {
        fetched
            .untagged
            .iter()
            .find(|l| l.contains(&format!("UID {uid} ")))
            .cloned()
            .unwrap_or_default()
    };
    assert!(line(uids[0]).contains("\\Seen"), "{:?}", fetched.untagged);
    assert!(
        line(uids[0]).contains("24-Mar-2007 21:00:00 +0000")
            || line(uids[0]).contains("24-Mar-2007 23:00:00 +0200"),
        "{:?}",
        fetched.untagged
    );
    assert!(
        line(uids[1]).contains("\\Flagged") && line(uids[1]).contains("\\Answered"),
        "{:?}",
        fetched.untagged
    );
    assert!(!line(uids[1]).contains("\\Seen"), "{:?}", fetched.untagged);
    assert!(
        line(uids[2]).contains("01-Jan-2020 08:30:00 +0000"),
        "{:?}",
        fetched.untagged
    );
    for (uid, mime) in uids.iter().zip([&m1, &m2, &m3]) {
        assert_eq!(c.body(*uid).await, mime.as_bytes());
    }
    assert_eq!(in_tenant(&gw, "Multi").await, 3);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_in_the_middle_leaves_nothing_appended() {
    let gw = gateway().await;
    let mut c = Raw::login(&gw, ALICE).await;
    c.ok("CREATE Atomic").await;
    let (m1, m3) = (message("one", "first"), message("three", "third"));

    // The second literal is over APPENDLIMIT: refused before it is sent.
    let head1 = format!("APPEND Atomic {{{}}}", m1.len());
    let head2 = format!("{m1} {{{}}}", LIMIT + 1);
    let done = c
        .run(&[head1.as_bytes(), head2.as_bytes(), b"never sent"])
        .await;
    assert!(done.tagged.starts_with("NO [TOOBIG]"), "{}", done.tagged);

    // Together over twice APPENDLIMIT (and the 128 KiB allowed for the
    // command's text): the fifth literal is refused before it is sent.
    let big = "x".repeat(LIMIT as usize - 1024);
    let big_message = message("big", &big);
    let head = format!("APPEND Atomic {{{}}}", big_message.len());
    let next = format!("{big_message} {{{}}}", big_message.len());
    let mut pieces: Vec<&[u8]> = vec![head.as_bytes()];
    pieces.extend(std::iter::repeat_n(next.as_bytes(), 4));
    pieces.push(b"never sent");
    let done = c.run(&pieces).await;
    assert!(done.tagged.starts_with("NO [TOOBIG]"), "{}", done.tagged);
    assert!(done.tagged.contains("another APPEND"), "{}", done.tagged);

    // The second message has a date that is no date: BAD, nothing stored.
    let head1 = format!("APPEND Atomic {{{}+}}", m1.len());
    let head2 = format!("{m1} \"31-Foo-2020 00:00:00 +0000\" {{{}+}}", m3.len());
    let done = c
        .run(&[head1.as_bytes(), head2.as_bytes(), m3.as_bytes()])
        .await;
    assert!(done.tagged.starts_with("BAD"), "{}", done.tagged);
    assert!(done.tagged.contains("message 2"), "{}", done.tagged);
    assert_eq!(count(&mut c, "Atomic").await, 0);

    // Graph refuses the second message (larger than the tenant takes):
    // the first, already created, is deleted again.
    gw.tenant.set(json!({"max_message_bytes": 4000})).await;
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let large = message("large", &"y".repeat(6000));
    let head1 = format!("APPEND Atomic {{{}+}}", m1.len());
    let head2 = format!("{m1} {{{}+}}", large.len());
    let head3 = format!("{large} {{{}+}}", m3.len());
    let done = c
        .run(&[
            head1.as_bytes(),
            head2.as_bytes(),
            head3.as_bytes(),
            m3.as_bytes(),
        ])
        .await;
    assert!(done.tagged.starts_with("NO"), "{}", done.tagged);
    assert!(
        done.tagged.contains("none of the messages"),
        "{}",
        done.tagged
    );
    let stats = gw.tenant.stats().await;
    assert!(
        endpoint_sum(&stats, |e| e.starts_with("DELETE")) >= 1,
        "{stats}"
    );
    assert_eq!(in_tenant(&gw, "Atomic").await, 0);
    assert_eq!(count(&mut c, "Atomic").await, 0);
    c.ok("SELECT Atomic").await;
    let all = c.ok("UID SEARCH ALL").await;
    assert_eq!(all.untagged, vec!["* SEARCH"]);
    gw.stop().await;
}

/// A source message with two parts; returns (UIDVALIDITY, UID).
async fn source(c: &mut Raw) -> (u32, u32, String) {
    let mime = "From: src@example.org\r\nSubject: source\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--b--\r\n".to_string();
    let head = format!("APPEND Src {{{}}}", mime.len());
    let done = c.run(&[head.as_bytes(), mime.as_bytes()]).await;
    assert!(done.tagged.starts_with("OK [APPENDUID"), "{}", done.tagged);
    let (validity, uids) = appended_uids(&done.tagged);
    (validity, uids[0], mime)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catenate_builds_messages_from_text_and_urls() {
    let gw = gateway().await;
    let mut c = Raw::login(&gw, ALICE).await;
    c.ok("CREATE Src").await;
    c.ok("CREATE Cat").await;
    let (v, uid, src) = source(&mut c).await;
    let header_end = src.find("\r\n\r\n").unwrap() + 4;
    let (header, text) = src.split_at(header_end);

    // TEXT only, two parts, one of them a non-synchronizing literal.
    let a = "From: a@example.org\r\nSubject: parts\r\n\r\n";
    let b = "a body\r\n";
    let done = c
        .run(&[
            format!("APPEND Cat (\\Seen) CATENATE (TEXT {{{}}}", a.len()).as_bytes(),
            format!("{a} TEXT {{{}+}}", b.len()).as_bytes(),
            format!("{b})").as_bytes(),
        ])
        .await;
    assert!(done.tagged.starts_with("OK [APPENDUID"), "{}", done.tagged);
    let (_, text_only) = appended_uids(&done.tagged);

    // TEXT and URLs: the header, the text, part 2, a partial; two messages
    // in one command (MULTIAPPEND of CATENATEs).
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let tail = "\r\ntail\r\n";
    let done = c
        .run(&[
            format!(
                "APPEND Cat CATENATE (URL \"/Src;UIDVALIDITY={v}/;UID={uid}/;SECTION=HEADER\" URL \"/Src/;UID={uid}/;SECTION=2\" TEXT {{{}}}",
                tail.len()
            )
            .as_bytes(),
            format!("{tail}) (\\Flagged) CATENATE (URL \"/Src/;UID={uid}/;SECTION=TEXT\" URL \"/Src/;UID={uid}/;PARTIAL=6.16\")").as_bytes(),
        ])
        .await;
    assert!(done.tagged.starts_with("OK [APPENDUID"), "{}", done.tagged);
    let (_, made) = appended_uids(&done.tagged);
    assert_eq!(made.len(), 2);
    // The source is read once for four URLs.
    let stats = gw.tenant.stats().await;
    assert!(creations(&stats) <= 4, "{stats}");

    c.ok("SELECT Cat").await;
    assert_eq!(c.body(text_only[0]).await, format!("{a}{b}").as_bytes());
    assert_eq!(
        c.body(made[0]).await,
        format!("{header}second part{tail}").as_bytes()
    );
    assert_eq!(
        c.body(made[1]).await,
        format!("{text}{}", &src[6..22]).as_bytes()
    );

    // A URL with another UIDVALIDITY, or naming no message: NO [BADURL].
    let bad = format!("/Src;UIDVALIDITY={}/;UID={uid}", v.wrapping_add(1).max(1));
    let done = c
        .ok_or(&format!("APPEND Cat CATENATE (URL \"{bad}\")"))
        .await;
    assert!(done.starts_with(&format!("NO [BADURL {bad}]")), "{done}");
    let done = c.ok_or("APPEND Cat CATENATE (URL \"/Src/;UID=999\")").await;
    assert!(done.starts_with("NO [BADURL /Src/;UID=999]"), "{done}");
    let done = c
        .ok_or(&format!(
            "APPEND Cat CATENATE (URL \"/Src/;UID={uid}/;SECTION=7\")"
        ))
        .await;
    assert!(done.starts_with("NO [BADURL"), "{done}");
    // Another user's mailbox: by an absolute URL, or a shared mailbox
    // policy does not grant alice.
    let done = c
        .ok_or("APPEND Cat CATENATE (URL \"imap://bob@127.0.0.1/INBOX/;UID=1\")")
        .await;
    assert!(
        done.starts_with("NO [BADURL imap://bob@127.0.0.1/INBOX/;UID=1]"),
        "{done}"
    );
    let done = c
        .ok_or("APPEND Cat CATENATE (URL \"/Shared/carol@contoso.test/INBOX/;UID=1\")")
        .await;
    assert!(done.starts_with("NO [BADURL"), "{done}");
    // A missing destination is TRYCREATE whatever the URLs say.
    let done = c
        .ok_or(&format!("APPEND Nowhere CATENATE (URL \"{bad}\")"))
        .await;
    assert!(done.starts_with("NO [TRYCREATE]"), "{done}");

    // The result over APPENDLIMIT: TOOBIG, and nothing reaches Graph.
    let filler = "z".repeat(LIMIT as usize - 100);
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let done = c
        .run(&[
            format!(
                "APPEND Cat CATENATE (URL \"/Src/;UID={uid}\" TEXT {{{}}}",
                filler.len()
            )
            .as_bytes(),
            format!("{filler})").as_bytes(),
        ])
        .await;
    assert!(done.tagged.starts_with("NO [TOOBIG]"), "{}", done.tagged);
    assert_eq!(creations(&gw.tenant.stats().await), 0);
    assert_eq!(count(&mut c, "Cat").await, 3);
    gw.stop().await;
}

impl Raw {
    /// Run a one-line command; its tagged line, whatever it says.
    async fn ok_or(&mut self, command: &str) -> String {
        self.run(&[command.as_bytes()]).await.tagged
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_uses_multiappend_and_catenate() {
    let gw = gateway().await;
    let out = gw.python("imap_multiappend.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK multiappend"), "{out}");
    gw.stop().await;
}
