// Every accepted spelling of a size, and what reaches the runtime.
use activity_runtime::limits::{KIB, MIB, PayloadLimits};
use activity_runtime::{Activity, activities, activity};

#[activity(max_result_size = "1 MiB", warn_result_size = "512 KiB")]
async fn binary_units() -> String {
    String::new()
}

#[activity(max_result_size = "1.5 MiB", max_heartbeat_size = "64KiB")]
fn fractions() {}

#[activity(max_result_size = "2MB", warn_result_size = "100 kb")]
async fn decimal_units() {}

#[activity(max_result_size = "1000000", max_heartbeat_size = 4096)]
async fn bytes() {}

#[activity(max_result_size = "4 MiB")]
async fn at_the_grpc_cap() {}

#[activity]
async fn defaults() {}

pub fn main() {
    assert_eq!(
        binary_units::LIMITS,
        PayloadLimits::DEFAULT
            .max_result_size(MIB)
            .warn_result_size(512 * KIB)
    );
    assert_eq!(fractions::LIMITS.max_result_size, Some(MIB + MIB / 2));
    assert_eq!(fractions::LIMITS.max_heartbeat_size, Some(64 * KIB));
    assert_eq!(decimal_units::LIMITS.max_result_size, Some(2_000_000));
    assert_eq!(decimal_units::LIMITS.warn_result_size, Some(100_000));
    assert_eq!(bytes::LIMITS.max_result_size, Some(1_000_000));
    assert_eq!(bytes::LIMITS.max_heartbeat_size, Some(4096));
    assert_eq!(at_the_grpc_cap::LIMITS.max_result_size, Some(4 * MIB));
    assert_eq!(defaults::LIMITS, PayloadLimits::DEFAULT);

    let registered = activities![binary_units, defaults];
    assert_eq!(registered.registrations()[0].limits().max_result_size, Some(MIB));
}
