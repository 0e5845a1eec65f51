//! The code blocks of the README and of the guide (`docs/src`), compiled and run as doc tests of
//! this crate (`cargo test -p examples --doc`), so they cannot drift from the code they describe.
//! Each page is the documentation of an empty module; `no_run` blocks are compiled only.

#[doc = include_str!("../../README.md")]
mod readme {}

#[doc = include_str!("../../docs/src/first-activity.md")]
mod first_activity {}

#[doc = include_str!("../../docs/src/writing-activities.md")]
mod writing_activities {}

#[doc = include_str!("../../docs/src/errors-and-retries.md")]
mod errors_and_retries {}

#[doc = include_str!("../../docs/src/context.md")]
mod context {}

#[doc = include_str!("../../docs/src/shared-resources.md")]
mod shared_resources {}

#[doc = include_str!("../../docs/src/blocking.md")]
mod blocking {}

#[doc = include_str!("../../docs/src/testing.md")]
mod testing {}

#[doc = include_str!("../../docs/src/calling-from-other-sdks.md")]
mod calling_from_other_sdks {}

#[doc = include_str!("../../docs/src/codecs-and-limits.md")]
mod codecs_and_limits {}

#[doc = include_str!("../../docs/src/codec-server.md")]
mod codec_server {}

#[doc = include_str!("../../docs/src/production.md")]
mod production {}

#[doc = include_str!("../../docs/src/settings.md")]
mod settings {}

#[doc = include_str!("../../docs/src/deploying.md")]
mod deploying {}

#[doc = include_str!("../../docs/src/interceptors.md")]
mod interceptors {}

#[doc = include_str!("../../docs/src/process-isolation.md")]
mod process_isolation {}

#[doc = include_str!("../../docs/src/connecting.md")]
mod connecting {}

#[doc = include_str!("../../docs/src/external-storage.md")]
mod external_storage {}

#[doc = include_str!("../../docs/src/observability.md")]
mod observability {}

#[doc = include_str!("../../docs/src/contract.md")]
mod contract {}

#[doc = include_str!("../../docs/src/payloads.md")]
mod payloads {}
