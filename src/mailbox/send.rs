//! Sending a checked message through Graph, exactly once: MIME `sendMail`
//! from the mailbox the plan names, a draft with attachments added for
//! messages too big for one request, and Sent Items consulted whenever
//! Graph's answer was lost, before anything is said to the client.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::fingerprint::Fingerprint;
use super::large::{SESSION_MIN, split};
use super::reason::Reason;
use super::sent_check::{FILING_WAITS_MS, Found, SentWatch};
use super::sent_log::SentRecord;
use super::service::MailService;
use super::submit::{Envelope, ONE_REQUEST_MIME, Plan, SendFrom, SubmitError, prepare};
use crate::accounts::{Account, Mode};
use crate::graph;
use crate::policy::SendMode;

/// What the client hears when Graph's answer to a send was lost and the
/// message is not in Sent Items either.
const NOT_CONFIRMED: &str =
    "Microsoft 365 did not confirm the message; it was not found in Sent Items, send it again";

/// What the client hears when Graph's answer to a send was lost and no
/// Sent Items that could hold the copy may be read: a duplicate is
/// possible, a silent loss is not (RFC 5321 §6.1 and RFC 1047).
const CANNOT_CHECK: &str = "Microsoft 365 did not confirm the message and Sent Items cannot be read to check; send it again";

impl MailService {
    /// Send `message` for `account`: 250 may be said when this returns Ok.
    pub async fn submit(
        self: &Arc<Self>,
        account: &Account,
        envelope: &Envelope,
        message: &[u8],
        host: &str,
        keep_copy: bool,
    ) -> Result<String, SubmitError> {
        let policy = self.context.policy.read().clone();
        let plan = match prepare(account, &policy, envelope, message, host) {
            Ok(plan) => plan,
            Err(e @ SubmitError::SenderDenied(_)) => {
                self.context.audit.refused(
                    &account.login,
                    "send",
                    &envelope.mail_from,
                    &e.to_string(),
                );
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let tokens = self.credentials_for(account).await.map_err(|e| {
            if e.is_transient() {
                SubmitError::Transient(Reason::of(e))
            } else {
                SubmitError::Rejected(Reason::of(e))
            }
        })?;
        let own = account.microsoft_user.to_ascii_lowercase();
        let own_path = account.mode == Mode::Delegated;
        let (address, path_own) = match &plan.from {
            SendFrom::Own => (own.clone(), own_path),
            SendFrom::Shared(shared) => (shared.clone(), false),
        };
        let mailbox = self.graph.mailbox(tokens.clone(), &address, path_own);
        // Where the Sent Items copy may land: the sending mailbox, and for
        // send-as also the user's own (Exchange files it there when the
        // user has no FullAccess on the shared mailbox).
        let mut places = vec![mailbox.clone()];
        if address != own {
            places.push(self.graph.mailbox(tokens, &own, own_path));
        }
        let names: Vec<String> = places.iter().map(|m| m.address().to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let window = self.context.settings.sent_dedupe_window;
        let fingerprint = Fingerprint::of(&plan.mime);
        let began = Utc::now();
        let record = |confirmed: bool, before: Option<HashSet<String>>| SentRecord {
            at: Instant::now(),
            when: began,
            fingerprint: fingerprint.clone(),
            confirmed,
            kept: keep_copy,
            before,
        };
        // A retry of an attempt that ended without an answer: its copy may
        // have shown up since, and then it must not go a second time.
        if let Some(earlier) = self
            .context
            .sent
            .unconfirmed(&address, &fingerprint, window)
        {
            let mut look = SentWatch::new(
                places.clone(),
                &plan.message_id,
                fingerprint.clone(),
                earlier.when,
            );
            look.assume_before(earlier.before.as_ref());
            if let Found::Copy { place, id } = look.find(&[0]).await {
                tracing::info!(mailbox = %address, "an earlier attempt without an answer did go; not sending it again");
                self.context.sent.note(&names, record(true, None), window);
                self.audit_send(account, &plan);
                self.remove_copy(&mut look, keep_copy, Some((place, id)))
                    .await;
                return Ok(plan.message_id);
            }
        }
        let mut watch = SentWatch::new(places, &plan.message_id, fingerprint.clone(), began);
        // Copies already in Sent Items with this Message-ID must be told
        // from this send's own: when it may have to be removed, and when
        // this Message-ID went lately (a device that reuses it).
        let reused = names.iter().any(|n| {
            !self
                .context
                .sent
                .recent(n, &plan.message_id, window)
                .is_empty()
        });
        if !keep_copy || reused {
            watch.look_before().await;
        }
        let sent = if plan.mime.len() > ONE_REQUEST_MIME {
            self.submit_large(&plan, &mut watch).await.map(Some)
        } else {
            match mailbox.send_mime(&plan.mime).await {
                Ok(()) => Ok(None),
                Err(e @ graph::Error::OutcomeUnknown(_)) => {
                    tracing::warn!(mailbox = %address, why = %e, "sendMail answer lost; checking Sent Items before saying anything");
                    self.confirm(&mut watch, e).await.map(Some)
                }
                Err(e) => Err(send_error(&address, e)),
            }
        };
        let found = match sent {
            Ok(found) => found,
            Err(e) => {
                if matches!(e, SubmitError::Transient(_)) {
                    self.context
                        .sent
                        .note(&names, record(false, watch.before_ids()), window);
                }
                return Err(e);
            }
        };
        // Microsoft 365 has the message: from here on nothing turns into
        // an error for the client.
        tracing::info!(mailbox = %address, mode = ?plan.mode, recipients = plan.recipients.len(), bytes = plan.mime.len(), "message sent");
        self.context.sent.note(&names, record(true, None), window);
        self.audit_send(account, &plan);
        self.remove_copy(&mut watch, keep_copy, found).await;
        Ok(plan.message_id)
    }

    /// After Graph's answer to a send was lost: Ok with where the copy is
    /// when it is in Sent Items, otherwise the 451 that makes the client
    /// send it again.
    async fn confirm(
        &self,
        watch: &mut SentWatch,
        lost: graph::Error,
    ) -> Result<(usize, String), SubmitError> {
        match watch.find(&FILING_WAITS_MS).await {
            Found::Copy { place, id } => Ok((place, id)),
            Found::Nothing => Err(SubmitError::Transient(Reason::because(NOT_CONFIRMED, lost))),
            Found::Unreadable => {
                tracing::warn!(why = %lost, "sendMail answer lost and no Sent Items can be read; asking the client to send again (a duplicate is possible, a loss is not)");
                Err(SubmitError::Transient(Reason::because(CANNOT_CHECK, lost)))
            }
        }
    }

    /// Send-as and send-on-behalf are recorded (own mail is not).
    fn audit_send(&self, account: &Account, plan: &Plan) {
        let from = match &plan.from {
            SendFrom::Shared(s) => s.clone(),
            SendFrom::Own => plan.from_address.clone(),
        };
        match plan.mode {
            SendMode::As => {
                self.context
                    .audit
                    .allowed(&account.login, "send-as", &from, &plan.message_id)
            }
            SendMode::OnBehalf => self.context.audit.allowed(
                &account.login,
                "send-on-behalf",
                &from,
                &plan.message_id,
            ),
            SendMode::Own => {}
        }
    }

    /// For an account that keeps no copy (`no_sent_copy`), remove the one
    /// copy this send made (Graph's MIME sending always saves one), never
    /// an older message with the same Message-ID. `found` is the copy when
    /// it is known already.
    async fn remove_copy(
        &self,
        watch: &mut SentWatch,
        keep_copy: bool,
        found: Option<(usize, String)>,
    ) {
        if keep_copy {
            return;
        }
        let (place, id) = match found {
            Some(found) => found,
            None => match watch.find(&FILING_WAITS_MS).await {
                Found::Copy { place, id } => (place, id),
                _ => {
                    tracing::warn!(mailbox = ?watch.mailbox(0).map(|m| m.address()), "the Sent Items copy to remove did not show up");
                    return;
                }
            },
        };
        let Some(mailbox) = watch.mailbox(place) else {
            return;
        };
        for r in mailbox.delete_messages(std::slice::from_ref(&id)).await {
            if let Err(e) = r {
                tracing::warn!(error = %e, "could not remove the Sent Items copy");
            }
        }
    }

    /// A message too big for one request: a draft from the MIME without its
    /// largest attachments, the attachments added to it (upload sessions
    /// for those of 3 MB and more), then `send`. The draft is made in the
    /// sending mailbox; a send-as user whom Exchange does not let write
    /// there (no FullAccess) drafts in their own mailbox instead, with the
    /// same From, as Outlook does. The sent draft becomes the Sent Items
    /// copy under the same id: Ok says where it is.
    async fn submit_large(
        &self,
        plan: &Plan,
        watch: &mut SentWatch,
    ) -> Result<(usize, String), SubmitError> {
        let (skeleton, detached) = split(&plan.mime, ONE_REQUEST_MIME)
            .ok_or_else(|| SubmitError::TooLarge(format!(
                "the message cannot be cut into parts of {} MB for Microsoft 365 (one part is a whole attached message); send the attachment separately",
                ONE_REQUEST_MIME / (1024 * 1024)
            ).into()))?;
        let mut place = 0;
        let (mailbox, draft) = loop {
            let Some(mailbox) = watch.mailbox(place).cloned() else {
                return Err(SubmitError::Rejected("no mailbox to send from".into()));
            };
            match mailbox.create_draft_mime(&skeleton).await {
                Ok(draft) => break (mailbox, draft),
                Err(e) if e.is_access_denied() && watch.mailbox(place + 1).is_some() => {
                    tracing::info!(mailbox = %mailbox.address(), "no right to make a draft there; drafting in the user's own mailbox");
                    place += 1;
                }
                Err(e) => return Err(send_error(mailbox.address(), e)),
            }
        };
        let address = mailbox.address().to_string();
        let discard = || async {
            let _ = mailbox
                .delete_messages(std::slice::from_ref(&draft.id))
                .await;
        };
        for part in &detached {
            let attachment = part.as_attachment();
            let added = if part.bytes.len() >= SESSION_MIN {
                mailbox.upload_attachment(&draft.id, &attachment).await
            } else {
                mailbox.add_attachment(&draft.id, &attachment).await
            };
            if let Err(e) = added {
                discard().await;
                return Err(send_error(&address, e));
            }
        }
        match mailbox.send_draft(&draft.id).await {
            Ok(()) => Ok((place, draft.id.clone())),
            Err(e @ graph::Error::OutcomeUnknown(_)) => {
                tracing::warn!(mailbox = %address, why = %e, "send answer lost; checking Sent Items");
                match self.confirm(watch, e).await {
                    Ok(found) => Ok(found),
                    Err(e) => {
                        discard().await;
                        Err(e)
                    }
                }
            }
            Err(e) => {
                discard().await;
                Err(send_error(&address, e))
            }
        }
    }
}

/// A failed send as the SMTP client hears it.
fn send_error(mailbox: &str, e: graph::Error) -> SubmitError {
    if let Some(f) = e.failure() {
        if f.is("ErrorSendAsDenied") || f.status == 403 {
            let text = format!(
                "Microsoft 365 does not allow sending from {mailbox} ({})",
                f.code
            );
            return SubmitError::SenderDenied(Reason::because(text, e));
        }
        if f.status == 413 {
            return SubmitError::TooLarge(Reason::of(e));
        }
    }
    if e.is_transient() {
        SubmitError::Transient(Reason::of(e))
    } else {
        SubmitError::Rejected(Reason::of(e))
    }
}
