//! THREAD=REFERENCES (RFC 5256 §3), step by step. Step 1 runs as each
//! searched message arrives, in sequence order, so a scan keeps only the
//! table of message IDs and one small node per message or referenced ID,
//! never a message's References list. Steps 2 to 6 run once at the end.
//! Every walk over the tree is a loop over an explicit list, so no thread
//! depth can exhaust the stack.

use std::collections::HashMap;

use super::thread_tree::{Forest, Message};

/// A message of the tree (`None`: a dummy standing for an ID no searched
/// message has).
#[derive(Debug, Clone)]
struct Msg {
    number: u32,
    sent: i64,
    subject: String,
    reply_or_forward: bool,
}

#[derive(Debug, Clone, Default)]
struct Node {
    message: Option<Msg>,
    parent: Option<usize>,
    children: Vec<usize>,
    /// This node's index in its parent's `children` (step 1 unlinks in O(1)).
    slot: usize,
}

/// The REFERENCES threading of the messages added so far.
#[derive(Debug, Default)]
pub(super) struct References {
    nodes: Vec<Node>,
    ids: HashMap<String, usize>,
}

impl References {
    /// Step 1 for one message; messages come in sequence order.
    pub(super) fn add(&mut self, m: Message) {
        let msg = Msg {
            number: m.number,
            sent: m.sent,
            subject: m.subject,
            reply_or_forward: m.reply_or_forward,
        };
        // Duplicate or missing IDs: the message gets a unique one, i.e. a
        // node no reference can reach.
        let current = match m.id {
            Some(id) => match self.ids.get(&id) {
                Some(&n) if self.nodes[n].message.is_none() => {
                    self.nodes[n].message = Some(msg);
                    n
                }
                Some(_) => self.node(Some(msg)),
                None => {
                    let n = self.node(Some(msg));
                    self.ids.insert(id, n);
                    n
                }
            },
            None => self.node(Some(msg)),
        };
        let refs: Vec<usize> = m.references.into_iter().map(|id| self.by_id(id)).collect();
        // (A) Each reference is the parent of the next, unless that one has
        // a parent already or the link would close a loop.
        for pair in refs.windows(2) {
            let (parent, child) = (pair[0], pair[1]);
            if self.nodes[child].parent.is_none() && !self.would_loop(parent, child) {
                self.link(parent, child);
            }
        }
        // (B) The last reference is the message's parent (none: no parent).
        // A parent from another message's References is broken first, even
        // when the new link would close a loop and is not made (RFC 5256
        // says to break it "before creating the new correct one", and
        // Dovecot reads it so too).
        match refs.last() {
            Some(&parent) => {
                if self.nodes[current].parent != Some(parent) {
                    self.unlink(current);
                    if !self.would_loop(parent, current) {
                        self.link(parent, current);
                    }
                }
            }
            None => self.unlink(current),
        }
    }

    fn node(&mut self, message: Option<Msg>) -> usize {
        self.nodes.push(Node {
            message,
            ..Node::default()
        });
        self.nodes.len() - 1
    }

    /// The node of a referenced ID, a new dummy if no message has it yet.
    fn by_id(&mut self, id: String) -> usize {
        if let Some(&n) = self.ids.get(&id) {
            return n;
        }
        let n = self.node(None);
        self.ids.insert(id, n);
        n
    }

    /// Whether making `parent` the parent of `child` would close a loop:
    /// `parent` is `child` or one of its descendants.
    fn would_loop(&self, parent: usize, child: usize) -> bool {
        if parent == child {
            return true;
        }
        // A node without children has no descendants (the common case: a
        // reply arrives after what it answers), so no walk is needed.
        if self.nodes[child].children.is_empty() {
            return false;
        }
        let mut up = Some(parent);
        while let Some(n) = up {
            if n == child {
                return true;
            }
            up = self.nodes[n].parent;
        }
        false
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.nodes[child].parent = Some(parent);
        self.nodes[child].slot = self.nodes[parent].children.len();
        self.nodes[parent].children.push(child);
    }

    fn unlink(&mut self, child: usize) {
        let Some(parent) = self.nodes[child].parent.take() else {
            return;
        };
        let slot = self.nodes[child].slot;
        let siblings = &mut self.nodes[parent].children;
        if siblings.get(slot) == Some(&child) {
            siblings.swap_remove(slot);
            if let Some(&moved) = siblings.get(slot) {
                self.nodes[moved].slot = slot;
            }
        }
    }

    /// Steps 2 to 6: the threads, each set of siblings in sent order.
    pub(super) fn finish(mut self) -> Forest {
        // (2) Messages and dummies without a parent are the threads.
        let roots: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].parent.is_none())
            .collect();
        let roots = self.prune(roots);
        let roots = self.sort_roots(roots);
        let roots = self.gather_subjects(roots);
        let roots = self.sort_all(roots);
        Forest::new(
            self.nodes
                .into_iter()
                .map(|n| (n.message.map(|m| m.number), n.children))
                .collect(),
            roots,
        )
    }

    /// Every node under `roots`, each before its children.
    fn preorder(&self, roots: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n].children.iter().rev());
        }
        out
    }

    fn is_dummy(&self, n: usize) -> bool {
        self.nodes[n].message.is_none()
    }

    /// (3) Dummies go: one without children is deleted, one with children
    /// gives them to its parent, except at the top, where a dummy stays
    /// unless it has one child. Done bottom up, so a dummy is judged with
    /// its own children already pruned.
    fn prune(&mut self, roots: Vec<usize>) -> Vec<usize> {
        for n in self.preorder(&roots).into_iter().rev() {
            let children = std::mem::take(&mut self.nodes[n].children);
            let mut kept = Vec::with_capacity(children.len());
            for c in children {
                if self.is_dummy(c) {
                    kept.append(&mut self.nodes[c].children);
                } else {
                    kept.push(c);
                }
            }
            for &c in &kept {
                self.nodes[c].parent = Some(n);
            }
            self.nodes[n].children = kept;
        }
        let mut top = Vec::with_capacity(roots.len());
        for r in roots {
            match (self.is_dummy(r), self.nodes[r].children.as_slice()) {
                (true, []) => {}
                (true, &[only]) => {
                    self.nodes[only].parent = None;
                    top.push(only);
                }
                _ => top.push(r),
            }
        }
        top
    }

    /// The message a node is dated and named by: itself, or for a dummy
    /// its first child (RFC 5256 steps 4 to 6).
    fn representative(&self, mut n: usize) -> Option<&Msg> {
        loop {
            match &self.nodes[n].message {
                Some(m) => return Some(m),
                None => n = *self.nodes[n].children.first()?,
            }
        }
    }

    /// Sent date, then number.
    fn date_key(&self, n: usize) -> (i64, u32) {
        self.representative(n)
            .map_or((i64::MIN, 0), |m| (m.sent, m.number))
    }

    fn sort_children(&mut self, n: usize) {
        let mut children = std::mem::take(&mut self.nodes[n].children);
        children.sort_by_key(|&c| self.date_key(c));
        self.nodes[n].children = children;
    }

    /// (4) The threads in sent order (a dummy by its first child, once its
    /// children are in order).
    fn sort_roots(&mut self, mut roots: Vec<usize>) -> Vec<usize> {
        for &r in &roots {
            if self.is_dummy(r) {
                self.sort_children(r);
            }
        }
        roots.sort_by_key(|&r| self.date_key(r));
        roots
    }

    /// The thread subject of a top-level node, if not empty.
    fn thread_subject(&self, n: usize) -> Option<String> {
        self.representative(n)
            .map(|m| m.subject.clone())
            .filter(|s| !s.is_empty())
    }

    fn is_reply(&self, n: usize) -> bool {
        self.nodes[n]
            .message
            .as_ref()
            .is_some_and(|m| m.reply_or_forward)
    }

    /// (5) Threads with the same base subject are gathered: (B) one thread
    /// per subject is chosen, preferring dummies, then messages that are
    /// not replies; (C) the others join it as RFC 5256 says.
    fn gather_subjects(&mut self, mut roots: Vec<usize>) -> Vec<usize> {
        let mut table: HashMap<String, usize> = HashMap::new();
        for &r in &roots {
            let Some(subject) = self.thread_subject(r) else {
                continue;
            };
            match table.get(&subject) {
                None => {
                    table.insert(subject, r);
                }
                Some(&t) => {
                    if !self.is_dummy(t)
                        && (self.is_dummy(r) || (self.is_reply(t) && !self.is_reply(r)))
                    {
                        table.insert(subject, r);
                    }
                }
            }
        }
        let mut on_top = vec![false; self.nodes.len()];
        for &r in &roots {
            on_top[r] = true;
        }
        for r in roots.clone() {
            if !on_top[r] {
                continue;
            }
            let Some(subject) = self.thread_subject(r) else {
                continue;
            };
            let Some(&t) = table.get(&subject) else {
                continue;
            };
            if t == r {
                continue;
            }
            let adopt = |this: &mut Self, parent: usize, child: usize| {
                this.nodes[child].parent = Some(parent);
                this.nodes[parent].children.push(child);
            };
            match (self.is_dummy(t), self.is_dummy(r)) {
                (true, true) => {
                    let children = std::mem::take(&mut self.nodes[r].children);
                    for c in children {
                        adopt(self, t, c);
                    }
                }
                (true, false) => adopt(self, t, r),
                (false, false) if self.is_reply(r) && !self.is_reply(t) => adopt(self, t, r),
                _ => {
                    let dummy = self.node(None);
                    on_top.push(true);
                    adopt(self, dummy, t);
                    adopt(self, dummy, r);
                    on_top[t] = false;
                    roots.push(dummy);
                    table.insert(subject, dummy);
                }
            }
            on_top[r] = false;
        }
        roots.retain(|&r| on_top[r]);
        roots
    }

    /// (6) Every set of siblings in sent order, the deepest first, the
    /// threads themselves last.
    fn sort_all(&mut self, roots: Vec<usize>) -> Vec<usize> {
        for n in self.preorder(&roots).into_iter().rev() {
            self.sort_children(n);
        }
        let mut roots = roots;
        roots.sort_by_key(|&r| self.date_key(r));
        roots
    }
}
