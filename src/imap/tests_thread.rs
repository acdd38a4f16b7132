//! THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3) on made-up
//! messages, checked on the wire: the threads are encoded by imap-codec as
//! the THREAD response and compared with what the RFC's grammar and rules
//! give, then read back by imap-codec's own response parser.

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use imap_codec::encode::Encoder;
use imap_types::response::{Data, Response};

use super::collate;
use super::thread::Threader;
use super::thread_refs::References;
use super::thread_tree::{Forest, Message};
use crate::mime::base_subject;

/// Message `number`, sent `number` minutes after the hour unless `sent`
/// says otherwise, with a subject and, for REFERENCES, its IDs.
#[derive(Clone, Copy)]
struct M<'a> {
    number: u32,
    sent: Option<i64>,
    subject: &'a str,
    id: Option<&'a str>,
    refs: &'a [&'a str],
}

const fn m(number: u32, subject: &'static str) -> M<'static> {
    M {
        number,
        sent: None,
        subject,
        id: None,
        refs: &[],
    }
}

impl<'a> M<'a> {
    const fn id(self, id: &'a str) -> M<'a> {
        M {
            id: Some(id),
            ..self
        }
    }
    const fn refs(self, refs: &'a [&'a str]) -> M<'a> {
        M { refs, ..self }
    }
    const fn sent(self, minute: i64) -> M<'a> {
        M {
            sent: Some(minute),
            ..self
        }
    }

    fn message(&self) -> Message {
        let base = base_subject(self.subject);
        Message {
            number: self.number,
            sent: self.sent.unwrap_or(i64::from(self.number)) * 60_000,
            subject: collate::key(&base.text),
            reply_or_forward: base.reply_or_forward,
            id: self.id.map(String::from),
            references: self.refs.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// The THREAD response line for `forest`, checked to parse again.
fn wire(forest: &Forest) -> String {
    let response = Response::Data(Data::Thread(forest.threads()));
    let bytes = ResponseCodec::default().encode(&response).dump();
    let (rest, decoded) = ResponseCodec::default()
        .decode(&bytes)
        .unwrap_or_else(|e| panic!("imap-codec reads it back: {e:?}"));
    assert!(rest.is_empty());
    assert_eq!(decoded, response, "the same threads after a round trip");
    String::from_utf8(bytes).unwrap()
}

fn references(messages: &[M<'_>]) -> String {
    let mut threader = Threader::References(References::default());
    for m in messages {
        threader.add(m.message());
    }
    wire(&threader.finish())
}

fn ordered_subject(messages: &[M<'_>]) -> String {
    let mut threader = Threader::OrderedSubject(Vec::new());
    for m in messages {
        threader.add(m.message());
    }
    wire(&threader.finish())
}

#[test]
fn the_rfc_examples_encode_as_its_grammar_says() {
    // (2)(3 6 (4 23)(44 7 96)), RFC 5256 §4, as a tree of node indices.
    let n = |number: u32, children: Vec<usize>| (Some(number), children);
    let forest = Forest::new(
        vec![
            n(2, vec![]),
            n(3, vec![2]),
            n(6, vec![3, 5]),
            n(4, vec![4]),
            n(23, vec![]),
            n(44, vec![6]),
            n(7, vec![7]),
            n(96, vec![]),
        ],
        vec![0, 1],
    );
    assert_eq!(wire(&forest), "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
    // ((3)(5)): siblings under a parent that is not there.
    let forest = Forest::new(
        vec![(None, vec![1, 2]), n(3, vec![]), n(5, vec![])],
        vec![0],
    );
    assert_eq!(wire(&forest), "* THREAD ((3)(5))\r\n");
    assert_eq!(wire(&Forest::new(vec![], vec![])), "* THREAD\r\n");
}

#[test]
fn references_link_parents_children_and_branches() {
    let chain = [
        m(1, "plan").id("a@x"),
        m(2, "Re: plan").id("b@x").refs(&["a@x"]),
        m(3, "Re: plan").id("c@x").refs(&["a@x", "b@x"]),
    ];
    assert_eq!(references(&chain), "* THREAD (1 2 3)\r\n");
    let branches = [
        m(1, "plan").id("a@x"),
        m(2, "Re: plan").id("b@x").refs(&["a@x"]),
        m(3, "Re: plan").id("c@x").refs(&["a@x"]),
        m(4, "Re: plan").id("d@x").refs(&["a@x", "b@x"]),
        m(5, "other").id("e@x"),
    ];
    assert_eq!(references(&branches), "* THREAD (1 (2 4)(3))(5)\r\n");
}

#[test]
fn children_and_threads_are_in_sent_order_then_number() {
    let messages = [
        m(1, "plan").id("a@x").sent(10),
        // Replies: 2 was sent after 3; 4 at the same minute as 3.
        m(2, "Re: plan").id("b@x").refs(&["a@x"]).sent(40),
        m(3, "Re: plan").id("c@x").refs(&["a@x"]).sent(30),
        m(4, "Re: plan").id("d@x").refs(&["a@x"]).sent(30),
        // A thread started before the first one.
        m(5, "older").id("e@x").sent(5),
    ];
    assert_eq!(references(&messages), "* THREAD (5)(1 (3)(4)(2))\r\n");
}

#[test]
fn missing_parents_become_dummies_that_are_pruned_or_kept() {
    // Two replies to a message that is not there: siblings in a dummy.
    let siblings = [
        m(1, "Re: gone").id("b@x").refs(&["a@x"]),
        m(2, "Re: gone").id("c@x").refs(&["a@x"]),
    ];
    assert_eq!(references(&siblings), "* THREAD ((1)(2))\r\n");
    // One reply to a missing message: the dummy goes, the reply is a thread.
    let single = [m(1, "Re: gone").id("b@x").refs(&["a@x"])];
    assert_eq!(references(&single), "* THREAD (1)\r\n");
    // A missing message in the middle: its child moves up to its parent.
    let middle = [
        m(1, "plan").id("a@x"),
        m(2, "Re: plan").id("c@x").refs(&["a@x", "gone@x"]),
        m(3, "Re: plan").id("d@x").refs(&["a@x", "gone@x"]),
    ];
    assert_eq!(references(&middle), "* THREAD (1 (2)(3))\r\n");
    // A dummy whose children are dummies too.
    let deep = [
        m(1, "x").id("c@x").refs(&["a@x", "b@x"]),
        m(2, "y").id("d@x").refs(&["a@x", "b2@x"]),
    ];
    assert_eq!(references(&deep), "* THREAD ((1)(2))\r\n");
}

#[test]
fn loops_self_references_and_duplicate_ids_are_harmless() {
    // Each says it answers the other: the first link made stays.
    let mutual = [
        m(1, "a").id("a@x").refs(&["b@x"]),
        m(2, "b").id("b@x").refs(&["a@x"]),
    ];
    assert_eq!(references(&mutual), "* THREAD (2 1)\r\n");
    let own = [m(1, "a").id("a@x").refs(&["a@x"])];
    assert_eq!(references(&own), "* THREAD (1)\r\n");
    let repeated = [m(1, "a").id("a@x").refs(&["p@x", "p@x", "a@x", "p@x"])];
    assert_eq!(references(&repeated), "* THREAD (1)\r\n");
    // The second message with ID a@x gets a unique one; replies go to the first.
    let duplicates = [
        m(1, "first").id("a@x"),
        m(2, "second").id("a@x"),
        m(3, "Re: first").id("c@x").refs(&["a@x"]),
    ];
    assert_eq!(references(&duplicates), "* THREAD (1 3)(2)\r\n");
    // IDs are compared exactly.
    let case = [m(1, "p").id("a@x"), m(2, "q").id("b@x").refs(&["A@x"])];
    assert_eq!(references(&case), "* THREAD (1)(2)\r\n");
}

#[test]
fn a_truncated_references_list_gives_way_to_the_message_itself() {
    // 1 says y@x is its parent and p1@x y@x's; y@x itself (2) says its
    // parent is p2@x: that link replaces the one 1 made (step 1.B).
    let messages = [
        m(1, "a").id("x@x").refs(&["p1@x", "y@x"]),
        m(2, "b").id("y@x").refs(&["p2@x"]),
        m(3, "c").id("p1@x"),
    ];
    assert_eq!(references(&messages), "* THREAD (2 1)(3)\r\n");
    // 2 makes a the parent of c and c its own; then c says b is its
    // parent, which would close a loop: the link a made is broken all the
    // same (as Dovecot does), so c heads a thread and a is alone.
    let messages = [
        m(1, "p").id("a@b").sent(6),
        m(2, "q").id("b@b").refs(&["a@b", "c@b"]).sent(4),
        m(3, "r").id("c@b").refs(&["b@b"]).sent(5),
    ];
    assert_eq!(references(&messages), "* THREAD (3 2)(1)\r\n");
}

#[test]
fn threads_with_the_same_base_subject_are_gathered() {
    // Neither is a reply: both under a new dummy.
    let peers = [m(1, "hello"), m(2, "[list] Hello")];
    assert_eq!(references(&peers), "* THREAD ((1)(2))\r\n");
    // A reply without References goes under the original...
    let reply = [m(1, "hello"), m(2, "Re: hello")];
    assert_eq!(references(&reply), "* THREAD (1 2)\r\n");
    // ...also when it was sent first.
    let early = [m(1, "Re: hello"), m(2, "hello")];
    assert_eq!(references(&early), "* THREAD (2 1)\r\n");
    // A thread under a dummy takes in a message with its subject.
    let dummy = [
        m(1, "topic"),
        m(2, "Re: topic").id("b@x").refs(&["gone@x"]),
        m(3, "Re: topic").id("c@x").refs(&["gone@x"]),
    ];
    assert_eq!(references(&dummy), "* THREAD ((1)(2)(3))\r\n");
    // Two dummies with one subject become one.
    let dummies = [
        m(1, "Re: topic").id("b@x").refs(&["gone@x"]),
        m(2, "Re: topic").id("c@x").refs(&["gone@x"]),
        m(3, "Re: topic").id("d@x").refs(&["lost@x"]),
        m(4, "Re: topic").id("e@x").refs(&["lost@x"]),
    ];
    assert_eq!(references(&dummies), "* THREAD ((1)(2)(3)(4))\r\n");
    // Empty subjects are not gathered; other subjects are not either.
    let apart = [m(1, ""), m(2, "Re:"), m(3, "one"), m(4, "two")];
    assert_eq!(references(&apart), "* THREAD (1)(2)(3)(4)\r\n");
    // Only threads are gathered, by the subject of their first message.
    let linked = [
        m(1, "alpha").id("a@x"),
        m(2, "beta").id("b@x").refs(&["a@x"]),
        m(3, "beta"),
    ];
    assert_eq!(references(&linked), "* THREAD (1 2)(3)\r\n");
}

#[test]
fn ordered_subject_makes_one_flat_thread_per_base_subject() {
    let messages = [
        m(1, "b topic").sent(50),
        m(2, "Re: a topic").sent(20),
        m(3, "A TOPIC").sent(30),
        m(4, "b topic").sent(10),
        m(5, "Fwd: a topic").sent(40),
        m(6, "c topic").sent(60),
        m(7, "[x] c topic").sent(70),
    ];
    // Within a thread by sent date; threads by their first message's date.
    assert_eq!(
        ordered_subject(&messages),
        "* THREAD (4 1)(2 (3)(5))(6 7)\r\n"
    );
    assert_eq!(ordered_subject(&[]), "* THREAD\r\n");
}

/// The deepest nesting of parentheses in a THREAD line.
fn nesting(line: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    for c in line.chars() {
        match c {
            '(' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn numbers(line: &str) -> Vec<u32> {
    let mut all: Vec<u32> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    all.sort_unstable();
    all
}

#[test]
fn deep_threads_are_bounded_in_nesting_and_keep_every_message() {
    // A comb: each message answered twice, once by a leaf and once by the
    // next message of the spine, 3,000 levels deep.
    let depth = 3_000u32;
    let mut threader = Threader::References(References::default());
    let ids: Vec<String> = (0..=depth).map(|i| format!("s{i}@x")).collect();
    let mut number = 0;
    let mut next = || {
        number += 1;
        number
    };
    threader.add(M::message(&m(next(), "deep").id(&ids[0])));
    for i in 1..=depth as usize {
        let parent = [ids[i - 1].as_str()];
        threader.add(M::message(&m(next(), "deep").id(&ids[i]).refs(&parent)));
        let leaf = format!("leaf{i}@x");
        threader.add(M::message(&m(next(), "deep").id(&leaf).refs(&parent)));
    }
    let forest = threader.finish();
    let threads = forest.threads();
    let response = Response::Data(Data::Thread(threads));
    let line = String::from_utf8(ResponseCodec::default().encode(&response).dump()).unwrap();
    assert!(nesting(&line) <= 101, "nesting {}", nesting(&line));
    let all = numbers(&line);
    assert_eq!(all, (1..=2 * depth + 1).collect::<Vec<_>>());
}

#[test]
fn long_chains_are_threaded_in_linear_time() {
    let n = 50_000usize;
    let ids: Vec<String> = (0..n).map(|i| format!("m{i}@x")).collect();
    let started = std::time::Instant::now();
    let mut threader = Threader::References(References::default());
    for i in 0..n {
        let refs: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec![ids[i - 1].as_str()]
        };
        threader.add(M::message(
            &m(i as u32 + 1, "Re: long").id(&ids[i]).refs(&refs),
        ));
    }
    let threads = threader.finish().threads();
    assert_eq!(threads.len(), 1);
    let line = wire_unchecked(threads);
    assert_eq!(numbers(&line), (1..=n as u32).collect::<Vec<_>>());
    assert!(line.starts_with("* THREAD (1 2 3 "));
    // The same chain read newest first: every parent arrives after its child.
    let mut threader = Threader::References(References::default());
    for i in (0..n).rev() {
        let refs: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec![ids[i - 1].as_str()]
        };
        threader.add(M::message(
            &m((n - i) as u32, "Re: long")
                .id(&ids[i])
                .refs(&refs)
                .sent(i as i64),
        ));
    }
    let line = wire_unchecked(threader.finish().threads());
    assert!(
        line.starts_with(&format!("* THREAD ({} {} ", n, n - 1)),
        "{}",
        &line[..40]
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

fn wire_unchecked(threads: Vec<imap_types::extensions::thread::Thread>) -> String {
    let response = Response::Data(Data::Thread(threads));
    String::from_utf8(ResponseCodec::default().encode(&response).dump()).unwrap()
}
