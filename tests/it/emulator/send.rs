use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn message(from: Option<&str>, to: &str, subject: &str) -> serde_json::Value {
    let mut m = json!({
        "subject": subject,
        "body": {"contentType": "Text", "content": "hello"},
        "toRecipients": [{"emailAddress": {"address": to}}],
    });
    if let Some(f) = from {
        m["from"] = json!({"emailAddress": {"address": f}});
    }
    m
}

#[tokio::test]
async fn send_mail_json_delivers_and_saves_to_sent_items() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({
        "message": {
            "subject": "lunch?",
            "body": {"contentType": "Text", "content": "The new cafeteria is open."},
            "toRecipients": [{"emailAddress": {"address": BOB}}],
            "ccRecipients": [{"emailAddress": {"address": "outsider@example.net"}}],
            "bccRecipients": [{"emailAddress": {"address": CAROL}}],
        }
    });
    let (s, _, v) = t.call(&tok, "POST", "/me/sendMail", Some(body), &[]).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert!(v.is_null(), "202 has an empty body");
    let bob = t.mailbox(BOB, "inbox").await;
    let got = bob
        .iter()
        .find(|m| m["subject"] == "lunch?")
        .expect("bob got it");
    assert!(
        got["bcc"].as_array().unwrap().is_empty(),
        "Bcc is not visible to recipients"
    );
    let carol = t.mailbox(CAROL, "inbox").await;
    assert!(
        carol.iter().any(|m| m["subject"] == "lunch?"),
        "the Bcc recipient got it"
    );
    let sent = t.mailbox(ALICE, "sentitems").await;
    let copy = sent
        .iter()
        .find(|m| m["subject"] == "lunch?")
        .expect("sent copy");
    assert_eq!(copy["bcc"][0], CAROL, "the sender's copy keeps Bcc");
    let out = t.control_get("/_emulator/outbound").await;
    assert!(
        out["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["recipients"][0] == "outsider@example.net")
    );
}

#[tokio::test]
async fn send_mail_accepts_pascal_case_parameters_and_save_to_sent_false() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({"Message": message(None, BOB, "pascal"), "SaveToSentItems": false});
    let (s, _, v) = t.call(&tok, "POST", "/me/sendMail", Some(body), &[]).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert!(
        t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|m| m["subject"] == "pascal")
    );
    assert!(
        !t.mailbox(ALICE, "sentitems")
            .await
            .iter()
            .any(|m| m["subject"] == "pascal")
    );
}

#[tokio::test]
async fn send_mail_mime_keeps_the_message() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let mime = "From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: threaded\r\nIn-Reply-To: <root@x>\r\nReferences: <root@x>\r\nMessage-ID: <reply-1@contoso.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
    let (s, _, v) = t
        .post_raw(
            &tok,
            "/me/sendMail",
            "text/plain",
            b64(mime.as_bytes()).into_bytes(),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let bob = t.mailbox(BOB, "inbox").await;
    let got = bob
        .iter()
        .find(|m| m["subject"] == "threaded")
        .expect("delivered");
    assert_eq!(got["internetMessageId"], "<reply-1@contoso.test>");
    let raw = t
        .control_get_text(&format!(
            "/_emulator/mailboxes/{BOB}/messages/{}/mime",
            got["id"].as_str().unwrap()
        ))
        .await;
    assert!(raw.contains("In-Reply-To: <root@x>"));
}

#[tokio::test]
async fn json_headers_must_start_with_x() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let mut m = message(None, BOB, "hdr");
    m["internetMessageHeaders"] = json!([{"name": "In-Reply-To", "value": "<a@b>"}]);
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/me/sendMail",
            Some(json!({"message": m})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "InvalidInternetMessageHeader");
    let mut m = message(None, BOB, "hdr ok");
    m["internetMessageHeaders"] = json!([{"name": "X-Custom", "value": "v1"}]);
    let (s, _, _) = t
        .call(
            &tok,
            "POST",
            "/me/sendMail",
            Some(json!({"message": m})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn send_as_and_send_on_behalf_follow_exchange_rights() {
    let t = Tenant::start().await;
    let alice = t.alice().await;
    let bob = t.token(BOB, &ALL_SCOPES).await;
    let carol = t.token(CAROL, &ALL_SCOPES).await;
    // alice has SendAs on sales@: the message is from sales@, sender sales@.
    let (s, _, v) = t
        .call(
            &alice,
            "POST",
            "/me/sendMail",
            Some(json!({"message": message(Some(SALES), CAROL, "as sales")})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let got = t
        .mailbox(CAROL, "inbox")
        .await
        .into_iter()
        .find(|m| m["subject"] == "as sales")
        .unwrap();
    assert_eq!(got["from"], SALES);
    assert!(got["sender"].is_null() || got["sender"] == SALES);
    // bob has SendOnBehalf: from sales@, sender bob@.
    let (s, _, v) = t
        .call(
            &bob,
            "POST",
            "/me/sendMail",
            Some(json!({"message": message(Some(SALES), CAROL, "for sales")})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let got = t
        .mailbox(CAROL, "inbox")
        .await
        .into_iter()
        .find(|m| m["subject"] == "for sales")
        .unwrap();
    assert_eq!(got["from"], SALES);
    assert_eq!(got["sender"], BOB);
    // carol has nothing.
    let (s, _, v) = t
        .call(
            &carol,
            "POST",
            "/me/sendMail",
            Some(json!({"message": message(Some(SALES), BOB, "nope")})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ErrorSendAsDenied");
    assert!(
        !t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|m| m["subject"] == "nope")
    );
}

#[tokio::test]
async fn sending_through_the_shared_mailbox_saves_to_its_sent_items() {
    let t = Tenant::start().await;
    let alice = t.alice().await;
    let (s, _, v) = t
        .call(
            &alice,
            "POST",
            &format!("/users/{SALES}/sendMail"),
            Some(json!({"message": message(None, BOB, "via sales path")})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert!(
        t.mailbox(SALES, "sentitems")
            .await
            .iter()
            .any(|m| m["subject"] == "via sales path")
    );
    let got = t
        .mailbox(BOB, "inbox")
        .await
        .into_iter()
        .find(|m| m["subject"] == "via sales path")
        .unwrap();
    assert_eq!(got["from"], SALES);
}

#[tokio::test]
async fn draft_send_moves_the_draft_to_sent_items_with_its_immutable_id() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, d) = t
        .call(
            &tok,
            "POST",
            "/me/messages",
            Some(message(None, BOB, "draft to send")),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(d["isDraft"], true);
    let id = d["id"].as_str().unwrap();
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/send"),
            None,
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let (_, sent) = t
        .get_immutable(&tok, &format!("/me/mailFolders/sentitems/messages/{id}"))
        .await;
    assert_eq!(sent["isDraft"], false);
    assert!(
        t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|m| m["subject"] == "draft to send")
    );
    let (s, _, _) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/send"),
            None,
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a sent message is no draft");
}

#[tokio::test]
async fn reply_actions_answer_201_and_202_and_mark_the_original() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime(BOB, ALICE, "question", "?"))
        .await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (s, _, draft) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/createReply"),
            Some(json!({})),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(draft["isDraft"], true);
    assert_eq!(draft["subject"], "RE: question");
    let (s, _, _) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/reply"),
            Some(json!({"comment": "answer"})),
            &prefer,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert!(
        t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|m| m["subject"] == "RE: question")
    );
    let q = "$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x1081')";
    let (_, v) = t
        .get_immutable(&tok, &format!("/me/messages/{id}?$select=id&{q}"))
        .await;
    assert_eq!(v["singleValueExtendedProperties"][0]["value"], "102");
}
