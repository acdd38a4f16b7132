//! Meeting mail as Exchange sends it: a message with a plain-text part and
//! a `text/calendar` part (iMIP, RFC 6047) whose METHOD says what it is,
//! delivered to the Inboxes of recipients in the tenant, recorded as
//! outbound for the others, with the sender's copy in Sent Items.

use bytes::Bytes;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::MimePart;

use super::ctx::Ctx;
use crate::calstore::EmailAddr;
use crate::mailstore::ItemClass;
use crate::props::{self, Recipient};
use crate::tenant::OutboundMessage;

/// One meeting message to send.
pub(crate) struct MeetingMail<'a> {
    pub(crate) from: &'a EmailAddr,
    pub(crate) to: &'a [EmailAddr],
    pub(crate) subject: String,
    pub(crate) text: String,
    /// The VCALENDAR.
    pub(crate) calendar: String,
    /// REQUEST, CANCEL or REPLY.
    pub(crate) method: &'static str,
}

fn address(e: &EmailAddr) -> String {
    props::format_address(&Recipient {
        name: (!e.name.is_empty()).then(|| e.name.clone()),
        address: e.address.clone(),
    })
}

/// An unstructured header value, RFC 2047-encoded when it is not ASCII.
fn unstructured(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.is_ascii() {
        return clean;
    }
    use base64::Engine;
    format!(
        "=?utf-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(clean.as_bytes())
    )
}

/// The message's MIME.
fn mime(ctx: &Ctx<'_>, m: &MeetingMail<'_>) -> Vec<u8> {
    let domain = ctx.em.directory.read().domain.clone();
    let mut head = String::new();
    head.push_str(&format!("From: {}\r\n", address(m.from)));
    let to: Vec<String> = m.to.iter().map(address).collect();
    head.push_str(&format!("To: {}\r\n", to.join(", ")));
    head.push_str(&format!("Subject: {}\r\n", unstructured(&m.subject)));
    head.push_str(&format!(
        "Date: {}\r\n",
        ctx.now.format("%a, %d %b %Y %H:%M:%S +0000")
    ));
    head.push_str(&format!(
        "Message-ID: <{}@{domain}>\r\n",
        uuid::Uuid::new_v4().simple()
    ));
    head.push_str("MIME-Version: 1.0\r\n");
    let calendar = ContentType::new("text/calendar")
        .attribute("charset", "utf-8")
        .attribute("method", m.method);
    let body = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", m.text.clone()),
            MimePart::new(calendar, m.calendar.clone()),
        ],
    );
    let mut out = head.into_bytes();
    if body.write_part(&mut out).is_err() {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Send it: recipients' Inboxes, the outbound record, the sender's Sent
/// Items (the mailbox the request addressed). Holds one mailbox lock at a
/// time; the caller must hold none.
pub(crate) fn send(ctx: &Ctx<'_>, m: &MeetingMail<'_>) {
    if m.to.is_empty() {
        return;
    }
    let mime = Bytes::from(mime(ctx, m));
    let mut outside = Vec::new();
    for r in m.to {
        let target = ctx.em.directory.read().user(&r.address).map(|u| u.oid);
        match target.and_then(|oid| ctx.em.mailbox(oid).map(|mb| (oid, mb))) {
            Some((oid, _)) if oid == ctx.owner.oid => {}
            Some((_, mb)) => {
                let mut mb = mb.lock();
                let inbox = mb.well_known_id("inbox");
                mb.insert(
                    &inbox,
                    mime.clone(),
                    false,
                    false,
                    ctx.now,
                    ctx.now,
                    0x2,
                    ItemClass::Message,
                );
            }
            None => outside.push(r.address.clone()),
        }
    }
    if !outside.is_empty() {
        ctx.em.outbound.lock().push(OutboundMessage {
            from_mailbox: ctx.owner.upn.clone(),
            recipients: outside,
            internet_message_id: props::props_from_mime(&mime).internet_message_id,
            size: mime.len(),
            at: ctx.now,
        });
    }
    if let Some(mb) = ctx.em.mailbox(ctx.owner.oid) {
        let mut mb = mb.lock();
        let sent = mb.well_known_id("sentitems");
        mb.insert(
            &sent,
            mime,
            true,
            false,
            ctx.now,
            ctx.now,
            0x20,
            ItemClass::Message,
        );
    }
    ctx.em.mark_dirty();
}
