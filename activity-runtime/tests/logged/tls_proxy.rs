//! Connecting like production, through a real TLS front: nginx (Debian's `nginx-light`, which
//! `make tools` installs) proxies gRPC to the dev server on three loopback ports:
//!
//! - TLS with a test CA;
//! - TLS with required client certificates (mTLS), refused with gRPC `UNAUTHENTICATED`;
//! - the same, refused as nginx does by default: HTTP 400 ("No required SSL certificate was
//!   sent");
//! - TLS with an API key checked by nginx (`authorization: Bearer <key>`, else gRPC
//!   UNAUTHENTICATED).
//!
//! The CA and every certificate are made here with `rcgen`. In each case a worker connects and
//! serves an activity executed through the proxy, and a wrong CA, client certificate, key file or
//! API key fails with its own [`ConnectionError`] variant. Beside nginx, a TLS server made here
//! with `rustls` refuses the handshake of a client without a certificate (TLS 1.3
//! `certificate_required`). Each error is one readable sentence that names the address and what
//! to set, with no `Debug` output of tonic, hyper or rustls, and the same cause gives the same
//! variant every time. Everything the tests log is captured, and neither the API key nor any
//! private key appears in it, nor in errors or `Debug` output.

use crate::common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use activity_runtime::client::{ActivityOptions, Client};
use activity_runtime::connection::{ConnectOptions, ConnectionError, TlsConfig};
use activity_runtime::{Worker, WorkerBuilder, WorkerError, activities, activity};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

const API_KEY: &str = "test-api-key-5f1c0de0c0ffee";

#[activity]
async fn through_the_proxy(name: String) -> String {
    format!("Hello over TLS, {name}!")
}

/// A CA and what it signed, as PEM files in `dir`.
struct Pki {
    dir: PathBuf,
    /// Private keys as PEM, to look for in the logs.
    secrets: Vec<String>,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.path(name), contents).unwrap();
    }

    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("tls-proxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut pki = Self {
            dir,
            secrets: Vec::new(),
        };
        let (ca, ca_key) = pki.ca("ca", "Test CA");
        let (client_ca, client_ca_key) = pki.ca("client-ca", "Test client CA");
        let (_, _) = pki.ca("other-ca", "Some other CA");
        pki.leaf("server", &ca, &ca_key, ExtendedKeyUsagePurpose::ServerAuth);
        pki.leaf(
            "client",
            &client_ca,
            &client_ca_key,
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        // Signed by a CA nginx does not trust for clients.
        pki.leaf(
            "stranger",
            &ca,
            &ca_key,
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        pki
    }

    fn ca(&mut self, name: &str, common_name: &str) -> (rcgen::Certificate, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params.self_signed(&key).unwrap();
        self.write(&format!("{name}.pem"), &cert.pem());
        self.secrets.push(key.serialize_pem());
        (cert, key)
    }

    fn leaf(
        &mut self,
        name: &str,
        ca: &rcgen::Certificate,
        ca_key: &KeyPair,
        usage: ExtendedKeyUsagePurpose,
    ) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, ca, ca_key).unwrap();
        self.write(&format!("{name}.pem"), &cert.pem());
        let key_pem = key.serialize_pem();
        self.write(&format!("{name}.key"), &key_pem);
        self.secrets.push(key_pem);
    }
}

/// nginx in front of the dev server; killed on drop.
struct Proxy {
    child: Child,
    tls_port: u16,
    mtls_port: u16,
    /// mTLS answered as nginx does by default: HTTP 400 for a missing or refused certificate.
    mtls_400_port: u16,
    api_key_port: u16,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn nginx() -> PathBuf {
    let candidates = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "the TLS proxy tests need nginx (Debian `nginx-light`): run `make tools`, which \
                 installs it, or `apt-get install nginx-light`"
            )
        })
}

impl Proxy {
    fn start(pki: &Pki, upstream: &str) -> Self {
        let (tls_port, mtls_port, mtls_400_port, api_key_port) =
            (free_port(), free_port(), free_port(), free_port());
        let d = |name: &str| pki.path(name).display().to_string();
        let grpc_error = |code: u8, message: &str| {
            format!(
                "internal; default_type application/grpc; \
                 add_header grpc-status {code} always; add_header grpc-message \"{message}\" always; \
                 return 200;"
            )
        };
        let common = format!(
            "ssl_certificate {}; ssl_certificate_key {}; \
             location / {{ grpc_pass grpc://{upstream}; grpc_read_timeout 300s; grpc_send_timeout 300s; }}",
            d("server.pem"),
            d("server.key"),
        );
        let config = format!(
            r#"
worker_processes 1;
pid {pid};
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{tls_port} ssl http2;
        {common}
    }}
    server {{
        listen 127.0.0.1:{mtls_port} ssl http2;
        ssl_client_certificate {client_ca};
        ssl_verify_client on;
        error_page 495 496 = @client_certificate;
        location @client_certificate {{ {cert_error} }}
        {common}
    }}
    server {{
        listen 127.0.0.1:{mtls_400_port} ssl http2;
        ssl_client_certificate {client_ca};
        ssl_verify_client on;
        {common}
    }}
    server {{
        listen 127.0.0.1:{api_key_port} ssl http2;
        error_page 418 = @api_key;
        location @api_key {{ {key_error} }}
        if ($http_authorization != "Bearer {API_KEY}") {{ return 418; }}
        {common}
    }}
}}
"#,
            pid = d("nginx.pid"),
            dir = pki.dir.display(),
            client_ca = d("client-ca.pem"),
            cert_error = grpc_error(16, "client certificate required and not accepted"),
            key_error = grpc_error(16, "invalid or missing API key"),
        );
        pki.write("nginx.conf", &config);
        let child = Command::new(nginx())
            .args(["-p", &pki.dir.display().to_string()])
            .args(["-c", &d("nginx.conf")])
            .args(["-g", "daemon off; master_process off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx starts");
        let proxy = Self {
            child,
            tls_port,
            mtls_port,
            mtls_400_port,
            api_key_port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [tls_port, mtls_port, mtls_400_port, api_key_port] {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "nginx did not listen on {port}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        proxy
    }
}

/// A TLS server that requires a client certificate of the client CA in the handshake (TLS 1.3:
/// a client without one gets the `certificate_required` alert), made with `rustls`, and nothing
/// behind it. Returns its port; it serves until the test ends.
async fn refuse_handshakes_without_client_certificate(pki: &Pki) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(pki.path("client-ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(pki.path("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(pki.path("server.key")).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Refused without a certificate; a client that has one gets nothing behind.
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    port
}

/// Checks that `err` is one readable sentence naming `target` and `fix`, with no `Debug` output
/// of the libraries underneath; returns its text.
fn readable(err: &impl std::fmt::Display, target: &str, fix: &str) -> String {
    let text = err.to_string();
    assert!(
        text.contains(&format!("`{target}`")),
        "names the address: {text}"
    );
    assert!(text.contains(fix), "says to set `{fix}`: {text}");
    for debug in [
        "tonic", "hyper", "rustls", "Custom {", "kind:", "Error(", "Status {", "Metadata", "Some(",
        "\"", "\n",
    ] {
        assert!(!text.contains(debug), "`{debug}` in: {text}");
    }
    let sentences = text.matches(". ").count() + text.matches(".\n").count();
    assert_eq!(sentences, 0, "one sentence: {text}");
    text
}

fn builder(port: u16, queue: &str) -> WorkerBuilder {
    Worker::builder()
        .target(format!("127.0.0.1:{port}"))
        .task_queue(queue)
        .register(activities![through_the_proxy])
}

fn tls(pki: &Pki) -> TlsConfig {
    TlsConfig::new()
        .ca_cert_file(pki.path("ca.pem"))
        .server_name("localhost")
}

/// Builds and runs a worker, executes the activity through the proxy with a client of the same
/// settings, and stops the worker.
async fn serve_one(builder: WorkerBuilder, client: ConnectOptions, queue: &str) {
    let worker = builder
        .build()
        .await
        .expect("the worker connects through the proxy");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());
    let client = Client::connect_with(client)
        .await
        .expect("the client connects through the proxy");
    let greeting: String = client
        .execute_activity(
            "through_the_proxy",
            ("proxy",),
            ActivityOptions::new(queue)
                .maximum_attempts(1)
                .start_to_close_timeout(Duration::from_secs(30)),
        )
        .await
        .expect("the activity runs through the proxy");
    assert_eq!(greeting, "Hello over TLS, proxy!");
    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}

fn connection_error(result: Result<Worker, WorkerError>) -> ConnectionError {
    match result {
        Ok(_) => panic!("the worker connected, but should not have"),
        Err(WorkerError::Connection(err)) => err,
        Err(other) => panic!("expected a connection error, got: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mtls_and_api_keys_through_nginx() {
    let logs = crate::logs::text();
    let server = common::server().await;
    let pki = Pki::new();
    let proxy = Proxy::start(&pki, server.address());
    let mut errors = Vec::new();
    let started = Instant::now();

    // (a) TLS with the test CA.
    let queue = common::unique_task_queue("tls");
    let target = format!("127.0.0.1:{}", proxy.tls_port);
    serve_one(
        builder(proxy.tls_port, &queue).tls(tls(&pki)),
        ConnectOptions::new()
            .isolated()
            .target(&target)
            .tls(tls(&pki)),
        &queue,
    )
    .await;
    // A CA that did not sign the server's certificate.
    let err = connection_error(
        builder(proxy.tls_port, &queue)
            .tls(
                TlsConfig::new()
                    .ca_cert_file(pki.path("other-ca.pem"))
                    .server_name("localhost"),
            )
            .build()
            .await,
    );
    assert!(
        matches!(err, ConnectionError::UntrustedServer { .. }),
        "{err}"
    );
    let text = readable(&err, &target, "TlsConfig::ca_cert_file");
    assert!(
        text.contains("it is signed by a CA this worker does not trust"),
        "{text}"
    );
    errors.push(text);
    // A certificate file that does not exist.
    let err = connection_error(
        builder(proxy.tls_port, &queue)
            .tls(TlsConfig::new().ca_cert_file(pki.path("missing.pem")))
            .build()
            .await,
    );
    assert!(
        matches!(
            err,
            ConnectionError::CertificateFile {
                what: "CA certificate",
                ..
            }
        ),
        "{err}"
    );
    errors.push(err.to_string());
    eprintln!("TLS cases took {:?}", started.elapsed());

    // (b) mTLS: the client certificate the proxy requires.
    let queue = common::unique_task_queue("mtls");
    let target = format!("127.0.0.1:{}", proxy.mtls_port);
    let mtls = tls(&pki).client_cert_files(pki.path("client.pem"), pki.path("client.key"));
    serve_one(
        builder(proxy.mtls_port, &queue).tls(mtls.clone()),
        ConnectOptions::new().isolated().target(&target).tls(mtls),
        &queue,
    )
    .await;
    for (case, tls) in [
        ("no client certificate", tls(&pki)),
        (
            "a client certificate of another CA",
            tls(&pki).client_cert_files(pki.path("stranger.pem"), pki.path("stranger.key")),
        ),
    ] {
        let err = connection_error(builder(proxy.mtls_port, &queue).tls(tls).build().await);
        assert!(
            matches!(err, ConnectionError::ClientCertificateRejected { .. }),
            "{case}: {err}"
        );
        errors.push(readable(&err, &target, "TlsConfig::client_cert_files"));
    }
    // The same, from a proxy that answers HTTP 400 (nginx's default for `ssl_verify_client
    // on`), and from a TLS server that refuses the handshake: several times each, the same
    // variant and message every time.
    let handshake_port = refuse_handshakes_without_client_certificate(&pki).await;
    for port in [proxy.mtls_400_port, handshake_port] {
        let target = format!("127.0.0.1:{port}");
        let mut seen = Vec::new();
        for _ in 0..3 {
            let err = connection_error(builder(port, &queue).tls(tls(&pki)).build().await);
            assert!(
                matches!(err, ConnectionError::ClientCertificateRejected { .. }),
                "{target}: {err}"
            );
            let text = readable(&err, &target, "TlsConfig::client_cert_files");
            assert!(
                text.contains("the server requires one, and none was given"),
                "{text}"
            );
            seen.push(text);
        }
        seen.dedup();
        assert_eq!(seen.len(), 1, "{seen:#?}");
        errors.extend(seen);
    }
    let err = connection_error(
        builder(proxy.mtls_400_port, &queue)
            .tls(tls(&pki).client_cert_files(pki.path("stranger.pem"), pki.path("stranger.key")))
            .build()
            .await,
    );
    assert!(
        matches!(err, ConnectionError::ClientCertificateRejected { .. }),
        "{err}"
    );
    errors.push(readable(
        &err,
        &format!("127.0.0.1:{}", proxy.mtls_400_port),
        "TlsConfig::client_cert_files",
    ));
    let err = connection_error(
        builder(proxy.mtls_port, &queue)
            .tls(tls(&pki).client_cert_files(pki.path("client.pem"), pki.path("nope.key")))
            .build()
            .await,
    );
    assert!(
        matches!(
            err,
            ConnectionError::CertificateFile {
                what: "client key",
                ..
            }
        ),
        "{err}"
    );
    errors.push(err.to_string());
    eprintln!("mTLS cases done after {:?}", started.elapsed());

    // (c) An API key checked by the proxy.
    let queue = common::unique_task_queue("api-key");
    let target = format!("127.0.0.1:{}", proxy.api_key_port);
    let with_key = builder(proxy.api_key_port, &queue)
        .tls(tls(&pki))
        .api_key(API_KEY);
    let debug = format!("{with_key:?}");
    serve_one(
        with_key,
        ConnectOptions::new()
            .isolated()
            .target(&target)
            .tls(tls(&pki))
            .api_key(API_KEY),
        &queue,
    )
    .await;
    for wrong in [Some("not-the-key"), None] {
        let mut builder = builder(proxy.api_key_port, &queue).tls(tls(&pki));
        if let Some(key) = wrong {
            builder = builder.api_key(key);
        }
        let err = connection_error(builder.build().await);
        assert!(
            matches!(err, ConnectionError::ApiKeyRejected { .. }),
            "{wrong:?}: {err}"
        );
        errors.push(format!("{err} / {err:?}"));
    }
    let client_err = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(&target)
            .tls(tls(&pki))
            .api_key("wrong-key-for-the-client"),
    )
    .await
    .expect_err("a wrong key fails");
    assert!(
        client_err.to_string().contains("rejected the API key"),
        "{client_err}"
    );
    let keyed_client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(&target)
            .tls(tls(&pki))
            .api_key(API_KEY),
    )
    .await
    .expect("the right key connects");
    let debug = format!("{debug}\n{keyed_client:?}");
    errors.push(client_err.to_string());
    eprintln!("API key cases done after {:?}", started.elapsed());
    drop(proxy);
    eprintln!("the errors, as users see them:\n{}", errors.join("\n"));

    // (4) No secret in the logs, errors or Debug output.
    let logs = logs.text();
    assert!(logs.len() > 100, "logs were captured: {logs}");
    let haystacks = [
        ("logs", logs.as_str()),
        ("errors", &errors.join("\n")),
        ("Debug of the builder", &debug),
    ];
    for (what, text) in haystacks {
        assert!(!text.contains(API_KEY), "the API key appears in the {what}");
        assert!(
            !text.contains("not-the-key"),
            "a wrong API key appears in the {what}"
        );
        for secret in &pki.secrets {
            let body = secret.lines().nth(1).unwrap();
            assert!(
                !text.contains(body),
                "private key material appears in the {what}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&pki.dir);
}
