//! The HTML of the sign-in pages: plain forms that work without JavaScript,
//! with the element ids of Microsoft's own pages (`otc`, `i0116`, `i0118`,
//! `idSIButton9`, `idBtn_Back`) so scripts written for the real pages work.
//! Everything echoed into a page goes through [`escape`].

use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use super::error::no_store;

/// Escape text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}\
.box{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}\
h1{font-size:24px;font-weight:600;margin:0 0 16px}.brand{color:#737373;font-size:15px;margin-bottom:16px}\
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;font-size:15px;\
padding:6px 0;border:0;border-bottom:1px solid #666;margin:12px 0}.error{color:#e81123;margin:8px 0}\
.buttons{display:flex;flex-direction:row-reverse;gap:8px;margin-top:24px}input[type=submit]{min-width:108px;padding:6px 12px;font-size:15px;\
border:0;cursor:pointer}#idSIButton9{background:#0067b8;color:#fff}\
#idBtn_Back{background:#ccc;color:#000}ul{padding-left:20px}.who{font-size:15px;margin-bottom:8px}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\
         <body><div class=\"box\"><div class=\"brand\">Microsoft (graphgate emulated tenant)</div>{body}</div></body></html>\n",
        escape(title)
    )
}

fn error_div(id: &str, error: Option<&str>) -> String {
    match error {
        Some(e) => format!(
            "<div id=\"{id}\" class=\"error\" role=\"alert\">{}</div>",
            escape(e)
        ),
        None => String::new(),
    }
}

/// A page response: never cached, never framed.
pub(crate) fn respond(status: StatusCode, page: String) -> Response {
    let mut resp = (status, Html(page)).into_response();
    no_store(resp.headers_mut());
    resp.headers_mut().insert(
        http::header::X_FRAME_OPTIONS,
        http::HeaderValue::from_static("DENY"),
    );
    resp
}

/// `/devicelogin`: "Enter code".
pub(crate) fn enter_code(error: Option<&str>) -> String {
    layout(
        "Enter code",
        &format!(
            "<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>{}\
             <form method=\"post\" action=\"/devicelogin\" novalidate>\
             <input type=\"text\" name=\"otc\" id=\"otc\" placeholder=\"Code\" autocomplete=\"off\" autofocus>\
             <div class=\"buttons\"><input type=\"submit\" id=\"idSIButton9\" value=\"Next\"></div></form>",
            error_div("otcError", error)
        ),
    )
}

/// First sign-in page: the account name.
pub(crate) fn username(flow: &str, app_name: &str, prefill: &str, error: Option<&str>) -> String {
    layout(
        "Sign in to your account",
        &format!(
            "<h1>Sign in</h1><p>to continue to {}</p>{}\
             <form method=\"post\" action=\"/login\" novalidate>\
             <input type=\"hidden\" name=\"flow\" value=\"{}\">\
             <input type=\"email\" name=\"loginfmt\" id=\"i0116\" value=\"{}\" placeholder=\"Email, phone, or Skype\" autofocus>\
             <div class=\"buttons\"><input type=\"submit\" id=\"idSIButton9\" value=\"Next\"></div></form>",
            escape(app_name),
            error_div("usernameError", error),
            escape(flow),
            escape(prefill)
        ),
    )
}

/// Second sign-in page: the password.
pub(crate) fn password(flow: &str, username: &str, error: Option<&str>) -> String {
    layout(
        "Sign in to your account",
        &format!(
            "<div class=\"who\" id=\"displayName\">{}</div><h1>Enter password</h1>{}\
             <form method=\"post\" action=\"/login\" novalidate>\
             <input type=\"hidden\" name=\"flow\" value=\"{}\">\
             <input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\" autofocus>\
             <div class=\"buttons\"><input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\"></div></form>",
            escape(username),
            error_div("passwordError", error),
            escape(flow)
        ),
    )
}

/// "Are you trying to sign in to …?" with the requested permissions.
pub(crate) fn consent(
    flow: &str,
    app_name: &str,
    username: &str,
    permissions: &[String],
    device: bool,
) -> String {
    let items: String = permissions
        .iter()
        .map(|p| format!("<li>{}</li>", escape(p)))
        .collect();
    let (note, accept) = if device {
        (
            "Only continue if you downloaded the app from a store or website that you trust.",
            "Continue",
        )
    } else {
        (
            "Accepting lets this app use your data as described below.",
            "Accept",
        )
    };
    layout(
        "Permissions requested",
        &format!(
            "<div class=\"who\">{}</div><h1>Are you trying to sign in to {}?</h1><p>{note}</p>\
             <p>This app would like to:</p><ul id=\"permissions\">{items}</ul>\
             <form method=\"post\" action=\"/login/consent\" novalidate>\
             <input type=\"hidden\" name=\"flow\" value=\"{}\">\
             <div class=\"buttons\"><input type=\"submit\" id=\"idSIButton9\" name=\"accept\" value=\"{accept}\">\
             <input type=\"submit\" id=\"idBtn_Back\" name=\"decline\" value=\"Cancel\"></div></form>",
            escape(username),
            escape(app_name),
            escape(flow)
        ),
    )
}

/// A page that only says something (device flow done or declined).
pub(crate) fn message(title: &str, text: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p id=\"message\">{}</p>",
            escape(title),
            escape(text)
        ),
    )
}

/// An error page that stops the flow (bad client, bad redirect URI, ...).
pub(crate) fn error(code: u32, text: &str) -> String {
    layout(
        "Sign in error",
        &format!(
            "<h1>Sorry, but we're having trouble signing you in.</h1>\
             <p id=\"errorText\">AADSTS{code}: {}</p>",
            escape(text)
        ),
    )
}

/// `response_mode=form_post`: a form that submits itself, with a visible
/// button for browsers without JavaScript.
pub(crate) fn form_post(action: &str, fields: &[(&str, &str)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Working...</title></head>\
         <body onload=\"document.forms[0].submit()\">\
         <form method=\"post\" name=\"hiddenform\" action=\"{}\">{inputs}\
         <noscript><p>Script is disabled. Click Submit to continue.</p></noscript>\
         <input type=\"submit\" id=\"idSIButton9\" value=\"Submit\"></form></body></html>\n",
        escape(action)
    )
}

/// What a permission means, in the words of the consent page.
pub(crate) fn describe(scope: &str) -> String {
    let text = match scope {
        "openid" => "Sign you in",
        "profile" => "View your basic profile",
        "email" => "View your email address",
        "offline_access" => "Maintain access to data you have given it access to",
        "User.Read" => "Sign you in and read your profile",
        "Mail.Read" => "Read your mail",
        "Mail.ReadWrite" => "Read and write access to your mail",
        "Mail.Send" => "Send mail as you",
        "Mail.Read.Shared" => "Read mail you can access",
        "Mail.ReadWrite.Shared" => "Read and write mail you can access",
        "Mail.Send.Shared" => "Send mail on behalf of others",
        "Calendars.Read" => "Read your calendars",
        "Calendars.ReadWrite" => "Have full access to your calendars",
        "Calendars.Read.Shared" => "Read calendars you can access",
        "Calendars.ReadWrite.Shared" => "Read and write calendars you can access",
        "Contacts.Read" => "Read your contacts",
        "Contacts.ReadWrite" => "Have full access to your contacts",
        "Contacts.Read.Shared" => "Read contacts you can access",
        "Contacts.ReadWrite.Shared" => "Read and write contacts you can access",
        "Tasks.Read" => "Read your tasks and task lists",
        "MailboxSettings.Read" => "Read your mailbox settings",
        "Tasks.ReadWrite" => "Create, read, update and delete your tasks and task lists",
        other => return other.to_string(),
    };
    format!("{text} ({scope})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn pages_carry_microsoft_element_ids() {
        assert!(enter_code(None).contains("id=\"otc\""));
        let u = username("f<1>", "App", "a@b", Some("bad"));
        assert!(
            u.contains("id=\"i0116\"")
                && u.contains("f&lt;1&gt;")
                && u.contains("id=\"usernameError\"")
        );
        assert!(password("f", "a@b", None).contains("id=\"i0118\""));
        let c = consent("f", "App", "a@b", &["x".into()], true);
        assert!(c.contains("id=\"idSIButton9\"") && c.contains("id=\"idBtn_Back\""));
    }
}
