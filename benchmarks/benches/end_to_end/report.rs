//! Medians over rounds, ratios to the official Rust worker, the markdown table and the chart.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::workers::WorkerKind;

/// How much load each worker gets.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub activities: usize,
    pub concurrency: usize,
    pub warmup: usize,
    pub rounds: usize,
}

/// One worker, one round.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    pub kind: WorkerKind,
    /// Activities completed per second of the measured load.
    pub throughput: f64,
    /// The worker process's user + system CPU time per measured activity.
    pub cpu_per_activity: Duration,
    /// The worker process's peak resident set size, in bytes.
    pub peak_rss: u64,
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {:>7.1} activities/s, {:>6.0} µs CPU per activity, peak RSS {:>6.1} MB",
            self.kind.label(),
            self.throughput,
            micros(self.cpu_per_activity),
            megabytes(self.peak_rss)
        )
    }
}

/// The medians of every worker over the rounds.
pub struct Report {
    settings: Settings,
    measurements: Vec<Measurement>,
    medians: Vec<Measurement>,
    load_before: String,
    load_after: String,
    machine: String,
}

/// What `end_to_end.json` keeps: every round's figures, so the table and chart can be redrawn.
#[derive(serde::Serialize, serde::Deserialize)]
struct Raw {
    settings: Settings,
    /// `(worker label, activities/s, CPU µs per activity, peak RSS bytes)` per worker and round.
    rounds: Vec<(String, f64, f64, u64)>,
    load_before: String,
    load_after: String,
    machine: String,
}

impl Report {
    /// Every round's figures, as JSON.
    pub fn to_json(&self) -> String {
        let raw = Raw {
            settings: self.settings,
            rounds: self
                .measurements
                .iter()
                .map(|m| {
                    (
                        m.kind.label().to_owned(),
                        m.throughput,
                        micros(m.cpu_per_activity),
                        m.peak_rss,
                    )
                })
                .collect(),
            load_before: self.load_before.clone(),
            load_after: self.load_after.clone(),
            machine: self.machine.clone(),
        };
        serde_json::to_string_pretty(&raw).expect("plain data encodes")
    }

    /// A report from what [`to_json`](Self::to_json) wrote.
    pub fn from_json(json: &str) -> anyhow::Result<Self> {
        let raw: Raw = serde_json::from_str(json)?;
        let measurements = raw
            .rounds
            .iter()
            .map(|(label, throughput, cpu_micros, peak_rss)| {
                let kind = WorkerKind::ALL
                    .into_iter()
                    .find(|k| k.label() == label)
                    .ok_or_else(|| anyhow::anyhow!("unknown worker {label}"))?;
                Ok(Measurement {
                    kind,
                    throughput: *throughput,
                    cpu_per_activity: Duration::from_secs_f64(cpu_micros / 1e6),
                    peak_rss: *peak_rss,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut report = Self::new(raw.settings, measurements, raw.load_before);
        report.load_after = raw.load_after;
        report.machine = raw.machine;
        Ok(report)
    }

    pub fn new(settings: Settings, measurements: Vec<Measurement>, load_before: String) -> Self {
        let medians = WorkerKind::ALL
            .iter()
            .map(|&kind| {
                let rounds: Vec<&Measurement> =
                    measurements.iter().filter(|m| m.kind == kind).collect();
                Measurement {
                    kind,
                    throughput: median(rounds.iter().map(|m| m.throughput)),
                    cpu_per_activity: Duration::from_secs_f64(median(
                        rounds.iter().map(|m| m.cpu_per_activity.as_secs_f64()),
                    )),
                    peak_rss: median(rounds.iter().map(|m| m.peak_rss as f64)) as u64,
                }
            })
            .collect();
        Self {
            settings,
            measurements,
            medians,
            load_before,
            load_after: load_average(),
            machine: machine(),
        }
    }

    fn of(&self, kind: WorkerKind) -> &Measurement {
        self.medians
            .iter()
            .find(|m| m.kind == kind)
            .expect("every kind measured")
    }

    /// Throughput, CPU per activity and peak RSS of `kind`, each divided by the official worker's.
    fn ratios(&self, kind: WorkerKind) -> [f64; 3] {
        let reference = self.of(WorkerKind::Official);
        let m = self.of(kind);
        [
            m.throughput / reference.throughput,
            m.cpu_per_activity.as_secs_f64() / reference.cpu_per_activity.as_secs_f64(),
            m.peak_rss as f64 / reference.peak_rss as f64,
        ]
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| worker | throughput (activities/s) | CPU per activity (user+sys) | peak RSS | \
             throughput × official | CPU × official | RSS × official | CPU × floor |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        let floor = self.of(WorkerKind::Floor).cpu_per_activity.as_secs_f64();
        for kind in WorkerKind::ALL {
            let m = self.of(kind);
            let [throughput, cpu, rss] = self.ratios(kind);
            let over_floor = m.cpu_per_activity.as_secs_f64() / floor;
            // The spread over rounds next to each median, so noise is visible.
            let range = |value: fn(&Measurement) -> f64, digits: usize| {
                let values: Vec<f64> = self
                    .measurements
                    .iter()
                    .filter(|r| r.kind == kind)
                    .map(value)
                    .collect();
                let low = values.iter().copied().fold(f64::INFINITY, f64::min);
                let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("{low:.digits$}–{high:.digits$}")
            };
            out.push_str(&format!(
                "| {} | {:.0} ({}) | {:.0} µs ({}) | {:.1} MB ({}) | {throughput:.2}× | {cpu:.2}× | {rss:.2}× | {over_floor:.2}× |\n",
                kind.title(),
                m.throughput,
                range(|r| r.throughput, 0),
                micros(m.cpu_per_activity),
                range(|r| micros(r.cpu_per_activity), 0),
                megabytes(m.peak_rss),
                range(|r| megabytes(r.peak_rss), 1),
            ));
        }
        let [throughput, cpu, rss] = self.ratios(WorkerKind::Ours);
        let mark = |ok: bool| if ok { "met" } else { "NOT met" };
        let cpu_of = |kind| self.of(kind).cpu_per_activity.as_secs_f64();
        let rss_of = |kind| self.of(kind).peak_rss as f64;
        let (ours, nogzip) = (cpu_of(WorkerKind::Ours), cpu_of(WorkerKind::OfficialNoGzip));
        let (ours_ct, best) = (
            cpu_of(WorkerKind::OursCurrentThread),
            cpu_of(WorkerKind::OfficialNoGzipCurrentThread),
        );
        let above_floor = (ours - floor) / (nogzip - floor);
        let rss_nogzip = rss_of(WorkerKind::Ours) / rss_of(WorkerKind::OfficialNoGzip);
        out.push_str(&format!(
            "\nAbove the floor (CPU per activity minus the floor's): activity-runtime {:.0} µs, \
             official gzip off {:.0} µs. Issue 32's targets against the official worker with gzip \
             off: CPU per activity ≤ 0.95× ({:.2}×, {}), CPU above the floor ≤ 0.9× ({:.2}×, {}), \
             peak RSS ≤ 1.0× ({:.2}×, {}). On a current-thread runtime, against the official \
             worker's best configuration (gzip off, current-thread): CPU per activity {:.2}×.\n",
            (ours - floor) * 1e6,
            (nogzip - floor) * 1e6,
            ours / nogzip,
            mark(ours / nogzip <= 0.95),
            above_floor,
            mark(above_floor <= 0.9),
            rss_nogzip,
            mark(rss_nogzip <= 1.0),
            ours_ct / best,
        ));
        out.push_str(&format!(
            "\nTargets for activity-runtime: CPU per activity ≤ 0.75× official ({:.2}×, {}), \
             peak RSS ≤ 1.0× ({:.2}×, {}), throughput ≥ 1.0× ({:.2}×, {}).\n",
            cpu,
            mark(cpu <= 0.75),
            rss,
            mark(rss <= 1.0),
            throughput,
            mark(throughput >= 1.0),
        ));
        out.push_str(&format!(
            "\nMedians of {} round(s) (lowest–highest in brackets), after {} activities to warm the server up; each round, in \
             rotated order, each worker (own process, default settings but where its row says otherwise) \
             served {} warm-up then {} measured standalone activities `noop(String) -> String` at \
             concurrency {} from one Rust load generator on the official client (default settings), against \
             `temporal server start-dev` (in memory) on the same machine. CPU is the worker \
             process's user+sys time over the measured load (`/proc/<pid>/stat`); peak RSS is its \
             `VmHWM`. Machine: {}; load average {} before, {} after. \
             Command: `make bench`.\n",
            self.settings.rounds,
            self.settings.warmup * 5,
            self.settings.warmup,
            self.settings.activities,
            self.settings.concurrency,
            self.machine,
            self.load_before,
            self.load_after,
        ));
        out
    }

    /// A grouped bar chart of the three ratios per worker, with the official worker at 1.0.
    pub fn chart(&self, path: &Path) -> anyhow::Result<()> {
        const METRICS: [&str; 3] = [
            "throughput (higher is better)",
            "CPU per activity (lower is better)",
            "peak RSS (lower is better)",
        ];
        const COLOURS: [RGBColor; WorkerKind::ALL.len()] = [
            RGBColor(0x88, 0x88, 0x88),
            RGBColor(0xbb, 0xbb, 0xbb),
            RGBColor(0xdd, 0xdd, 0xdd),
            RGBColor(0xd3, 0x5f, 0x2d),
            RGBColor(0xf0, 0xa0, 0x80),
            RGBColor(0x30, 0x6e, 0xb5),
            RGBColor(0x3a, 0x9a, 0x5b),
        ];
        let ratios: Vec<[f64; 3]> = WorkerKind::ALL.iter().map(|&k| self.ratios(k)).collect();
        let top = ratios.iter().flatten().fold(1.0_f64, |a, &b| a.max(b)) * 1.2;

        let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Worker cost relative to the official Rust SDK (= 1.0)",
                ("sans-serif", 22),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..3.0, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            // The groups are labelled below, one label each.
            .x_label_formatter(&|_: &f64| String::new())
            .y_desc("ratio to official")
            .draw()?;
        let width = 0.8 / WorkerKind::ALL.len() as f64;
        for (k, kind) in WorkerKind::ALL.iter().enumerate() {
            let colour = COLOURS[k];
            chart
                .draw_series((0..METRICS.len()).map(|metric| {
                    let x0 = metric as f64 + 0.1 + k as f64 * width;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + width * 0.9, ratios[k][metric])],
                        colour.filled(),
                    )
                }))?
                .label(kind.title())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
            chart.draw_series((0..METRICS.len()).map(|metric| {
                let x = metric as f64 + 0.1 + (k as f64 + 0.45) * width;
                Text::new(
                    format!("{:.2}", ratios[k][metric]),
                    (x - 0.04, ratios[k][metric] + top * 0.03),
                    ("sans-serif", 13),
                )
            }))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 1.0), (3.0, 1.0)],
            BLACK.stroke_width(1),
        )))?;
        let label_style = ("sans-serif", 15)
            .into_font()
            .into_text_style(&root)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (metric, name) in METRICS.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(metric as f64 + 0.5, 0.0));
            root.draw(&Text::new(*name, (x, y + 12), label_style.clone()))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

/// The median (the mean of the middle two for an even count; NaN for none).
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// The 1-minute load average now.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Cores, CPU model and memory of this machine.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cores} cores ({model}), {memory_gib:.0} GiB")
}
