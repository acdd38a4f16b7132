//! The SMTP session: mutated transcripts of real submission clients sent
//! over loopback TCP to the real session code, with a submitter that
//! records what it is handed. Properties: every reply line is well formed
//! (three digits, `-` on all lines of a reply but the last, one code per
//! reply, at most 512 bytes, an RFC 3463 status of the right class where
//! one is owed); `250 … sent` comes only for a message the submitter took;
//! no message handed over is larger than the limit. And a property test:
//! any message, dot-stuffed in DATA or cut into BDAT chunks, reaches the
//! submitter byte for byte.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use super::loopback::Loopback;
use super::{Shape, Verdict, excerpt, fuzz, prop};
use crate::accounts::{Account, LoginError};
use crate::mailbox::submit::{Envelope, SubmitError};
use crate::secret::Secret;
use crate::smtp::{SmtpProtocol, SmtpSettings, Submitter};

const MAX_MESSAGE: usize = 64 * 1024;

const SHAPE: Shape = Shape {
    dictionary: &[
        "EHLO client.example\r\n",
        "HELO x\r\n",
        "AUTH PLAIN AGZ1enoAZnV6eg==\r\n",
        "AUTH PLAIN\r\n",
        "AUTH LOGIN\r\n",
        "ZnV6eg==\r\n",
        "AUTH LOGIN ZnV6eg==\r\n",
        "AUTH XOAUTH2 dXNlcj1mdXp6\r\n",
        "*\r\n",
        "MAIL FROM:<fuzz@contoso.test>",
        "MAIL FROM:<>",
        " SIZE=",
        " BODY=8BITMIME",
        " SMTPUTF8",
        " AUTH=<>",
        " RET=HDRS ENVID=x",
        "RCPT TO:<bob@contoso.test>",
        "RCPT TO:<\"quoted local\"@contoso.test> NOTIFY=NEVER",
        "RCPT TO:<@route:x@y>",
        "DATA\r\n",
        "\r\n.\r\n",
        "\r\n..\r\n",
        "\r\n.x\r\n",
        "BDAT ",
        " LAST",
        "BDAT 0 LAST\r\n",
        "BDAT 18446744073709551615\r\n",
        "RSET\r\n",
        "NOOP\r\n",
        "VRFY bob\r\n",
        "EXPN list\r\n",
        "HELP\r\n",
        "STARTTLS\r\n",
        "QUIT\r\n",
        "Subject: ",
        "From: ",
        "\u{e9}",
    ],
    max_len: 256 * 1024,
    literals: false,
};

/// A submitter that takes everything but messages mentioning REJECT or
/// LATER, and remembers what it took.
#[derive(Clone, Default)]
struct Recorder {
    taken: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Recorder {
    fn taken(&self) -> Vec<Vec<u8>> {
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Submitter for Recorder {
    async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        _peer: IpAddr,
    ) -> Result<Account, LoginError> {
        super::fuzz_login(login, password)
    }

    async fn account(&self, _login: &str) -> Option<Account> {
        None
    }

    async fn submit(
        &self,
        _account: &Account,
        _envelope: &Envelope,
        message: &[u8],
        _keep_copy: bool,
    ) -> Result<String, SubmitError> {
        let has = |word: &[u8]| message.windows(word.len()).any(|w| w == word);
        if has(b"REJECT") {
            return Err(SubmitError::Rejected("Microsoft 365 refused it".into()));
        }
        if has(b"LATER") {
            return Err(SubmitError::Transient("Microsoft 365 is busy".into()));
        }
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(message.to_vec());
        Ok("<fuzz@contoso.test>".into())
    }
}

fn settings() -> SmtpSettings {
    SmtpSettings {
        hostname: "graphgate".into(),
        max_message_bytes: MAX_MESSAGE,
        max_recipients: 5,
        messages_per_day: 0,
        allow_plaintext_auth_on_non_loopback: false,
        trusted: Vec::new(),
        no_sent_copy: Vec::new(),
    }
}

/// The replies in `out`, each checked; returns how many said "sent".
pub(crate) fn check_replies(out: &[u8]) -> Result<usize, String> {
    let mut sent = 0;
    let mut open: Option<&[u8]> = None;
    let mut first = true;
    for line in out.split_inclusive(|&b| b == b'\n') {
        let bad = |why: &str| Err(format!("{why}: {}", excerpt(line)));
        if line.len() > 512 {
            return bad("a reply line longer than 512 bytes");
        }
        let Some(text) = line.strip_suffix(b"\r\n") else {
            return bad("a reply line not ended by CRLF");
        };
        if text.len() < 4
            || !text[..3].iter().all(u8::is_ascii_digit)
            || !b"2345".contains(&text[0])
        {
            return bad("a reply line without a 3-digit code");
        }
        let code = &text[..3];
        if let Some(open_code) = open
            && open_code != code
        {
            return bad("a continued reply changed its code");
        }
        let body = &text[4..];
        match text[3] {
            b'-' => open = Some(&text[..3]),
            b' ' => open = None,
            _ => return bad("no space or '-' after the code"),
        }
        // The greeting, EHLO/HELO lines, 354 and AUTH's 334 challenges
        // carry no enhanced status (RFC 2034 §3, RFC 4954 §4).
        let exempt = first || matches!(code, b"250" | b"354" | b"220" | b"334");
        let enhanced = body.len() >= 6
            && body[1] == b'.'
            && body
                .iter()
                .take_while(|b| **b != b' ')
                .all(|b| b.is_ascii_digit() || *b == b'.');
        if enhanced && body[0] != text[0] {
            return bad("the enhanced status class differs from the reply code");
        }
        if !exempt && !enhanced {
            return bad("a reply without an enhanced status code");
        }
        if code == b"250" && body.starts_with(b"2.0.0 sent ") {
            sent += 1;
        }
        first = false;
    }
    if open.is_some() {
        return Err("the session ended inside a multi-line reply".into());
    }
    Ok(sent)
}

fn run(loopback: &Loopback, input: &[u8]) -> Verdict {
    let recorder = Recorder::default();
    let protocol = SmtpProtocol::new(settings(), recorder.clone());
    let out = loopback.session(&protocol, input)?;
    if out.reset {
        return Err("the connection ended in a reset: the last replies may be lost".into());
    }
    let sent = check_replies(&out.bytes)?;
    let taken = recorder.taken();
    // Also when the session closed on a client still sending (after too
    // many errors): the session lingers so no reset loses a "250 sent".
    if sent != taken.len() {
        return Err(format!(
            "{sent} messages answered as sent, {} handed to Graph",
            taken.len()
        ));
    }
    if let Some(big) = taken.iter().find(|m| m.len() > MAX_MESSAGE) {
        return Err(format!("a {}-byte message passed the limit", big.len()));
    }
    Ok(())
}

#[test]
fn smtp_sessions_answer_every_input_with_well_formed_replies() {
    let loopback = Loopback::new();
    fuzz("smtp", &SHAPE, |input| run(&loopback, input));
}

/// How a client sends a message: DATA (dot-stuffed), or BDAT chunks cut
/// at these sizes.
#[derive(Debug, Clone)]
enum Transfer {
    Data,
    Bdat(Vec<usize>),
}

fn transcript(message: &[u8], transfer: &Transfer) -> Vec<u8> {
    let mut out = b"EHLO client\r\nAUTH PLAIN AGZ1enoAZnV6eg==\r\nMAIL FROM:<fuzz@contoso.test>\r\nRCPT TO:<bob@contoso.test>\r\n".to_vec();
    match transfer {
        Transfer::Data => {
            out.extend_from_slice(b"DATA\r\n");
            // Dot-stuffing as smtplib does it: a '.' opening a line is doubled.
            for line in message.split_inclusive(|&b| b == b'\n') {
                if line.first() == Some(&b'.') {
                    out.push(b'.');
                }
                out.extend_from_slice(line);
            }
            out.extend_from_slice(b".\r\n");
        }
        Transfer::Bdat(cuts) => {
            let mut rest = message;
            for cut in cuts {
                let (chunk, after) = rest.split_at((*cut).min(rest.len()));
                out.extend_from_slice(format!("BDAT {}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                rest = after;
            }
            out.extend_from_slice(format!("BDAT {} LAST\r\n", rest.len()).as_bytes());
            out.extend_from_slice(rest);
        }
    }
    out.extend_from_slice(b"QUIT\r\n");
    out
}

#[test]
fn smtp_messages_arrive_byte_for_byte_through_data_and_bdat() {
    let loopback = Loopback::new();
    // Lines of text heavy in dots, CRs and LFs, each ended with CRLF (what
    // a client sends in DATA); BDAT carries any bytes.
    let line = "[.\r\na-zA-Z0-9 :\u{e9}]{0,30}";
    let message = prop::collection::vec(line, 1..20).prop_map(|lines| {
        let mut m = String::from("Subject: t\r\n\r\n");
        for l in lines {
            m.push_str(&l.replace(['\r', '\n'], ""));
            m.push_str("\r\n");
        }
        m.into_bytes()
    });
    let binary = prop::collection::vec(any::<u8>(), 0..2000);
    let transfer = prop_oneof![
        Just(Transfer::Data),
        prop::collection::vec(0usize..300, 0..6).prop_map(Transfer::Bdat),
    ];
    let case = prop_oneof![
        (message.clone(), transfer.clone()),
        (
            binary,
            prop::collection::vec(0usize..300, 0..6).prop_map(Transfer::Bdat)
        ),
    ];
    prop(
        "smtp",
        case,
        |(message, transfer)| transcript(message, transfer),
        |(message, transfer)| {
            let recorder = Recorder::default();
            let protocol = SmtpProtocol::new(settings(), recorder.clone());
            let out = loopback.session(&protocol, &transcript(&message, &transfer))?;
            check_replies(&out.bytes)?;
            let taken = recorder.taken();
            let rejected = [&b"REJECT"[..], b"LATER"]
                .iter()
                .any(|w| message.windows(w.len()).any(|x| x == *w));
            match taken.as_slice() {
                [] if rejected => Ok(()),
                [got] if *got == message => Ok(()),
                [got] => Err(format!(
                    "sent {} but the submitter got {}",
                    excerpt(&message),
                    excerpt(got)
                )),
                other => Err(format!(
                    "{} messages handed over, not one: {}",
                    other.len(),
                    excerpt(&out.bytes)
                )),
            }
        },
    );
}
