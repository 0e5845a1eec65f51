//! Where a worker or client connects, and how: the same sources as the Temporal CLI and the other
//! SDKs, then the builder's own settings.
//!
//! 1. A profile of a `temporal.toml` file: the file is `.config_file(..)`, else
//!    `TEMPORAL_CONFIG_FILE`, else `~/.config/temporalio/temporal.toml` (when it exists); the
//!    profile is `.profile(..)`, else `TEMPORAL_PROFILE`, else `default`.
//! 2. The `TEMPORAL_*` environment variables on top of it: `TEMPORAL_ADDRESS`,
//!    `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
//!    `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_TLS_CLIENT_CERT_PATH`, `TEMPORAL_TLS_CLIENT_KEY_PATH`
//!    (and their `_DATA` forms), `TEMPORAL_GRPC_META_*`.
//! 3. What the builder sets: `.target(..)`, `.namespace(..)`, `.api_key(..)`, `.tls(..)` (a
//!    [`TlsConfig`] replaces the profile's TLS settings as a whole).
//!
//! Loading is `temporalio-client`'s own envconfig, so the precedence is exactly the other SDKs'.
//! TLS is on when a TLS configuration is given (and not disabled), or when an API key is set.
//!
//! Secrets (API keys, private keys) never appear in `Debug` output, errors or logs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use temporalio_client::{ClientTlsOptions, ConnectionOptions, GrpcCompression, TlsOptions};
use temporalio_common::envconfig::{
    ClientConfigProfile, ClientConfigTLS, DataSource, LoadClientConfigProfileOptions,
    load_client_config_profile,
};

mod diagnosis;

use crate::codec::{PayloadCodec, SharedCodec};
use crate::payload::PayloadConverter;
use crate::storage::ExternalStorage;

/// The server address used when neither `.target(...)`, `TEMPORAL_ADDRESS` nor a config profile
/// sets one.
pub const DEFAULT_TARGET: &str = "localhost:7233";

/// The namespace used when neither `.namespace(...)`, `TEMPORAL_NAMESPACE` nor a config profile
/// sets one.
pub const DEFAULT_NAMESPACE: &str = crate::context::DEFAULT_NAMESPACE;

/// TLS settings: the CA that signs the server's certificate, the name to verify it against, and a
/// client certificate for mTLS.
///
/// ```
/// use activity_runtime::connection::TlsConfig;
///
/// let tls = TlsConfig::new()
///     .ca_cert_file("certs/ca.pem")
///     .server_name("temporal.internal")
///     .client_cert_files("certs/worker.pem", "certs/worker.key");
/// assert!(!format!("{tls:?}").contains("BEGIN"));
/// ```
#[derive(Clone, Default)]
pub struct TlsConfig {
    ca_cert: Option<Source>,
    server_name: Option<String>,
    client_cert: Option<Source>,
    client_key: Option<Source>,
}

#[derive(Clone)]
enum Source {
    File(PathBuf),
    Pem(Vec<u8>),
}

impl Source {
    fn from_data_source(source: DataSource) -> Option<Self> {
        match source {
            DataSource::Path(path) => Some(Self::File(path.into())),
            DataSource::Data(data) => Some(Self::Pem(data)),
            _ => None,
        }
    }

    fn read(&self, what: &'static str) -> Result<Vec<u8>, ConnectionError> {
        match self {
            Self::Pem(pem) => Ok(pem.clone()),
            Self::File(path) => {
                std::fs::read(path).map_err(|source| ConnectionError::CertificateFile {
                    what,
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    /// For `Debug`: a path, or the size of inline data (never the data).
    fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Pem(pem) => format!("<{} bytes of PEM>", pem.len()),
        }
    }
}

impl TlsConfig {
    /// TLS with the system's trusted roots and the host name of the address.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust the CA certificate (PEM) in this file for the server's certificate.
    pub fn ca_cert_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca_cert = Some(Source::File(path.as_ref().to_owned()));
        self
    }

    /// Trust this CA certificate (PEM) for the server's certificate.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_cert = Some(Source::Pem(pem.into()));
        self
    }

    /// Verify the server's certificate against this name (and send it as SNI) instead of the
    /// address's host.
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// mTLS: present this client certificate and private key (PEM files).
    pub fn client_cert_files(mut self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        self.client_cert = Some(Source::File(cert.as_ref().to_owned()));
        self.client_key = Some(Source::File(key.as_ref().to_owned()));
        self
    }

    /// mTLS: present this client certificate and private key (PEM).
    pub fn client_cert_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.client_cert = Some(Source::Pem(cert.into()));
        self.client_key = Some(Source::Pem(key.into()));
        self
    }

    fn has_client_cert(&self) -> bool {
        self.client_cert.is_some()
    }

    fn from_profile(tls: ClientConfigTLS) -> Result<Self, ConnectionError> {
        let client_cert = tls.client_cert.and_then(Source::from_data_source);
        let client_key = tls.client_key.and_then(Source::from_data_source);
        if client_cert.is_some() != client_key.is_some() {
            return Err(ConnectionError::Config(
                "a client certificate and a client key must be given together".to_owned(),
            ));
        }
        Ok(Self {
            ca_cert: tls.server_ca_cert.and_then(Source::from_data_source),
            server_name: tls.server_name,
            client_cert,
            client_key,
        })
    }

    fn to_options(&self) -> Result<TlsOptions, ConnectionError> {
        let ca = self
            .ca_cert
            .as_ref()
            .map(|s| s.read("CA certificate"))
            .transpose()?;
        let client = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some(
                ClientTlsOptions::builder()
                    .client_cert(cert.read("client certificate")?)
                    .client_private_key(key.read("client key")?)
                    .build(),
            ),
            _ => None,
        };
        Ok(TlsOptions::builder()
            .maybe_server_root_ca_cert(ca)
            .maybe_domain(self.server_name.clone())
            .maybe_client_tls_options(client)
            .build())
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_cert", &self.ca_cert.as_ref().map(Source::describe))
            .field("server_name", &self.server_name)
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(Source::describe),
            )
            .field(
                "client_key",
                &self.client_key.as_ref().map(|k| match k {
                    Source::File(path) => path.display().to_string(),
                    Source::Pem(_) => "<redacted>".to_owned(),
                }),
            )
            .finish()
    }
}

/// An API key, sent as `authorization: Bearer <key>`. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl<S: Into<String>> From<S> for ApiKey {
    fn from(key: S) -> Self {
        Self::new(key)
    }
}

/// How to connect: the builder's settings over a config profile and the environment. The worker
/// builder holds one; [`Client::connect_with`](crate::client::Client::connect_with) takes one.
///
/// ```no_run
/// use activity_runtime::client::Client;
/// use activity_runtime::connection::ConnectOptions;
///
/// # async fn run() -> Result<(), activity_runtime::client::ClientError> {
/// // TEMPORAL_ADDRESS, TEMPORAL_API_KEY, … or the `prod` profile of temporal.toml.
/// let client = Client::connect_with(ConnectOptions::new().profile("prod")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ConnectOptions {
    pub(crate) target: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) profile: Option<String>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) identity: Option<String>,
    pub(crate) codec: Option<SharedCodec>,
    pub(crate) storage: Option<ExternalStorage>,
    pub(crate) converter: PayloadConverter,
    /// Gzip every gRPC message (off unless asked for; see [`ConnectOptions::gzip_compression`]).
    pub(crate) gzip: bool,
    /// Read neither `TEMPORAL_*` variables nor config files (tests, embedded use).
    pub(crate) isolated: bool,
}

impl ConnectOptions {
    /// Everything from the profile and the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server address, `host:port` or a URL; overrides `TEMPORAL_ADDRESS` and the profile.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The namespace; overrides `TEMPORAL_NAMESPACE` and the profile.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The profile of the config file; overrides `TEMPORAL_PROFILE`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The config file; overrides `TEMPORAL_CONFIG_FILE`.
    pub fn config_file(mut self, path: impl AsRef<Path>) -> Self {
        self.config_file = Some(path.as_ref().to_owned());
        self
    }

    /// TLS settings; replace the profile's.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// An API key; overrides `TEMPORAL_API_KEY` and the profile. Turns TLS on unless the
    /// address is an explicit `http://` URL.
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The identity reported to the server.
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// The client's payload converter (see [`PayloadConverter`]): how its arguments become
    /// payloads and its results decode. Give it the worker's when the worker has encodings of
    /// its own.
    pub fn payload_converter(mut self, converter: PayloadConverter) -> Self {
        self.converter = converter;
        self
    }

    /// A payload codec for the client (see [`crate::codec`]).
    pub fn codec(mut self, codec: impl PayloadCodec + Send + Sync + 'static) -> Self {
        self.codec = Some(SharedCodec::new(codec));
        self
    }

    /// External storage for the client's large payloads (see [`crate::storage`]): arguments
    /// of at least its threshold are stored and the history carries references; results that
    /// are references are read back. Composes with [`codec`](Self::codec) as in the other SDKs.
    pub fn external_storage(mut self, storage: ExternalStorage) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Gzip-compress every gRPC request and accept compressed responses. Off by default, unlike
    /// the official client: a worker's messages are small, and compressing each one cost a no-op
    /// activity 40% of the worker's CPU in the end-to-end benchmark (`make bench`), mostly in
    /// setting up a fresh deflate state per message. Turn it on when bandwidth costs more than
    /// CPU (large, compressible payloads over a slow or metered link).
    pub fn gzip_compression(mut self, enabled: bool) -> Self {
        self.gzip = enabled;
        self
    }

    /// Ignore `TEMPORAL_*` variables and config files: only what is set here counts.
    pub fn isolated(mut self) -> Self {
        self.isolated = true;
        self
    }

    /// Resolves the settings into what `temporalio-client` connects with.
    pub(crate) fn resolve(&self, default_identity: String) -> Result<Resolved, ConnectionError> {
        let profile = if self.isolated {
            ClientConfigProfile::default()
        } else {
            let options = LoadClientConfigProfileOptions::builder()
                .maybe_config_source(
                    self.config_file
                        .as_ref()
                        .map(|p| DataSource::Path(p.display().to_string())),
                )
                .maybe_config_file_profile(self.profile.clone())
                .build();
            load_client_config_profile(options, None)
                .map_err(|err| ConnectionError::Config(err.to_string()))?
        };
        let ClientConfigProfile {
            address,
            namespace,
            api_key,
            tls,
            grpc_meta,
            ..
        } = profile;
        let api_key = self
            .api_key
            .clone()
            .or_else(|| api_key.filter(|k| !k.is_empty()).map(ApiKey));
        let tls = match &self.tls {
            Some(tls) => Some(tls.clone()),
            None => match tls {
                Some(t) if t.disabled == Some(true) => None,
                Some(t) => Some(TlsConfig::from_profile(t)?),
                None if api_key.is_some() => Some(TlsConfig::new()),
                None => None,
            },
        };
        let target = self
            .target
            .clone()
            .or(address)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEFAULT_TARGET.to_owned());
        let url = parse_target(&target, tls.is_some())?;
        let namespace = self
            .namespace
            .clone()
            .or(namespace)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let tls_options = tls.as_ref().map(TlsConfig::to_options).transpose()?;
        let options = ConnectionOptions::new(url)
            .identity(self.identity.clone().unwrap_or(default_identity))
            .connect_timeout(Duration::from_secs(10))
            .grpc_compression(if self.gzip {
                GrpcCompression::Gzip
            } else {
                GrpcCompression::None
            })
            .maybe_api_key(api_key.as_ref().map(|k| k.0.clone()))
            .maybe_tls_options(tls_options)
            .maybe_headers((!grpc_meta.is_empty()).then_some(grpc_meta))
            .build();
        Ok(Resolved {
            credentials: Credentials {
                client_cert: tls.as_ref().is_some_and(TlsConfig::has_client_cert),
                api_key: api_key.is_some(),
            },
            options,
            namespace,
            target,
        })
    }
}

/// Resolved settings.
pub(crate) struct Resolved {
    /// Holds the API key: never `Debug`-print it.
    pub(crate) options: ConnectionOptions,
    pub(crate) namespace: String,
    /// The address as given, for messages.
    pub(crate) target: String,
    pub(crate) credentials: Credentials,
}

/// Which credentials a connection uses, to say which one failed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Credentials {
    pub(crate) client_cert: bool,
    pub(crate) api_key: bool,
}

/// `host:port` (https when TLS is on) or a URL.
fn parse_target(target: &str, tls: bool) -> Result<temporalio_client::Url, ConnectionError> {
    let invalid = |reason: String| ConnectionError::InvalidTarget {
        target: target.to_owned(),
        reason,
    };
    let with_scheme = if target.contains("://") {
        target.to_owned()
    } else if tls {
        format!("https://{target}")
    } else {
        format!("http://{target}")
    };
    let url = temporalio_client::Url::parse(&with_scheme).map_err(|e| invalid(e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".to_owned()));
    }
    Ok(url)
}

/// Why a connection could not be made: each credential fails with its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The config file, profile or environment is unusable.
    #[error("invalid Temporal connection config: {0}")]
    Config(String),
    /// The address is unusable.
    #[error("invalid Temporal server address `{target}`: {reason}")]
    InvalidTarget {
        /// The address as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A certificate or key file could not be read.
    #[error("cannot read the TLS {what} file `{}`: {source}", path.display())]
    CertificateFile {
        /// `CA certificate`, `client certificate` or `client key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS configuration (certificate or key data) is unusable.
    #[error("invalid TLS configuration for `{target}`: {message}")]
    InvalidTls {
        /// The address.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// The server's certificate is not trusted: wrong CA, or a name that does not match.
    #[error(
        "the TLS certificate of the Temporal server at `{target}` is not trusted: {message}; set \
         the CA that signed it (`TlsConfig::ca_cert_file`, TEMPORAL_TLS_SERVER_CA_CERT_PATH) and \
         the name it was issued for (`TlsConfig::server_name`, TEMPORAL_TLS_SERVER_NAME)"
    )]
    UntrustedServer {
        /// The address.
        target: String,
        /// What is wrong with the certificate (`it is signed by a CA this worker does not
        /// trust`).
        message: String,
    },
    /// The server (or a TLS proxy in front of it) refused the client certificate, or wants one
    /// and none was given, however it says so: a TLS alert, a refused handshake, an HTTP 400, a
    /// gRPC `UNAUTHENTICATED`.
    #[error(
        "the Temporal server at `{target}` rejected the client certificate: {message}; set a \
         certificate and key it accepts (`TlsConfig::client_cert_files`, \
         TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)"
    )]
    ClientCertificateRejected {
        /// The address.
        target: String,
        /// Why (`the server requires one, and none was given`), or what the server said.
        message: String,
    },
    /// The server refused the API key, or wants one and none was given.
    #[error(
        "the Temporal server at `{target}` rejected the API key: {message}; check the key \
         (`.api_key(..)`, TEMPORAL_API_KEY)"
    )]
    ApiKeyRejected {
        /// The address.
        target: String,
        /// What the server said.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot reach a Temporal server at `{target}`: {message}")]
    Unreachable {
        /// The address.
        target: String,
        /// The connection error.
        message: String,
    },
}

/// Connects with resolved settings; a failure says which setting or credential to fix (see
/// [`diagnosis`]).
pub(crate) async fn connect(
    resolved: &Resolved,
) -> Result<temporalio_client::Connection, ConnectionError> {
    match temporalio_client::Connection::connect(resolved.options.clone()).await {
        Ok(connection) => Ok(connection),
        Err(err) => Err(diagnosis::diagnose(&err, resolved).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let options = ConnectOptions::new()
            .api_key("sekrit-key-123")
            .tls(TlsConfig::new().client_cert_pem("CERT", "-----BEGIN PRIVATE KEY----- sekrit"));
        let text = format!("{options:?}");
        assert!(!text.contains("sekrit"), "{text}");
    }

    #[test]
    fn builder_settings_win_and_api_keys_turn_tls_on() {
        let resolved = ConnectOptions::new()
            .isolated()
            .target("example.com:7233")
            .namespace("prod")
            .api_key("k")
            .resolve("me".into())
            .unwrap();
        assert_eq!(
            resolved.options.target.as_str(),
            "https://example.com:7233/"
        );
        assert_eq!(resolved.namespace, "prod");
        assert!(resolved.options.tls_options.is_some());
        assert!(resolved.credentials.api_key);
    }

    #[test]
    fn gzip_is_off_unless_asked_for() {
        let resolve = |options: ConnectOptions| options.isolated().resolve("me".into()).unwrap();
        assert_eq!(
            resolve(ConnectOptions::new()).options.grpc_compression,
            GrpcCompression::None
        );
        assert_eq!(
            resolve(ConnectOptions::new().gzip_compression(true))
                .options
                .grpc_compression,
            GrpcCompression::Gzip
        );
    }

    #[test]
    fn a_missing_certificate_file_says_which() {
        let err = ConnectOptions::new()
            .isolated()
            .tls(TlsConfig::new().ca_cert_file("/nonexistent/ca.pem"))
            .resolve("me".into())
            .err()
            .unwrap();
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
    }

    #[test]
    fn profiles_load_from_a_config_file() {
        let dir = std::env::temp_dir().join(format!("ar-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("temporal.toml");
        std::fs::write(
            &file,
            "[profile.staging]\naddress = \"staging.example:7233\"\nnamespace = \"stg\"\n",
        )
        .unwrap();
        let resolved = ConnectOptions::new()
            .config_file(&file)
            .profile("staging")
            .resolve("me".into())
            .unwrap();
        assert_eq!(resolved.namespace, "stg");
        assert_eq!(resolved.target, "staging.example:7233");
        let err = ConnectOptions::new()
            .config_file(&file)
            .profile("nope")
            .resolve("me".into())
            .err()
            .unwrap();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
