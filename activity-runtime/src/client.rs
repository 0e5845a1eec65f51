//! A small client that executes standalone activities by name, on the official Temporal client.
//!
//! It is what the examples and tests use to call activities without a workflow:
//!
//! ```no_run
//! use activity_runtime::client::{ActivityOptions, Client};
//!
//! # async fn run() -> Result<(), activity_runtime::client::ClientError> {
//! let client = Client::connect("localhost:7233", "default").await?;
//! let greeting: String = client
//!     .execute_activity("say_hello", ("World",), ActivityOptions::new("greetings"))
//!     .await?;
//! assert_eq!(greeting, "Hello, World!");
//! # Ok(())
//! # }
//! ```
//!
//! Every `#[activity]` also implements the official `ActivityDefinition` (up to six parameters),
//! so the official client ([`Client::inner`]) calls it with typed input and output; what that
//! needs is re-exported here:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use activity_runtime::activity;
//! use activity_runtime::client::{ActivityCloseTimeouts, ActivityStartOptions, Client};
//!
//! #[activity]
//! async fn say_hello(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect("localhost:7233", "default").await?;
//! let input = "World".to_owned();
//! client.check_input::<say_hello>(&input).await?; // refuses an oversized input before any request
//! let timeouts = ActivityCloseTimeouts::StartToClose(Duration::from_secs(30));
//! let options = ActivityStartOptions::new("greetings", "hello-1", timeouts).build();
//! let handle = client.inner().start_activity(say_hello {}, input, options).await?;
//! let greeting: String = handle.result().await?;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use temporalio_client::ActivityIdentifier;
use temporalio_client::errors::ActivityResultError;
use temporalio_common::UntypedActivity;
use temporalio_common::data_converters::{
    ActivitySerializationContext, GenericPayloadConverter, RawValue, SerializationContext,
    SerializationContextData,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::failure::v1::{Failure, failure::FailureInfo};

use crate::activity::Activity;
use crate::codec::SharedCodec;
use crate::connection::{ConnectOptions, ConnectionError};
use crate::context::ActivityContext;
use crate::error::decode_common_attributes;
use crate::limits::{
    NamespaceLimit, PayloadKind, PayloadsTooLarge, encoded_size, largest_argument,
};
pub use crate::payload::ActivityArgs;
use crate::payload::{ArgumentEncodeError, PayloadConverter, PayloadError, ProtoMessage};
use crate::storage::{ExternalStorage, StorageError, StoreContext, StoreTarget};

/// What a typed call through the official client ([`Client::inner`]) needs, in the versions the
/// runtime uses.
pub use temporalio_client::ActivityStartOptions;
pub use temporalio_common::data_converters::{
    MultiArgs2, MultiArgs3, MultiArgs4, MultiArgs5, MultiArgs6,
};
pub use temporalio_common::{ActivityCloseTimeouts, ActivityDefinition};

/// A connection to one namespace of a Temporal server.
#[derive(Clone)]
pub struct Client {
    inner: temporalio_client::Client,
    /// The namespace's blob size limit, asked for once, on the first call that needs it.
    namespace_limit: Arc<tokio::sync::OnceCell<NamespaceLimit>>,
    /// The payload codec the official client applies; kept to measure encoded sizes.
    codec: Option<SharedCodec>,
    /// External storage, after the codec; kept to measure what is sent.
    storage: Option<ExternalStorage>,
    /// The official client on the same connection without the codec and storage, for starts
    /// with storage: the official client's codec hook does not know the activity, so this
    /// client encodes and stores the input itself, under the activity's key (as Python's client
    /// keys it), and sends what it made as it is.
    unencoded: temporalio_client::Client,
    /// Encodes arguments and decodes results.
    converter: PayloadConverter,
}

/// Not derived: the official client's `Debug` prints its connection's headers, API key included.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use temporalio_client::NamespacedClient;
        f.debug_struct("Client")
            .field("namespace", &self.inner.namespace())
            .field("codec", &self.codec)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

/// How a standalone activity is started.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ActivityOptions {
    /// The task queue a worker for the activity polls.
    pub task_queue: String,
    /// The activity id; a random one when `None`.
    pub id: Option<String>,
    /// Maximum time of one attempt (default 30 s).
    pub start_to_close_timeout: Duration,
    /// Maximum time of the whole activity, retries included, if any.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Maximum time between heartbeats, if any.
    pub heartbeat_timeout: Option<Duration>,
    /// Maximum number of attempts; 0 (the default) lets the server retry without limit.
    pub maximum_attempts: u32,
    /// Delay before the first retry (default 1 s).
    pub initial_retry_interval: Duration,
    /// Headers sent with the activity, which its worker's interceptors read (e.g. a credential).
    pub headers: std::collections::HashMap<String, Payload>,
}

impl ActivityOptions {
    /// Options for `task_queue` with the defaults.
    pub fn new(task_queue: impl Into<String>) -> Self {
        Self {
            task_queue: task_queue.into(),
            id: None,
            start_to_close_timeout: Duration::from_secs(30),
            schedule_to_close_timeout: None,
            heartbeat_timeout: None,
            maximum_attempts: 0,
            initial_retry_interval: Duration::from_secs(1),
            headers: std::collections::HashMap::new(),
        }
    }

    /// Sets the activity id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the start-to-close timeout.
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close_timeout = timeout;
        self
    }

    /// Sets the schedule-to-close timeout: the bound of the whole activity, retries included.
    pub fn schedule_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_close_timeout = Some(timeout);
        self
    }

    /// Sets the heartbeat timeout.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// Limits the number of attempts (1 = no retries).
    pub fn maximum_attempts(mut self, attempts: u32) -> Self {
        self.maximum_attempts = attempts;
        self
    }

    /// Sets the delay before the first retry.
    pub fn initial_retry_interval(mut self, interval: Duration) -> Self {
        self.initial_retry_interval = interval;
        self
    }

    /// Sends header `name` with the activity, e.g.
    /// `.header("authorization", to_payload(&token)?)` (with
    /// [`payload::to_payload`](crate::payload::to_payload)). Headers are not encoded by the
    /// payload codec, as in the other SDKs by default.
    pub fn header(mut self, name: impl Into<String>, value: Payload) -> Self {
        self.headers.insert(name.into(), value);
        self
    }
}

/// A failure reported by an activity, as the server stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivityFailure {
    /// The failure message.
    pub message: String,
    /// The application failure type (`ApplicationError.type`), empty when none.
    pub error_type: String,
    /// Whether the failure was marked non-retryable.
    pub non_retryable: bool,
    /// The message of the innermost cause, when there is one (e.g. the activity's own failure
    /// below a retry-state wrapper).
    pub cause: Option<Box<ActivityFailure>>,
}

impl ActivityFailure {
    /// The failure as its sender wrote it: a message and stack trace moved into
    /// `encoded_attributes` (the codec has decoded them) are put back.
    fn from_proto(failure: &Failure, converter: &PayloadConverter) -> Self {
        let (error_type, non_retryable) = match &failure.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info)) => {
                (info.r#type.clone(), info.non_retryable)
            }
            _ => (String::new(), false),
        };
        let message = match decode_common_attributes(failure, converter) {
            Some((message, _stack_trace)) => message,
            None => failure.message.clone(),
        };
        Self {
            message,
            error_type,
            non_retryable,
            cause: failure
                .cause
                .as_deref()
                .map(|c| Box::new(Self::from_proto(c, converter))),
        }
    }
}

impl std::fmt::Display for ActivityFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.error_type.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.error_type, self.message)?;
        }
        if let Some(cause) = &self.cause {
            write!(f, " (caused by {cause})")?;
        }
        Ok(())
    }
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection could not be made: the settings, a credential, or an unreachable server
    /// (the [`ConnectionError`] variant says which).
    #[error(transparent)]
    Connect(#[from] ConnectionError),
    /// An argument could not be encoded.
    #[error("could not encode argument {position}: {source}")]
    Encode {
        /// 1-based position of the argument.
        position: usize,
        /// The encoding error.
        #[source]
        source: PayloadError,
    },
    /// The arguments could not be stored in external storage; the activity was not started.
    /// The source chain holds the store's answer (for S3: the HTTP status and the error code,
    /// e.g. `403 Forbidden` and `InvalidAccessKeyId`).
    #[error("could not store the arguments of activity `{activity_type}` in external storage")]
    Storage {
        /// The activity type.
        activity_type: String,
        /// What the store said.
        #[source]
        source: StorageError,
    },
    /// The activity could not be started.
    #[error("could not start activity `{activity_type}`: {message}")]
    Start {
        /// The activity type.
        activity_type: String,
        /// What the server said.
        message: String,
    },
    /// The activity failed (after its retries).
    #[error("activity failed: {0}")]
    Failed(ActivityFailure),
    /// The activity was cancelled.
    #[error("activity cancelled")]
    Cancelled,
    /// The activity timed out.
    #[error("activity timed out ({0})")]
    TimedOut(String),
    /// The result did not decode into the requested type.
    #[error("could not decode the activity result: {0}")]
    Decode(#[source] PayloadError),
    /// The arguments are over the size limit; the activity was not started. The message names
    /// the activity, the size, the limit and where it comes from.
    #[error("{0}")]
    TooLarge(Box<PayloadsTooLarge>),
    /// Any other server or transport error.
    #[error("{0}")]
    Other(String),
}

impl From<ArgumentEncodeError> for ClientError {
    fn from(err: ArgumentEncodeError) -> Self {
        Self::Encode {
            position: err.position,
            source: err.source,
        }
    }
}

impl Client {
    /// Connects to `target` (`host:port` or a URL) for `namespace`.
    ///
    /// # Errors
    /// [`ClientError::Connect`] when the server cannot be reached.
    pub async fn connect(
        target: impl Into<String>,
        namespace: impl Into<String>,
    ) -> Result<Self, ClientError> {
        Self::connect_with(
            ConnectOptions::new()
                .isolated()
                .target(target)
                .namespace(namespace),
        )
        .await
    }

    /// Connects as the CLI and the other SDKs do: a `temporal.toml` profile, the `TEMPORAL_*`
    /// variables, then what `options` sets (TLS, mTLS, API key, payload codec); see
    /// [`crate::connection`].
    ///
    /// # Errors
    /// [`ClientError::Connect`], whose message says which setting or credential failed.
    pub async fn connect_with(options: ConnectOptions) -> Result<Self, ClientError> {
        Self::connecting(options).await
    }

    /// The body of [`connect_with`](Self::connect_with), boxed so that it is compiled once, in
    /// this crate. (An `async fn`'s body is compiled in every crate that awaits it, and with it
    /// the official client's whole connection stack: tens of thousands of functions, half a
    /// minute of build per binary. A `dyn Future` made here stops that at the boundary.)
    fn connecting(options: ConnectOptions) -> BoxFuture<'static, Result<Self, ClientError>> {
        Box::pin(async move {
            let resolved =
                options.resolve(format!("activity-runtime-client@{}", std::process::id()))?;
            let connection = crate::connection::connect(&resolved).await?;
            Self::from_connection(
                connection,
                &resolved.namespace,
                options.codec.clone(),
                options.storage.clone(),
                options.converter.clone(),
            )
        })
    }

    /// A client on an existing connection (the worker's own, for activities), applying `codec`
    /// and `storage` to every payload it sends and receives.
    pub(crate) fn from_connection(
        connection: temporalio_client::Connection,
        namespace: &str,
        codec: Option<SharedCodec>,
        storage: Option<ExternalStorage>,
        converter: PayloadConverter,
    ) -> Result<Self, ClientError> {
        let unencoded = temporalio_client::Client::new(
            connection.clone(),
            temporalio_client::ClientOptions::new(namespace.to_owned()).build(),
        )
        .map_err(|e| ClientError::Other(e.to_string()))?;
        let mut options = temporalio_client::ClientOptions::new(namespace.to_owned()).build();
        // The official client's codec hook sees no activity identity: what it stores (an async
        // completion's result) gets Python's key for an unknown target (`v0/d/sha256/…`).
        // Starts store their input themselves, under the activity's key (see `starting`).
        let pipeline = match &storage {
            Some(storage) => Some(SharedCodec::with_storage(
                codec.clone(),
                storage.clone(),
                StoreContext::default(),
            )),
            None => codec.clone(),
        };
        if let Some(codec) = pipeline {
            options.data_converter = temporalio_common::data_converters::DataConverter::new(
                temporalio_common::data_converters::PayloadConverter::default(),
                temporalio_common::data_converters::DefaultFailureConverter::default(),
                codec.clone(),
            );
        }
        temporalio_client::Client::new(connection, options)
            .map(|inner| Self {
                inner,
                namespace_limit: Arc::default(),
                codec,
                storage,
                unencoded,
                converter,
            })
            .map_err(|e| ClientError::Other(e.to_string()))
    }

    /// The official client underneath.
    pub fn inner(&self) -> &temporalio_client::Client {
        &self.inner
    }

    /// Checks, before any request, that `input` for activity `A` fits the namespace's blob size
    /// limit (asked for once per client) and the gRPC cap. Encodes it as the official client's
    /// default converter does; see [`check_input`].
    ///
    /// # Errors
    /// [`ClientError::TooLarge`] over the limit, [`ClientError::Other`] when the input cannot be
    /// encoded.
    pub async fn check_input<A>(&self, input: &A::Input) -> Result<(), ClientError>
    where
        A: Activity + ActivityDefinition,
    {
        check_input_with::<A>(input, self.namespace_limit().await, self.storage.as_ref())
    }

    /// The namespace's blob size limit, from `DescribeNamespace` (once; unknown when that fails,
    /// and asked again next time). Boxed, as [`connecting`](Self::connecting) is: the generic
    /// [`check_input`](Self::check_input) awaits it.
    fn namespace_limit(&self) -> BoxFuture<'_, &NamespaceLimit> {
        Box::pin(self.read_namespace_limit())
    }

    async fn read_namespace_limit(&self) -> &NamespaceLimit {
        use temporalio_client::NamespacedClient;
        use temporalio_client::grpc::WorkflowService;
        use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
        use tonic::IntoRequest;

        let describe = || async {
            let namespace = self.inner.namespace();
            let request = DescribeNamespaceRequest {
                namespace: namespace.clone(),
                ..Default::default()
            };
            let response = self
                .inner
                .clone()
                .describe_namespace(request.into_request())
                .await?
                .into_inner();
            let limit = response
                .namespace_info
                .and_then(|info| info.limits)
                .map(|limits| limits.blob_size_limit_error);
            Ok::<_, tonic::Status>(NamespaceLimit::new(&namespace, limit))
        };
        match self.namespace_limit.get_or_try_init(describe).await {
            Ok(limit) => limit,
            Err(status) => {
                tracing::debug!(error = %status, "could not read the namespace's blob size limit");
                &NamespaceLimit::Unknown
            }
        }
    }

    /// Starts a standalone activity of type `activity_type` and waits for its result.
    ///
    /// # Errors
    /// Encoding, start, failure, cancellation, timeout and decoding errors, each its own
    /// [`ClientError`] variant.
    pub async fn execute_activity<R: DeserializeOwned>(
        &self,
        activity_type: &str,
        args: impl ActivityArgs,
        options: ActivityOptions,
    ) -> Result<R, ClientError> {
        let payloads = self
            .execute_activity_raw(
                activity_type,
                args.into_payloads_with(&self.converter)?,
                options,
            )
            .await?;
        self.converter
            .decode_result(&payloads)
            .map_err(ClientError::Decode)
    }

    /// Like [`execute_activity`](Self::execute_activity), with payloads in and out.
    ///
    /// # Errors
    /// As for [`execute_activity`](Self::execute_activity).
    pub async fn execute_activity_raw(
        &self,
        activity_type: &str,
        payloads: Vec<Payload>,
        options: ActivityOptions,
    ) -> Result<Vec<Payload>, ClientError> {
        self.start_with_payloads(activity_type, payloads, options)
            .await?
            .result_raw()
            .await
    }

    /// Starts a standalone activity and returns at once with a handle to wait for, or cancel, it.
    ///
    /// # Errors
    /// Encoding and start errors.
    pub async fn start_activity(
        &self,
        activity_type: &str,
        args: impl ActivityArgs,
        options: ActivityOptions,
    ) -> Result<ActivityHandle, ClientError> {
        self.start_with_payloads(
            activity_type,
            args.into_payloads_with(&self.converter)?,
            options,
        )
        .await
    }

    /// The body of [`start_activity`](Self::start_activity), boxed so that it is compiled once,
    /// in this crate (see [`connecting`](Self::connecting)).
    fn start_with_payloads<'a>(
        &'a self,
        activity_type: &'a str,
        payloads: Vec<Payload>,
        options: ActivityOptions,
    ) -> BoxFuture<'a, Result<ActivityHandle, ClientError>> {
        Box::pin(self.starting(activity_type, payloads, options))
    }

    async fn starting(
        &self,
        activity_type: &str,
        payloads: Vec<Payload>,
        options: ActivityOptions,
    ) -> Result<ActivityHandle, ClientError> {
        use temporalio_client::NamespacedClient;

        let id = options
            .id
            .clone()
            .unwrap_or_else(|| format!("{activity_type}-{}", random_suffix()));
        let encoded = match &self.codec {
            Some(codec) => codec
                .encode(payloads.clone())
                .await
                .map_err(|e| ClientError::Other(format!("the payload codec failed: {e}")))?,
            None => payloads.clone(),
        };
        // With storage, the input is stored here, keyed as Python's client keys a standalone
        // activity's input (`v0/ns/{namespace}/at/{type}/ai/{id}/ri/null/…`: no run yet), and
        // sent as it is; else the official client encodes it again, identically in size.
        let sent = match &self.storage {
            Some(storage) => {
                let target = StoreTarget::Activity {
                    namespace: self.inner.namespace(),
                    id: Some(id.clone()),
                    run_id: None,
                    activity_type: Some(activity_type.to_owned()),
                };
                storage
                    .store(&StoreContext::new(Some(target)), encoded)
                    .await
                    .map_err(|source| ClientError::Storage {
                        activity_type: activity_type.to_owned(),
                        source,
                    })?
            }
            None => encoded,
        };
        // Measured as sent.
        let threshold = self.storage.as_ref().map(ExternalStorage::size_threshold);
        check_input_payloads(
            activity_type,
            &sent,
            &[],
            self.namespace_limit().await,
            threshold,
        )
        .map_err(ClientError::TooLarge)?;
        let timeouts = match options.schedule_to_close_timeout {
            Some(schedule_to_close) => ActivityCloseTimeouts::ScheduleAndStartToClose {
                schedule_to_close,
                start_to_close: options.start_to_close_timeout,
            },
            None => ActivityCloseTimeouts::StartToClose(options.start_to_close_timeout),
        };
        let mut start = ActivityStartOptions::new(options.task_queue, id, timeouts)
            .retry_policy(
                temporalio_common::RetryPolicy::builder()
                    .maximum_attempts(options.maximum_attempts)
                    .initial_interval(options.initial_retry_interval)
                    .build(),
            )
            .build();
        start.heartbeat_timeout = options.heartbeat_timeout;
        if !options.headers.is_empty() {
            start.header = Some(
                temporalio_common::protos::temporal::api::common::v1::Header {
                    fields: options.headers,
                },
            );
        }
        let start_error = |e: temporalio_client::errors::StartActivityError| ClientError::Start {
            activity_type: activity_type.to_owned(),
            message: e.to_string(),
        };
        let inner = if self.storage.is_some() {
            // Sent as stored; the result is read back through the storage and the codec.
            let started = self
                .unencoded
                .start_activity(
                    UntypedActivity::new(activity_type),
                    RawValue::new(sent),
                    start,
                )
                .await
                .map_err(start_error)?;
            self.inner.get_activity_handle(
                UntypedActivity::new(activity_type),
                started.activity_id(),
                started.run_id().map(str::to_owned),
            )
        } else {
            self.inner
                .start_activity(
                    UntypedActivity::new(activity_type),
                    RawValue::new(payloads),
                    start,
                )
                .await
                .map_err(start_error)?
        };
        Ok(ActivityHandle {
            inner,
            converter: self.converter.clone(),
        })
    }

    /// Completes an activity that returned [`ActivityError::complete_async`] with `result`,
    /// identified by the task token from its [`ActivityInfo`].
    ///
    /// [`ActivityError::complete_async`]: crate::ActivityError::complete_async
    /// [`ActivityInfo`]: crate::ActivityInfo
    ///
    /// # Errors
    /// Encoding errors, and the server's refusal (e.g. an unknown or already used token).
    pub async fn complete_activity<T: Serialize + ?Sized>(
        &self,
        task_token: &[u8],
        result: &T,
    ) -> Result<(), ClientError> {
        let payload = self
            .converter
            .to_payload(result)
            .map_err(|source| ClientError::Encode {
                position: 1,
                source,
            })?;
        self.complete_with_payload(task_token, payload).await
    }

    /// The body of [`complete_activity`](Self::complete_activity), boxed so that it is compiled
    /// once, in this crate (see [`connecting`](Self::connecting)).
    fn complete_with_payload(
        &self,
        task_token: &[u8],
        payload: Payload,
    ) -> BoxFuture<'_, Result<(), ClientError>> {
        let handle = self
            .inner
            .get_async_activity_handle(ActivityIdentifier::TaskToken(task_token.to_vec().into()));
        Box::pin(async move {
            handle
                .complete(
                    Some(RawValue::new(vec![payload])),
                    temporalio_client::RpcOptions::default(),
                )
                .await
                .map_err(|e| ClientError::Other(e.to_string()))
        })
    }
}

/// A started standalone activity.
pub struct ActivityHandle {
    inner: temporalio_client::ActivityHandle<temporalio_client::Client, UntypedActivity>,
    converter: PayloadConverter,
}

impl std::fmt::Debug for ActivityHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityHandle")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl ActivityHandle {
    /// The activity id.
    pub fn id(&self) -> &str {
        self.inner.activity_id()
    }

    /// Waits for the activity to end and decodes its result.
    ///
    /// # Errors
    /// Failure, cancellation, timeout and decoding errors.
    pub async fn result<R: DeserializeOwned>(&self) -> Result<R, ClientError> {
        let payloads = self.result_raw().await?;
        self.converter
            .decode_result(&payloads)
            .map_err(ClientError::Decode)
    }

    /// Waits for the activity to end and decodes its result into protobuf message `M`, from
    /// `json/protobuf` or `binary/protobuf` (which [`result`](Self::result) reads only as JSON).
    ///
    /// # Errors
    /// Failure, cancellation, timeout and decoding errors (a result that is another message).
    pub async fn result_message<M: ProtoMessage>(&self) -> Result<M, ClientError> {
        let payloads = self.result_raw().await?;
        let first = payloads.first().cloned().unwrap_or_default();
        self.converter
            .decode_message(&first)
            .map_err(ClientError::Decode)
    }

    /// Waits for the activity to end and returns its result payloads.
    ///
    /// # Errors
    /// Failure, cancellation and timeout errors.
    pub async fn result_raw(&self) -> Result<Vec<Payload>, ClientError> {
        self.waiting().await
    }

    /// The body of [`result_raw`](Self::result_raw), boxed so that it is compiled once, in this
    /// crate (see [`Client::connecting`]).
    fn waiting(&self) -> BoxFuture<'_, Result<Vec<Payload>, ClientError>> {
        Box::pin(self.wait())
    }

    async fn wait(&self) -> Result<Vec<Payload>, ClientError> {
        match self.inner.result().await {
            Ok(raw) => Ok(raw.payloads),
            Err(ActivityResultError::ActivityFailed(err)) => match &err.failure().failure_info {
                Some(FailureInfo::TimeoutFailureInfo(info)) => {
                    Err(ClientError::TimedOut(timeout_name(info.timeout_type)))
                }
                _ => Err(ClientError::Failed(ActivityFailure::from_proto(
                    err.failure(),
                    &self.converter,
                ))),
            },
            Err(ActivityResultError::Cancelled { .. }) => Err(ClientError::Cancelled),
            Err(ActivityResultError::TimedOut(kind)) => {
                Err(ClientError::TimedOut(format!("{kind:?}")))
            }
            Err(other) => Err(ClientError::Other(other.to_string())),
        }
    }

    /// Requests cancellation; the activity sees it on its next heartbeat.
    ///
    /// # Errors
    /// The server's refusal.
    pub async fn cancel(&self, reason: &str) -> Result<(), ClientError> {
        self.cancelling(reason).await
    }

    /// The body of [`cancel`](Self::cancel), boxed so that it is compiled once, in this crate
    /// (see [`Client::connecting`]).
    fn cancelling(&self, reason: &str) -> BoxFuture<'_, Result<(), ClientError>> {
        let options = temporalio_client::ActivityCancelOptions::builder()
            .reason(reason)
            .build();
        Box::pin(async move {
            self.inner
                .cancel(options)
                .await
                .map_err(|e| ClientError::Other(e.to_string()))
        })
    }
}

/// Checks, before any request, that the input of activity `A` fits the default blob size limit
/// ([`DEFAULT_BLOB_SIZE_LIMIT`](crate::limits::DEFAULT_BLOB_SIZE_LIMIT), or the gRPC cap), encoding it exactly as the official client's
/// default converter does. [`Client::check_input`] checks
/// against the namespace's own limit instead.
///
/// ```
/// use activity_runtime::{activity, client};
///
/// #[activity]
/// async fn store(data: String) -> usize {
///     data.len()
/// }
///
/// assert!(client::check_input::<store>(&"small".to_owned()).is_ok());
/// let err = client::check_input::<store>(&"x".repeat(3 << 20)).unwrap_err();
/// assert!(err.to_string().contains("the input of activity `store` is 3145764 bytes"), "{err}");
/// ```
///
/// # Errors
/// [`ClientError::TooLarge`] over the limit, [`ClientError::Other`] when the input cannot be
/// encoded.
pub fn check_input<A>(input: &A::Input) -> Result<(), ClientError>
where
    A: Activity + ActivityDefinition,
{
    check_input_with::<A>(input, &NamespaceLimit::Unknown, None)
}

/// `storage`: what goes to it is sent as a reference, and is not counted.
pub(crate) fn check_input_with<A>(
    input: &A::Input,
    namespace: &NamespaceLimit,
    storage: Option<&ExternalStorage>,
) -> Result<(), ClientError>
where
    A: Activity + ActivityDefinition,
{
    let converter = temporalio_common::data_converters::PayloadConverter::default();
    let data = SerializationContextData::Activity(ActivitySerializationContext::new());
    let mut payloads = converter
        .to_payloads(&SerializationContext::new(&data, &converter), input)
        .map_err(|err| {
            ClientError::Other(format!(
                "could not encode the input of activity `{}`: {err}",
                A::NAME
            ))
        })?;
    let threshold = storage.map(ExternalStorage::size_threshold);
    if let Some(threshold) = threshold {
        payloads.retain(|p| prost::Message::encoded_len(p) < threshold);
    }
    check_input_payloads(A::NAME, &payloads, A::PARAMETERS, namespace, threshold)
        .map_err(ClientError::TooLarge)
}

/// The caller-side check of encoded arguments.
pub(crate) fn check_input_payloads(
    activity_type: &str,
    payloads: &[Payload],
    parameters: &'static [&'static str],
    namespace: &NamespaceLimit,
    storage_threshold: Option<usize>,
) -> Result<(), Box<PayloadsTooLarge>> {
    let size = encoded_size(payloads);
    let limit = namespace.error_limit(None);
    if size <= limit.bytes {
        return Ok(());
    }
    Err(Box::new(PayloadsTooLarge {
        activity_type: activity_type.to_owned(),
        kind: PayloadKind::Input,
        size,
        limit: limit.bytes,
        limit_source: limit.source,
        largest_argument: largest_argument(payloads, parameters),
        external_storage: storage_threshold,
    }))
}

impl ActivityContext {
    /// A client of the worker's Temporal server and namespace, for calling Temporal from inside
    /// an activity (start another activity, signal a workflow, …). `None` in an
    /// `ActivityEnvironment`.
    pub fn client(&self) -> Option<&Client> {
        self.extension::<Client>()
    }
}

/// `StartToClose`, `ScheduleToClose`, … for a timeout type number.
fn timeout_name(timeout_type: i32) -> String {
    use temporalio_common::protos::temporal::api::enums::v1::TimeoutType;
    TimeoutType::try_from(timeout_type)
        .map(|t| format!("{t:?}"))
        .unwrap_or_else(|_| format!("timeout type {timeout_type}"))
}

fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MIB;

    fn payload_of(len: usize) -> Payload {
        crate::payload::to_payload(&"x".repeat(len)).unwrap()
    }

    #[test]
    fn the_largest_argument_is_named() {
        let payloads = [payload_of(10), payload_of(3 * MIB), payload_of(20)];
        let err = check_input_payloads(
            "store",
            &payloads,
            &["key", "data", "note"],
            &NamespaceLimit::Unknown,
            None,
        )
        .unwrap_err();
        let arg = err.largest_argument.clone().unwrap();
        assert_eq!((arg.position, arg.name), (2, Some("data")));
        let message = err.to_string();
        assert!(
            message.contains("the largest is argument 2 `data`, 3145764 bytes (3.00 MiB). The"),
            "{message}"
        );
        assert!(message.contains("set by the default blob size limit of 2 MiB"));
        assert!(message.contains("The activity was not started"));
        assert!(
            check_input_payloads("store", &payloads[..1], &[], &NamespaceLimit::Unknown, None)
                .is_ok()
        );
    }
}
