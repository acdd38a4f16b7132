//! THREAD and UID THREAD (RFC 5256): the search runs as SEARCH's does
//! (`search::matching`), each match gives what threading needs (its sent
//! date, base subject and message IDs), the algorithm builds a tree
//! (ORDEREDSUBJECT here, REFERENCES in `thread_refs`), and the tree
//! (`thread_tree`) becomes the THREAD response.

use imap_types::core::Charset;
use imap_types::extensions::thread::ThreadingAlgorithm;
use imap_types::response::Data;

use super::backend::OpenFolder;
use super::collate;
use super::reply::{self, Reply, Role};
use super::search::{Matched, Wanted, check_charset, compile_criteria, matching};
use super::searchres::Criteria;
use super::sort::sent_millis;
use super::state::Selected;
use super::thread_refs::References;
use super::thread_tree::{Forest, Message};
use super::wire::Wire;

/// THREAD, or UID THREAD (`uid`).
pub(super) async fn thread<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    algorithm: ThreadingAlgorithm<'static>,
    charset: Charset<'static>,
    search: Criteria,
    uid: bool,
) -> Reply {
    let mut threader = match algorithm {
        ThreadingAlgorithm::OrderedSubject => Threader::OrderedSubject(Vec::new()),
        ThreadingAlgorithm::References => Threader::References(References::default()),
        ThreadingAlgorithm::Other(other) => {
            return Reply::bad(format!(
                "graphgate threads by ORDEREDSUBJECT or REFERENCES, not {}",
                other.as_ref()
            ));
        }
    };
    if let Err(refused) = check_charset(&charset) {
        return refused;
    }
    let criterion = compile_criteria(selected, &search);
    let wanted = Wanted {
        size: false,
        header: true,
    };
    let with_ids = matches!(threader, Threader::References(_));
    let scanned = matching(selected, &criterion, wanted, |m| {
        threader.add(message(&m, uid, with_ids));
    })
    .await;
    if let Err(e) = scanned {
        return reply::mail_error(&e, Role::Subject);
    }
    wire.data(Data::Thread(threader.finish().threads()));
    Reply::ok(if uid {
        "UID THREAD completed"
    } else {
        "THREAD completed"
    })
}

fn message(m: &Matched<'_>, uid: bool, with_ids: bool) -> Message {
    let header = m.header;
    let base = header.map(|h| h.base_subject());
    Message {
        number: if uid { m.entry.uid } else { m.seq },
        sent: sent_millis(header, m.entry.internal_date),
        subject: collate::key(base.as_ref().map_or("", |b| b.text.as_str())),
        reply_or_forward: base.is_some_and(|b| b.reply_or_forward),
        id: header.filter(|_| with_ids).and_then(|h| h.message_id()),
        references: header
            .filter(|_| with_ids)
            .map(|h| h.thread_references())
            .unwrap_or_default(),
    }
}

/// A threading algorithm being fed messages in sequence order.
pub(super) enum Threader {
    OrderedSubject(Vec<Message>),
    References(References),
}

impl Threader {
    pub(super) fn add(&mut self, m: Message) {
        match self {
            Threader::OrderedSubject(all) => all.push(Message {
                id: None,
                references: Vec::new(),
                ..m
            }),
            Threader::References(refs) => refs.add(m),
        }
    }

    pub(super) fn finish(self) -> Forest {
        match self {
            Threader::OrderedSubject(all) => ordered_subject(all),
            Threader::References(refs) => refs.finish(),
        }
    }
}

/// ORDEREDSUBJECT: the messages by base subject, then sent date; each
/// subject one thread whose first message is the parent of all the others;
/// the threads by the sent date of their first message.
fn ordered_subject(mut all: Vec<Message>) -> Forest {
    all.sort_by(|a, b| (&a.subject, a.sent, a.number).cmp(&(&b.subject, b.sent, b.number)));
    let mut nodes: Vec<(Option<u32>, Vec<usize>)> = Vec::with_capacity(all.len());
    let mut roots: Vec<usize> = Vec::new();
    for (i, m) in all.iter().enumerate() {
        nodes.push((Some(m.number), Vec::new()));
        match roots.last() {
            Some(&first) if all[first].subject == m.subject => nodes[first].1.push(i),
            _ => roots.push(i),
        }
    }
    roots.sort_by_key(|&r| (all[r].sent, all[r].number));
    Forest::new(nodes, roots)
}
