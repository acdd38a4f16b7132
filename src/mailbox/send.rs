//! Sending a checked message through Graph, exactly once: MIME `sendMail`
//! from the mailbox the plan names, a draft with attachments added for
//! messages too big for one request, and Sent Items consulted whenever
//! Graph's answer was lost, before anything is said to the client.

use std::sync::Arc;
use std::time::Duration;

use super::large::{SESSION_MIN, split};
use super::reason::Reason;
use super::service::MailService;
use super::submit::{Envelope, ONE_REQUEST_MIME, Plan, SendFrom, SubmitError, prepare};
use crate::accounts::{Account, Mode};
use crate::graph;
use crate::policy::SendMode;

/// What the client hears when Graph's answer to a send was lost and the
/// message is not in Sent Items either.
const NOT_CONFIRMED: &str =
    "Microsoft 365 did not confirm the message; it was not found in Sent Items, send it again";

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
        let (address, path_own) = match &plan.from {
            SendFrom::Own => (own.clone(), account.mode == Mode::Delegated),
            SendFrom::Shared(shared) => (shared.clone(), false),
        };
        let mailbox = self.graph.mailbox(tokens, &address, path_own);
        if plan.mime.len() > ONE_REQUEST_MIME {
            self.submit_large(&mailbox, &plan).await?;
            tracing::info!(mailbox = %address, mode = ?plan.mode, bytes = plan.mime.len(), "large message sent");
            self.audit_send(account, &plan);
            self.after_send(&mailbox, &plan, keep_copy).await;
            return Ok(plan.message_id);
        }
        match mailbox.send_mime(&plan.mime).await {
            Ok(()) => {}
            Err(e @ graph::Error::OutcomeUnknown(_)) => {
                tracing::warn!(mailbox = %address, why = %e, "sendMail answer lost; checking Sent Items before saying anything");
                if !self.was_sent(&mailbox, &plan.message_id).await {
                    return Err(SubmitError::Transient(Reason::because(NOT_CONFIRMED, e)));
                }
            }
            Err(e) => return Err(send_error(&address, e)),
        }
        tracing::info!(mailbox = %address, mode = ?plan.mode, recipients = plan.recipients.len(), "message sent");
        self.audit_send(account, &plan);
        self.after_send(&mailbox, &plan, keep_copy).await;
        Ok(plan.message_id)
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

    /// Remember the message for APPEND to Sent, or remove Exchange's copy
    /// when the account keeps none (Graph's MIME sending always saves one).
    async fn after_send(&self, mailbox: &graph::Mailbox, plan: &Plan, keep_copy: bool) {
        if keep_copy {
            self.note_sent(mailbox.address(), &plan.message_id);
            return;
        }
        for wait in [0u64, 250, 750, 2000] {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if let Ok(found) = mailbox
                .find_by_message_id("sentitems", &plan.message_id)
                .await
                && !found.is_empty()
            {
                let ids: Vec<String> = found.into_iter().map(|m| m.id).collect();
                for r in mailbox.delete_messages(&ids).await {
                    if let Err(e) = r {
                        tracing::warn!(error = %e, "could not remove the Sent Items copy");
                    }
                }
                return;
            }
        }
        tracing::warn!(mailbox = %mailbox.address(), "the Sent Items copy to remove did not show up");
    }

    /// A message too big for one request: a draft from the MIME without its
    /// largest attachments, the attachments added to it (upload sessions
    /// for those of 3 MB and more), then `send`.
    async fn submit_large(&self, mailbox: &graph::Mailbox, plan: &Plan) -> Result<(), SubmitError> {
        let (skeleton, detached) = split(&plan.mime, ONE_REQUEST_MIME)
            .ok_or_else(|| SubmitError::TooLarge(format!(
                "the message cannot be cut into parts of {} MB for Microsoft 365 (one part is a whole attached message); send the attachment separately",
                ONE_REQUEST_MIME / (1024 * 1024)
            ).into()))?;
        let address = mailbox.address().to_string();
        let draft = mailbox
            .create_draft_mime(&skeleton)
            .await
            .map_err(|e| send_error(&address, e))?;
        for part in &detached {
            let attachment = part.as_attachment();
            let added = if part.bytes.len() >= SESSION_MIN {
                mailbox.upload_attachment(&draft.id, &attachment).await
            } else {
                mailbox.add_attachment(&draft.id, &attachment).await
            };
            if let Err(e) = added {
                let _ = mailbox
                    .delete_messages(std::slice::from_ref(&draft.id))
                    .await;
                return Err(send_error(&address, e));
            }
        }
        match mailbox.send_draft(&draft.id).await {
            Ok(()) => Ok(()),
            Err(e @ graph::Error::OutcomeUnknown(_)) => {
                tracing::warn!(mailbox = %address, why = %e, "send answer lost; checking Sent Items");
                if self.was_sent(mailbox, &plan.message_id).await {
                    Ok(())
                } else {
                    let _ = mailbox
                        .delete_messages(std::slice::from_ref(&draft.id))
                        .await;
                    Err(SubmitError::Transient(Reason::because(NOT_CONFIRMED, e)))
                }
            }
            Err(e) => {
                let _ = mailbox
                    .delete_messages(std::slice::from_ref(&draft.id))
                    .await;
                Err(send_error(&address, e))
            }
        }
    }

    /// Whether a message with `message_id` reached `mailbox`'s Sent Items
    /// (looked for a few times: Exchange files the copy shortly after).
    async fn was_sent(&self, mailbox: &graph::Mailbox, message_id: &str) -> bool {
        find_in_sent(mailbox, message_id).await.is_some()
    }
}

/// The copies of `message_id` in Sent Items, looked for a few times over
/// about three seconds (Exchange files the copy shortly after sending).
async fn find_in_sent(
    mailbox: &graph::Mailbox,
    message_id: &str,
) -> Option<Vec<graph::MessageItem>> {
    for wait in [0u64, 250, 750, 2000] {
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if let Ok(found) = mailbox.find_by_message_id("sentitems", message_id).await
            && !found.is_empty()
        {
            return Some(found);
        }
    }
    None
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
