//! What a POP3 session needs below it: passwords, the re-check of an open
//! session, and a maildrop (one folder's messages, read and removed). The
//! real one is the mail service's folder, as IMAP selects it; the maildrop
//! is the Inbox unless `[users."login"] pop3_maildrop` names another.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;

use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, Accounts, BearerLogins, BearerRefusal, LoginError};
use crate::mailbox::{MailError, MailService, SelectedFolder};
use crate::secret::Secret;

/// One message as a session sees it at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub uid: u32,
}

/// The maildrop at login: its UIDVALIDITY and messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub uidvalidity: u32,
    pub messages: Vec<Entry>,
}

pub trait Pop3Backend: Send + Sync + 'static {
    type Drop: Maildrop;

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

    /// `Err(reason)` when the session's account was removed or its
    /// password revoked (asked before every command after login).
    fn still_signed_in(&self, account: &Account)
    -> impl Future<Output = Result<(), String>> + Send;

    /// The account's maildrop.
    fn open(&self, account: &Account)
    -> impl Future<Output = Result<Self::Drop, MailError>> + Send;
}

pub trait Maildrop: Send + Sync + 'static {
    /// The messages now (after catching up with Graph).
    fn listing(&self) -> impl Future<Output = Result<Listing, MailError>> + Send;
    /// A message's size in octets, as RETR sends it.
    fn size(&self, uid: u32) -> impl Future<Output = Result<u64, MailError>> + Send;
    /// A message (`MailError::Gone` once another client removed it).
    fn message(&self, uid: u32) -> impl Future<Output = Result<Bytes, MailError>> + Send;
    /// Remove messages (QUIT); the UIDs removed.
    fn remove(&self, uids: &[u32]) -> impl Future<Output = Result<Vec<u32>, MailError>> + Send;
    /// The grant allows reading only (DELE is refused).
    fn read_only(&self) -> bool;
    /// Whether the grant still holds (a policy reload can withdraw it).
    fn check_access(&self) -> impl Future<Output = Result<(), MailError>> + Send;
}

/// The real gateway.
#[derive(Clone)]
pub struct GatewayPop3 {
    pub accounts: Arc<Accounts>,
    pub mail: Arc<MailService>,
    /// OAuth sign-in (`[oauth]`), when on.
    pub bearer: Option<Arc<BearerLogins>>,
    /// Maildrop folders by login (`[users."login"] pop3_maildrop`).
    pub maildrops: Arc<HashMap<String, String>>,
    /// QUIT deletes for good instead of moving to Deleted Items.
    pub permanent: bool,
}

/// A maildrop over the mail service's folder.
pub struct FolderDrop {
    folder: SelectedFolder,
    permanent: bool,
}

impl Pop3Backend for GatewayPop3 {
    type Drop = FolderDrop;

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
            .still_signed_in(&self.accounts, account, "pop3")
            .await
    }

    async fn open(&self, account: &Account) -> Result<FolderDrop, MailError> {
        let user = self.mail.open_user(account).await?;
        let name = self
            .maildrops
            .get(&account.login)
            .map(String::as_str)
            .unwrap_or("INBOX");
        let folder = user.select(name, false).await?;
        Ok(FolderDrop {
            folder,
            permanent: self.permanent,
        })
    }
}

impl Maildrop for FolderDrop {
    async fn listing(&self) -> Result<Listing, MailError> {
        let snapshot = self.folder.snapshot(true).await?;
        Ok(Listing {
            uidvalidity: snapshot.uidvalidity,
            messages: snapshot
                .messages
                .iter()
                .map(|m| Entry { uid: m.uid })
                .collect(),
        })
    }

    async fn size(&self, uid: u32) -> Result<u64, MailError> {
        self.folder.size(uid).await
    }

    async fn message(&self, uid: u32) -> Result<Bytes, MailError> {
        // IMAP may still serve a message expunged by another session (RFC
        // 2180); POP3 says plainly that it is gone.
        let now = self.folder.snapshot(false).await?;
        if !now.messages.iter().any(|m| m.uid == uid) {
            return Err(MailError::Gone(uid));
        }
        self.folder.mime(uid).await
    }

    async fn remove(&self, uids: &[u32]) -> Result<Vec<u32>, MailError> {
        let removed = self.folder.remove(uids, self.permanent).await;
        if let Err(e) = self.folder.flush_sizes().await {
            tracing::debug!(error = %e, "pop3: sizes not written");
        }
        removed
    }

    fn read_only(&self) -> bool {
        self.folder.read_only()
    }

    async fn check_access(&self) -> Result<(), MailError> {
        self.folder.check_access().await
    }
}
