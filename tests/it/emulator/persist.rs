use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_restarted_tenant_keeps_mail_ids_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let config = || graphgate_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        skip_large_seed: true,
        ..test_config()
    };
    let t = Tenant::start_with(config()).await;
    let tok = t.alice().await;
    let mime = simple_mime("x@example.net", ALICE, "survives restarts", "kept");
    let id = t.deliver(ALICE, &mime).await;
    let (_, _, f) = t
        .call(
            &tok,
            "POST",
            "/me/mailFolders",
            Some(json!({"displayName": "Kept"})),
            &[],
        )
        .await;
    let before = t.mailbox(ALICE, "inbox").await.len();
    t.stop().await;
    let t = Tenant::start_with(config()).await;
    let (s, v) = t.get_immutable(&tok, &format!("/me/messages/{id}")).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the old token and the old id still work: {v}"
    );
    assert_eq!(v["subject"], "survives restarts");
    let raw = t
        .control_get_text(&format!("/_emulator/mailboxes/{ALICE}/messages/{id}/mime"))
        .await;
    assert_eq!(raw, mime);
    assert_eq!(t.mailbox(ALICE, "inbox").await.len(), before);
    let (s, _) = t
        .get(
            &tok,
            &format!("/me/mailFolders/{}", f["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    t.stop().await;
}
