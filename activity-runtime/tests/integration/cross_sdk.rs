//! Activities both cross-SDK tests serve (`python_interop`, `typescript_interop`): the callers'
//! object argument, and bytes both ways.

use activity_runtime::{Bytes, activity};
use serde::Deserialize;

/// `your_activity`'s parameter: a Python dataclass, a TypeScript object.
#[derive(Deserialize)]
pub(crate) struct YourParams {
    pub(crate) greeting: String,
    pub(crate) name: String,
}

/// Blocking, and registered under another name than the function's.
#[activity(name = "your_activity")]
pub(crate) fn compose_greeting(params: YourParams) -> String {
    format!("{}, {}!", params.greeting, params.name)
}

/// Python `bytes`, a TypeScript `Uint8Array` (`binary/plain`) in; bytes (`binary/plain`) out.
#[activity]
pub(crate) async fn reverse_bytes(mut data: Vec<u8>) -> Bytes {
    data.reverse();
    Bytes(data)
}
