//! A thread tree as both THREAD algorithms build it (`thread`,
//! `thread_refs`), and its encoding as imap-types' `Thread`: a message and
//! its only replies are one list of numbers, a branch nests, a dummy with
//! several children is a nested list under no number (RFC 5256 §4).
//! Nesting is bounded: below `MAX_NESTING` levels a sub-thread is sent as
//! one chain, so no mailbox can make the response (or dropping it)
//! recurse without limit.

use std::num::NonZeroU32;

use imap_types::core::{Vec1, Vec2};
use imap_types::extensions::thread::Thread;

use super::updates::nz;

/// Nesting levels of a THREAD response beyond which a sub-thread is sent
/// flat (in date order, depth first).
const MAX_NESTING: usize = 100;

/// What threading needs of one searched message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Message {
    /// Sequence number, or UID for UID THREAD (they grow together, so
    /// either breaks ties of equal dates as RFC 5256 §2.2 wants).
    pub number: u32,
    /// Sent date (RFC 5256 §2.2) in milliseconds since 1970.
    pub sent: i64,
    /// The i;unicode-casemap key of the base subject.
    pub subject: String,
    pub reply_or_forward: bool,
    /// Its Message-ID, and the IDs it refers to (REFERENCES only).
    pub id: Option<String>,
    pub references: Vec<String>,
}

/// Threads as a tree: nodes with a message number or none (a dummy), and
/// their children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Forest {
    nodes: Vec<(Option<u32>, Vec<usize>)>,
    roots: Vec<usize>,
}

/// What a node's children come to on the wire.
enum Answers {
    None,
    One(Thread),
    Many(Vec2<Thread>),
}

impl Answers {
    fn of(mut threads: Vec<Thread>) -> Answers {
        match threads.len() {
            0 => Answers::None,
            1 => threads.pop().map_or(Answers::None, Answers::One),
            _ => Vec2::try_from(threads).map_or(Answers::None, Answers::Many),
        }
    }
}

impl Forest {
    pub(super) fn new(nodes: Vec<(Option<u32>, Vec<usize>)>, roots: Vec<usize>) -> Forest {
        Forest { nodes, roots }
    }

    fn children(&self, n: usize) -> &[usize] {
        self.nodes.get(n).map_or(&[], |(_, c)| c.as_slice())
    }

    fn number(&self, n: usize) -> Option<u32> {
        self.nodes.get(n).and_then(|(number, _)| *number)
    }

    /// The threads as the THREAD response lists them.
    pub(super) fn threads(&self) -> Vec<Thread> {
        self.roots
            .iter()
            .filter_map(|&r| self.thread(r, 1))
            .collect()
    }

    /// The thread starting at node `n`, `depth` levels of parentheses deep.
    fn thread(&self, n: usize, depth: usize) -> Option<Thread> {
        if depth >= MAX_NESTING {
            let mut prefix: Vec<NonZeroU32> = self.number(n).map(nz).into_iter().collect();
            self.flatten(n, &mut prefix);
            return (!prefix.is_empty()).then(|| Thread::Members {
                prefix: members(prefix),
                answers: None,
            });
        }
        let Some(number) = self.number(n) else {
            // A dummy: its children are siblings under no message.
            let kids = self.kids(self.children(n), depth);
            return match Answers::of(kids) {
                Answers::None => None,
                Answers::One(only) => Some(only),
                Answers::Many(answers) => Some(Thread::Nested { answers }),
            };
        };
        // A message and its only replies, one after the other.
        let mut prefix = vec![nz(number)];
        let mut at = n;
        while let [only] = self.children(at)
            && let Some(next) = self.number(*only)
        {
            prefix.push(nz(next));
            at = *only;
        }
        Some(match Answers::of(self.kids(self.children(at), depth)) {
            Answers::None => Thread::Members {
                prefix: members(prefix),
                answers: None,
            },
            Answers::Many(answers) => Thread::Members {
                prefix: members(prefix),
                answers: Some(answers),
            },
            // A dummy child with one thread under it: that thread goes on
            // this one.
            Answers::One(Thread::Members {
                prefix: more,
                answers,
            }) => {
                prefix.extend(more);
                Thread::Members {
                    prefix: members(prefix),
                    answers,
                }
            }
            Answers::One(Thread::Nested { answers }) => Thread::Members {
                prefix: members(prefix),
                answers: Some(answers),
            },
        })
    }

    fn kids(&self, children: &[usize], depth: usize) -> Vec<Thread> {
        children
            .iter()
            .filter_map(|&c| self.thread(c, depth + 1))
            .collect()
    }

    /// Every message below `n`, depth first, onto `prefix`.
    fn flatten(&self, n: usize, prefix: &mut Vec<NonZeroU32>) {
        let mut stack: Vec<usize> = self.children(n).iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            if let Some(number) = self.number(c) {
                prefix.push(nz(number));
            }
            stack.extend(self.children(c).iter().rev());
        }
    }
}

fn members(prefix: Vec<NonZeroU32>) -> Vec1<NonZeroU32> {
    let first = prefix.first().copied().unwrap_or(NonZeroU32::MIN);
    Vec1::try_from(prefix).unwrap_or_else(|_| Vec1::from(first))
}
