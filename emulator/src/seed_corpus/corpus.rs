//! The fixed demo corpus: every entry of alice's Inbox and folders and of
//! the other mailboxes, built for the tenant's domain and the time of
//! seeding, plus the optional 10 MB message.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};

use super::template::{SeedMessage, expand};
use super::{alice_folders, alice_inbox, others};

/// The fixed demo corpus. `domain` is the tenant domain (`contoso.test`);
/// `large_message` adds one message of about 10 MB to alice's Inbox.
pub(crate) fn demo_corpus(
    domain: &str,
    large_message: bool,
    now: DateTime<Utc>,
) -> Vec<SeedMessage> {
    let mut out: Vec<SeedMessage> = alice_inbox::SEEDS
        .iter()
        .chain(alice_folders::SEEDS)
        .chain(others::SEEDS)
        .map(|seed| seed.build(domain, now))
        .collect();
    if large_message {
        out.push(large(domain, now - Duration::hours(6)));
    }
    out
}

/// Size of the large message's attachment before encoding.
pub(super) const LARGE_ATTACHMENT_BYTES: usize = 7_500_000;

/// About 10 MB: a 7.5 MB binary attachment of xorshift noise, base64-encoded.
/// Built with word-sized writes and one bulk encode so it costs a few tens of
/// milliseconds even in a debug build.
pub(super) fn large(domain: &str, received: DateTime<Utc>) -> SeedMessage {
    let mut data = vec![0u8; LARGE_ATTACHMENT_BYTES];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for chunk in data.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let bytes = state.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
    let head = expand(
        "From: Field Survey Team <survey@${domain}>\nTo: Alice Example <alice@${domain}>\n\
Subject: Site survey raw data (large)\nDate: ${date}\nMessage-ID: <survey-raw-data-2025@${domain}>\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"=_survey_7f2c\"\n\n\
--=_survey_7f2c\nContent-Type: text/plain; charset=us-ascii\n\n\
Hi Alice,\n\nattached is the raw sensor export from last week's site survey\n\
(7.5 MB). It is large on purpose: please keep it out of forwarded threads.\n\n\
Thanks,\nField Survey Team\n\n--=_survey_7f2c\n\
Content-Type: application/octet-stream; name=\"survey-raw.bin\"\n\
Content-Disposition: attachment; filename=\"survey-raw.bin\"\nContent-Transfer-Encoding: base64\n\n",
        domain,
        received - Duration::minutes(2),
    );
    let mut mime = Vec::with_capacity(head.len() + encoded.len() + encoded.len() / 38 + 64);
    mime.extend_from_slice(head.as_bytes());
    for line in encoded.as_bytes().chunks(76) {
        mime.extend_from_slice(line);
        mime.extend_from_slice(b"\r\n");
    }
    mime.extend_from_slice(b"--=_survey_7f2c--\r\n");
    SeedMessage {
        mailbox: "alice",
        folder: "Inbox",
        mime,
        is_read: false,
        flagged: false,
        answered: false,
        categories: Vec::new(),
        received,
    }
}
