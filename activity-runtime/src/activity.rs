//! The contract between an activity and the worker: what `#[activity]` generates, written out so
//! that it can also be implemented by hand.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::attempt::{ActivityFuture, ActivityInput, ActivityOutput};
use crate::context::{ActivityContext, Executors, ProcessEntry, run_blocking};
use crate::error::ActivityError;
use crate::limits::{PayloadLimits, ProcessLimits};
use crate::payload::{Codec, PayloadConverter};
use crate::signature::Signature;

/// An activity a [`Worker`](crate::Worker) can run.
///
/// `#[activity]` implements this trait on a companion type that has the function's name (it lives
/// in the type namespace, so the function itself is untouched) and [`activities!`](crate::activities)
/// registers it. Writing it by hand is equivalent:
///
/// ```
/// use activity_runtime::{Activity, ActivityContext, ActivityFuture, ActivityInput, ActivityOutput};
///
/// async fn say_hello(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// #[allow(non_camel_case_types)]
/// struct say_hello {}
///
/// impl Activity for say_hello {
///     const NAME: &'static str = "say_hello";
///     const FUNCTION: &'static str = concat!(module_path!(), "::say_hello");
///
///     fn invoke(_ctx: ActivityContext, input: ActivityInput) -> ActivityFuture {
///         Box::pin(async move {
///             let name: String = input.decode(0, "name", "String")?;
///             input.finish(1);
///             ActivityOutput::encode(&say_hello(name).await)
///         })
///     }
/// }
///
/// let _activities = activity_runtime::activities![say_hello];
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activity",
    label = "not an activity",
    note = "put `#[activity]` on the function, or implement `activity_runtime::Activity` by hand"
)]
pub trait Activity: 'static {
    /// The activity type name callers use.
    const NAME: &'static str;
    /// The Rust path of the function, for error messages.
    const FUNCTION: &'static str;
    /// The names of the parameters decoded from payloads, in order, for messages (empty when not
    /// known).
    const PARAMETERS: &'static [&'static str] = &[];
    /// Payload size limits: the defaults unless set with `#[activity(max_result_size = "...")]`
    /// and the like. See [`crate::limits`].
    const LIMITS: PayloadLimits = PayloadLimits::DEFAULT;
    /// Whether this is a dynamic activity (`#[activity(dynamic)]`): it serves every activity type
    /// no other registered activity has, and takes its arguments as [`RawValue`]s.
    ///
    /// [`RawValue`]: crate::RawValue
    const DYNAMIC: bool = false;
    /// Where the function runs: [`Execution::Blocking`] for a plain `fn`, which `invoke` then
    /// hands to `Executor::of(&ctx).run_blocking(..)`, so it runs on the worker's blocking pool.
    const EXECUTION: Execution = Execution::Async;

    /// Runs one attempt: decode the arguments, call the function, encode the result.
    fn invoke(ctx: ActivityContext, input: ActivityInput) -> ActivityFuture;

    /// Its parameters and result, with their JSON Schemas, for the exported contract
    /// (`Activities::contract`, feature `contract`). `#[activity]` writes it from the function's
    /// signature; the default says nothing is known.
    fn signature() -> Signature {
        Signature::unknown()
    }

    /// What [`activities!`](crate::activities) lists for this activity.
    fn registration() -> Registration
    where
        Self: Sized,
    {
        Registration::of::<Self>()
    }
}

/// Where an activity's function runs. `#[activity]` sets it from the function: `async fn` runs
/// on the async threads, `fn` on the worker's blocking pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Execution {
    /// On the async (tokio) threads.
    Async,
    /// On the worker's pool of blocking threads.
    Blocking,
    /// In a child process from the worker's pool (`#[activity(isolation = "process")]`).
    Process,
}

/// One registered activity: its name, where it is defined, and how to run it.
#[derive(Clone)]
pub struct Registration {
    name: &'static str,
    function: &'static str,
    parameters: &'static [&'static str],
    limits: PayloadLimits,
    dynamic: bool,
    execution: Execution,
    signature: fn() -> Signature,
    invoke: Invoke,
}

/// How a registration runs an attempt: a plain function, or one bound to shared state.
#[derive(Clone)]
enum Invoke {
    Function(fn(ActivityContext, ActivityInput) -> ActivityFuture),
    Bound(Arc<dyn Fn(ActivityContext, ActivityInput) -> ActivityFuture + Send + Sync>),
}

/// What `#[activity]` knows about a method of an `#[activity] impl` block, for
/// [`Registration::method`].
#[doc(hidden)]
pub struct MethodActivity<T> {
    pub name: &'static str,
    pub function: &'static str,
    pub parameters: &'static [&'static str],
    pub limits: PayloadLimits,
    pub dynamic: bool,
    pub execution: Execution,
    pub signature: fn() -> Signature,
    pub invoke: fn(Arc<T>, ActivityContext, ActivityInput) -> ActivityFuture,
}

impl<T> std::fmt::Debug for MethodActivity<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodActivity")
            .field("name", &self.name)
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// The registration of activity `A`.
    pub fn of<A: Activity>() -> Self {
        Self {
            name: A::NAME,
            function: A::FUNCTION,
            parameters: A::PARAMETERS,
            limits: A::LIMITS,
            dynamic: A::DYNAMIC,
            execution: A::EXECUTION,
            signature: A::signature,
            invoke: Invoke::Function(A::invoke),
        }
    }

    /// The registration of a method activity bound to `state`, which every attempt shares.
    #[doc(hidden)]
    pub fn method<T: Send + Sync + 'static>(state: Arc<T>, method: MethodActivity<T>) -> Self {
        let invoke = method.invoke;
        Self {
            name: method.name,
            function: method.function,
            parameters: method.parameters,
            limits: method.limits,
            dynamic: method.dynamic,
            execution: method.execution,
            signature: method.signature,
            invoke: Invoke::Bound(Arc::new(move |ctx, input| {
                invoke(Arc::clone(&state), ctx, input)
            })),
        }
    }

    /// Whether this is the dynamic activity, which serves every type no other activity has.
    pub fn is_dynamic(&self) -> bool {
        self.dynamic
    }

    /// The activity type name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust path of the function.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// The names of the parameters decoded from payloads (empty when not known).
    pub fn parameters(&self) -> &'static [&'static str] {
        self.parameters
    }

    /// The payload size limits.
    pub fn limits(&self) -> PayloadLimits {
        self.limits
    }

    /// Where the function runs.
    pub fn execution(&self) -> Execution {
        self.execution
    }

    /// Its parameters and result, with their JSON Schemas (see [`Activity::signature`]).
    pub fn signature(&self) -> Signature {
        (self.signature)()
    }

    pub(crate) fn invoke(&self, ctx: ActivityContext, input: ActivityInput) -> ActivityFuture {
        match &self.invoke {
            Invoke::Function(invoke) => invoke(ctx, input),
            Invoke::Bound(invoke) => invoke(ctx, input),
        }
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.name)
            .field("function", &self.function)
            .field("dynamic", &self.dynamic)
            .finish_non_exhaustive()
    }
}

/// Where an activity's body runs, as generated code asks for it:
/// `Executor::of(&ctx).run_blocking(move || ...)`.
#[doc(hidden)]
pub struct Executor {
    executors: Arc<dyn Executors>,
    limits: ProcessLimits,
}

impl Executor {
    /// The executors of the worker (or test environment) running `ctx`'s activity.
    pub fn of(ctx: &ActivityContext) -> Self {
        Self {
            executors: ctx.executors().clone(),
            limits: ProcessLimits::NONE,
        }
    }

    /// The limits of the child process [`run_in_process`](Self::run_in_process) runs in
    /// (`#[activity(memory_limit = "...", ...)]`); the worker's defaults fill what they leave
    /// unset.
    pub fn with_process_limits(mut self, limits: ProcessLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Runs a blocking activity body on the worker's blocking pool.
    ///
    /// The body is queued at once; a panic in it resumes in the returned future, where the worker
    /// catches it as for async activities. The activity's span goes along to the pool thread, so
    /// logs there carry the activity's fields too.
    pub fn run_blocking<F>(self, body: F) -> ActivityFuture
    where
        F: FnOnce() -> Result<ActivityOutput, ActivityError> + Send + 'static,
    {
        run_blocking(&*self.executors, body)
    }

    /// Runs a process-isolated activity: `entry` in a child process from the worker's pool, under
    /// the limits given with [`with_process_limits`](Self::with_process_limits). In an
    /// `ActivityEnvironment` (no process pool) it runs on the environment's blocking pool, and the
    /// limits do not apply.
    pub fn run_in_process(
        self,
        entry: ProcessEntry,
        ctx: ActivityContext,
        input: ActivityInput,
    ) -> ActivityFuture {
        self.executors
            .run_in_process(entry, &self.limits, ctx, input)
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").finish_non_exhaustive()
    }
}

/// How generated code turns what an activity function returned into its encoded result.
///
/// `(&value).output_kind().into_result(value)` picks [`FallibleOutput`] for any `Result<T, E>` and
/// [`PlainOutput`] for every other type (autoref dispatch on the concrete return type), and gives
/// a `Result` either way. Neither step has bounds, so a `Result` is never mistaken for a plain
/// value; the generated code then finishes the value with
/// `<T as ActivityResultValue>::encode_result` and the error with
/// `<E as IntoActivityError>::into_activity_error`, naming the user's own types where it can, so
/// that a wrong type is reported on that type with the messages of those traits (and no note
/// points into this crate, as a bound on a function here would).
#[doc(hidden)]
pub trait ResultKind {
    fn output_kind(&self) -> FallibleOutput {
        FallibleOutput
    }
}

impl<T, E> ResultKind for Result<T, E> {}

#[doc(hidden)]
pub trait ValueKind {
    fn output_kind(&self) -> PlainOutput {
        PlainOutput
    }
}

impl<T: ?Sized> ValueKind for &T {}

#[doc(hidden)]
#[derive(Debug)]
pub struct FallibleOutput;

impl FallibleOutput {
    pub fn into_result<T, E>(self, result: Result<T, E>) -> Result<T, E> {
        result
    }
}

#[doc(hidden)]
#[derive(Debug)]
pub struct PlainOutput;

impl PlainOutput {
    pub fn into_result<T>(self, value: T) -> Result<T, std::convert::Infallible> {
        Ok(value)
    }
}

/// A value an activity can return: anything `Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an activity result: it does not implement `serde::Serialize`",
    label = "not `Serialize`",
    note = "derive it with `#[derive(serde::Serialize)]`, or return a type that implements it (a protobuf message generated with `prost-build` and `pbjson-build`)"
)]
pub trait ActivityResultValue {
    /// Encodes the value as the activity's result.
    fn encode_result(&self) -> Result<ActivityOutput, ActivityError>;

    /// Encodes the value with the worker's `converter`; `codec` says whether it is a protobuf
    /// message (generated code picks it from the result type).
    #[doc(hidden)]
    fn encode_result_as(
        &self,
        codec: Codec<Self>,
        converter: &PayloadConverter,
    ) -> Result<ActivityOutput, ActivityError>
    where
        Self: Sized;
}

impl<T: Serialize + ?Sized> ActivityResultValue for T {
    fn encode_result(&self) -> Result<ActivityOutput, ActivityError> {
        ActivityOutput::encode(self)
    }

    fn encode_result_as(
        &self,
        codec: Codec<Self>,
        converter: &PayloadConverter,
    ) -> Result<ActivityOutput, ActivityError>
    where
        Self: Sized,
    {
        ActivityOutput::encode_with(self, codec, converter)
    }
}

/// A parameter `#[activity]` decodes from its payload: anything `DeserializeOwned`, protobuf
/// messages included (generated with `prost-build` and `pbjson-build`, which also read
/// `binary/protobuf`).
///
/// Generated code decodes each parameter with `<T as ActivityParameter>::decode(&input, ..)`, so
/// that a type that is not `DeserializeOwned` is reported on the parameter's own type, in this
/// trait's words.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an activity parameter: it is neither `serde::Deserialize` nor a protobuf message",
    label = "not `Deserialize`",
    note = "derive it with `#[derive(serde::Deserialize)]`, or for a protobuf message generate it with `prost-build` (`enable_type_names()`) and `pbjson-build`"
)]
pub trait ActivityParameter: Sized {
    /// [`ActivityInput::decode`] for this type: the argument at `position` for parameter `name`
    /// of Rust type `type_label`.
    fn decode(
        input: &ActivityInput,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<Self, ActivityError>;

    /// [`decode`](Self::decode) with this type's codec: a protobuf message's reads
    /// `binary/protobuf` too (generated code picks it from the parameter's type).
    #[doc(hidden)]
    fn decode_as(
        codec: Codec<Self>,
        input: &ActivityInput,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<Self, ActivityError>;
}

impl<T: DeserializeOwned + 'static> ActivityParameter for T {
    fn decode(
        input: &ActivityInput,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<Self, ActivityError> {
        input.decode(position, name, type_label)
    }

    fn decode_as(
        codec: Codec<Self>,
        input: &ActivityInput,
        position: usize,
        name: &str,
        type_label: &str,
    ) -> Result<Self, ActivityError> {
        input.decode_value(codec, position, name, type_label)
    }
}

/// What the future of an `async fn` activity must be: `Send`, because the worker runs activities
/// on several threads. A value that is not `Send` (an `Rc`, a `RefCell` guard) must not be held
/// across an `.await`.
///
/// Generated code awaits the function's future through `<_ as SendFuture>::into_send(..)`, so that
/// rustc reports a future that is not `Send` as the function's ("future returned by `f` is not
/// `Send`"), with a note on the variable at fault.
pub trait SendFuture: Sized {
    /// The future itself.
    #[doc(hidden)]
    fn into_send(self) -> Self;
}

impl<F: std::future::Future + Send> SendFuture for F {
    fn into_send(self) -> Self {
        self
    }
}

/// What the instance of an `#[activity] impl` block must be: every running activity shares it,
/// so it is `Send + Sync + 'static`.
///
/// Generated code registers each method with `<Type as SharedInstance>::register_method(..)`, so
/// that a type that is not is reported once, on the block's type, in rustc's words for `Send` and
/// `Sync` (which name the field at fault).
pub trait SharedInstance {
    /// The registration of a method activity bound to this instance.
    #[doc(hidden)]
    fn register_method(self: Arc<Self>, method: MethodActivity<Self>) -> Registration
    where
        Self: Sized;
}

impl<T: Send + Sync + 'static> SharedInstance for T {
    fn register_method(self: Arc<Self>, method: MethodActivity<Self>) -> Registration {
        Registration::method(self, method)
    }
}

/// A parameter or result type that typed callers can both send and receive: what the official
/// `ActivityDefinition` that `#[activity]` implements needs of every input and output type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used by typed callers: it must implement both `serde::Serialize` and `serde::de::DeserializeOwned`",
    label = "not both `Serialize` and `DeserializeOwned`",
    note = "`#[activity]` implements the official `ActivityDefinition` only when every parameter and the result go both ways; derive the missing trait, or call the activity by name"
)]
pub trait TypedValue: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> TypedValue for T {}

/// An error an activity can return: anything that converts into [`ActivityError`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an activity error: it does not convert into `ActivityError`",
    label = "not convertible into `ActivityError`",
    note = "any `std::error::Error + Send + Sync + 'static`, `anyhow::Error`, `String` or `ActivityError` works"
)]
pub trait IntoActivityError {
    /// Converts the error.
    fn into_activity_error(self) -> ActivityError;
}

impl<E: Into<ActivityError>> IntoActivityError for E {
    fn into_activity_error(self) -> ActivityError {
        self.into()
    }
}

/// The type of an activity's context parameter: [`ActivityContext`], under any name it is
/// imported as. `#[activity]` takes the first parameter as the context when its type is called
/// `ActivityContext` or the parameter is called `ctx`, and checks the type with this
/// trait.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the activity context, `activity_runtime::ActivityContext`",
    label = "the context parameter must be `activity_runtime::ActivityContext`",
    note = "the first parameter is the context when its type is named `ActivityContext` or the parameter is named `ctx`: give it the type `activity_runtime::ActivityContext`, or rename a parameter that Temporal passes as an argument"
)]
pub trait ContextParameter {
    /// The context, as this type.
    fn from_context(ctx: ActivityContext) -> Self;
}

// Not recommended: rustc would otherwise add a "the trait is implemented for `ActivityContext`"
// help that points into this crate's sources, and the message already names the type.
#[diagnostic::do_not_recommend]
impl ContextParameter for ActivityContext {
    fn from_context(ctx: ActivityContext) -> Self {
        ctx
    }
}
