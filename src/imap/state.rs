//! The RFC 3501 §3 states of a session as one enum: not authenticated,
//! authenticated, selected, logout. A selected folder exists only next to a
//! logged-in user, so a state the protocol does not have cannot be written;
//! every move between states is a `Change`, applied in one place.

use super::backend::{Backend, OpenFolder, UserFolders};
use super::enabled::Enabled;
use super::ranges::Ranges;
use super::user_sessions::UserSlot;
use super::view::MailboxView;
use crate::mailbox::names::canonical;

/// The folder type of a user type.
pub(super) type FolderOf<U> = <U as UserFolders>::Folder;

/// The user type of a backend.
pub(super) type UserOf<B> = <B as Backend>::User;

/// A logged-in user.
pub(super) struct LoggedIn<U> {
    pub mail: U,
    pub _slot: UserSlot,
}

/// The selected folder and what this session told its client about it.
pub(super) struct Selected<F> {
    pub folder: F,
    pub view: MailboxView,
    /// Opened with EXAMINE: `\Recent` is shown but not taken.
    pub examined: bool,
    /// What the client enabled, as the session's (CONDSTORE enabling
    /// commands in this folder add to it; the session takes that over).
    pub enabled: Enabled,
    /// The UIDs a `SEARCH RETURN (SAVE)` kept for `$` (RFC 5182); empty
    /// until one does, and gone with the selection.
    pub saved: Ranges,
}

/// Where a session is (RFC 3501 §3).
pub(super) enum State<U: UserFolders> {
    /// Before LOGIN or AUTHENTICATE.
    NotAuthenticated,
    /// Logged in, no folder selected.
    Authenticated(LoggedIn<U>),
    /// Logged in with a folder selected (SELECT or EXAMINE); boxed, so
    /// the other states stay small.
    Selected(LoggedIn<U>, Box<Selected<FolderOf<U>>>),
    /// LOGOUT was answered; the connection closes.
    Logout,
}

impl<U: UserFolders> State<U> {
    pub(super) fn logged_in(&self) -> bool {
        matches!(self, State::Authenticated(_) | State::Selected(..))
    }

    /// The selected folder, if there is one.
    pub(super) fn selected(&self) -> Option<&Selected<FolderOf<U>>> {
        match self {
            State::Selected(_, selected) => Some(selected),
            _ => None,
        }
    }

    /// The selected folder, if there is one, to change.
    pub(super) fn selected_mut(&mut self) -> Option<&mut Selected<FolderOf<U>>> {
        match self {
            State::Selected(_, selected) => Some(selected),
            _ => None,
        }
    }

    /// Whether the selected folder is the one named (canonical UTF-8).
    pub(super) fn is_selected(&self, name: &str) -> bool {
        self.selected()
            .is_some_and(|s| canonical(s.folder.name()) == name)
    }

    /// Make a move between states. A move that does not start from this
    /// state (leaving a folder when none is selected) changes nothing.
    pub(super) fn apply(&mut self, change: Change<U>) {
        *self = match (std::mem::replace(self, State::Logout), change) {
            (state, Change::Stay) => state,
            (State::NotAuthenticated, Change::LogIn(user)) => State::Authenticated(user),
            (State::Authenticated(user) | State::Selected(user, _), Change::Enter(selected)) => {
                State::Selected(user, Box::new(selected))
            }
            (State::Selected(user, _), Change::Leave) => State::Authenticated(user),
            (_, Change::Logout) => State::Logout,
            (state, Change::LogIn(_) | Change::Enter(_) | Change::Leave) => state,
        };
    }
}

/// A move between states that a command asks for (RFC 3501 §3).
pub(super) enum Change<U: UserFolders> {
    Stay,
    /// LOGIN or AUTHENTICATE succeeded.
    LogIn(LoggedIn<U>),
    /// SELECT or EXAMINE opened a folder (leaving the previous one).
    Enter(Selected<FolderOf<U>>),
    /// CLOSE, UNSELECT, DELETE of the selected folder, a withdrawn grant.
    Leave,
    /// LOGOUT was answered.
    Logout,
}
