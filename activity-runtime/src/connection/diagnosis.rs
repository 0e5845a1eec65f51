//! Why a connection failed, in one sentence that names the setting to fix.
//!
//! `temporalio-client` reports a failed connection as a `tonic` transport error or a failed first
//! call, and formats both with `Debug`. The cause is read from the errors themselves instead: a
//! `rustls` error in the source chain (the server's certificate, a TLS alert), or a gRPC status
//! (a refused credential). What the error alone cannot say, it asks the server: when TLS is on and
//! the failure is anything else (a reset, an HTTP 400 from a proxy, a closed stream), a second
//! TLS handshake of its own learns whether the server asks for a client certificate. A server
//! that does so and refuses the connection is refusing the client certificate, or its absence,
//! whichever way it says so: the TLS 1.3 `certificate_required` alert, which may arrive before or
//! after the client's first write (and so read as a reset), or nginx's HTTP 400 for
//! `ssl_verify_client on`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, DigitallySignedStruct, SignatureScheme};
use temporalio_client::errors::ClientConnectError;

use super::{ConnectionError, Credentials, Resolved};

/// How long the diagnosing handshake may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The [`ConnectionError`] that says what to fix about a failed connection.
pub(super) async fn diagnose(err: &ClientConnectError, resolved: &Resolved) -> ConnectionError {
    let target = resolved.target.clone();
    let client_cert = resolved.credentials.client_cert;
    if let Some(tls) = find_rustls_error(err) {
        match tls {
            rustls::Error::InvalidCertificate(cert) => {
                return ConnectionError::UntrustedServer {
                    target,
                    message: describe_certificate_error(cert),
                };
            }
            rustls::Error::AlertReceived(alert) if is_client_certificate_alert(*alert) => {
                return ConnectionError::ClientCertificateRejected {
                    target,
                    message: client_certificate_refusal(client_cert, Some(*alert)),
                };
            }
            _ => {}
        }
    }
    if let ClientConnectError::SystemInfoCallError(status) = err
        && matches!(
            status.code(),
            tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
        )
    {
        let message = plain(status.message());
        let Credentials {
            client_cert,
            api_key,
        } = resolved.credentials;
        // Which credential: the only one given, else the one the server speaks of or asks for.
        let certificate = match (client_cert, api_key) {
            (true, false) => true,
            (false, true) => false,
            _ => {
                message.to_lowercase().contains("certificate")
                    || (!api_key && asks_for_client_certificate(resolved).await)
            }
        };
        return if certificate {
            ConnectionError::ClientCertificateRejected { target, message }
        } else {
            ConnectionError::ApiKeyRejected { target, message }
        };
    }
    if let ClientConnectError::InvalidConfig(message) = err {
        return ConnectionError::InvalidTls {
            target,
            message: plain(message),
        };
    }
    let cause = cause(err);
    let lower = cause.to_lowercase();
    if ["private key", "pem", "invalid certificate", "tls config"]
        .iter()
        .any(|words| lower.contains(words))
    {
        return ConnectionError::InvalidTls {
            target,
            message: cause,
        };
    }
    if asks_for_client_certificate(resolved).await {
        return ConnectionError::ClientCertificateRejected {
            target,
            message: client_certificate_refusal(client_cert, None),
        };
    }
    ConnectionError::Unreachable {
        target,
        message: cause,
    }
}

/// The `rustls` error somewhere in the source chain (inside an `io::Error`), if any.
fn find_rustls_error(err: &ClientConnectError) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = match err {
        ClientConnectError::TonicTransportError(transport) => Some(transport),
        ClientConnectError::SystemInfoCallError(status) => std::error::Error::source(status),
        _ => None,
    };
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        next = current.source();
    }
    None
}

/// What is wrong with the server's certificate, in words.
fn describe_certificate_error(err: &CertificateError) -> String {
    match err {
        CertificateError::UnknownIssuer => {
            "it is signed by a CA this worker does not trust".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "it was issued for another name".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet".to_owned()
        }
        CertificateError::Revoked => "it was revoked".to_owned(),
        CertificateError::BadSignature => "its signature does not verify".to_owned(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not a server certificate".to_owned()
        }
        other => format!("it failed verification ({})", plain(&other.to_string())),
    }
}

/// The TLS alerts a server sends about the client's certificate.
fn is_client_certificate_alert(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
    )
}

/// How the server refused the client certificate: its absence, or the one given.
fn client_certificate_refusal(client_cert: bool, alert: Option<AlertDescription>) -> String {
    match (client_cert, alert) {
        (false, _) => "the server requires one, and none was given".to_owned(),
        (true, Some(AlertDescription::CertificateExpired)) => "it has expired".to_owned(),
        (true, Some(AlertDescription::CertificateRevoked)) => "it was revoked".to_owned(),
        (true, _) => "the server does not accept it (not signed by a CA it trusts, or not a \
                      client certificate)"
            .to_owned(),
    }
}

/// The innermost cause of a failure to connect, in its own words (`Connection refused (os error
/// 111)`), without the `Debug` dumps `temporalio-client` wraps it in.
fn cause(err: &ClientConnectError) -> String {
    let innermost = |mut current: &(dyn std::error::Error + 'static)| {
        while let Some(source) = current.source() {
            current = source;
        }
        plain(&current.to_string())
    };
    match err {
        ClientConnectError::TonicTransportError(transport) => innermost(transport),
        ClientConnectError::SystemInfoCallError(status) => {
            match std::error::Error::source(status) {
                Some(source) => innermost(source),
                None if status.message().is_empty() => format!("{:?}", status.code()),
                None => plain(status.message()),
            }
        }
        ClientConnectError::DnsResolutionError { host, source } => {
            format!("cannot resolve `{host}`: {source}")
        }
        other => plain(&other.to_string()),
    }
}

/// `text` on one line and at most a few hundred characters.
fn plain(text: &str) -> String {
    const MAX: usize = 300;
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.len() <= MAX {
        return line;
    }
    let mut end = MAX;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// Whether the connection is TLS and its server asks for a client certificate.
async fn asks_for_client_certificate(resolved: &Resolved) -> bool {
    let url = &resolved.options.target;
    match (&resolved.options.tls_options, url.host_str()) {
        (Some(tls), Some(host)) => {
            server_asks_for_client_certificate(
                host,
                url.port_or_known_default().unwrap_or(443),
                tls.domain.as_deref().unwrap_or(host),
            )
            .await
        }
        _ => false,
    }
}

/// Whether the TLS server at `host:port` asks for a client certificate, learnt from a handshake
/// of its own (which sends none and verifies nothing: it only watches for the request). `false`
/// when the handshake cannot be made.
async fn server_asks_for_client_certificate(host: &str, port: u16, server_name: &str) -> bool {
    let asked = Arc::new(AskedForCertificate::default());
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let Ok(builder) = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
    else {
        return false;
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
        .with_client_cert_resolver(asked.clone());
    config.alpn_protocols = vec![b"h2".to_vec()];
    let Ok(name) = ServerName::try_from(server_name.to_owned()) else {
        return false;
    };
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .ok()
    };
    let _ = tokio::time::timeout(PROBE_TIMEOUT, handshake).await;
    asked.0.load(Ordering::SeqCst)
}

/// Records whether the server asked for a client certificate, and offers none.
#[derive(Debug, Default)]
struct AskedForCertificate(AtomicBool);

impl ResolvesClientCert for AskedForCertificate {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.0.store(true, Ordering::SeqCst);
        None
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Accepts any server certificate: the diagnosing handshake sends nothing and trusts nothing.
#[derive(Debug)]
struct AnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
