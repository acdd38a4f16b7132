use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

async fn draft(t: &Tenant, tok: &str) -> String {
    let m = json!({"subject": "big one", "body": {"contentType": "text", "content": "see attached"},
                   "toRecipients": [{"emailAddress": {"address": BOB}}]});
    let (s, _, v) = t
        .call(
            tok,
            "POST",
            "/me/messages",
            Some(m),
            &[("Prefer", "IdType=\"ImmutableId\"")],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    v["id"].as_str().unwrap().to_string()
}

async fn session(t: &Tenant, tok: &str, id: &str, size: usize) -> (StatusCode, Value) {
    let body = json!({"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": size,
                      "contentType": "application/octet-stream"}});
    let (s, _, v) = t
        .call(
            tok,
            "POST",
            &format!("/me/messages/{id}/attachments/createUploadSession"),
            Some(body),
            &[],
        )
        .await;
    (s, v)
}

#[tokio::test]
async fn upload_session_adds_a_large_attachment_in_order() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = draft(&t, &tok).await;
    let data = pseudo_random(5 * 1024 * 1024 + 123);
    let (s, v) = session(&t, &tok, &id, data.len()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["nextExpectedRanges"], json!(["0-"]));
    let url = v["uploadUrl"].as_str().unwrap().to_string();
    // An Authorization header is refused on the pre-authenticated URL.
    let r = t
        .http
        .put(&url)
        .bearer_auth(&tok)
        .header("content-range", "bytes 0-9/10")
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let chunk = 4 * 1024 * 1024;
    // Out of order is refused.
    let r = t
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes {chunk}-{}/{}", data.len() - 1, data.len()),
        )
        .body(data[chunk..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let r = t
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes 0-{}/{}", chunk - 1, data.len()),
        )
        .body(data[..chunk].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["nextExpectedRanges"][0], chunk.to_string());
    let r = t
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes {chunk}-{}/{}", data.len() - 1, data.len()),
        )
        .body(data[chunk..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().contains_key("location"));
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let (_, _, atts) = t
        .call(
            &tok,
            "GET",
            &format!("/me/messages/{id}/attachments"),
            None,
            &prefer,
        )
        .await;
    let att = atts["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "big.bin")
        .expect("attached")
        .clone();
    assert_eq!(att["size"], data.len());
    let r = t
        .http
        .get(t.url(&format!(
            "/me/messages/{id}/attachments/{}/$value",
            att["id"].as_str().unwrap()
        )))
        .bearer_auth(&tok)
        .header("Prefer", "IdType=\"ImmutableId\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &data[..],
        "the bytes arrive intact"
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
    assert_eq!(s, StatusCode::ACCEPTED);
    let got = t
        .mailbox(BOB, "inbox")
        .await
        .into_iter()
        .find(|m| m["subject"] == "big one")
        .expect("delivered");
    assert!(got["mimeSize"].as_u64().unwrap() > data.len() as u64);
}

#[tokio::test]
async fn upload_sessions_are_for_three_megabytes_and_more() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = draft(&t, &tok).await;
    let (s, v) = session(&t, &tok, &id, 1024).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["error"]["code"],
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"
    );
    let small = json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt",
                       "contentType": "text/plain", "contentBytes": b64(b"Hello World!")});
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            &format!("/me/messages/{id}/attachments"),
            Some(small),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["size"], 12);
}

#[tokio::test]
async fn request_bodies_over_four_megabytes_are_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let big = "a".repeat(5 * 1024 * 1024);
    let mime = simple_mime(ALICE, BOB, "too big for one request", &big);
    let (s, _, v) = t
        .post_raw(
            &tok,
            "/me/sendMail",
            "text/plain",
            b64(mime.as_bytes()).into_bytes(),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
}
