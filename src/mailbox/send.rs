//! Sending a checked message through Graph, exactly once: MIME `sendMail`
//! from the mailbox the plan names, a draft with attachments added for
//! messages too big for one request, and Sent Items consulted whenever
//! Graph's answer was lost, before anything is said to the client.

use std::sync::Arc;
use std::time::Duration;

use super::service::MailService;
use super::submit::{Envelope, Plan, SendFrom, SubmitError, prepare};
use crate::accounts::{Account, Mode};
use crate::graph;
use crate::policy::SendMode;

/// Largest MIME sent in one `sendMail` request (the base64 must stay under
/// Graph's ~4 MB request limit).
pub const ONE_REQUEST_MIME: usize = 3 * 1024 * 1024;

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
        let policy = self.policy.read().clone();
        let plan = match prepare(account, &policy, envelope, message, host) {
            Ok(plan) => plan,
            Err(e @ SubmitError::SenderDenied(_)) => {
                self.audit
                    .refused(&account.login, "send", &envelope.mail_from, &e.to_string());
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let tokens = self.credentials_for(account).await.map_err(|e| {
            if e.is_transient() {
                SubmitError::Transient(e.to_string())
            } else {
                SubmitError::Rejected(e.to_string())
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
            Err(graph::Error::OutcomeUnknown(why)) => {
                tracing::warn!(mailbox = %address, %why, "sendMail answer lost; checking Sent Items before saying anything");
                if !self.was_sent(&mailbox, &plan.message_id).await {
                    return Err(SubmitError::Transient(
                        "Microsoft 365 did not confirm the message; it was not found in Sent Items, send it again".into(),
                    ));
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
            SendMode::As => self
                .audit
                .allowed(&account.login, "send-as", &from, &plan.message_id),
            SendMode::OnBehalf => {
                self.audit
                    .allowed(&account.login, "send-on-behalf", &from, &plan.message_id)
            }
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
        let (skeleton, detached) = super::large::split(&plan.mime, ONE_REQUEST_MIME)
            .ok_or_else(|| SubmitError::TooLarge(format!(
                "the message cannot be cut into parts of {} MB for Microsoft 365 (one part is a whole attached message); send the attachment separately",
                ONE_REQUEST_MIME / (1024 * 1024)
            )))?;
        let address = mailbox.address().to_string();
        let draft = mailbox
            .create_draft_mime(&skeleton)
            .await
            .map_err(|e| send_error(&address, e))?;
        for part in &detached {
            let added = if part.bytes.len() >= super::large::SESSION_MIN {
                mailbox
                    .upload_attachment(&draft.id, part.upload_item(), &part.bytes)
                    .await
            } else {
                mailbox
                    .add_attachment(&draft.id, part.file_attachment())
                    .await
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
            Err(graph::Error::OutcomeUnknown(why)) => {
                tracing::warn!(mailbox = %address, %why, "send answer lost; checking Sent Items");
                if self.was_sent(mailbox, &plan.message_id).await {
                    Ok(())
                } else {
                    let _ = mailbox
                        .delete_messages(std::slice::from_ref(&draft.id))
                        .await;
                    Err(SubmitError::Transient(
                        "Microsoft 365 did not confirm the message; it was not found in Sent Items, send it again".into(),
                    ))
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

fn send_error(mailbox: &str, e: graph::Error) -> SubmitError {
    match &e {
        graph::Error::Graph(f) if f.is("ErrorSendAsDenied") || f.status == 403 => {
            SubmitError::SenderDenied(format!(
                "Microsoft 365 does not allow sending from {mailbox} ({})",
                f.code
            ))
        }
        graph::Error::Graph(f) if f.status == 413 => SubmitError::TooLarge(e.to_string()),
        e if e.is_transient() => SubmitError::Transient(e.to_string()),
        graph::Error::Auth(a) => SubmitError::Rejected(a.to_string()),
        _ => SubmitError::Rejected(e.to_string()),
    }
}
