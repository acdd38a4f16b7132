//! One IMAP connection from greeting to BYE: the state (not authenticated,
//! authenticated, selected), the read loop with the autologout timer and the
//! shutdown signal, dispatch of each command inside its own tracing span, and
//! the untagged updates owed to the client before each tagged reply.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use imap_types::command::{Command, CommandBody};
use imap_types::core::{Atom, Tag, Vec1};
use imap_types::fetch::MessageDataItem;
use imap_types::flag::{Flag, FlagFetch};
use imap_types::response::{Capability, Code, Data, Greeting, GreetingKind};
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument, Span};

use super::backend::{Backend, OpenFolder, UserFolders};
use super::reply::{self, Extra, Reply};
use super::view::{MailboxView, Update};
use super::wire::{Incoming, Limits, Request, Wire, WireError};
use super::{ImapProtocol, LOGIN_TIMEOUT, UserSlot};
use crate::mailbox::MailError;
use crate::mailbox::flags::Flags;
use crate::server::{Connection, Shutdown};

/// The folder type of a backend.
pub(super) type FolderOf<B> = <<B as Backend>::User as UserFolders>::Folder;

/// Why a command ends the session.
#[derive(Debug)]
pub(super) enum Stop {
    /// The connection failed; nothing more can be sent.
    Wire(WireError),
    /// The session said BYE and is over.
    Closed,
    /// The command already sent its tagged reply (STARTTLS); read on.
    Answered,
}

impl From<WireError> for Stop {
    fn from(e: WireError) -> Stop {
        Stop::Wire(e)
    }
}

pub(super) type Outcome = Result<Reply, Stop>;

/// The reply to a command that needs a logged-in user.
pub(super) const LOGIN_FIRST: &str = "log in first (LOGIN or AUTHENTICATE)";
/// The reply to a command that needs a selected folder.
pub(super) const SELECT_FIRST: &str = "select a folder first (SELECT or EXAMINE)";

/// A logged-in user.
pub(super) struct LoggedIn<U> {
    pub mail: U,
    pub _slot: UserSlot,
}

/// The selected folder and what this session told its client about it.
pub(super) struct Selected<F> {
    pub folder: F,
    pub view: MailboxView,
}

pub(super) struct Session<'p, B: Backend> {
    pub proto: &'p ImapProtocol<B>,
    pub wire: Wire,
    pub peer: SocketAddr,
    pub tls: Option<TlsAcceptor>,
    pub shutdown: Shutdown,
    pub span: Span,
    pub user: Option<LoggedIn<B::User>>,
    pub selected: Option<Selected<FolderOf<B>>>,
}

pub(super) async fn run<B: Backend>(proto: &ImapProtocol<B>, conn: Connection, shutdown: Shutdown) {
    let span = tracing::info_span!("imap", peer = %conn.peer, user = tracing::field::Empty);
    let max_command = Limits::after_login(proto.settings.max_literal_bytes).command;
    let mut session = Session {
        proto,
        wire: Wire::new(conn.stream, max_command),
        peer: conn.peer,
        tls: if conn.implicit_tls { None } else { conn.tls },
        shutdown,
        span: span.clone(),
        user: None,
        selected: None,
    };
    session.serve().instrument(span).await;
}

/// What woke the read loop.
enum Wake {
    Message(Result<Incoming, WireError>),
    Timeout,
    Shutdown,
}

impl<B: Backend> Session<'_, B> {
    async fn serve(&mut self) {
        let greeting = Greeting {
            kind: GreetingKind::Ok,
            code: Some(Code::Capability(self.capabilities())),
            text: reply::text("graphgate IMAP ready"),
        };
        self.wire.greet(&greeting);
        if let Err(e) = self.wire.flush().await {
            return tracing::debug!(error = %e, "could not greet");
        }
        loop {
            let limit = if self.user.is_some() {
                self.proto.settings.idle_timeout
            } else {
                LOGIN_TIMEOUT
            };
            let wake = tokio::select! {
                r = tokio::time::timeout(limit, self.wire.next()) => match r {
                    Ok(message) => Wake::Message(message),
                    Err(_elapsed) => Wake::Timeout,
                },
                () = self.shutdown.recv() => Wake::Shutdown,
            };
            let result = match wake {
                Wake::Timeout => {
                    tracing::info!("autologout");
                    Err(self.bye(None, "Autologout; idle for too long").await)
                }
                Wake::Shutdown => Err(self.bye(None, "graphgate is shutting down").await),
                Wake::Message(Err(e)) => self.wire_failed(e).await,
                Wake::Message(Ok(incoming)) => self.incoming(incoming).await,
            };
            match result {
                Ok(()) => {}
                Err(Stop::Closed) => return,
                Err(Stop::Answered) => {}
                Err(Stop::Wire(e)) => {
                    return tracing::debug!(error = %e, "connection ended");
                }
            }
        }
    }

    /// Say BYE; the session is then over.
    pub async fn bye(&mut self, code: Option<Code<'static>>, reason: &str) -> Stop {
        self.wire.status(reply::bye(code, reason));
        let _ = self.wire.flush().await;
        Stop::Closed
    }

    /// BYE to a client that may still be sending: the reply must not be
    /// lost to a reset of the connection.
    async fn bye_lingering(&mut self, reason: &str) -> Stop {
        let stop = self.bye(None, reason).await;
        self.wire.linger().await;
        stop
    }

    /// The client broke the framing, or the connection broke.
    async fn wire_failed(&mut self, e: WireError) -> Result<(), Stop> {
        match e {
            WireError::Closed | WireError::Io(_) | WireError::WriteStalled => Err(Stop::Wire(e)),
            WireError::LiteralPlusTooBig { tag, length } => {
                let text = format!(
                    "a literal of {length} bytes is over the limit of {} bytes",
                    self.proto.settings.max_literal_bytes
                );
                let bad = Reply::bad(text).with(Code::TooBig);
                self.wire.status(match tag {
                    Some(tag) => bad.tagged(tag),
                    None => bad.untagged(),
                });
                Err(self
                    .bye_lingering("closing after a literal that was too large")
                    .await)
            }
            WireError::LineTooLong(max) => Err(self
                .bye_lingering(&format!("a command line was longer than {max} bytes"))
                .await),
            WireError::CommandTooLong(max) => Err(self
                .bye_lingering(&format!("a command was longer than {max} bytes"))
                .await),
        }
    }

    async fn incoming(&mut self, incoming: Incoming) -> Result<(), Stop> {
        match incoming {
            Incoming::Command(request) => self.command(*request).await,
            Incoming::Malformed { tag, why } => {
                tracing::debug!(%why, "malformed command");
                let bad = Reply::bad(why);
                self.wire.status(match tag {
                    Some(tag) => bad.tagged(tag),
                    None => bad.untagged(),
                });
                Ok(())
            }
            Incoming::LiteralRefused { tag, length } => {
                let limit = if self.user.is_some() {
                    self.proto.settings.max_literal_bytes
                } else {
                    Limits::BEFORE_LOGIN.literal
                };
                let text =
                    format!("a literal of {length} bytes is over the limit of {limit} bytes");
                match tag {
                    Some(tag) => self
                        .wire
                        .status(Reply::no(text).with(Code::TooBig).tagged(tag)),
                    None => self
                        .wire
                        .status(Reply::bad(text).with(Code::TooBig).untagged()),
                }
                Ok(())
            }
            Incoming::AuthData(_) | Incoming::IdleDone => {
                self.wire.status(Reply::bad("unexpected line").untagged());
                Ok(())
            }
        }
    }

    async fn command(&mut self, request: Request) -> Result<(), Stop> {
        let Request {
            command: Command { tag, body },
            list,
        } = request;
        let name = command_name(&body);
        let span = tracing::info_span!("command", tag = %tag.inner(), name);
        async {
            // The untagged updates this command may carry, after its own output.
            let expunge_ok = !matches!(
                body,
                CommandBody::Fetch { uid: false, .. }
                    | CommandBody::Store { uid: false, .. }
                    | CommandBody::Search { uid: false, .. }
            );
            let own_updates = matches!(
                body,
                CommandBody::Select { .. }
                    | CommandBody::Examine { .. }
                    | CommandBody::Close
                    | CommandBody::Unselect
                    | CommandBody::Noop
                    | CommandBody::Check
                    | CommandBody::Idle
                    | CommandBody::Logout
                    | CommandBody::StartTLS
            );
            // A grant withdrawn by a policy reload ends access at once.
            let leaves_folder = matches!(
                body,
                CommandBody::Select { .. }
                    | CommandBody::Examine { .. }
                    | CommandBody::Close
                    | CommandBody::Unselect
                    | CommandBody::Logout
                    | CommandBody::Capability
            );
            if !leaves_folder
                && let Some(selected) = self.selected.as_ref()
                && let Err(e) = selected.folder.check_access()
            {
                self.selected = None;
                self.wire
                    .status(reply::mail_error(&e, reply::Role::Subject).tagged(tag));
                return Ok(());
            }
            let reply = match self.dispatch(&tag, body, list).await {
                Ok(reply) => reply,
                Err(Stop::Answered) => return Ok(()),
                Err(stop) => return Err(stop),
            };
            if !own_updates {
                let _ = self.updates(false, expunge_ok).await?;
            }
            tracing::debug!(result = ?reply.kind, "done");
            self.wire.status(reply.tagged(tag));
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn dispatch(
        &mut self,
        tag: &Tag<'static>,
        body: CommandBody<'static>,
        list: Option<super::list_ext::ListOptions>,
    ) -> Outcome {
        use CommandBody as C;
        match body {
            C::Capability => {
                self.wire.data(Data::Capability(self.capabilities()));
                Ok(Reply::ok("CAPABILITY completed"))
            }
            C::Noop => self.noop("NOOP").await,
            C::Check => self.noop("CHECK").await,
            C::Logout => {
                self.wire.status(reply::bye(None, "graphgate logging out"));
                self.wire
                    .status(Reply::ok("LOGOUT completed").tagged(tag.clone()));
                let _ = self.wire.flush().await;
                Err(Stop::Closed)
            }
            C::StartTLS => self.starttls(tag).await,
            C::Login { username, password } => Ok(self.login(username, password).await),
            C::Authenticate {
                mechanism,
                initial_response,
            } => self.authenticate(mechanism, initial_response).await,
            C::Id { parameters } => Ok(self.id(parameters)),
            C::Enable { capabilities } => Ok(self.enable(capabilities)),
            C::Namespace => Ok(self.namespace()),
            C::Select { mailbox, .. } => self.select(mailbox, false).await,
            C::Examine { mailbox, .. } => self.select(mailbox, true).await,
            C::Create { mailbox } => self.create(mailbox).await,
            C::Delete { mailbox } => self.delete(mailbox).await,
            C::Rename { from, to } => self.rename(from, to).await,
            C::Subscribe { mailbox } => self.subscribe(mailbox, true).await,
            C::Unsubscribe { mailbox } => self.subscribe(mailbox, false).await,
            C::List {
                reference,
                mailbox_wildcard,
            } => {
                self.list(reference, mailbox_wildcard, list.unwrap_or_default(), false)
                    .await
            }
            C::Lsub {
                reference,
                mailbox_wildcard,
            } => {
                self.list(reference, mailbox_wildcard, Default::default(), true)
                    .await
            }
            C::Status {
                mailbox,
                item_names,
            } => self.status(mailbox, &item_names).await,
            C::Append {
                mailbox,
                flags,
                date,
                message,
            } => self.append(mailbox, flags, date, message).await,
            C::Idle => self.idle(tag).await,
            C::Close => self.close().await,
            C::Unselect => Ok(self.unselect()),
            C::Expunge => self.expunge(None).await,
            C::ExpungeUid { sequence_set } => self.expunge(Some(sequence_set)).await,
            C::Search {
                charset,
                criteria,
                uid,
            } => self.search(charset, criteria, uid).await,
            C::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
                ..
            } => self.fetch(sequence_set, macro_or_item_names, uid).await,
            C::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
                ..
            } => self.store(sequence_set, kind, response, flags, uid).await,
            C::Copy {
                sequence_set,
                mailbox,
                uid,
            } => self.copy(sequence_set, mailbox, uid, false).await,
            C::Move {
                sequence_set,
                mailbox,
                uid,
            } => self.copy(sequence_set, mailbox, uid, true).await,
            other => Ok(Reply::bad(format!(
                "graphgate does not support {}",
                command_name(&other)
            ))),
        }
    }

    /// The capabilities for the current state.
    pub fn capabilities(&self) -> Vec1<Capability<'static>> {
        let mut caps = vec!["IMAP4rev1"];
        if self.user.is_none() {
            if self.tls.is_some() && !self.wire.is_tls() {
                caps.push("STARTTLS");
            }
            if self.login_allowed() {
                caps.extend(["AUTH=PLAIN", "SASL-IR"]);
            } else {
                caps.push("LOGINDISABLED");
            }
        }
        caps.extend([
            "LITERAL+",
            "ID",
            "ENABLE",
            "IDLE",
            "NAMESPACE",
            "UNSELECT",
            "UIDPLUS",
            "MOVE",
            "CHILDREN",
            "SPECIAL-USE",
            "LIST-STATUS",
        ]);
        let mut out: Vec<Capability<'static>> = caps
            .into_iter()
            .filter_map(|c| Atom::try_from(c).ok().map(Capability::from))
            .collect();
        let appendlimit = format!("APPENDLIMIT={}", self.proto.settings.max_literal_bytes);
        if let Ok(atom) = Atom::try_from(appendlimit) {
            out.push(Capability::from(atom));
        }
        Vec1::try_from(out).unwrap_or_else(|_| Vec1::from(Capability::Imap4Rev1))
    }

    /// Passwords may be sent: over TLS, from this machine, or when allowed.
    pub fn login_allowed(&self) -> bool {
        self.wire.is_tls()
            || self.wire.is_loopback()
            || self.proto.settings.allow_plaintext_auth_on_non_loopback
    }

    /// The reply when a command needs a selected folder and there is none.
    pub fn not_selected(&self) -> Reply {
        Reply::bad(if self.user.is_none() {
            LOGIN_FIRST
        } else {
            SELECT_FIRST
        })
    }

    /// Catch the view up with the folder and send the updates owed:
    /// EXPUNGE (when `expunge_ok`), FETCH (FLAGS) and EXISTS.
    /// Returns how many were sent, or why the folder could not be read.
    pub async fn updates(
        &mut self,
        sync: bool,
        expunge_ok: bool,
    ) -> Result<Result<usize, MailError>, Stop> {
        let Some(selected) = self.selected.as_mut() else {
            return Ok(Ok(0));
        };
        let snapshot = match selected.folder.snapshot(sync).await {
            Ok(snapshot) => snapshot,
            Err(e) => {
                tracing::warn!(error = %e, "could not bring the folder up to date");
                return Ok(Err(e));
            }
        };
        let updates = selected.view.update(&snapshot, expunge_ok);
        let sent = updates.len();
        for update in updates {
            match update {
                Update::Expunge(seq) => self.wire.data(Data::Expunge(nz(seq))),
                Update::Exists(n) => self.wire.data(Data::Exists(n)),
                Update::Flags { seq, uid, flags } => {
                    self.wire.data(flags_data(seq, uid, &flags));
                }
                Update::UidValidityChanged => {
                    tracing::warn!("UIDVALIDITY changed under an open session");
                    self.selected = None;
                    return Err(self
                        .bye(
                            Some(Extra::Unavailable.code()),
                            "the folder was synchronised from scratch and its UIDs changed; reconnect",
                        )
                        .await);
                }
            }
            self.wire.flush_if_full().await?;
        }
        Ok(Ok(sent))
    }

    async fn noop(&mut self, name: &str) -> Outcome {
        match self.updates(true, true).await? {
            Ok(_) => Ok(Reply::ok(format!("{name} completed"))),
            Err(e) => Ok(reply::mail_error(&e, reply::Role::Subject)),
        }
    }
}

/// `* n FETCH (UID u FLAGS (...))`.
pub(super) fn flags_data(seq: u32, uid: u32, flags: &Flags) -> Data<'static> {
    let items = vec![
        MessageDataItem::Uid(nz(uid)),
        MessageDataItem::Flags(flag_list(flags)),
    ];
    Data::Fetch {
        seq: nz(seq),
        items: Vec1::try_from(items).unwrap_or_else(|_| Vec1::from(MessageDataItem::Uid(nz(uid)))),
    }
}

/// Flags as FETCH shows them.
pub(super) fn flag_list(flags: &Flags) -> Vec<FlagFetch<'static>> {
    flags
        .atoms()
        .into_iter()
        .filter_map(|atom| {
            Flag::try_from(atom.as_str())
                .ok()
                .map(|f| FlagFetch::Flag(imap_types::IntoStatic::into_static(f)))
        })
        .collect()
}

pub(super) fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// The command's name for logs (`UID FETCH` rather than `FETCH`).
fn command_name(body: &CommandBody<'_>) -> &'static str {
    match body {
        CommandBody::Fetch { uid: true, .. } => "UID FETCH",
        CommandBody::Store { uid: true, .. } => "UID STORE",
        CommandBody::Copy { uid: true, .. } => "UID COPY",
        CommandBody::Move { uid: true, .. } => "UID MOVE",
        CommandBody::Search { uid: true, .. } => "UID SEARCH",
        other => other.name(),
    }
}
