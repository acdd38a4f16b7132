//! The collation SORT and THREAD compare strings with: i;unicode-casemap
//! (RFC 5051), which RFC 5256 §7 requires. A string becomes a key once;
//! keys then compare as octets. Each character is decomposed (NFKD), mapped
//! to its titlecase and decomposed again, so `Éclair`, `éclair` and
//! `E\u{301}CLAIR` are one key and sort next to `eclair`.
//!
//! Rust has no titlecase table; the single-character uppercase is the same
//! mapping for every character that is left after decomposition, except
//! Georgian Mkhedruli, whose titlecase is itself (its uppercase, Mtavruli,
//! is only for all-caps text). Characters whose uppercase is several
//! characters (`ß`) have no simple titlecase and stay as they are.

use unicode_normalization::UnicodeNormalization;

/// The i;unicode-casemap key of `text`.
pub(super) fn key(text: &str) -> String {
    let titled: String = text.nfkd().map(titlecase).collect();
    titled.nfkd().collect()
}

fn titlecase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    // Georgian Mkhedruli letters: titlecase is the letter itself.
    if matches!(c, '\u{10D0}'..='\u{10FA}' | '\u{10FD}'..='\u{10FF}') {
        return c;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn case_and_accents_are_folded_as_rfc_5051_says() {
        let same = [
            ("hello", "HELLO"),
            ("Éclair", "éclair"),
            ("Éclair", "E\u{301}CLAIR"),
            ("ﬁle", "FILE"),
            ("Ǆemal", "džemal"),
            ("ᾳ", "ΑΙ"),
            ("Ⅻ", "xii"),
        ];
        for (a, b) in same {
            assert_eq!(key(a), key(b), "{a} = {b}");
        }
        let different = [("a", "b"), ("ß", "SS"), ("ა", "Ა")];
        for (a, b) in different {
            assert_ne!(key(a), key(b), "{a} != {b}");
        }
    }

    #[test]
    fn keys_order_case_insensitively_and_accents_next_to_their_letter() {
        let mut words = vec!["zebra", "Émile", "apple", "Banana", "emu", ""];
        words.sort_by_key(|w| key(w));
        // The accent is a combining mark after the E: `Émile` sorts after
        // every `E…` word whose next letter is plain ASCII.
        assert_eq!(words, ["", "apple", "Banana", "emu", "Émile", "zebra"]);
    }
}
