//! Text views of a message body: plain text from HTML, and Graph's
//! `bodyPreview`. Both must survive any input, since bodies come from
//! arbitrary MIME.

use std::panic::catch_unwind;

/// Plain text from HTML (tags dropped, entities decoded). mail-parser's
/// converter slices by byte positions; any panic there falls back to a crude
/// tag stripper.
pub(crate) fn html_to_text(html: &str) -> String {
    catch_unwind(|| mail_parser::decoders::html::html_to_text(html)).unwrap_or_else(|_| {
        let mut out = String::with_capacity(html.len());
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    })
}

/// The first 255 characters of the text body, whitespace collapsed (Graph's `bodyPreview`).
pub(crate) fn body_preview(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}
