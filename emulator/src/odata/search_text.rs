//! Text as `$search` sees it: case- and accent-folded words, split on anything
//! that is not a letter or digit, with HTML bodies reduced to their text.
//!
//! A search term matches a field when consecutive words of the field start
//! with the term's words, which is how Exchange's prefix matching behaves.

/// Lower-case `c` and drop the accent of common Latin letters (`É` → `e`).
pub(super) fn fold_char(c: char) -> char {
    let c = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match c {
        '\u{e0}'..='\u{e5}' | '\u{100}'..='\u{105}' => 'a',
        '\u{e7}' | '\u{106}'..='\u{10d}' => 'c',
        '\u{10e}'..='\u{111}' => 'd',
        '\u{e8}'..='\u{eb}' | '\u{112}'..='\u{11b}' => 'e',
        '\u{11c}'..='\u{123}' => 'g',
        '\u{124}'..='\u{127}' => 'h',
        '\u{ec}'..='\u{ef}' | '\u{128}'..='\u{131}' => 'i',
        '\u{134}'..='\u{135}' => 'j',
        '\u{136}'..='\u{138}' => 'k',
        '\u{139}'..='\u{142}' => 'l',
        '\u{f1}' | '\u{143}'..='\u{14b}' => 'n',
        '\u{f2}'..='\u{f6}' | '\u{f8}' | '\u{14c}'..='\u{151}' => 'o',
        '\u{154}'..='\u{159}' => 'r',
        '\u{15a}'..='\u{161}' | '\u{17f}' => 's',
        '\u{162}'..='\u{167}' => 't',
        '\u{f9}'..='\u{fc}' | '\u{168}'..='\u{173}' => 'u',
        '\u{174}'..='\u{175}' => 'w',
        '\u{fd}' | '\u{ff}' | '\u{176}'..='\u{178}' => 'y',
        '\u{179}'..='\u{17e}' => 'z',
        c => c,
    }
}

/// The folded words of `text`, split on every non-alphanumeric character
/// (so `alice.smith@contoso.com` is `alice smith contoso com`).
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            cur.push(fold_char(c));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does `field` contain `term` as consecutive words, each field word starting
/// with the term word? An empty term matches anything.
pub(super) fn contains_prefixes(field: &[String], term: &[String]) -> bool {
    if term.is_empty() {
        return true;
    }
    if term.len() > field.len() {
        return false;
    }
    field
        .windows(term.len())
        .any(|w| w.iter().zip(term).all(|(f, t)| f.starts_with(t.as_str())))
}

/// The text of an HTML document: tags removed (script and style with their
/// content), common character references decoded. Good enough for word search.
pub(super) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let Some(c) = rest.chars().next() else { break };
        if c == '<' {
            let lrest = &lower[i..];
            let skip_to = if lrest.starts_with("<script") {
                lrest.find("</script").map(|e| e + "</script".len())
            } else if lrest.starts_with("<style") {
                lrest.find("</style").map(|e| e + "</style".len())
            } else if lrest.starts_with("<!--") {
                lrest.find("-->").map(|e| e + 3)
            } else {
                Some(0)
            };
            let from = i + skip_to.unwrap_or(lrest.len());
            i = html[from..].find('>').map_or(html.len(), |e| from + e + 1);
            out.push(' ');
        } else if c == '&' {
            let (decoded, used) = entity(rest);
            out.push(decoded);
            i += used;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Decode a character reference at the start of `s` (`&amp;`, `&#233;`,
/// `&#xE9;`); returns the character and the bytes used (a lone `&` is itself).
fn entity(s: &str) -> (char, usize) {
    let end = s
        .char_indices()
        .skip(1)
        .take(12)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
        .filter(|(_, c)| *c == ';')
        .map(|(i, _)| i);
    let Some(end) = end else {
        return ('&', 1);
    };
    let name = &s[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "szlig" => Some('\u{df}'),
        // `&eacute;`, `&Ouml;`, ...: the base letter (search folds accents anyway).
        _ if name.len() > 1
            && name.is_char_boundary(1)
            && matches!(
                &name[1..],
                "acute" | "grave" | "circ" | "uml" | "tilde" | "cedil" | "ring" | "slash"
            ) =>
        {
            name.chars().next()
        }
        _ => {
            let num = name.strip_prefix('#');
            num.and_then(|n| match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse::<u32>().ok(),
            })
            .and_then(char::from_u32)
            .or(Some(' '))
        }
    };
    (c.unwrap_or(' '), end + 1)
}
