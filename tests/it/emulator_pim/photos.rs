use reqwest::StatusCode;

use super::*;

/// A 2×3 PNG: signature, IHDR, IDAT, IEND (the sizes are what matter).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(b"IEND");
    b.extend_from_slice(&[0xae, 0x42, 0x60, 0x82]);
    b
}

async fn put_photo(
    t: &Tenant,
    tok: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let r = t
        .http
        .put(t.url(path))
        .bearer_auth(tok)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let s = r.status();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn raw_get(t: &Tenant, tok: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = t
        .http
        .get(t.url(path))
        .bearer_auth(tok)
        .send()
        .await
        .expect("request");
    let s = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (s, ct, r.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn the_seeded_photo_has_metadata_and_bytes() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let maria = all(&t, &tok, "/me/contacts").await.remove(0);
    assert_eq!(maria["displayName"], "Maria Garcia");
    let (s, meta) = t
        .get(&tok, &format!("/me/contacts/{}/photo", id(&maria)))
        .await;
    assert_eq!(s, StatusCode::OK, "{meta}");
    assert_eq!(meta["@odata.mediaContentType"], "image/png");
    assert_eq!(
        (meta["width"].as_u64(), meta["height"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(meta["id"], "4x4");
    let (s, ct, bytes) = raw_get(
        &t,
        &tok,
        &format!("/me/contacts/{}/photo/$value", id(&maria)),
    )
    .await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "image/png"));
    assert!(bytes.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn a_photo_is_put_read_back_and_changes_the_change_key() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let c = create(&t, &tok, "/me/contacts", person("Pia", "Photo")).await;
    let base = format!("/me/contacts/{}/photo", id(&c));
    let (s, v) = t.get(&tok, &base).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ErrorItemNotFound"))
    );
    let (s, _, _) = raw_get(&t, &tok, &format!("{base}/$value")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let image = png(2, 3);
    let (s, v) = put_photo(
        &t,
        &tok,
        &format!("{base}/$value"),
        "image/png",
        image.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, meta) = t.get(&tok, &base).await;
    assert_eq!(
        (meta["width"].as_u64(), meta["height"].as_u64()),
        (Some(2), Some(3))
    );
    let (_, _, bytes) = raw_get(&t, &tok, &format!("{base}/$value")).await;
    assert_eq!(bytes, image);
    let (_, after) = t.get(&tok, &format!("/me/contacts/{}", id(&c))).await;
    assert_ne!(
        after["changeKey"], c["changeKey"],
        "a new photo is a change"
    );

    // Graph has no delete for contact photos.
    let (s, v) = send(&t, &tok, "DELETE", &base, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["message"], "The OData request is not supported.");
    let (s, _) = t.get(&tok, &base).await;
    assert_eq!(s, StatusCode::OK, "the photo is still there");
}

#[tokio::test]
async fn photos_must_be_images_under_four_megabytes() {
    let t = Tenant::start().await;
    let tok = pim_token(&t, ALICE).await;
    let c = create(&t, &tok, "/me/contacts", person("Nia", "Nophoto")).await;
    let path = format!("/me/contacts/{}/photo/$value", id(&c));
    let (s, _) = put_photo(&t, &tok, &path, "image/jpeg", b"not a picture".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = put_photo(&t, &tok, &path, "text/plain", png(2, 2)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut big = png(2, 2);
    big.resize(4 * 1024 * 1024, 0);
    let (s, v) = put_photo(&t, &tok, &path, "image/png", big).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("ErrorRequestEntityTooLarge")
        )
    );
    let (s, _) = t.get(&tok, &format!("/me/contacts/{}/photo", id(&c))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was stored");
    let reader = t.token(ALICE, &["Contacts.Read"]).await;
    let (s, v) = put_photo(&t, &reader, &path, "image/png", png(2, 2)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("ErrorAccessDenied"))
    );
}
