//! The emulator's mail requests and responses conform to the OpenAPI slice of
//! Microsoft Graph (tests/data/graph-mail-openapi.yaml, derived from
//! Microsoft's published metadata), checked by openapi-core from Python
//! (tests/clients/openapi_check.py).

use std::path::Path;
use std::process::Command;

#[tokio::test]
async fn mail_requests_and_responses_conform_to_the_graph_openapi_slice() {
    let t = crate::common::Tenant::start().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = root.join("tests/data/graph-mail-openapi.yaml");
    assert!(
        spec.exists(),
        "the OpenAPI slice is missing: {}",
        spec.display()
    );
    let script = root.join("tests/clients/openapi_check.py");
    let base = t.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(base)
            .arg(spec)
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs (install the test tools with .ci/run)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "OpenAPI check failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("all requests and responses conform"),
        "{stdout}"
    );
    t.stop().await;
}
