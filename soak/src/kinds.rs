//! The activities of the soak: one of each kind the runtime runs, how callers time them, and the
//! results they must return.

use std::time::Duration;

use activity_runtime::limits::KIB;

/// Payloads over this size go to the bucket (the Python SDK's default is 256 KiB; lower here so
/// that the moto server is kept busy without slowing the machine).
pub const STORAGE_THRESHOLD: usize = 64 * KIB;

/// The size of the `large` activity's argument, and of its result.
pub const LARGE_PAYLOAD: usize = 160 * KIB;

/// The environment variable that names the ledger file, for the workers.
pub const LEDGER_ENV: &str = "SOAK_LEDGER";

/// The bucket of the large payloads.
pub const BUCKET: &str = "soak-payloads";

/// One kind of activity of the mixed load; its activity type is [`Kind::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An async function that returns within milliseconds.
    Fast,
    /// An async function that runs for 3 to 8 seconds without heartbeating, with a start-to-close
    /// timeout (60 s) above the longest outage: a result it finishes while the server is down
    /// must be delivered when the server is back, never cost a second run.
    Slow,
    /// An async function that runs for 4 to 12 seconds, heartbeating every half second.
    Heartbeating,
    /// A plain `fn` on the worker's blocking threads.
    Blocking,
    /// A plain `fn` in a child process (`isolation = "process"`).
    Isolated,
    /// Argument and result over [`STORAGE_THRESHOLD`]: both pass through the bucket.
    Large,
}

impl Kind {
    /// Every kind, in the order the load cycles through them.
    pub const ALL: [Kind; 6] = [
        Kind::Fast,
        Kind::Slow,
        Kind::Heartbeating,
        Kind::Blocking,
        Kind::Isolated,
        Kind::Large,
    ];

    /// The activity type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fast => "fast",
            Kind::Slow => "slow",
            Kind::Heartbeating => "heartbeating",
            Kind::Blocking => "blocking",
            Kind::Isolated => "isolated",
            Kind::Large => "large",
        }
    }

    /// The kind of an activity id the driver made (`{name}-{n}`).
    pub fn of_id(id: &str) -> Option<Kind> {
        let name = id.rsplit_once('-')?.0;
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The start-to-close timeout callers give it: ample for its work on a loaded machine, and
    /// what bounds how long a result may wait for a server that is down (see `report`).
    pub fn start_to_close(self) -> Duration {
        match self {
            Kind::Slow => Duration::from_secs(60),
            Kind::Heartbeating => Duration::from_secs(30),
            _ => Duration::from_secs(15),
        }
    }

    /// The heartbeat timeout callers give it, if it heartbeats.
    pub fn heartbeat_timeout(self) -> Option<Duration> {
        match self {
            Kind::Heartbeating => Some(Duration::from_secs(5)),
            _ => None,
        }
    }

    /// Whether its attempts read or write the bucket.
    pub fn uses_storage(self) -> bool {
        self == Kind::Large
    }
}

/// What `isolated` returns for `text`: its FNV-1a hash.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The argument of `large` number `n`: [`LARGE_PAYLOAD`] bytes that differ between activities.
pub fn large_argument(n: u64) -> Vec<u8> {
    (0..LARGE_PAYLOAD as u64)
        .map(|i| (i.wrapping_mul(31).wrapping_add(n) % 251) as u8)
        .collect()
}

/// What `large` returns for `data`: every byte plus one (wrapping), so that a result that is the
/// argument sent back, or another activity's, is caught.
pub fn large_result(data: &[u8]) -> Vec<u8> {
    data.iter().map(|b| b.wrapping_add(1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_is_read_back_from_its_ids() {
        for kind in Kind::ALL {
            assert_eq!(Kind::of_id(&format!("{}-17", kind.name())), Some(kind));
        }
        assert_eq!(Kind::of_id("other-1"), None);
        assert_eq!(Kind::of_id("fast"), None);
    }
}
