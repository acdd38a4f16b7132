//! What a client has enabled on its connection (RFC 5161 ENABLE, or a
//! CONDSTORE enabling command): a leaf that the session state and the
//! connection both hold, so neither needs the ENABLE command's module.

/// What the client enabled, for the rest of the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Enabled {
    /// Mod-sequences in FETCH responses (RFC 7162 §3.1).
    pub condstore: bool,
    /// VANISHED instead of EXPUNGE (RFC 7162 §3.2).
    pub qresync: bool,
    /// Mailbox names in UTF-8 both ways (RFC 6855 UTF8=ACCEPT).
    pub utf8: bool,
    /// IMAP4rev2 (RFC 9051): no `\Recent` or RECENT, ESEARCH for every
    /// SEARCH, SELECT sends the folder's LIST line and no UNSEEN, names in
    /// UTF-8.
    pub rev2: bool,
}

impl Enabled {
    /// Whether mailbox names travel in UTF-8 (RFC 6855, RFC 9051 §5.1).
    pub(super) fn utf8_names(self) -> bool {
        self.utf8 || self.rev2
    }

    /// Both enabled sets together.
    pub(super) fn union(self, other: Enabled) -> Enabled {
        Enabled {
            condstore: self.condstore || other.condstore,
            qresync: self.qresync || other.qresync,
            utf8: self.utf8 || other.utf8,
            rev2: self.rev2 || other.rev2,
        }
    }
}
