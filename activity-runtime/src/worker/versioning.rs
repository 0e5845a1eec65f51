//! Worker deployment versioning: the deployment and build id a worker reports, whether it opts in
//! to Worker Versioning, and the worker heartbeat it sends the server. Handed to core as its
//! `WorkerDeploymentOptions` and runtime options.

use std::time::Duration;

use temporalio_common::telemetry::TelemetryOptions;
use temporalio_common::worker::{WorkerDeploymentOptions, WorkerDeploymentVersion};
use temporalio_sdk_core::{RuntimeOptions, WorkerVersioningStrategy};

pub use temporalio_common::worker::VersioningBehavior;

use super::WorkerError;
use super::tuning::invalid;

/// Every versioning setting of a [`WorkerBuilder`](crate::WorkerBuilder), as given.
#[derive(Debug, Clone, Default)]
pub(super) struct Versioning {
    pub(super) deployment_name: Option<String>,
    pub(super) build_id: Option<String>,
    pub(super) use_worker_versioning: bool,
    pub(super) default_versioning_behavior: Option<VersioningBehavior>,
    /// `None` until set; `Some(None)` turns worker heartbeats off.
    pub(super) worker_heartbeat_interval: Option<Option<Duration>>,
}

impl Versioning {
    /// Core's versioning strategy, or the first setting that is wrong.
    ///
    /// Like the official Rust SDK, a worker always reports a build id (by default a checksum of
    /// its executable) and, when given one, its deployment name, but takes only the tasks of its
    /// own deployment version with `use_worker_versioning`.
    pub(super) fn strategy(&self) -> Result<WorkerVersioningStrategy, WorkerError> {
        if self
            .build_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(invalid(
                "build_id",
                "it is empty; leave it unset for a checksum of the executable",
            ));
        }
        if self
            .deployment_name
            .as_deref()
            .is_some_and(|name| name.trim().is_empty())
        {
            return Err(invalid("deployment_name", "it is empty"));
        }
        if self.use_worker_versioning && self.deployment_name.is_none() {
            return Err(invalid(
                "use_worker_versioning",
                "it needs a deployment name: call `.deployment_name(\"...\")` too",
            ));
        }
        match self.default_versioning_behavior {
            Some(_) if !self.use_worker_versioning => {
                return Err(invalid(
                    "default_versioning_behavior",
                    "it applies only with `use_worker_versioning(true)`",
                ));
            }
            Some(VersioningBehavior::Unspecified) => {
                return Err(invalid(
                    "default_versioning_behavior",
                    "`Unspecified` is no behaviour: choose `Pinned` or `AutoUpgrade`, or leave it unset",
                ));
            }
            _ => {}
        }
        let build_id = self.build_id.clone().unwrap_or_else(default_build_id);
        let version = WorkerDeploymentVersion::builder()
            .deployment_name(self.deployment_name.clone().unwrap_or_default())
            .build_id(build_id)
            .build();
        Ok(WorkerVersioningStrategy::WorkerDeploymentBased(
            WorkerDeploymentOptions::new(version)
                .use_worker_versioning(self.use_worker_versioning)
                .maybe_default_versioning_behavior(self.default_versioning_behavior)
                .build(),
        ))
    }

    /// Core's runtime options: the worker heartbeat interval (default 60 s).
    pub(super) fn runtime_options(
        &self,
        telemetry: TelemetryOptions,
    ) -> Result<RuntimeOptions, WorkerError> {
        if let Some(Some(interval)) = self.worker_heartbeat_interval
            && !(Duration::from_secs(1)..=Duration::from_secs(60)).contains(&interval)
        {
            return Err(invalid(
                "worker_heartbeat_interval",
                format!(
                    "it is {interval:?}; it is between 1 s and 60 s, or `None` for no worker \
                     heartbeats"
                ),
            ));
        }
        let builder = RuntimeOptions::builder().telemetry_options(telemetry);
        let built = match self.worker_heartbeat_interval {
            Some(interval) => builder.heartbeat_interval(interval).build(),
            None => builder.build(),
        };
        built.map_err(|reason| invalid("worker_heartbeat_interval", reason))
    }
}

/// What the official Rust SDK reports when no build id is given: a checksum of the executable.
pub(super) fn default_build_id() -> String {
    temporalio_common::worker::build_id_from_current_exe().to_owned()
}
