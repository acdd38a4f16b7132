//! The console's page frame (navigation, who is signed in, sign-out), the
//! stylesheet, and small pieces every page uses. Markup is maud's: every
//! value is escaped unless marked otherwise, and nothing here is.

use maud::{DOCTYPE, Markup, html};

/// The stylesheet, served at `/static/console.css` (the CSP allows no
/// inline style).
pub(super) const CSS: &str = r#"
:root { --fg: #1b1f24; --muted: #5b6470; --line: #d6dbe1; --bg: #f6f7f9; --accent: #0b5cad; --bad: #a4161a; --good: #1b7f3b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { background: #10263f; color: #fff; padding: 0.6rem 1.2rem; display: flex; align-items: center; gap: 1.5rem; flex-wrap: wrap; }
header .brand { font-weight: 700; letter-spacing: 0.02em; }
header nav a { color: #dfe9f5; margin-right: 1rem; text-decoration: none; }
header nav a.here { color: #fff; border-bottom: 2px solid #fff; }
header form { margin-left: auto; }
header .who { color: #c2d3e6; margin-right: 0.5rem; }
main { padding: 1.2rem; max-width: 1200px; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.6rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); margin-bottom: 1rem; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); background: #fff; padding: 0.8rem; margin: 0 0 1rem; }
legend { font-weight: 600; }
label { margin-right: 0.8rem; }
input[type=text], input[type=password], select { padding: 0.3rem 0.4rem; border: 1px solid #aab3bd; border-radius: 3px; }
button { padding: 0.3rem 0.8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 3px; cursor: pointer; }
button.quiet { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.ok { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.notice { background: #fff8d6; border: 1px solid #e2c75a; padding: 0.7rem 1rem; margin-bottom: 1rem; }
.error { background: #fde8e8; border: 1px solid #e0a0a0; padding: 0.7rem 1rem; margin-bottom: 1rem; }
.secret { font: 1.3rem ui-monospace, monospace; background: #fff; border: 1px dashed var(--accent); padding: 0.4rem 0.8rem; display: inline-block; }
.login { max-width: 360px; margin: 4rem auto; background: #fff; border: 1px solid var(--line); padding: 1.5rem; }
.login p { margin: 0.6rem 0; }
.login input { width: 100%; }
code { font-family: ui-monospace, monospace; }
"#;

/// The pages, for the navigation bar.
const NAV: &[(&str, &str)] = &[
    ("/accounts", "Accounts"),
    ("/mailboxes", "Shared mailboxes"),
    ("/sessions", "Sessions"),
    ("/audit", "Audit log"),
    ("/graph", "Graph budget"),
    ("/doctor", "Doctor"),
];

/// A whole page for a signed-in administrator.
pub(super) fn page(title: &str, here: &str, admin: &str, csrf: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · graphgate" }
                link rel="stylesheet" href="/static/console.css";
            }
            body {
                header {
                    span.brand { "graphgate" }
                    nav {
                        @for (href, label) in NAV {
                            a href=(href) class=[(*href == here).then_some("here")] { (label) }
                        }
                    }
                    form.inline method="post" action="/logout" {
                        span.who { "Signed in as " (admin) }
                        input type="hidden" name="csrf" value=(csrf);
                        button.quiet type="submit" id="sign-out" { "Sign out" }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page with no frame (the sign-in page).
pub(super) fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · graphgate" }
                link rel="stylesheet" href="/static/console.css";
            }
            body { (body) }
        }
    }
}

/// The hidden form token.
pub(super) fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// A Unix time as UTC, or a dash.
pub(super) fn when(at: Option<i64>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "–".into())
}

/// A notice above a page's content: `Ok(text)` or `Err(text)`.
pub(super) fn flash(message: Option<&Result<String, String>>) -> Markup {
    html! {
        @match message {
            Some(Ok(text)) => div.notice role="status" { (text) },
            Some(Err(text)) => div.error role="alert" { (text) },
            None => {},
        }
    }
}
