//! Tests of the listener machinery with small protocols of their own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{Connection, Gateway, ListenSpec, Protocol, ServerError, Shutdown};

const DEADLINE: Duration = Duration::from_secs(5);

fn spec(implicit_tls: bool) -> ListenSpec {
    ListenSpec {
        addr: "127.0.0.1:0".parse().unwrap(),
        implicit_tls,
        setting: "config key `test.listen`".into(),
    }
}

/// Greets, then waits for shutdown and says goodbye; or, if `stubborn`,
/// ignores shutdown and waits for the client forever.
struct Waiter {
    stubborn: bool,
}

impl Protocol for Waiter {
    fn name(&self) -> &'static str {
        "waiter"
    }

    async fn serve(&self, mut conn: Connection, mut shutdown: Shutdown) {
        let hello = format!(
            "hello tls={} loopback={}\n",
            conn.stream.is_tls(),
            conn.stream.is_loopback()
        );
        if conn.stream.write_all(hello.as_bytes()).await.is_err() {
            return;
        }
        if self.stubborn {
            let mut buf = [0u8; 1];
            let _ = conn.stream.read(&mut buf).await;
            return;
        }
        shutdown.recv().await;
        let _ = conn.stream.write_all(b"bye\n").await;
    }
}

async fn read_line(stream: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    tokio::time::timeout(DEADLINE, stream.read_line(&mut line))
        .await
        .expect("a line within the deadline")
        .expect("read");
    line
}

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(addr).await.unwrap())
}

#[tokio::test]
async fn sessions_are_told_to_shut_down_and_waited_for() {
    let mut gateway = Gateway::new(10, DEADLINE, None);
    let addr = gateway
        .listen(spec(false), Arc::new(Waiter { stubborn: false }))
        .await
        .unwrap();
    let mut client = connect(addr).await;
    assert_eq!(
        read_line(&mut client).await,
        "hello tls=false loopback=true\n"
    );
    let still_open = tokio::time::timeout(DEADLINE, gateway.shutdown())
        .await
        .unwrap();
    assert_eq!(still_open, 0);
    assert_eq!(read_line(&mut client).await, "bye\n");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn sessions_that_ignore_shutdown_are_closed_after_the_grace_period() {
    let mut gateway = Gateway::new(10, Duration::from_millis(200), None);
    let addr = gateway
        .listen(spec(false), Arc::new(Waiter { stubborn: true }))
        .await
        .unwrap();
    let mut client = connect(addr).await;
    read_line(&mut client).await;
    let still_open = tokio::time::timeout(DEADLINE, gateway.shutdown())
        .await
        .unwrap();
    assert_eq!(still_open, 1);
    // The server side was dropped: the client reads end of stream.
    assert_eq!(read_line(&mut client).await, "");
}

#[tokio::test]
async fn the_connection_limit_holds_new_clients_until_a_slot_frees() {
    let mut gateway = Gateway::new(1, DEADLINE, None);
    let addr = gateway
        .listen(spec(false), Arc::new(Waiter { stubborn: true }))
        .await
        .unwrap();
    let mut first = connect(addr).await;
    read_line(&mut first).await;
    let mut second = connect(addr).await;
    let mut line = String::new();
    let waited =
        tokio::time::timeout(Duration::from_millis(200), second.read_line(&mut line)).await;
    assert!(
        waited.is_err(),
        "the second client was served while the first held the only slot"
    );
    first.get_mut().write_all(b"x").await.unwrap();
    assert!(read_line(&mut second).await.starts_with("hello"));
}

#[tokio::test]
async fn a_bind_error_names_the_address_and_the_setting() {
    let mut gateway = Gateway::new(10, DEADLINE, None);
    let addr = gateway.listen(spec(false), Arc::new(Closer)).await.unwrap();
    let taken = ListenSpec {
        addr,
        ..spec(false)
    };
    let err = gateway.listen(taken, Arc::new(Closer)).await.unwrap_err();
    assert!(matches!(err, ServerError::Bind { .. }));
    let text = err.to_string();
    assert!(
        text.contains(&addr.to_string()) && text.contains("test.listen"),
        "{text}"
    );
    assert!(text.contains("another program uses that port"), "{text}");
}

#[tokio::test]
async fn implicit_tls_without_a_certificate_is_refused() {
    let mut gateway = Gateway::new(10, DEADLINE, None);
    let err = gateway
        .listen(spec(true), Arc::new(Closer))
        .await
        .unwrap_err();
    assert!(matches!(err, ServerError::NoCertificate { .. }), "{err}");
}

/// Says one line and closes, as a front does that turns a client away.
struct Closer;

impl Protocol for Closer {
    fn name(&self) -> &'static str {
        "closer"
    }

    async fn serve(&self, mut conn: Connection, _shutdown: Shutdown) {
        if conn.stream.write_all(b"421 go away\r\n").await.is_ok() {
            let _ = conn.stream.shutdown().await;
        }
    }
}

#[tokio::test]
async fn a_session_that_ends_closes_the_connection_after_its_last_line() {
    let mut gateway = Gateway::new(10, DEADLINE, None);
    let addr = gateway.listen(spec(false), Arc::new(Closer)).await.unwrap();
    let mut client = connect(addr).await;
    assert_eq!(read_line(&mut client).await, "421 go away\r\n");
    assert_eq!(read_line(&mut client).await, "");
}

/// Starts TLS on request: says "go", upgrades, then greets over TLS.
struct StartTls;

impl Protocol for StartTls {
    fn name(&self) -> &'static str {
        "starttls"
    }

    async fn serve(&self, mut conn: Connection, _shutdown: Shutdown) {
        let Some(acceptor) = conn.tls.clone() else {
            return;
        };
        if conn.stream.write_all(b"go\n").await.is_err() {
            return;
        }
        let Ok(mut stream) = conn.stream.start_tls(&acceptor).await else {
            return;
        };
        let hello = format!("secure tls={}\n", stream.is_tls());
        let _ = stream.write_all(hello.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

#[tokio::test]
async fn start_tls_upgrades_a_plain_connection() {
    let dir = tempfile::tempdir().unwrap();
    let (paths, _) = crate::tls::ensure_self_signed(dir.path()).unwrap();
    let acceptor = crate::tls::acceptor(&paths).unwrap();
    let mut gateway = Gateway::new(10, DEADLINE, Some(acceptor));
    let addr = gateway
        .listen(spec(false), Arc::new(StartTls))
        .await
        .unwrap();

    let mut roots = rustls::RootCertStore::empty();
    for cert in crate::tls::load_chain(&paths.cert).unwrap() {
        roots.add(cert).unwrap();
    }
    let client_config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));

    let mut plain = connect(addr).await;
    assert_eq!(read_line(&mut plain).await, "go\n");
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, plain.into_inner()).await.unwrap();
    let mut tls = BufReader::new(tls);
    let mut line = String::new();
    tokio::time::timeout(DEADLINE, tls.read_line(&mut line))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(line, "secure tls=true\n");
}
