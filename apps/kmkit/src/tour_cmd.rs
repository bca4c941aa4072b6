//! `kmkit tour`: every app on its bundled dataset, one index page.
//!
//! The apps stay independent binaries: the tour runs each one found next to
//! `kmkit` with `--out <dir>/<app> -q --format json`, so what it shows is
//! exactly what a user gets from that app, and one failing app does not stop
//! the others.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use kmkit_cli::{progress, Format, ResultTable, Verbosity};
use kmkit_report::{index_page, IndexEntry};
use serde_json::json;

#[derive(Debug, Args)]
pub struct TourArgs {
    /// Folder for the reports and tour/index.html
    #[arg(long, default_value = "tour")]
    pub out: PathBuf,
    /// Format of the summary printed on stdout
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// One stop of the tour: an app, its arguments before `--out`, and what it shows.
struct Stop {
    name: &'static str,
    binary: &'static str,
    args: &'static [&'static str],
    about: &'static str,
}

const STOPS: &[Stop] = &[
    Stop {
        name: "tables",
        binary: "kmkit",
        args: &["fit", "seeds", "-k", "3"],
        about: "kmkit fit: wheat kernels (seeds) into 3 clusters, scored against the varieties",
    },
    Stop {
        name: "anomalies",
        binary: "kmkit",
        args: &["anomalies", "occupancy"],
        about: "kmkit anomalies: office sensor readings far from every cluster",
    },
    Stop {
        name: "documents",
        binary: "doc-topics",
        args: &[],
        about: "doc-topics: 20,000 StackOverflow titles into 20 topics with their top terms",
    },
    Stop {
        name: "speech",
        binary: "speech-clusters",
        args: &[],
        about: "speech-clusters: 2,000 spoken digits (FSDD) clustered by MFCC statistics",
    },
    Stop {
        name: "images",
        binary: "image-quantize",
        args: &[],
        about: "image-quantize: photos reduced to small palettes, indexed PNG size and PSNR",
    },
    Stop {
        name: "customers",
        binary: "rfm-segments",
        args: &[],
        about: "rfm-segments: Online Retail transactions into RFM segments and k-means clusters",
    },
    Stop {
        name: "genes",
        binary: "gene-clusters",
        args: &[],
        about: "gene-clusters: leukaemia samples (Golub) into subtypes from expression",
    },
];

/// Runs the tour and writes `<out>/index.html`.
pub fn tour(args: TourArgs, v: Verbosity) -> anyhow::Result<()> {
    let here = std::env::current_exe().context("locating the kmkit binary")?;
    let bin_dir = here.parent().context("the kmkit binary has no folder")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let bar = progress::bar(&v, STOPS.len() as u64, "tour");
    let mut table = ResultTable::new(&["stop", "app", "seconds", "result", "report"]);
    let mut entries = Vec::new();
    let mut failed = Vec::new();
    for stop in STOPS {
        bar.set_message(stop.name);
        let dir = args.out.join(stop.name);
        let started = Instant::now();
        let outcome = run_stop(bin_dir, stop, &dir);
        let seconds = started.elapsed().as_secs_f64();
        let report = dir.join("report.html");
        let result = match &outcome {
            Ok(()) if report.is_file() => "ok".to_string(),
            Ok(()) => "no report written".to_string(),
            Err(e) => format!("{e:#}"),
        };
        if result == "ok" {
            entries.push(IndexEntry {
                name: stop.name.to_string(),
                href: format!("{}/report.html", stop.name),
                description: stop.about.to_string(),
            });
        } else {
            failed.push(stop.name);
        }
        table.push(vec![
            json!(stop.name),
            json!(stop.binary),
            json!((seconds * 100.0).round() / 100.0),
            json!(result),
            json!(report.display().to_string()),
        ]);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let page = index_page(
        "kmkit tour",
        Some("Each kmkit app run on its bundled dataset with default settings. Every report is one self-contained HTML file."),
        &entries,
    );
    let index = args.out.join("index.html");
    kmkit_io::atomic::write(&index, page.as_bytes())
        .with_context(|| format!("writing {}", index.display()))?;
    print!("{}", table.render(args.format));
    if !v.quiet && args.format == Format::Table {
        println!("open {}", index.display());
    }
    anyhow::ensure!(
        failed.is_empty(),
        "{} of {} tour stops failed: {}",
        failed.len(),
        STOPS.len(),
        failed.join(", ")
    );
    Ok(())
}

/// Runs one app into `dir`; its own one-line error when it fails.
fn run_stop(bin_dir: &Path, stop: &Stop, dir: &Path) -> anyhow::Result<()> {
    let exe = bin_dir.join(format!("{}{}", stop.binary, std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        exe.is_file(),
        "{} is not built next to kmkit (run `cargo build --release --workspace`)",
        stop.binary
    );
    let out = Command::new(&exe)
        .args(stop.args)
        .arg("--out")
        .arg(dir)
        .args(["-q", "--format", "json"])
        .output()
        .with_context(|| format!("starting {}", exe.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    anyhow::bail!("{} exited with {}: {line}", stop.binary, out.status)
}
