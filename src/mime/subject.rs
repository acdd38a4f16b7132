//! The base subject of RFC 5256 §2.1, which SORT (SUBJECT) and both THREAD
//! algorithms compare: the decoded subject without the reply and forward
//! artifacts mail clients add ("Re:", "Fwd:", "[list]" tags, "(fwd)",
//! "[Fwd: …]"). The steps are followed exactly, over indices into the text,
//! so a subject of a million "Re:" costs one pass, not a million copies.

/// A subject reduced to its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseSubject {
    pub text: String,
    /// Extraction removed a `subj-refwd`, a `(fwd)` trailer or a
    /// `[fwd: …]` wrapper: the message is a reply or forward in the sense
    /// of RFC 5256 §3 (REFERENCES, step 5).
    pub reply_or_forward: bool,
}

/// The base subject of a decoded subject (RFC 2047 words already decoded).
pub fn base_subject(decoded: &str) -> BaseSubject {
    // (1) Tabs and continuations are spaces, runs of spaces one space.
    let text = single_spaces(decoded);
    let s = text.as_bytes();
    let (mut start, mut end) = (0, s.len());
    let mut reply_or_forward = false;
    loop {
        // (2) Trailing "(fwd)" and whitespace, as long as there are any.
        loop {
            if end > start && s[end - 1] == b' ' {
                end -= 1;
            } else if end - start >= 5 && s[end - 5..end].eq_ignore_ascii_case(b"(fwd)") {
                end -= 5;
                reply_or_forward = true;
            } else {
                break;
            }
        }
        // (3) to (5): leaders, and blobs that leave something behind.
        loop {
            let rest = &s[start..end];
            if let Some((len, refwd)) = leader(rest) {
                start += len;
                reply_or_forward |= refwd;
            } else if let Some(len) = blob(rest).filter(|len| *len < rest.len()) {
                start += len;
            } else {
                break;
            }
        }
        // (6) A "[fwd: …]" wrapper: take it off and start again from (2).
        let rest = &s[start..end];
        if rest.len() > 5 && rest[..5].eq_ignore_ascii_case(b"[fwd:") && rest.ends_with(b"]") {
            start += 5;
            end -= 1;
            reply_or_forward = true;
            continue;
        }
        break;
    }
    // Every cut is next to an ASCII byte, so the slice is whole UTF-8.
    BaseSubject {
        text: text.get(start..end).unwrap_or_default().to_string(),
        reply_or_forward,
    }
}

/// Step (1) after decoding: tabs, CR and LF become spaces, runs of spaces one.
fn single_spaces(decoded: &str) -> String {
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') {
            ' '
        } else {
            c
        };
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP` at the start of `s`: its length.
fn blob(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let close = 1 + s[1..].iter().position(|b| matches!(b, b'[' | b']' | 0))?;
    if s[close] != b']' {
        return None;
    }
    Some(close + 1 + spaces(&s[close + 1..]))
}

fn spaces(s: &[u8]) -> usize {
    s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()
}

/// `subj-leader = (*subj-blob subj-refwd) / WSP` at the start of `s`: its
/// length, and whether it holds a `subj-refwd`.
fn leader(s: &[u8]) -> Option<(usize, bool)> {
    if matches!(s.first(), Some(b' ' | b'\t')) {
        return Some((1, false));
    }
    let mut i = 0;
    while let Some(len) = blob(&s[i..]) {
        i += len;
    }
    refwd(&s[i..]).map(|len| (i + len, true))
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"` at the start
/// of `s`: its length. Only ASCII letters are compared, case-insensitively.
fn refwd(s: &[u8]) -> Option<usize> {
    let starts = |word: &[u8]| s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word);
    let mut i = if starts(b"re") {
        2
    } else if starts(b"fwd") {
        3
    } else if starts(b"fw") {
        2
    } else {
        return None;
    };
    i += spaces(&s[i..]);
    if let Some(len) = blob(&s[i..]) {
        i += len;
    }
    (s.get(i) == Some(&b':')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> (String, bool) {
        let b = base_subject(s);
        (b.text, b.reply_or_forward)
    }

    #[test]
    fn reply_and_forward_artifacts_are_removed_as_rfc_5256_says() {
        let cases: &[(&str, &str, bool)] = &[
            // Plain subjects stay as they are (spaces made single).
            ("hello world", "hello world", false),
            ("hello \t  world", "hello world", false),
            ("", "", false),
            ("   ", "", false),
            // subj-refwd, any case, with spaces and a blob before the colon.
            ("Re: hello", "hello", true),
            ("RE:hello", "hello", true),
            ("re : hello", "hello", true),
            ("Fwd: hello", "hello", true),
            ("FW: hello", "hello", true),
            ("Re[2]: hello", "hello", true),
            ("Re [list]: hello", "hello", true),
            ("Re: Re: Fwd: RE: hello", "hello", true),
            // Not a subj-refwd: something else before the colon.
            ("Ref: hello", "Ref: hello", false),
            ("Reply: hello", "Reply: hello", false),
            ("Fwdd: hello", "Fwdd: hello", false),
            ("Re hello", "Re hello", false),
            // Blobs before a subj-refwd belong to the leader.
            ("[list] Re: hello", "hello", true),
            ("[a][b] Fwd: hello", "hello", true),
            // A blob alone goes only if something remains after it.
            ("[list] hello", "hello", false),
            ("[a] [b] hello", "hello", false),
            ("[list]", "[list]", false),
            ("[a] [b]", "[b]", false),
            ("[unclosed hello", "[unclosed hello", false),
            ("[a[b] hello", "[a[b] hello", false),
            // Trailers, repeatedly.
            ("hello (fwd)", "hello", true),
            ("hello (FWD) (fwd)  ", "hello", true),
            ("hello(fwd)", "hello", true),
            ("(fwd)", "", true),
            // The [fwd: ...] wrapper, then everything again.
            ("[Fwd: hello]", "hello", true),
            ("[fwd: Re: hello (fwd)]", "hello", true),
            ("[Fwd: [Fwd: hello]]", "hello", true),
            ("[fwd:]", "", true),
            ("[Fwd: hello", "[Fwd: hello", false),
            ("Re: [Fwd: hello]", "hello", true),
            // A blob that would leave nothing is the base itself.
            ("Re: [list]", "[list]", true),
            // Non-ASCII text is kept byte for byte.
            ("Re: Über «Fête»", "Über «Fête»", true),
            ("[Liste] Ré: café", "Ré: café", false),
        ];
        for (input, want, marked) in cases {
            assert_eq!(
                base(input),
                (want.to_string(), *marked),
                "base subject of {input:?}"
            );
        }
    }

    #[test]
    fn long_chains_of_markers_cost_one_pass() {
        let subject = format!(
            "{}hello{}",
            "Re: ".repeat(200_000),
            " (fwd)".repeat(100_000)
        );
        let started = std::time::Instant::now();
        assert_eq!(base(&subject), ("hello".to_string(), true));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let wrapped = format!("{}hello{}", "[fwd: ".repeat(50_000), "]".repeat(50_000));
        assert_eq!(base(&wrapped), ("hello".to_string(), true));
    }

    #[test]
    fn any_input_gives_an_answer() {
        for s in [
            "[", "]", "[]", "[] ", "re", "fw", "fwd", "re[", "re[]", "re[]:", ":", "\u{0}[",
        ] {
            let b = base_subject(s);
            assert!(b.text.len() <= s.len(), "{s:?}");
        }
        assert_eq!(base("re[]:x"), ("x".to_string(), true));
    }
}
