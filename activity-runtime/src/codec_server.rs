//! A codec server: the HTTP service the `temporal` CLI (`--codec-endpoint`) and the Temporal Web
//! UI (its codec endpoint setting, `temporal server start-dev --ui-codec-endpoint`) call to
//! encode and decode payloads with a [`PayloadCodec`], so that operators can read what workers
//! and clients encrypted.
//!
//! It speaks the protocol of the other SDKs' codec servers:
//!
//! - `POST /encode` and `POST /decode`, also under a namespace segment (`/{namespace}/decode`,
//!   what the CLI's `--codec-endpoint http://host:port/{namespace}` calls); the Web UI names the
//!   namespace in the `X-Namespace` header instead.
//! - Body and answer: a `Payloads` message in proto3 JSON, `{"payloads": [{"metadata":
//!   {"encoding": "<base64>"}, "data": "<base64>"}]}`.
//! - CORS for the Web UI's origins, with credentials (the UI may send cookies and forwards the
//!   user's access token as `Authorization`); the CLI sends `--codec-auth` as `Authorization`.
//!
//! Other paths answer `404`, other methods `405`; a body over the limit `413`; a malformed body
//! `400` with a message that names the problem; payloads the codec refuses `422`; a refused
//! authorization `401` or `403`; a panicking codec `500`. Each request runs in a
//! `codec_server_request` span and is counted in the metrics of the [`MetricMeter`] it is given
//! (the worker's: [`Worker::metric_meter`](crate::Worker::metric_meter)).
//!
//! ```no_run
//! # async fn run(codec: activity_runtime::codec::SharedCodec) -> Result<(), Box<dyn std::error::Error>> {
//! use activity_runtime::codec_server::CodecServer;
//!
//! let server = CodecServer::builder(codec)
//!     .cors_origin("http://localhost:8233")
//!     .require_authorization("Bearer my-operators-token")
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
//! server.serve(listener).await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use temporalio_common::protos::temporal::api::common::v1::Payloads;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Instrument as _;

use crate::codec::{PayloadCodec, SerializationContextData, SharedCodec, chain};
use crate::meter::MetricMeter;

/// The header the Web UI names the namespace in.
pub const NAMESPACE_HEADER: &str = "x-namespace";

/// The body size limit when none is set: 8 MiB, room for the largest gRPC message the server
/// takes (4 MB) in base64.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The counters, their names and what they count.
const REQUESTS: (&str, &str) = (
    "activity_runtime_codec_server_requests",
    "Requests to the codec server, by operation (encode, decode, preflight, other) and status code",
);
const PAYLOADS: (&str, &str) = (
    "activity_runtime_codec_server_payloads",
    "Payloads the codec server encoded or decoded, by operation",
);
const DURATION: (&str, &str) = (
    "activity_runtime_codec_server_request_duration",
    "How long the codec server took to answer, by operation",
);

/// Errors in a codec server's settings ([`CodecServerBuilder::build`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecServerError {
    /// A CORS origin that is not an origin (`scheme://host[:port]`), or `*`, which browsers
    /// refuse for requests with credentials.
    #[error(
        "`{origin}` is not a CORS origin: give each origin the Web UI is served from, as \
         `scheme://host[:port]` (`*` is refused with credentials)"
    )]
    CorsOrigin {
        /// The origin as given.
        origin: String,
    },
    /// A body size limit of zero.
    #[error("the body size limit must be at least one byte")]
    BodyLimit,
}

/// An encode or decode request, as an authorization hook sees it
/// ([`CodecServerBuilder::authorize`]).
#[derive(Debug)]
pub struct AuthorizationRequest<'a> {
    operation: Operation,
    namespace: Option<&'a str>,
    headers: &'a HeaderMap,
}

impl AuthorizationRequest<'_> {
    /// Whether the caller asks to encode or to decode.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The namespace, from the path segment or else the `X-Namespace` header, if either names
    /// one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace
    }

    /// The `Authorization` header, if any (the CLI's `--codec-auth`, or `Bearer <token>` from the
    /// Web UI).
    pub fn authorization(&self) -> Option<&str> {
        self.headers.get(AUTHORIZATION)?.to_str().ok()
    }

    /// All request headers (cookies, `--codec-header`s, ...).
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }
}

/// What a codec server does for a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /encode`: plain payloads in, encoded out (the CLI's inputs, the Web UI's signals).
    Encode,
    /// `POST /decode`: encoded payloads in, plain out.
    Decode,
}

impl Operation {
    /// `encode` or `decode`, as in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Encode => "encode",
            Operation::Decode => "decode",
        }
    }
}

/// Why an authorization hook refused a request: `401` or `403`, with a message for the caller.
#[derive(Debug, Clone)]
pub struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    /// `401 Unauthorized`: no credentials, or ones that prove nothing.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: message.into(),
        }
    }

    /// `403 Forbidden`: a known caller that may not do this (this namespace, this operation).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }
}

type Authorize = dyn Fn(&AuthorizationRequest<'_>) -> Result<(), Refusal> + Send + Sync;

/// Settings of a [`CodecServer`] ([`CodecServer::builder`]).
#[must_use]
pub struct CodecServerBuilder {
    codec: SharedCodec,
    cors_origins: Vec<String>,
    authorize: Option<Arc<Authorize>>,
    body_limit: usize,
    meter: MetricMeter,
}

impl CodecServerBuilder {
    /// Allows browsers on `origin` (`http://localhost:8233`, the Web UI's address as the
    /// browser sees it) to call the server, with credentials. Repeat for each origin; without
    /// any, the server sends no CORS headers (enough for the CLI, which is no browser).
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        self.cors_origins.push(origin.into());
        self
    }

    /// Decides for each encode or decode request whether it may go on (CORS preflights, which
    /// carry no credentials, are answered before it). Replaces
    /// [`require_authorization`](Self::require_authorization).
    ///
    /// ```
    /// # use activity_runtime::codec_server::{CodecServer, Operation, Refusal};
    /// # fn f(codec: activity_runtime::codec::SharedCodec) {
    /// let builder = CodecServer::builder(codec).authorize(|request| {
    ///     match (request.authorization(), request.operation()) {
    ///         (None, _) => Err(Refusal::unauthorized("send a token")),
    ///         (Some("Bearer operator"), _) => Ok(()),
    ///         (Some("Bearer viewer"), Operation::Decode) => Ok(()),
    ///         (Some(_), _) => Err(Refusal::forbidden("not for this token")),
    ///     }
    /// });
    /// # }
    /// ```
    pub fn authorize(
        mut self,
        hook: impl Fn(&AuthorizationRequest<'_>) -> Result<(), Refusal> + Send + Sync + 'static,
    ) -> Self {
        self.authorize = Some(Arc::new(hook));
        self
    }

    /// Refuses (`401`) every encode or decode request whose `Authorization` header is not
    /// exactly `value` (`Bearer <token>`, or whatever the CLI's `--codec-auth` sends), compared
    /// in constant time.
    pub fn require_authorization(self, value: impl Into<String>) -> Self {
        let expected = value.into();
        self.authorize(move |request| match request.authorization() {
            Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
            Some(_) => Err(Refusal::unauthorized(
                "the Authorization header does not match",
            )),
            None => Err(Refusal::unauthorized("an Authorization header is required")),
        })
    }

    /// The largest request body accepted (default [`DEFAULT_BODY_LIMIT`]); larger ones get `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Where requests are counted: a worker's [`metric_meter`](crate::Worker::metric_meter)
    /// puts them with the worker's metrics. Without it they are only traced.
    pub fn metric_meter(mut self, meter: MetricMeter) -> Self {
        self.meter = meter;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// A CORS origin that is not one, or a zero body limit.
    pub fn build(self) -> Result<CodecServer, CodecServerError> {
        if self.body_limit == 0 {
            return Err(CodecServerError::BodyLimit);
        }
        let origins = self
            .cors_origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin.trim_end_matches('/'))
                    .ok()
                    .filter(|_| is_origin(origin))
                    .ok_or_else(|| CodecServerError::CorsOrigin {
                        origin: origin.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CodecServer {
            shared: Arc::new(Shared {
                codec: self.codec,
                authorize: self.authorize,
                body_limit: self.body_limit,
                meter: self.meter,
            }),
            cors_origins: origins,
        })
    }
}

impl fmt::Debug for CodecServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodecServerBuilder")
            .field("cors_origins", &self.cors_origins)
            .field("authorize", &self.authorize.is_some())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

/// `scheme://host[:port]` and nothing more, which is what browsers send as `Origin`.
fn is_origin(origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    match origin.split_once("://") {
        Some((scheme, authority)) => {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                && !authority.is_empty()
                && !authority.contains(['/', '*', '?', '#', ' '])
        }
        None => false,
    }
}

/// Equal bytes, in a time that depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// A codec server: a [`Router`] to mount in an axum app, or served on its own.
#[derive(Clone)]
pub struct CodecServer {
    shared: Arc<Shared>,
    cors_origins: Vec<HeaderValue>,
}

/// What every request needs.
struct Shared {
    codec: SharedCodec,
    authorize: Option<Arc<Authorize>>,
    body_limit: usize,
    meter: MetricMeter,
}

impl CodecServer {
    /// Starts configuring a codec server for `codec`: any [`PayloadCodec`], the one given to
    /// the worker's [`codec`](crate::WorkerBuilder::codec).
    pub fn builder(codec: impl PayloadCodec + Send + Sync + 'static) -> CodecServerBuilder {
        CodecServerBuilder {
            codec: SharedCodec::new(codec),
            cors_origins: Vec::new(),
            authorize: None,
            body_limit: DEFAULT_BODY_LIMIT,
            meter: MetricMeter::noop(),
        }
    }

    /// The routes, with their CORS, limit, tracing and metrics layers: `Router::nest` it under
    /// a prefix of your app, or `merge` it.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/encode", post(encode_root))
            .route("/decode", post(decode_root))
            .route("/{namespace}/encode", post(encode_in))
            .route("/{namespace}/decode", post(decode_in))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.shared.body_limit))
            .layer(CatchPanicLayer::custom(panicked))
            .with_state(self.shared.clone());
        let routes = if self.cors_origins.is_empty() {
            routes
        } else {
            routes.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(self.cors_origins.clone()))
                    .allow_credentials(true)
                    .allow_methods([Method::POST])
                    .allow_headers([
                        CONTENT_TYPE,
                        AUTHORIZATION,
                        HeaderName::from_static(NAMESPACE_HEADER),
                    ])
                    .max_age(std::time::Duration::from_secs(600)),
            )
        };
        routes.layer(middleware::from_fn_with_state(self.shared.clone(), track))
    }

    /// Serves [`router`](Self::router) on `listener` until the process ends.
    ///
    /// # Errors
    /// Only what accepting connections returns for good.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Serves until `shutdown` completes, then lets open requests finish.
    ///
    /// # Errors
    /// Only what accepting connections returns for good.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

impl fmt::Debug for CodecServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodecServer")
            .field("cors_origins", &self.cors_origins)
            .field("authorize", &self.shared.authorize.is_some())
            .field("body_limit", &self.shared.body_limit)
            .finish_non_exhaustive()
    }
}

type Body = Result<Bytes, BytesRejection>;

async fn encode_root(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&shared, Operation::Encode, None, &headers, body).await
}

async fn decode_root(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&shared, Operation::Decode, None, &headers, body).await
}

async fn encode_in(
    State(shared): State<Arc<Shared>>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&shared, Operation::Encode, Some(namespace), &headers, body).await
}

async fn decode_in(
    State(shared): State<Arc<Shared>>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&shared, Operation::Decode, Some(namespace), &headers, body).await
}

/// Authorizes, parses, runs the codec and answers.
async fn handle(
    shared: &Shared,
    operation: Operation,
    path_namespace: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let namespace = path_namespace.or_else(|| {
        headers
            .get(NAMESPACE_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    });
    if let Some(namespace) = &namespace {
        tracing::Span::current().record("namespace", namespace.as_str());
    }
    if let Some(authorize) = &shared.authorize {
        let request = AuthorizationRequest {
            operation,
            namespace: namespace.as_deref(),
            headers,
        };
        if let Err(refusal) = authorize(&request) {
            tracing::info!(status = refusal.status.as_u16(), reason = %refusal.message, "codec server request refused");
            return text(refusal.status, refusal.message);
        }
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is larger than the codec server's limit of {} bytes",
                    shared.body_limit
                ),
            );
        }
        Err(rejection) => return text(rejection.status(), rejection.body_text()),
    };
    let payloads = match serde_json::from_slice::<Payloads>(&body) {
        Ok(payloads) => payloads.payloads,
        Err(err) => {
            return text(
                StatusCode::BAD_REQUEST,
                format!(
                    "malformed body: expected a Payloads message in proto3 JSON, \
                     {{\"payloads\": [{{\"metadata\": {{\"encoding\": \"<base64>\"}}, \"data\": \
                     \"<base64>\"}}]}}: {err}"
                ),
            );
        }
    };
    let count = payloads.len() as u64;
    let context = SerializationContextData::None;
    let converted = match operation {
        Operation::Encode => PayloadCodec::encode(&shared.codec, &context, payloads).await,
        Operation::Decode => PayloadCodec::decode(&shared.codec, &context, payloads).await,
    };
    match converted {
        Ok(payloads) => {
            let (name, description) = PAYLOADS;
            shared
                .meter
                .with_labels([("operation", operation.as_str())])
                .counter(name, description)
                .add(count);
            match serde_json::to_vec(&Payloads { payloads }) {
                Ok(json) => ([(CONTENT_TYPE, "application/json")], json).into_response(),
                Err(err) => text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the payloads could not be written as JSON: {err}"),
                ),
            }
        }
        Err(err) => {
            let message = format!(
                "the codec could not {} the payloads: {}",
                operation.as_str(),
                chain(&err)
            );
            tracing::warn!(%message, "codec server request failed");
            text(StatusCode::UNPROCESSABLE_ENTITY, message)
        }
    }
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    text(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {method} {}; a codec server answers POST /encode, POST /decode, \
             POST /{{namespace}}/encode and POST /{{namespace}}/decode",
            uri.path()
        ),
    )
}

/// A panic in the codec (or anywhere below) becomes a `500`; the server goes on.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("the codec server's handler panicked");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the codec panicked".to_owned(),
    )
}

fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// Runs each request in a span, and counts and times it.
async fn track(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let operation = match (request.method(), request.uri().path().rsplit('/').next()) {
        (&Method::POST, Some("encode")) => "encode",
        (&Method::POST, Some("decode")) => "decode",
        (&Method::OPTIONS, _) => "preflight",
        _ => "other",
    };
    let span = tracing::info_span!(
        "codec_server_request",
        method = %request.method(),
        path = %request.uri().path(),
        namespace = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("status", status.as_u16());
    let meter = shared.meter.with_labels([("operation", operation)]);
    let (name, description) = REQUESTS;
    meter
        .with_labels([("status", status.as_str())])
        .counter(name, description)
        .add(1);
    let (name, description) = DURATION;
    meter
        .duration_histogram(name, description)
        .record(started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::protos::temporal::api::common::v1::Payload;

    #[test]
    fn origins_are_checked() {
        for good in [
            "http://localhost:8233",
            "https://ui.example.com",
            "http://127.0.0.1:1/",
        ] {
            assert!(is_origin(good), "{good}");
        }
        for bad in ["*", "localhost:8233", "http://", "http://a/b", "http://*.x"] {
            assert!(!is_origin(bad), "{bad}");
        }
        let err = CodecServer::builder(crate::codec::SharedCodec::new(Identity))
            .cors_origin("*")
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("`*` is not a CORS origin"),
            "{err}"
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"Bearer x", b"Bearer x"));
        assert!(!constant_time_eq(b"Bearer x", b"Bearer y"));
        assert!(!constant_time_eq(b"Bearer x", b"Bearer xx"));
    }

    /// Sends `body` to `path` (with `headers`), answers the status and the body.
    async fn call(
        router: &Router,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, String) {
        use tower::ServiceExt as _;
        let mut request = axum::http::Request::post(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = router
            .clone()
            .oneshot(
                request
                    .body(axum::body::Body::from(body.to_owned()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    const ONE: &str =
        r#"{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"MQ=="}]}"#;
    /// A payload whose data is `boom`.
    const BOOM: &str = r#"{"payloads":[{"data":"Ym9vbQ=="}]}"#;

    #[tokio::test]
    async fn a_panicking_codec_is_a_500_and_the_next_request_is_served() {
        let router = CodecServer::builder(Identity).build().unwrap().router();
        let (status, body) = call(&router, "/decode", &[], BOOM).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(body, "the codec panicked");
        let (status, body) = call(&router, "/decode", &[], ONE).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, ONE);
    }

    #[tokio::test]
    async fn the_hook_sees_the_namespace_and_operation_and_may_forbid() {
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let record = seen.clone();
        let router = CodecServer::builder(Identity)
            .authorize(move |request| {
                record.lock().push(request.namespace().map(str::to_owned));
                match request.operation() {
                    Operation::Decode => Ok(()),
                    Operation::Encode => Err(Refusal::forbidden("decoding only")),
                }
            })
            .build()
            .unwrap()
            .router();
        assert_eq!(
            call(&router, "/ns1/decode", &[], ONE).await.0,
            StatusCode::OK
        );
        let header = [(NAMESPACE_HEADER, "ns2")];
        assert_eq!(
            call(&router, "/decode", &header, ONE).await.0,
            StatusCode::OK
        );
        assert_eq!(
            call(&router, "/ns3/encode", &header, ONE).await,
            (StatusCode::FORBIDDEN, "decoding only".to_owned())
        );
        assert_eq!(
            call(&router, "/encode", &[], ONE).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            *seen.lock(),
            [
                Some("ns1".to_owned()),
                Some("ns2".to_owned()),
                Some("ns3".to_owned()),
                None
            ]
        );
    }

    /// Leaves payloads as they are; panics on one whose data is `boom`.
    struct Identity;

    type Converted = futures_util::future::BoxFuture<
        'static,
        Result<Vec<Payload>, crate::codec::PayloadConversionError>,
    >;

    impl PayloadCodec for Identity {
        fn encode(&self, _: &SerializationContextData, payloads: Vec<Payload>) -> Converted {
            Box::pin(std::future::ready(Ok(payloads)))
        }

        fn decode(&self, _: &SerializationContextData, payloads: Vec<Payload>) -> Converted {
            assert!(
                payloads.iter().all(|p| p.data != b"boom"),
                "a codec that panics"
            );
            Box::pin(std::future::ready(Ok(payloads)))
        }
    }
}
