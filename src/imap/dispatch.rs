//! Runs one command in the session's state. This is the one place that
//! admits a command by the state the command table gives it (RFC 3501 §6) or
//! refuses it, that hands each handler the typed state it needs (the user,
//! the selected folder), and that applies the move between states the
//! command asks for (login, entering or leaving a folder, logout).

use imap_types::core::Tag;
use imap_types::status::StatusDataItemName;

use super::backend::{Backend, UserFolders};
use super::commands::{
    AnyStateCommand, AuthenticatedCommand, ByState, NotAuthenticatedCommand, SelectedCommand,
};
use super::conn::{Conn, Done};
use super::esearch::Answer;
use super::login::Login;
use super::reply::{self, Refused, Reply, Role};
use super::search_return::ReturnOptions;
use super::state::{Change, FolderOf, LoggedIn, Selected, State, UserOf};
use super::wire::{Wire, WireError};
use super::{
    acl, append, authenticate, capability, close, compress, copy_move, create, enable, expunge,
    fetch, id, idle, list, login, logout, multiappend, namespace, noop, objectid_search, search,
    select, sort, starttls, status, store, subscribe, thread,
};

/// Run `command` if the session's state allows it, and move to the state it
/// leads to. Only a broken connection is an error.
pub(super) async fn dispatch<B: Backend>(
    conn: &mut Conn<'_, B>,
    state: &mut State<UserOf<B>>,
    tag: &Tag<'static>,
    command: ByState,
) -> Result<Done, WireError> {
    let (done, change) = match command {
        ByState::Any(command) => any_state(conn, state, tag, command).await?,
        ByState::NotAuthenticated(command) => match state {
            State::NotAuthenticated => not_authenticated(conn, tag, command).await?,
            State::Authenticated(_) | State::Selected(..) | State::Logout => {
                let refused = match command {
                    NotAuthenticatedCommand::StartTls if conn.wire.is_tls() => {
                        Refused::TlsAlreadyOn
                    }
                    NotAuthenticatedCommand::StartTls => Refused::StartTlsAfterLogin,
                    NotAuthenticatedCommand::Login { .. }
                    | NotAuthenticatedCommand::Authenticate { .. } => Refused::AlreadyLoggedIn,
                };
                return Ok(refused.reply().into());
            }
        },
        ByState::Authenticated(command) => {
            let mut left = false;
            if command.leaves_folder_first(|name| state.is_selected(name)) {
                left = state.selected().is_some();
                state.apply(Change::Leave);
            }
            match state {
                State::Authenticated(user) => {
                    authenticated(conn, tag, user, None, left, command).await?
                }
                State::Selected(user, selected) => {
                    authenticated(conn, tag, user, Some(selected), false, command).await?
                }
                State::NotAuthenticated | State::Logout => {
                    return Ok(Refused::LoginFirst.reply().into());
                }
            }
        }
        ByState::Selected(command) => match state {
            State::Selected(_, selected) => {
                selected_state::<UserOf<B>>(&mut conn.wire, selected, tag, command).await?
            }
            State::Authenticated(_) => return Ok(Refused::SelectFirst.reply().into()),
            State::NotAuthenticated | State::Logout => {
                return Ok(Refused::LoginFirst.reply().into());
            }
        },
    };
    state.apply(change);
    // What was enabled, in the selected folder or not, holds for the
    // session from now on.
    if let Some(selected) = state.selected_mut() {
        conn.enabled = conn.enabled.union(selected.enabled);
        selected.enabled = conn.enabled;
    }
    Ok(done)
}

/// RFC 3501 §6.1: CAPABILITY, NOOP (and CHECK), LOGOUT; ID; the refusal of
/// commands graphgate does not offer.
async fn any_state<B: Backend>(
    conn: &mut Conn<'_, B>,
    state: &mut State<UserOf<B>>,
    tag: &Tag<'static>,
    command: AnyStateCommand,
) -> Result<(Done, Change<UserOf<B>>), WireError> {
    let done = match command {
        AnyStateCommand::Capability => capability::capability(conn, state.logged_in()).into(),
        AnyStateCommand::Noop { name } => {
            noop::noop(&mut conn.wire, state.selected_mut(), name).await?
        }
        AnyStateCommand::Logout => {
            return Ok((logout::logout(&mut conn.wire, tag).await, Change::Logout));
        }
        AnyStateCommand::Id { parameters } => id::id(&mut conn.wire, parameters).into(),
        AnyStateCommand::Unsupported { name } => reply::unsupported(name).into(),
    };
    Ok((done, Change::Stay))
}

/// RFC 3501 §6.2: STARTTLS, LOGIN, AUTHENTICATE.
async fn not_authenticated<B: Backend>(
    conn: &mut Conn<'_, B>,
    tag: &Tag<'static>,
    command: NotAuthenticatedCommand,
) -> Result<(Done, Change<UserOf<B>>), WireError> {
    let attempt = match command {
        NotAuthenticatedCommand::StartTls => {
            return Ok((starttls::starttls(conn, tag).await?, Change::Stay));
        }
        NotAuthenticatedCommand::Login { username, password } => {
            login::login(conn, username, password).await
        }
        NotAuthenticatedCommand::Authenticate { mechanism, initial } => {
            authenticate::authenticate(conn, mechanism, initial).await?
        }
    };
    Ok(match attempt {
        Login::In(user, reply) => (reply.into(), Change::LogIn(user)),
        Login::Refused(reply) => (reply.into(), Change::Stay),
        Login::Closed => (Done::Close, Change::Stay),
    })
}

/// RFC 3501 §6.3 (and ENABLE, NAMESPACE, IDLE, COMPRESS): a logged-in user,
/// with the folder selected now, if any (`left`: the command just left one).
async fn authenticated<B: Backend>(
    conn: &mut Conn<'_, B>,
    tag: &Tag<'static>,
    user: &LoggedIn<UserOf<B>>,
    selected: Option<&mut Selected<FolderOf<UserOf<B>>>>,
    left: bool,
    command: AuthenticatedCommand,
) -> Result<(Done, Change<UserOf<B>>), WireError> {
    use AuthenticatedCommand as U;
    let reply = match command {
        U::Enable { names } => enable::enable(&mut conn.wire, &mut conn.enabled, selected, &names),
        U::Namespace => namespace::namespace(&mut conn.wire, user),
        U::Select {
            mailbox,
            read_only,
            parameters,
        } => {
            let open = select::Open {
                read_only,
                parameters,
                enabled: conn.enabled,
                closed: left,
            };
            let (reply, opened) = select::select(&mut conn.wire, user, &mailbox, open).await;
            let change = opened.map_or(Change::Stay, Change::Enter);
            return Ok((reply.into(), change));
        }
        U::Create { mailbox } => create::create(user, mailbox).await,
        U::Delete { mailbox } => create::delete(user, mailbox).await,
        U::Rename { from, to } => create::rename(user, from, to).await,
        U::Subscribe { mailbox, on } => subscribe::subscribe(user, mailbox, on).await,
        U::List {
            reference,
            pattern,
            options,
            lsub,
        } => list::list(&mut conn.wire, user, reference, pattern, options, lsub).await?,
        U::Status {
            mailbox,
            items,
            object_ids,
        } => {
            // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) enables CONDSTORE.
            if items.contains(&StatusDataItemName::HighestModSeq) {
                conn.enabled.condstore = true;
            }
            status::status(&mut conn.wire, user, mailbox, &items, &object_ids).await
        }
        U::Append {
            mailbox,
            flags,
            date,
            message,
        } => append::append(user, selected.as_deref(), mailbox, flags, date, message).await,
        U::AppendMany { command } => {
            let limit = conn.settings.max_literal_bytes as usize;
            multiappend::append_many(user, selected.as_deref(), command, limit).await
        }
        U::Acl(command) => acl::acl(&mut conn.wire, user, command).await,
        U::Idle => return Ok((idle::idle(conn, selected).await?, Change::Stay)),
        U::Compress { algorithm } => {
            return Ok((
                compress::compress(conn, tag, &algorithm).await?,
                Change::Stay,
            ));
        }
    };
    Ok((reply.into(), Change::Stay))
}

/// RFC 3501 §6.4: the selected folder. CLOSE and UNSELECT leave it.
async fn selected_state<U: UserFolders>(
    wire: &mut Wire,
    selected: &mut Selected<FolderOf<U>>,
    tag: &Tag<'static>,
    command: SelectedCommand,
) -> Result<(Done, Change<U>), WireError> {
    // What a SEARCH or SORT with RETURN options answers to (RFC 4731).
    let answer = |returning: Option<ReturnOptions>| {
        returning.map(|options| Answer {
            tag: tag.clone(),
            options,
        })
    };
    use SelectedCommand as S;
    let reply: Reply = match command {
        S::Close => return Ok((close::close(selected).await.into(), Change::Leave)),
        S::Unselect => return Ok((close::unselect().into(), Change::Leave)),
        S::Expunge { uids } => expunge::expunge(wire, selected, uids).await,
        S::Search {
            charset,
            criteria,
            uid,
            returning,
        } => {
            let criteria = match objectid_search::resolve(selected, criteria).await {
                Ok(criteria) => criteria,
                Err(e) => return Ok((reply::mail_error(&e, Role::Subject).into(), Change::Stay)),
            };
            // IMAP4rev2 answers every SEARCH with ESEARCH, a plain one as
            // RETURN (ALL) (RFC 9051 §6.4.4).
            let returning = returning.or_else(|| {
                selected.enabled.rev2.then_some(ReturnOptions {
                    all: true,
                    ..ReturnOptions::default()
                })
            });
            search::search(wire, selected, charset, criteria, uid, answer(returning)).await
        }
        S::Sort {
            program,
            charset,
            criteria,
            uid,
            returning,
        } => {
            let criteria = match objectid_search::resolve(selected, criteria).await {
                Ok(criteria) => criteria,
                Err(e) => return Ok((reply::mail_error(&e, Role::Subject).into(), Change::Stay)),
            };
            let answer = answer(returning);
            sort::sort(wire, selected, program, charset, criteria, uid, answer).await
        }
        S::Thread {
            algorithm,
            charset,
            criteria,
            uid,
        } => {
            let criteria = match objectid_search::resolve(selected, criteria).await {
                Ok(criteria) => criteria,
                Err(e) => return Ok((reply::mail_error(&e, Role::Subject).into(), Change::Stay)),
            };
            thread::thread(wire, selected, algorithm, charset, criteria, uid).await
        }
        S::Fetch {
            set,
            items,
            uid,
            modifiers,
            object_ids,
        } => {
            let asked = fetch::Asked {
                items,
                modifiers,
                object_ids,
            };
            fetch::fetch(wire, selected, set, asked, uid).await?
        }
        S::Store {
            set,
            kind,
            response,
            flags,
            uid,
            unchanged_since,
        } => {
            let change = store::Change {
                kind,
                response,
                flags,
                unchanged_since,
            };
            store::store(wire, selected, set, change, uid).await
        }
        S::Copy {
            set,
            mailbox,
            uid,
            is_move,
        } => copy_move::copy(wire, selected, set, mailbox, uid, is_move).await,
    };
    Ok((reply.into(), Change::Stay))
}
