//! Compile tests of the expansion's hygiene, run as doctests: a proc-macro crate's doctests can
//! use its own attribute, so `cargo test -p activity-macros` has rustc resolve real expansions.
//! They go through a stand-in runtime (`rt` below, named with `crate = "..."`) that has the names
//! and shapes the generated code uses: they check name resolution and lints, not behaviour (the
//! `ui-tests` crate does that with the real runtime).
//!
//! A constant is named like each variable the expansion binds (`ctx`, `input`, `converter`,
//! `argN`, `args`, `output`, `this`, `activities`), in scope through a glob import or declared right beside the
//! activity. rustc resolves items at the call site even for mixed-site identifiers, so without
//! the expansion's shadowing `fn`s each of those patterns would resolve to the constant. An
//! activity's own types name a constant `output`, and an activity is called `entry`, so the
//! shadows and the process entry point must step aside. Everything compiles with every lint
//! denied: the expansion adds no warning of its own.
//!
//! ```
//! #![deny(warnings, unused)]
//! use activity_macros::activity;
//!
//! #[allow(dead_code, non_upper_case_globals)]
//! mod names {
//!     pub const ctx: u8 = 0;
//!     pub const input: u8 = 0;
//!     pub const converter: u8 = 0;
//!     pub const arg0: u8 = 0;
//!     pub const arg1: u8 = 0;
//!     pub const args: u8 = 0;
//!     pub const output: u8 = 0;
//!     pub const this: u8 = 0;
//!     pub const activities: u8 = 0;
//! }
//!
//! // The user's own parameters cannot use those names either (the constants would be patterns
//! // there too), so they have other names.
//! mod glob {
//!     use activity_macros::activity;
//!     #[allow(unused_imports)]
//!     use crate::names::*;
//!
//!     #[activity(crate = "crate::rt")]
//!     pub fn blocking(x: u8, y: String) -> u8 {
//!         x + y.len() as u8
//!     }
//!
//!     #[activity(crate = "crate::rt")]
//!     pub async fn with_context(
//!         context: crate::rt::ActivityContext,
//!         x: u8,
//!     ) -> Result<u8, crate::rt::ActivityError> {
//!         let _ = context;
//!         Ok(x)
//!     }
//!
//!     #[activity(crate = "crate::rt", isolation = "process")]
//!     pub fn isolated(context: crate::rt::ActivityContext, x: u8) -> u8 {
//!         let _ = context;
//!         x
//!     }
//!
//!     #[activity(crate = "crate::rt", dynamic)]
//!     pub async fn fallback(raw: Vec<crate::rt::RawValue>) -> usize {
//!         raw.len()
//!     }
//!
//!     pub struct Service;
//!
//!     #[activity(crate = "crate::rt")]
//!     impl Service {
//!         #[activity]
//!         async fn method(&self, context: crate::rt::ActivityContext, x: u8) -> u8 {
//!             let _ = context;
//!             x
//!         }
//!
//!         #[activity]
//!         fn blocking_method(&self, x: u8, y: u8) -> u8 {
//!             x + y
//!         }
//!     }
//! }
//!
//! /// The activity's own types use a constant named like a variable.
//! mod in_types {
//!     #[allow(non_upper_case_globals)]
//!     const output: usize = 4;
//!
//!     #[activity_macros::activity(crate = "crate::rt")]
//!     pub fn sized(x: [u8; output]) -> [u8; output] {
//!         x
//!     }
//! }
//!
//! /// An activity called `entry`, the name of the process entry point.
//! mod named_entry {
//!     #[activity_macros::activity(crate = "crate::rt", isolation = "process")]
//!     pub fn entry(x: u8) -> u8 {
//!         x
//!     }
//! }
//!
//! fn main() {
//!     // Declared right beside the activity, in a function body.
//!     #[allow(dead_code, non_upper_case_globals)]
//!     const output: u8 = 0;
//!     #[activity(crate = "rt")]
//!     fn nested(x: u8) -> u8 {
//!         x
//!     }
//!
//!     use rt::Activity;
//!     let _ = (
//!         glob::blocking::invoke,
//!         glob::with_context::invoke,
//!         glob::isolated::invoke,
//!         glob::fallback::invoke,
//!         in_types::sized::invoke,
//!         named_entry::entry::invoke,
//!         nested::invoke,
//!     );
//!     let _ = rt::ActivityMethods::activities(std::sync::Arc::new(glob::Service));
//! }
//!
//! /// The names and shapes generated code uses, and nothing more.
//! #[allow(dead_code)]
//! mod rt {
//!     pub struct ActivityContext;
//!     pub struct ActivityInput;
//!     pub struct ActivityOutput;
//!     pub struct ActivityError;
//!     pub struct RawValue;
//!     pub type ActivityFuture = ::core::pin::Pin<
//!         Box<dyn ::core::future::Future<Output = Result<ActivityOutput, ActivityError>> + Send>,
//!     >;
//!     pub enum Execution {
//!         Async,
//!         Blocking,
//!         Process,
//!     }
//!     pub trait Activity {
//!         const NAME: &'static str;
//!         const FUNCTION: &'static str;
//!         const PARAMETERS: &'static [&'static str] = &[];
//!         const DYNAMIC: bool = false;
//!         const EXECUTION: Execution = Execution::Async;
//!         fn invoke(ctx: ActivityContext, input: ActivityInput) -> ActivityFuture;
//!         fn signature() -> Signature;
//!     }
//!     pub struct TypeSchemas;
//!     pub struct SignatureType {
//!         pub rust_type: &'static str,
//!         pub schema: fn(&mut TypeSchemas) -> Option<()>,
//!     }
//!     pub struct Signature;
//!     impl Signature {
//!         pub fn generated(_: &[(&'static str, SignatureType)], _: Option<SignatureType>) -> Self {
//!             Signature
//!         }
//!         pub fn dynamic(_: Option<SignatureType>) -> Self {
//!             Signature
//!         }
//!     }
//!     #[derive(Clone)]
//!     pub struct PayloadConverter;
//!     impl ActivityInput {
//!         pub fn payload_converter(&self) -> &PayloadConverter {
//!             &PayloadConverter
//!         }
//!         pub fn decode<T: Default>(
//!             &self,
//!             _: usize,
//!             _: &str,
//!             _: &str,
//!         ) -> Result<T, ActivityError> {
//!             Ok(T::default())
//!         }
//!         pub fn finish(self, _: usize) -> PayloadConverter {
//!             PayloadConverter
//!         }
//!         pub fn into_raw_values(self) -> Vec<RawValue> {
//!             Vec::new()
//!         }
//!     }
//!     pub mod limits {
//!         pub struct PayloadLimits;
//!         impl PayloadLimits {
//!             pub const DEFAULT: Self = PayloadLimits;
//!         }
//!     }
//!     pub struct Activities;
//!     impl Activities {
//!         pub fn new() -> Self {
//!             Activities
//!         }
//!         pub fn push(&mut self, _: Registration) {}
//!     }
//!     pub struct Registration;
//!     impl Registration {
//!         pub fn method<T>(_: __private::Arc<T>, _: __private::MethodActivity<T>) -> Self {
//!             Registration
//!         }
//!     }
//!     pub trait ActivityMethods {
//!         fn activities(self: __private::Arc<Self>) -> Activities;
//!     }
//!     pub trait ActivityParameter: Sized {
//!         fn decode_as(
//!             _: __private::Codec<Self>,
//!             _: &ActivityInput,
//!             _: usize,
//!             _: &str,
//!             _: &str,
//!         ) -> Result<Self, ActivityError>;
//!     }
//!     impl<T: Default> ActivityParameter for T {
//!         fn decode_as(
//!             _: __private::Codec<Self>,
//!             _: &ActivityInput,
//!             _: usize,
//!             _: &str,
//!             _: &str,
//!         ) -> Result<Self, ActivityError> {
//!             Ok(T::default())
//!         }
//!     }
//!     pub trait SharedInstance {
//!         fn register_method(
//!             self: __private::Arc<Self>,
//!             _: __private::MethodActivity<Self>,
//!         ) -> Registration
//!         where
//!             Self: Sized;
//!     }
//!     impl<T> SharedInstance for T {
//!         fn register_method(
//!             self: __private::Arc<Self>,
//!             _: __private::MethodActivity<Self>,
//!         ) -> Registration {
//!             Registration
//!         }
//!     }
//!     pub trait SendFuture: Sized {
//!         fn into_send(self) -> Self;
//!     }
//!     impl<F: ::core::future::Future + Send> SendFuture for F {
//!         fn into_send(self) -> Self {
//!             self
//!         }
//!     }
//!     pub trait ActivityResultValue {
//!         fn encode_result_as(
//!             &self,
//!             _: __private::Codec<Self>,
//!             _: &PayloadConverter,
//!         ) -> Result<ActivityOutput, ActivityError>
//!         where
//!             Self: Sized;
//!     }
//!     impl<T> ActivityResultValue for T {
//!         fn encode_result_as(
//!             &self,
//!             _: __private::Codec<Self>,
//!             _: &PayloadConverter,
//!         ) -> Result<ActivityOutput, ActivityError> {
//!             Ok(ActivityOutput)
//!         }
//!     }
//!     pub trait IntoActivityError {
//!         fn into_activity_error(self) -> ActivityError;
//!     }
//!     impl<E> IntoActivityError for E {
//!         fn into_activity_error(self) -> ActivityError {
//!             ActivityError
//!         }
//!     }
//!     pub mod __private {
//!         use super::{ActivityContext, ActivityFuture, ActivityInput, ActivityOutput};
//!         pub struct Codec<T>(::core::marker::PhantomData<T>);
//!         impl<T> Codec<T> {
//!             pub const SERDE: Self = Codec(::core::marker::PhantomData);
//!         }
//!         pub struct Wire<T>(::core::marker::PhantomData<T>);
//!         impl<T> Wire<T> {
//!             pub const NEW: Self = Wire(::core::marker::PhantomData);
//!         }
//!         pub trait MessageWire<T> {
//!             fn codec(&self) -> Codec<T>;
//!         }
//!         pub trait SerdeWire<T> {
//!             fn codec(&self) -> Codec<T>;
//!         }
//!         impl<T> SerdeWire<T> for &Wire<T> {
//!             fn codec(&self) -> Codec<T> {
//!                 Codec::SERDE
//!             }
//!         }
//!         use super::ActivityError as Error;
//!         pub use ::core::{concat, module_path, result::Result};
//!         pub use ::std::{boxed::Box, sync::Arc};
//!         pub struct Executor;
//!         impl Executor {
//!             pub fn of(_: &ActivityContext) -> Self {
//!                 Executor
//!             }
//!             pub fn run_blocking(
//!                 self,
//!                 body: impl FnOnce() -> Result<ActivityOutput, Error> + Send + 'static,
//!             ) -> ActivityFuture {
//!                 let result = body();
//!                 Box::pin(async move { result })
//!             }
//!             pub fn run_in_process(
//!                 self,
//!                 entry: fn(ActivityContext, ActivityInput) -> Result<ActivityOutput, Error>,
//!                 ctx: ActivityContext,
//!                 input: ActivityInput,
//!             ) -> ActivityFuture {
//!                 self.run_blocking(move || entry(ctx, input))
//!             }
//!         }
//!         pub struct MethodActivity<T> {
//!             pub name: &'static str,
//!             pub function: &'static str,
//!             pub parameters: &'static [&'static str],
//!             pub limits: super::limits::PayloadLimits,
//!             pub dynamic: bool,
//!             pub execution: super::Execution,
//!             pub signature: fn() -> super::Signature,
//!             pub invoke: fn(Arc<T>, ActivityContext, ActivityInput) -> ActivityFuture,
//!         }
//!         pub use ::core::option::Option;
//!         pub struct Probe<T: ?Sized>(::core::marker::PhantomData<T>);
//!         impl<T: ?Sized> Probe<T> {
//!             pub const fn new() -> Self {
//!                 Probe(::core::marker::PhantomData)
//!             }
//!         }
//!         pub trait HasSchema {
//!             fn schema_fn(&self) -> fn(&mut super::TypeSchemas) -> Option<()>;
//!         }
//!         pub trait NoSchema {
//!             fn schema_fn(&self) -> fn(&mut super::TypeSchemas) -> Option<()>;
//!         }
//!         impl<T: ?Sized> NoSchema for &Probe<T> {
//!             fn schema_fn(&self) -> fn(&mut super::TypeSchemas) -> Option<()> {
//!                 |_| None
//!             }
//!         }
//!         pub struct FallibleOutput;
//!         pub struct PlainOutput;
//!         pub trait ResultKind {
//!             fn output_kind(&self) -> FallibleOutput {
//!                 FallibleOutput
//!             }
//!         }
//!         impl<T, E> ResultKind for Result<T, E> {}
//!         pub trait ValueKind {
//!             fn output_kind(&self) -> PlainOutput {
//!                 PlainOutput
//!             }
//!         }
//!         impl<T> ValueKind for &T {}
//!         impl FallibleOutput {
//!             pub fn into_result<T, E>(self, result: Result<T, E>) -> Result<T, E> {
//!                 result
//!             }
//!         }
//!         impl PlainOutput {
//!             pub fn into_result<T>(self, value: T) -> Result<T, ::core::convert::Infallible> {
//!                 Ok(value)
//!             }
//!         }
//!         pub trait TypedValue {}
//!         impl<T> TypedValue for T {}
//!         pub trait ContextParameter {
//!             fn from_context(ctx: ActivityContext) -> Self;
//!         }
//!         impl ContextParameter for ActivityContext {
//!             fn from_context(ctx: ActivityContext) -> Self {
//!                 ctx
//!             }
//!         }
//!         pub trait ActivityDefinition {
//!             type Input;
//!             type Output;
//!             fn name(&self) -> &'static str;
//!         }
//!         pub struct MultiArgs2<A, B>(pub A, pub B);
//!     }
//! }
//!
//! ```
