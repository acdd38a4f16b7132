//! Generated filler for alice's Inbox (`--seed-messages`): thousands of
//! plausible, distinct messages of a few KB, built from fixed word lists so
//! each one is deterministic and cheap (no per-character work).

use chrono::{DateTime, Duration, Utc};

const FIRST: [&str; 10] = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lukas", "Yuki", "Priya",
];
const LAST: [&str; 5] = ["Garcia", "Schmidt", "Tanaka", "Okafor", "Novak"];
const DOMAINS: [&str; 10] = [
    "fabrikam.example",
    "northwind.example",
    "litware.example",
    "adatum.example",
    "tailspintoys.example",
    "wingtiptoys.example",
    "proseware.example",
    "woodgrovebank.example",
    "lucernepublishing.example",
    "margiestravel.example",
];
const PREFIXES: [&str; 7] = [
    "",
    "Re: ",
    "Fwd: ",
    "[Action] ",
    "Reminder: ",
    "FYI: ",
    "RE: ",
];
const TOPICS: [&str; 16] = [
    "Quarterly report",
    "Invoice",
    "Meeting notes",
    "Shipment update",
    "Contract renewal",
    "Support ticket",
    "Budget review",
    "Design feedback",
    "Release plan",
    "Customer visit",
    "Training schedule",
    "Security advisory",
    "Price list",
    "Workshop invitation",
    "Status update",
    "Survey results",
];
const PROJECTS: [&str; 9] = [
    "Phoenix", "Atlas", "Orion", "Nimbus", "Helios", "Vega", "Aurora", "Zephyr", "Polaris",
];
/// Lines of body text, each short enough to need no wrapping.
const LINES: [&str; 16] = [
    "Thanks for the quick turnaround on the last round of comments.",
    "I have attached the figures we discussed on Tuesday's call.",
    "Could you review the numbers in section three before Friday?",
    "The supplier confirmed the new delivery window for next month.",
    "We still need a decision on the budget line for external help.",
    "Please let me know if the proposed time works for your team.",
    "The draft is in the shared folder; edits are tracked as usual.",
    "Our customer asked whether the pilot can start two weeks earlier.",
    "I moved the review to Thursday so that finance can join as well.",
    "The open items are listed below with an owner and a due date.",
    "Nothing here is blocking, but an answer this week would help.",
    "As agreed, the old process stays in place until the cut-over.",
    "Legal has signed off on the wording of the revised agreement.",
    "The test results look good; two minor issues remain open.",
    "I will send a short summary to the wider group afterwards.",
    "Shout if anything in this message is unclear or out of date.",
];

/// Filler message number `i` (0-based) for `--seed-messages`: 2-4 KB, one of
/// 50 senders, varied subjects, every 4th multipart/alternative, received at
/// `base` minus `i` minutes. Returns the MIME and the received time.
pub(crate) fn generated_message(
    domain: &str,
    i: usize,
    base: DateTime<Utc>,
) -> (Vec<u8>, DateTime<Utc>) {
    let received = base - Duration::minutes(i as i64);
    let sent = received - Duration::seconds(40 + (i % 7) as i64 * 13);
    let s = i % 50;
    let (first, last) = (FIRST[s % 10], LAST[s / 10]);
    let sender_domain = DOMAINS[(s * 3 + s / 10) % DOMAINS.len()];
    let project = PROJECTS[(i / 7) % PROJECTS.len()];
    let subject = format!(
        "{}{} for {project} ({})",
        PREFIXES[(i / 3) % PREFIXES.len()],
        TOPICS[i % TOPICS.len()],
        1000 + (i * 37) % 9000
    );
    let message_id = format!("<{:016x}.{i}@mail.{sender_domain}>", mix(i as u64));

    // About 1.8 to 3.3 KB of text, or half that twice for text + HTML.
    let alternative = i.is_multiple_of(4);
    let spread = mix(i as u64 ^ 0x5bd1) as usize;
    let line_count = if alternative {
        14 + spread % 10
    } else {
        28 + spread % 25
    };
    let mut text = String::from("Hi Alice,\r\n\r\n");
    // An odd step visits all 16 lines before any repeats.
    let step = 1 + 2 * (i / 16 % 8);
    for n in 0..line_count {
        text.push_str(LINES[(i + n * step) % LINES.len()]);
        text.push_str(if n % 4 == 3 { "\r\n\r\n" } else { "\r\n" });
    }
    text.push_str(&format!(
        "Best regards,\r\n{first} {last}\r\n{sender_domain}\r\n"
    ));

    let mut mime = String::with_capacity(text.len() * 2 + 800);
    mime.push_str(&format!(
        "From: {first} {last} <{}.{}@{sender_domain}>\r\nTo: Alice Example <alice@{domain}>\r\n\
Subject: {subject}\r\nDate: {}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase(),
        sent.to_rfc2822(),
    ));
    if alternative {
        let boundary = format!("=_alt_{:08x}", mix(i as u64) as u32);
        let html = text.replace("\r\n\r\n", "</p>\r\n<p>");
        mime.push_str(&format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{text}\r\n\
--{boundary}\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
<html><body><p>{html}</p></body></html>\r\n--{boundary}--\r\n"
        ));
    } else {
        mime.push_str(
            "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
        );
        mime.push_str(&text);
    }
    (mime.into_bytes(), received)
}

/// splitmix64: spreads consecutive numbers over all 64 bits.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
