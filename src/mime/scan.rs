//! The byte-exact MIME scanner: one forward pass over the raw message that
//! records, for every entity, where its header, header fields and body start
//! and end. Boundary rules follow RFC 2046 as Dovecot applies them: a
//! delimiter line starts with `--boundary` (longest active boundary wins, an
//! outer one also ends inner parts) and the line break before it belongs to
//! the delimiter. Nothing is decoded, so sizes and line counts are those of
//! the bytes as served.

use std::ops::Range;

use memchr::{memchr, memmem};

use super::content::{self, ContentType, Media};
use super::lex::{name_eq, unfold};

/// Deepest nesting of multiparts and messages that is parsed; deeper
/// entities are reported as opaque `application/octet-stream` leaves.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most body parts recorded per message; further parts of a multipart are
/// skipped (their bytes stay in the multipart's body but get no number).
pub(crate) const MAX_PARTS: usize = 10_000;

/// One header field: its name, its value (folding included, final line
/// break excluded) and the whole field with its line break.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub line: Range<usize>,
}

/// A MIME entity (the whole message, a body part, or an embedded message):
/// `start..body_start` is its header including the blank line (if any),
/// `fields_end..body_start` that blank line, `body_start..end` its body.
#[derive(Debug)]
pub(crate) struct Entity {
    pub start: usize,
    pub fields: Vec<Field>,
    pub fields_end: usize,
    pub body_start: usize,
    pub end: usize,
    pub content_type: Option<ContentType>,
    pub media: Media,
    pub kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Leaf,
    Multipart(Vec<Entity>),
    Message(Box<Entity>),
}

impl Entity {
    fn empty(at: usize) -> Entity {
        Entity {
            start: at,
            fields: Vec::new(),
            fields_end: at,
            body_start: at,
            end: at,
            content_type: None,
            media: Media::Text,
            kind: Kind::Leaf,
        }
    }

    /// The raw value of the first field called `name`.
    pub(crate) fn field<'r>(&self, raw: &'r [u8], name: &[u8]) -> Option<&'r [u8]> {
        self.fields
            .iter()
            .find(|f| name_eq(&raw[f.name.clone()], name))
            .map(|f| &raw[f.value.clone()])
    }
}

/// Where a delimiter line was found.
#[derive(Debug, Clone, Copy)]
struct Hit {
    /// Index of the boundary in the active stack (0 = outermost).
    level: usize,
    /// Whether it is a close delimiter (`--boundary--`).
    close: bool,
    /// Where the entity before it ends (before the line break it owns).
    part_end: usize,
    /// Just after the delimiter line's LF (or the end of the message).
    line_end: usize,
}

struct Head {
    fields: Vec<Field>,
    fields_end: usize,
    body_start: usize,
    stop: Option<Hit>,
}

struct Scanner<'a> {
    raw: &'a [u8],
    boundaries: Vec<Vec<u8>>,
    parts: usize,
}

/// Scans a whole message.
pub(crate) fn scan(raw: &[u8]) -> Entity {
    let mut scanner = Scanner {
        raw,
        boundaries: Vec::new(),
        parts: 0,
    };
    scanner.entity(0, 0, Media::Text).0
}

/// Length of the line break just before `p` (0, 1 for LF, 2 for CRLF).
fn eol_before(raw: &[u8], p: usize) -> usize {
    if p >= 2 && &raw[p - 2..p] == b"\r\n" {
        2
    } else if p >= 1 && raw[p - 1] == b'\n' {
        1
    } else {
        0
    }
}

impl Scanner<'_> {
    /// Scans the entity starting at `start`; returns it and the delimiter
    /// that ended it (`None` at the end of the message).
    fn entity(&mut self, start: usize, depth: usize, default: Media) -> (Entity, Option<Hit>) {
        let head = self.header(start);
        let content_type = head
            .fields
            .iter()
            .find(|f| name_eq(&self.raw[f.name.clone()], b"content-type"))
            .and_then(|f| content::content_type(&unfold(&self.raw[f.value.clone()])));
        let media = content_type.as_ref().map_or(default, ContentType::media);
        let mut entity = Entity {
            start,
            fields: head.fields,
            fields_end: head.fields_end,
            body_start: head.body_start,
            end: head.body_start,
            content_type,
            media,
            kind: Kind::Leaf,
        };
        if let Some(hit) = head.stop {
            // A delimiter inside the header: no body at all.
            entity.kind = match media {
                Media::Multipart => Kind::Multipart(Vec::new()),
                Media::Message => Kind::Message(Box::new(Entity::empty(entity.body_start))),
                _ => Kind::Leaf,
            };
            return (entity, Some(hit));
        }
        let body_start = entity.body_start;
        let nested = depth < MAX_DEPTH;
        let stop = match media {
            Media::Multipart if nested => {
                let ct = entity.content_type.as_ref();
                let boundary = ct
                    .and_then(|c| c.param(b"boundary"))
                    .filter(|b| !b.is_empty());
                let digest = ct.is_some_and(|c| c.subtype.eq_ignore_ascii_case(b"digest"));
                let (children, end, stop) = match boundary {
                    Some(b) => self.multipart(body_start, b.to_vec(), depth, digest),
                    None => {
                        let (end, stop) = self.to_boundary(body_start);
                        (Vec::new(), end, stop)
                    }
                };
                entity.kind = Kind::Multipart(children);
                entity.end = end;
                stop
            }
            Media::Message if nested => {
                let (inner, stop) = self.entity(body_start, depth + 1, Media::Text);
                entity.end = inner.end;
                entity.kind = Kind::Message(Box::new(inner));
                stop
            }
            _ => {
                let (end, stop) = self.to_boundary(body_start);
                entity.end = end;
                stop
            }
        };
        (entity, stop)
    }

    /// Reads header lines from `start` up to the blank line, a delimiter
    /// line, or the end of the message.
    fn header(&self, start: usize) -> Head {
        let raw = self.raw;
        let mut fields: Vec<Field> = Vec::new();
        let mut pos = start;
        while pos < raw.len() {
            let line_end = memchr(b'\n', &raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
            let line = &raw[pos..line_end];
            if line == b"\n" || line == b"\r\n" {
                return Head {
                    fields,
                    fields_end: pos,
                    body_start: line_end,
                    stop: None,
                };
            }
            if let Some(hit) = self.boundary_at(pos, start) {
                let end = hit.part_end;
                if let Some(last) = fields.last_mut() {
                    last.line.end = last.line.end.min(end);
                    last.value.end = last.value.end.min(end);
                    last.value.start = last.value.start.min(last.value.end);
                }
                return Head {
                    fields,
                    fields_end: end,
                    body_start: end,
                    stop: Some(hit),
                };
            }
            let content_end = line_end - eol_before(raw, line_end).min(line.len());
            let continues = line[0] == b' ' || line[0] == b'\t';
            match fields.last_mut() {
                Some(last) if continues => {
                    last.line.end = line_end;
                    last.value.end = content_end;
                }
                _ => {
                    let colon = memchr(b':', &raw[pos..content_end]).map(|i| pos + i);
                    let (name, value) = match colon {
                        Some(c) => {
                            let trailing = raw[pos..c]
                                .iter()
                                .rev()
                                .take_while(|b| **b == b' ' || **b == b'\t');
                            (pos..c - trailing.count(), c + 1..content_end)
                        }
                        None => (pos..content_end, content_end..content_end),
                    };
                    fields.push(Field {
                        name,
                        value,
                        line: pos..line_end,
                    });
                }
            }
            pos = line_end;
        }
        Head {
            fields,
            fields_end: raw.len(),
            body_start: raw.len(),
            stop: None,
        }
    }

    /// Reads the parts of a multipart body (RFC 2046 §5.1.1): prologue,
    /// parts between delimiters, epilogue after the close delimiter.
    fn multipart(
        &mut self,
        body_start: usize,
        boundary: Vec<u8>,
        depth: usize,
        digest: bool,
    ) -> (Vec<Entity>, usize, Option<Hit>) {
        self.boundaries.push(boundary);
        let level = self.boundaries.len() - 1;
        let default = if digest { Media::Message } else { Media::Text };
        let mut children = Vec::new();
        let mut next = self.next_boundary(body_start);
        let (end, stop) = loop {
            let Some(hit) = next else {
                break (self.raw.len(), None);
            };
            if hit.level < level {
                break (hit.part_end, Some(hit));
            }
            if hit.close {
                self.boundaries.truncate(level);
                break self.to_boundary(hit.line_end);
            }
            if self.parts >= MAX_PARTS {
                next = self.next_boundary(hit.line_end);
                continue;
            }
            self.parts += 1;
            let (child, stop) = self.entity(hit.line_end, depth + 1, default);
            self.boundaries.truncate(level + 1);
            children.push(child);
            next = stop;
        };
        self.boundaries.truncate(level);
        (children, end, stop)
    }

    /// Finds where the body starting at `from` ends: at the next delimiter
    /// line of any active boundary, or at the end of the message.
    fn to_boundary(&self, from: usize) -> (usize, Option<Hit>) {
        match self.next_boundary(from) {
            Some(hit) => (hit.part_end, Some(hit)),
            None => (self.raw.len(), None),
        }
    }

    /// The first delimiter line at or after the line start `from`.
    fn next_boundary(&self, from: usize) -> Option<Hit> {
        if self.boundaries.is_empty() || from >= self.raw.len() {
            return None;
        }
        if let Some(hit) = self.boundary_at(from, from) {
            return Some(hit);
        }
        memmem::find_iter(&self.raw[from..], b"\n--")
            .find_map(|i| self.boundary_at(from + i + 1, from))
    }

    /// Whether the line starting at `p` is a delimiter line; `region_start`
    /// is where the current entity region began (a line break before it is
    /// not the delimiter's to take).
    fn boundary_at(&self, p: usize, region_start: usize) -> Option<Hit> {
        let raw = self.raw;
        let rest = raw.get(p..)?.strip_prefix(b"--")?;
        let mut best: Option<(usize, usize)> = None;
        for (level, boundary) in self.boundaries.iter().enumerate().rev() {
            if rest.starts_with(boundary) && best.is_none_or(|(_, len)| len < boundary.len()) {
                best = Some((level, boundary.len()));
            }
        }
        let (level, len) = best?;
        let after = p + 2 + len;
        let close = raw[after..].starts_with(b"--");
        let line_end = memchr(b'\n', &raw[after..]).map_or(raw.len(), |i| after + i + 1);
        let part_end = (p - eol_before(raw, p)).max(region_start);
        Some(Hit {
            level,
            close,
            part_end,
            line_end,
        })
    }
}
