//! The one `tracing` subscriber of this binary, installed by the first test that asks for it:
//! every event at `DEBUG` and above as text (the `fmt` format, without colours), and every event
//! at `WARN` and above as fields (level, `activity_type`, message).

use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::common::CapturedLogs;

/// A log event, as the worker emitted it.
#[derive(Debug, Clone)]
pub struct Event {
    pub level: tracing::Level,
    pub activity_type: Option<String>,
    pub message: String,
}

struct Logs {
    text: CapturedLogs,
    events: Arc<Mutex<Vec<Event>>>,
}

fn installed() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let text = CapturedLogs::default();
        let events = Arc::default();
        let writer = text.clone();
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(move || writer.clone())
                    .with_ansi(false)
                    .with_filter(LevelFilter::DEBUG),
            )
            .with(Capture(Arc::clone(&events)).with_filter(LevelFilter::WARN));
        tracing::subscriber::set_global_default(subscriber)
            .expect("the only subscriber of this test binary");
        Logs { text, events }
    })
}

/// Everything logged as text so far, by every test of this binary.
pub fn text() -> CapturedLogs {
    installed().text.clone()
}

/// The events at `WARN` and above so far, by every test of this binary.
pub fn events() -> &'static Arc<Mutex<Vec<Event>>> {
    &installed().events
}

/// Records each event's level, `activity_type` field and message.
struct Capture(Arc<Mutex<Vec<Event>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            activity_type: Option<String>,
            message: String,
        }
        impl Visit for Fields {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                match field.name() {
                    "activity_type" => self.activity_type = Some(format!("{value:?}")),
                    "message" => self.message = format!("{value:?}"),
                    _ => {}
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.0.lock().unwrap().push(Event {
            level: *event.metadata().level(),
            activity_type: fields.activity_type,
            message: fields.message,
        });
    }
}
