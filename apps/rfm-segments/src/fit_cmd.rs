//! The default command: read → clean → RFM → scores → segments → k-means →
//! print the ledger and tables → write customers.csv, model.json, report.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use kmkit_cli::run::{self, dense_view, quality, Quality};
use kmkit_cli::{
    fit_k, progress, usage_error, Format, KChoice, KMeansArgs, KRule, OutputArgs, Verbosity,
};
use kmkit_io::ModelFile;
use kmkit_rfm::{
    rfm_table, score, segments, ClusterProfile, GroupSummary, Ledger, RfmModel, RfmTransform,
};
use rfm_segments::input::{self, FormatArgs};
use rfm_segments::tables::{self, Assigned};
use rfm_segments::{pictures, RfmState, MODEL_KIND};
use serde::Serialize;
use serde_json::{json, Value};

use crate::print;

/// k when none is given: the four clusters of the common RFM recipe.
pub const DEFAULT_K: usize = 4;

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Transaction files of one layout, read as one log [default: the bundled Online Retail sample]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Snapshot date YYYY-MM-DD: recency counts days to it; later rows are left out and counted [default: the day after the last transaction]
    #[arg(long, value_name = "DATE", help_heading = "Transactions")]
    pub snapshot: Option<String>,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = KRule::Silhouette, help_heading = "Clustering")]
    pub rule: KRule,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Seconds spent in each step.
#[derive(Debug, Default, Serialize)]
struct Timings {
    read_and_clean: f64,
    rfm: f64,
    scores: f64,
    transform: f64,
    kmeans: f64,
    quality: f64,
    outputs: f64,
}

#[derive(Serialize)]
struct FitSummary<'a> {
    command: &'static str,
    input: &'a str,
    layout: &'a str,
    format: &'a kmkit_rfm::TransactionFormat,
    ledger: &'a Ledger,
    snapshot: String,
    excluded_after_snapshot: usize,
    n_customers: usize,
    scores_ranked_first: &'a [String],
    segments: &'a [GroupSummary],
    k: usize,
    k_selection: Option<Value>,
    params: &'a kmkit_core::KMeansParams,
    n_iter: usize,
    converged: bool,
    warnings: &'a [String],
    clusters: &'a [ClusterProfile],
    quality: &'a Quality,
    timings_s: &'a Timings,
    outputs: Vec<&'static str>,
}

fn secs(t: &mut Instant) -> f64 {
    let s = t.elapsed().as_secs_f64();
    *t = Instant::now();
    s
}

pub fn fit(args: FitArgs, v: Verbosity) -> anyhow::Result<()> {
    let mut times = Timings::default();
    let mut t = Instant::now();
    let pb = progress::spinner(&v, "reading transactions");
    let loaded = input::load(&args.files, &args.format, None)?;
    pb.finish_and_clear();
    times.read_and_clean = secs(&mut t);
    let tx = &loaded.tx;
    v.detail(format!("layout: {}", loaded.layout));
    v.note(format!("ledger: {}", tx.ledger.summary()));
    let snapshot = args
        .snapshot
        .as_deref()
        .map(input::parse_snapshot)
        .transpose()?;
    let table = rfm_table(tx, snapshot).context("computing RFM per customer")?;
    times.rfm = secs(&mut t);
    if table.excluded_after_snapshot > 0 {
        v.note(format!(
            "note: {} kept rows are on or after the snapshot {} and left out of RFM",
            table.excluded_after_snapshot, table.snapshot
        ));
    }
    let scores = score(&table)?;
    let segs = segments(&scores);
    if !scores.ranked_first.is_empty() {
        let verb = if scores.ranked_first.len() > 1 {
            "have"
        } else {
            "has"
        };
        v.note(format!(
            "note: {} {verb} too many ties for value quintiles; scored on ranks instead",
            scores.ranked_first.join(" and ")
        ));
    }
    times.scores = secs(&mut t);
    let (transform, features) = RfmTransform::fit_transform(&table, true)?;
    times.transform = secs(&mut t);
    let n = table.len();
    let choice = match args.kmeans.k {
        Some(KChoice::Fixed(k)) if k > n => {
            return Err(usage_error(format!(
                "-k {k} asks for more clusters than the {n} customers left after cleaning: lower -k"
            )))
        }
        Some(KChoice::Range { min, max }) if max > n => {
            return Err(usage_error(format!(
                "--k {min}..{max} asks for more clusters than the {n} customers left after cleaning: lower the range"
            )))
        }
        Some(c) => c,
        None if n < DEFAULT_K => {
            v.note(format!(
                "note: only {n} customer(s) after cleaning; using k = {n} instead of {DEFAULT_K}"
            ));
            KChoice::Fixed(n)
        }
        None => KChoice::Fixed(DEFAULT_K),
    };
    let pb = progress::spinner(&v, format!("fitting k = {choice} on {n} customers"));
    let fitted = fit_k(&features, choice, args.rule, &args.kmeans)?;
    pb.finish_and_clear();
    let (rfm_model, labels) =
        RfmModel::from_kmeans(&table, &scores, transform, fitted.model.clone());
    times.kmeans = secs(&mut t);
    let model = &rfm_model.kmeans;
    model
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let x = dense_view(&features);
    let q = quality(
        x.as_ref().map(|a| a.view()),
        &labels,
        None,
        model.inertia,
        args.kmeans.seed,
    );
    times.quality = secs(&mut t);
    let seg_rows = tables::segment_rows(&table, &segs);
    let score_triples: Vec<(u8, u8, u8)> = (0..n)
        .map(|i| (scores.r[i], scores.f[i], scores.m[i]))
        .collect();
    let names: Vec<String> = rfm_model.clusters.iter().map(|c| c.name.clone()).collect();
    let mut summary = FitSummary {
        command: "fit",
        input: &loaded.display,
        layout: &loaded.layout,
        format: &loaded.format,
        ledger: &tx.ledger,
        snapshot: table.snapshot.to_string(),
        excluded_after_snapshot: table.excluded_after_snapshot,
        n_customers: n,
        scores_ranked_first: &scores.ranked_first,
        segments: &seg_rows,
        k: model.n_clusters(),
        k_selection: fitted.sweep.as_ref().map(|s| {
            json!({"rule": fitted.rule, "chosen": model.n_clusters(), "elbow": s.elbow(),
                   "best_silhouette": s.best_silhouette(), "scores": s.scores})
        }),
        params: &model.params,
        n_iter: model.n_iter,
        converged: model.converged,
        warnings: &model.warnings,
        clusters: &rfm_model.clusters,
        quality: &q,
        timings_s: &times,
        outputs: vec![],
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        summary.outputs = vec![
            "customers.csv",
            "segments.csv",
            "centroids.csv",
            "model.json",
            "summary.json",
            "report.html",
        ];
        out.write(
            "customers.csv",
            &tables::customers_csv(
                &table,
                Assigned {
                    scores: &score_triples,
                    segments: &segs,
                    clusters: &labels,
                    names: &names,
                },
            ),
        )?;
        out.write(
            "segments.csv",
            tables::group_table("segment", &seg_rows)
                .render(Format::Csv)
                .as_bytes(),
        )?;
        out.write(
            "centroids.csv",
            tables::cluster_table(&rfm_model.clusters)
                .render(Format::Csv)
                .as_bytes(),
        )?;
        let (state, kmeans) = rfm_model.clone().into_parts();
        let file = ModelFile::new(
            MODEL_KIND,
            RfmState {
                format: loaded.format.clone(),
                rfm: state,
            },
            kmeans,
        );
        out.write("model.json", &file.to_json())?;
        let mut settings = vec![
            ("input".to_string(), loaded.display.clone()),
            ("layout".into(), loaded.layout.clone()),
            ("snapshot".into(), table.snapshot.to_string()),
            ("customers".into(), n.to_string()),
            (
                "features".into(),
                "log1p + standardised recency, frequency, monetary".into(),
            ),
            ("k".into(), model.n_clusters().to_string()),
            ("seed".into(), model.params.seed.to_string()),
            ("init".into(), model.params.init.name().to_string()),
            (
                "n_init".into(),
                model.params.n_init.map_or("auto".into(), |n| n.to_string()),
            ),
        ];
        if let Some(r) = fitted.rule {
            settings.push(("k chosen by".into(), format!("{r:?}").to_lowercase()));
        }
        let mut report = run::standard_report(
            &format!("rfm-segments: {}", loaded.display),
            settings,
            &features,
            model,
            &labels,
            &q,
            fitted.sweep.as_ref(),
        )?;
        report.intro = Some(format!(
            "{} — {} customers at snapshot {}, in the 10 RF-grid segments and {} k-means clusters.",
            tx.ledger.summary(),
            n,
            table.snapshot,
            model.n_clusters()
        ));
        report.cluster_names = names.clone();
        let ledger = tables::ledger_table(&tx.ledger, Some(table.excluded_after_snapshot));
        report.sections.push(kmkit_report::Section {
            title: "Cleaning ledger".into(),
            body: kmkit_report::Body::Table {
                headers: ledger.headers.clone(),
                rows: ledger
                    .rows
                    .iter()
                    .map(|r| r.iter().map(kmkit_cli::readable).collect())
                    .collect(),
            },
            caption: Some("Every row read is kept or dropped for exactly one reason: kept + dropped = rows read.".into()),
        });
        report.sections.extend(pictures::segment_sections(
            &table,
            &score_triples,
            &seg_rows,
        )?);
        report.sections.extend(pictures::cluster_sections(
            &rfm_model.clusters,
            model.centroids.view(),
        )?);
        summary.timings_s = &times;
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    let mut times_after = Timings { ..times };
    times_after.outputs = secs(&mut t);
    v.detail(format!(
        "seconds: read+clean {:.3}, rfm {:.3}, scores {:.3}, transform {:.3}, k-means {:.3}, quality {:.3}, outputs {:.3}",
        times_after.read_and_clean,
        times_after.rfm,
        times_after.scores,
        times_after.transform,
        times_after.kmeans,
        times_after.quality,
        times_after.outputs
    ));
    match args.output.format {
        Format::Json => {
            summary.timings_s = &times_after;
            print(&String::from_utf8(kmkit_io::json_bytes(&summary))?)
        }
        Format::Csv => print(&tables::group_table("segment", &seg_rows).render(Format::Csv)),
        Format::Table => print(
            &(tables::ledger_table(&tx.ledger, Some(table.excluded_after_snapshot))
                .render(Format::Table)
                + &tables::group_table("segment", &seg_rows).render(Format::Table)
                + &tables::cluster_table(&rfm_model.clusters).render(Format::Table)),
        ),
    }
}
