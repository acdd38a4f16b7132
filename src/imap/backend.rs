//! What an IMAP session needs from the layers below: checking a gateway
//! password, a user's folders, and one open folder. The traits mirror the
//! mailbox contract (`mailbox::api`) one to one, so the real gateway plugs in
//! unchanged and the session logic can be tested against an in-memory mailbox.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, Accounts, BearerLogins, BearerRefusal, LoginError};
use crate::mailbox::flags::FlagName;
use crate::mailbox::object_id::ObjectId;
use crate::mailbox::{
    CopyResult, FolderInfo, FolderRights, FolderStatus, MailError, MailService, MessageIds,
    NewMessage, SelectedFolder, Snapshot, StoreOp, Stored, UserMail,
};
use crate::secret::Secret;

/// Logins and the mail behind them.
pub trait Backend: Send + Sync + 'static {
    type User: UserFolders;

    /// Check a gateway password.
    fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> impl Future<Output = Result<Account, LoginError>> + Send;

    /// Whether OAuth bearer-token logins (XOAUTH2, OAUTHBEARER) are offered.
    fn bearer_offered(&self) -> bool {
        false
    }

    /// Log in with a bearer-token SASL response (decoded).
    fn authenticate_bearer(
        &self,
        mechanism: Mechanism,
        response: &[u8],
        peer: IpAddr,
    ) -> impl Future<Output = Result<Account, BearerRefusal>> + Send {
        let _ = (mechanism, response, peer);
        async { Err(BearerRefusal::Login(LoginError::BadCredentials)) }
    }

    /// Whether the signed-in `account` may go on: `Err(reason)`, logged
    /// and audited, when it was removed (or replaced) or the password it
    /// signed in with was revoked. Asked before every command and on IDLE's
    /// ticks.
    fn still_signed_in(&self, account: &Account)
    -> impl Future<Output = Result<(), String>> + Send;

    /// The folders `account` may see.
    fn open_user(
        &self,
        account: &Account,
    ) -> impl Future<Output = Result<Self::User, MailError>> + Send;
}

/// One user's folders (`mailbox::UserMail`).
pub trait UserFolders: Send + Sync + 'static {
    type Folder: OpenFolder;

    /// Whether policy grants the user any shared mailbox (NAMESPACE).
    fn has_shared(&self) -> bool;

    /// The login the folders belong to (the ACL identifier).
    fn login(&self) -> &str;
    /// What the user may do with a folder (RFC 4314 MYRIGHTS).
    fn rights(&self, name: &str) -> impl Future<Output = Result<FolderRights, MailError>> + Send;

    fn list(&self) -> impl Future<Output = Result<Vec<FolderInfo>, MailError>> + Send;
    fn status(&self, name: &str) -> impl Future<Output = Result<FolderStatus, MailError>> + Send;
    /// Create a folder; its MAILBOXID.
    fn create(&self, name: &str) -> impl Future<Output = Result<ObjectId, MailError>> + Send;
    fn delete(&self, name: &str) -> impl Future<Output = Result<(), MailError>> + Send;
    fn rename(&self, from: &str, to: &str) -> impl Future<Output = Result<(), MailError>> + Send;
    fn subscribe(&self, name: &str, on: bool)
    -> impl Future<Output = Result<(), MailError>> + Send;
    fn select(
        &self,
        name: &str,
        read_only: bool,
    ) -> impl Future<Output = Result<Self::Folder, MailError>> + Send;
    fn append(
        &self,
        name: &str,
        flags: &[FlagName],
        date: Option<DateTime<Utc>>,
        mime: Bytes,
    ) -> impl Future<Output = Result<(u32, u32), MailError>> + Send;
    /// Store several messages, all or none (MULTIAPPEND): (UIDVALIDITY,
    /// the new UIDs in order).
    fn append_all(
        &self,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> impl Future<Output = Result<(u32, Vec<u32>), MailError>> + Send;
    /// Whether `name` exists and takes new messages (before CATENATE).
    fn check_append(&self, name: &str) -> impl Future<Output = Result<(), MailError>> + Send;
    /// A message by folder and UID, with the folder's UIDVALIDITY
    /// (CATENATE's URLs).
    fn message(
        &self,
        name: &str,
        uid: u32,
    ) -> impl Future<Output = Result<(u32, Bytes), MailError>> + Send;
}

/// A selected folder (`mailbox::SelectedFolder`).
pub trait OpenFolder: Send + Sync + 'static {
    fn name(&self) -> &str;
    fn read_only(&self) -> bool;
    /// MAILBOXID (RFC 8474).
    fn mailbox_id(&self) -> ObjectId;
    /// EMAILID and THREADID of the messages still known (RFC 8474).
    fn message_ids(
        &self,
        uids: &[u32],
    ) -> impl Future<Output = Result<Vec<(u32, MessageIds)>, MailError>> + Send;
    /// Policy still grants access (it may have been reloaded), and
    /// Microsoft 365 still lets the user into a shared mailbox.
    fn check_access(&self) -> impl Future<Output = Result<(), MailError>> + Send;
    /// Why a change is refused in this read-only folder: a read grant
    /// (NOPERM, audited) or the client's own EXAMINE (READ-ONLY).
    fn write_refused(&self) -> MailError;
    /// The folder now (shared: every session of one folder version holds
    /// the same one).
    fn snapshot(&self, sync: bool)
    -> impl Future<Output = Result<Arc<Snapshot>, MailError>> + Send;
    /// The session is told of the messages up to `up_to`: the UID above
    /// which they are `\Recent` to it. `claim` (SELECT) takes them from
    /// every other session; EXAMINE does not (RFC 3501 §6.3.2).
    fn claim_recent(&self, up_to: u32, claim: bool) -> u32;
    fn changed(&self) -> impl Future<Output = ()> + Send;
    fn size(&self, uid: u32) -> impl Future<Output = Result<u64, MailError>> + Send;
    /// Write the sizes `size` froze (after a FETCH or SEARCH of many).
    fn flush_sizes(&self) -> impl Future<Output = Result<(), MailError>> + Send;
    fn mime(&self, uid: u32) -> impl Future<Output = Result<Bytes, MailError>> + Send;
    fn header(&self, uid: u32) -> impl Future<Output = Result<Bytes, MailError>> + Send;
    fn prefetch(&self, uids: &[u32]);
    /// The sizes and headers of these messages are about to be read.
    fn prefetch_meta(&self, uids: &[u32]);
    /// Change flags, except on messages changed after `unchanged_since`.
    fn store(
        &self,
        uids: &[u32],
        op: StoreOp,
        flags: &[FlagName],
        unchanged_since: Option<u64>,
    ) -> impl Future<Output = Result<Stored, MailError>> + Send;
    /// UIDs removed with a mod-sequence in `(since, upto]`, ascending.
    fn vanished(
        &self,
        since: u64,
        upto: u64,
    ) -> impl Future<Output = Result<Vec<u32>, MailError>> + Send;
    fn expunge(
        &self,
        uids: Option<&[u32]>,
    ) -> impl Future<Output = Result<Vec<u32>, MailError>> + Send;
    fn copy(
        &self,
        uids: &[u32],
        dest: &str,
    ) -> impl Future<Output = Result<CopyResult, MailError>> + Send;
    fn move_to(
        &self,
        uids: &[u32],
        dest: &str,
    ) -> impl Future<Output = Result<CopyResult, MailError>> + Send;
}

/// The real gateway: local accounts and the mail service.
#[derive(Clone)]
pub struct GatewayBackend {
    pub accounts: Arc<Accounts>,
    pub mail: Arc<MailService>,
    /// OAuth sign-in (`[oauth]`), when on.
    pub bearer: Option<Arc<BearerLogins>>,
}

impl Backend for GatewayBackend {
    type User = UserMail;

    async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        self.accounts.authenticate(login, password, peer).await
    }

    fn bearer_offered(&self) -> bool {
        self.bearer.is_some()
    }

    async fn authenticate_bearer(
        &self,
        mechanism: Mechanism,
        response: &[u8],
        peer: IpAddr,
    ) -> Result<Account, BearerRefusal> {
        match &self.bearer {
            Some(b) => b.authenticate(mechanism, response, peer).await,
            None => Err(BearerRefusal::Login(LoginError::BadCredentials)),
        }
    }

    async fn still_signed_in(&self, account: &Account) -> Result<(), String> {
        self.mail
            .still_signed_in(&self.accounts, account, "imap")
            .await
    }

    async fn open_user(&self, account: &Account) -> Result<UserMail, MailError> {
        self.mail.open_user(account).await
    }
}

impl UserFolders for UserMail {
    type Folder = SelectedFolder;

    fn has_shared(&self) -> bool {
        UserMail::has_shared(self)
    }

    fn login(&self) -> &str {
        UserMail::login(self)
    }
    async fn rights(&self, name: &str) -> Result<FolderRights, MailError> {
        UserMail::rights(self, name).await
    }
    async fn list(&self) -> Result<Vec<FolderInfo>, MailError> {
        UserMail::list(self).await
    }
    async fn status(&self, name: &str) -> Result<FolderStatus, MailError> {
        UserMail::status(self, name).await
    }
    async fn create(&self, name: &str) -> Result<ObjectId, MailError> {
        UserMail::create(self, name).await
    }
    async fn delete(&self, name: &str) -> Result<(), MailError> {
        UserMail::delete(self, name).await
    }
    async fn rename(&self, from: &str, to: &str) -> Result<(), MailError> {
        UserMail::rename(self, from, to).await
    }
    async fn subscribe(&self, name: &str, on: bool) -> Result<(), MailError> {
        UserMail::subscribe(self, name, on).await
    }
    async fn select(&self, name: &str, read_only: bool) -> Result<SelectedFolder, MailError> {
        UserMail::select(self, name, read_only).await
    }
    async fn append(
        &self,
        name: &str,
        flags: &[FlagName],
        date: Option<DateTime<Utc>>,
        mime: Bytes,
    ) -> Result<(u32, u32), MailError> {
        UserMail::append(self, name, flags, date, mime).await
    }
    async fn append_all(
        &self,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> Result<(u32, Vec<u32>), MailError> {
        UserMail::append_all(self, name, messages).await
    }
    async fn check_append(&self, name: &str) -> Result<(), MailError> {
        UserMail::check_append(self, name).await
    }
    async fn message(&self, name: &str, uid: u32) -> Result<(u32, Bytes), MailError> {
        UserMail::message(self, name, uid).await
    }
}

impl OpenFolder for SelectedFolder {
    fn name(&self) -> &str {
        SelectedFolder::name(self)
    }
    fn read_only(&self) -> bool {
        SelectedFolder::read_only(self)
    }
    fn mailbox_id(&self) -> ObjectId {
        SelectedFolder::mailbox_id(self)
    }
    async fn message_ids(&self, uids: &[u32]) -> Result<Vec<(u32, MessageIds)>, MailError> {
        SelectedFolder::message_ids(self, uids).await
    }
    async fn check_access(&self) -> Result<(), MailError> {
        SelectedFolder::check_access(self).await
    }
    fn write_refused(&self) -> MailError {
        SelectedFolder::write_refused(self)
    }
    async fn snapshot(&self, sync: bool) -> Result<Arc<Snapshot>, MailError> {
        SelectedFolder::snapshot(self, sync).await
    }
    fn claim_recent(&self, up_to: u32, claim: bool) -> u32 {
        SelectedFolder::claim_recent(self, up_to, claim)
    }
    async fn changed(&self) {
        // Only IDLE waits here: while it does, the folder is polled fast.
        let _idling = self.inner.sync.idling();
        SelectedFolder::changed(self).await
    }
    async fn size(&self, uid: u32) -> Result<u64, MailError> {
        SelectedFolder::size(self, uid).await
    }
    async fn flush_sizes(&self) -> Result<(), MailError> {
        SelectedFolder::flush_sizes(self).await
    }
    async fn mime(&self, uid: u32) -> Result<Bytes, MailError> {
        SelectedFolder::mime(self, uid).await
    }
    async fn header(&self, uid: u32) -> Result<Bytes, MailError> {
        SelectedFolder::header(self, uid).await
    }
    fn prefetch(&self, uids: &[u32]) {
        SelectedFolder::prefetch(self, uids)
    }
    fn prefetch_meta(&self, uids: &[u32]) {
        SelectedFolder::prefetch_meta(self, uids)
    }
    async fn store(
        &self,
        uids: &[u32],
        op: StoreOp,
        flags: &[FlagName],
        unchanged_since: Option<u64>,
    ) -> Result<Stored, MailError> {
        SelectedFolder::store(self, uids, op, flags, unchanged_since).await
    }
    async fn vanished(&self, since: u64, upto: u64) -> Result<Vec<u32>, MailError> {
        SelectedFolder::vanished(self, since, upto).await
    }
    async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, MailError> {
        SelectedFolder::expunge(self, uids).await
    }
    async fn copy(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        SelectedFolder::copy(self, uids, dest).await
    }
    async fn move_to(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        SelectedFolder::move_to(self, uids, dest).await
    }
}
