//! `fit`, `predict`, `elbow`, `evaluate`, `datasets`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kmkit::datasets::{self, BUNDLED};
use kmkit::describe::describe_clusters;
use kmkit::out_of_core::{self, exceeds, parse_size, ScaledChunks, IN_MEMORY_BYTES_PER_VALUE};
use kmkit_cli::run::{self, cluster_sizes, dense_view, quality, Quality};
use kmkit_cli::{
    fit_k, key_values, progress, usage_error, Format, KChoice, KMeansArgs, KRule, OutputArgs,
    ReadArgs, ResultTable, TableArgs, Verbosity,
};
use kmkit_core::{Criteria, Features, Input, KMeansParams, RowChunks, CHUNK_ALIGN};
use kmkit_io::memory::human_bytes;
use kmkit_io::{
    centroids_csv, is_chunked_format, labels_csv, read_labels, read_table, MatrixChunks,
    MissingPolicy, ModelFile, PrepReport, Prepared, Preprocess, Scaling, Table,
};
use kmkit_report::{Body, Report, Section};
use serde::Serialize;
use serde_json::{json, Value};

/// Kind tag of table model files.
pub const MODEL_KIND: &str = "table";

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Table file or bundled dataset name [default: iris]
    pub table: Option<String>,
    #[command(flatten)]
    pub input: TableArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = KRule::Silhouette, help_heading = "Clustering")]
    pub rule: KRule,
    /// Fit a .npy/.fbin/.fvecs file out of core (exact Lloyd by passes over the file) when
    /// holding it in memory would take more than SIZE, e.g. 256M or 2G
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Clustering")]
    pub memory_limit: Option<u64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// model.json written by `kmkit fit --out`
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Table file or bundled dataset name [default: iris]
    pub table: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ElbowArgs {
    /// Table file or bundled dataset name [default: iris]
    pub table: Option<String>,
    #[command(flatten)]
    pub input: TableArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Table file or bundled dataset name [default: iris]
    pub table: Option<String>,
    /// Labels CSV (e.g. labels.csv from `kmkit fit --out`)
    #[arg(long)]
    pub labels: PathBuf,
    /// Column of the labels CSV holding the cluster numbers
    #[arg(long, default_value = "cluster")]
    pub labels_column: String,
    /// Featurise the table with this model's preprocessing instead of the --scaling etc. options
    #[arg(long, short = 'm')]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub input: TableArgs,
    /// Seed of the silhouette's row sample (tables above 5,000 rows)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Format of what is printed on stdout
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A table read and featurised, with where it came from.
pub struct Loaded {
    pub source: datasets::Input,
    pub table: Table,
}

/// Resolves and reads the TABLE argument.
pub fn load(arg: Option<&str>, read: &ReadArgs, v: &Verbosity) -> anyhow::Result<Loaded> {
    let source = datasets::resolve(arg)?;
    let pb = progress::spinner(v, format!("reading {}", source.display));
    let table = read_table(&source.path, &read.read_options())?;
    pb.finish_and_clear();
    v.detail(format!(
        "{}: {} rows × {} columns",
        source.path.display(),
        table.n_rows(),
        table.columns.len()
    ));
    Ok(Loaded { source, table })
}

/// Learns the preprocessing asked for (bundled presets fill unset roles).
pub fn featurize(loaded: &Loaded, input: &TableArgs) -> anyhow::Result<(Preprocess, Prepared)> {
    let mut spec = input.spec();
    if let Some(b) = loaded.source.bundled {
        b.apply(&mut spec, input.scaling.is_some());
    }
    let (pre, prepared) = Preprocess::fit(&spec, &loaded.table)?;
    Ok((pre, prepared))
}

/// Notes on stderr about dropped or imputed cells.
pub fn note_preprocessing(r: &PrepReport, v: &Verbosity) {
    if r.rows_dropped > 0 {
        v.note(format!(
            "note: dropped {} of {} rows with missing values",
            r.rows_dropped, r.n_rows_read
        ));
    }
    if r.cells_imputed > 0 {
        let cols: Vec<String> = r
            .missing_by_column
            .iter()
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        v.note(format!(
            "note: imputed {} missing cells ({})",
            r.cells_imputed,
            cols.join(", ")
        ));
    }
    if r.unknown_levels > 0 {
        v.note(format!(
            "note: {} categorical cells had a level unseen at fit time (encoded as all zeros)",
            r.unknown_levels
        ));
    }
}

/// Run settings shown in the report and the summary.
pub fn settings(
    source: &str,
    (n_rows, n_features): (usize, usize),
    pre: &Preprocess,
    params: &KMeansParams,
    extra: &[(&str, String)],
) -> Vec<(String, String)> {
    let mut s = vec![
        ("input".to_string(), source.to_string()),
        ("rows".into(), n_rows.to_string()),
        ("features".into(), n_features.to_string()),
        ("k".into(), params.n_clusters.to_string()),
        ("seed".into(), params.seed.to_string()),
        ("init".into(), params.init.name().to_string()),
        (
            "n_init".into(),
            params.n_init.map_or("auto".into(), |n| n.to_string()),
        ),
        (
            "algorithm".into(),
            serde_json::to_value(params.algorithm)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
        (
            "scaling".into(),
            serde_json::to_value(pre.scaling)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
        (
            "missing values".into(),
            serde_json::to_value(pre.missing)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
    ];
    if let Some(l) = &pre.label_column {
        s.push(("label column".into(), l.name.clone()));
    }
    s.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    s
}

/// The per-cluster table printed by fit and predict.
fn cluster_table(sizes: &[usize], words: Option<&[String]>) -> ResultTable {
    let total: usize = sizes.iter().sum();
    let mut t = ResultTable::new(if words.is_some() {
        &["cluster", "rows", "share", "distinctive features"]
    } else {
        &["cluster", "rows", "share"]
    });
    for (c, &n) in sizes.iter().enumerate() {
        let mut row = vec![
            json!(c),
            json!(n),
            json!(format!("{:.1}%", 100.0 * n as f64 / total.max(1) as f64)),
        ];
        if let Some(w) = words {
            row.push(json!(w[c]));
        }
        t.push(row);
    }
    t
}

fn metrics_table(q: &Quality) -> ResultTable {
    let pairs: Vec<(&str, Value)> = q.pairs().into_iter().map(|(k, v)| (k, json!(v))).collect();
    key_values(&pairs)
}

pub(crate) use kmkit_cli::print;

/// The k range of a sweep, when --k is one.
fn k_selection_json(fitted: &kmkit_cli::Fitted) -> Option<Value> {
    let sweep = fitted.sweep.as_ref()?;
    Some(json!({
        "rule": fitted.rule,
        "chosen": fitted.model.n_clusters(),
        "elbow": sweep.elbow(),
        "best_silhouette": sweep.best_silhouette(),
        "scores": sweep.scores,
    }))
}

#[derive(Serialize)]
struct FitSummary<'a> {
    command: &'static str,
    input: &'a str,
    n_rows: usize,
    n_features: usize,
    feature_names: &'a [String],
    k: usize,
    k_selection: Option<Value>,
    params: &'a KMeansParams,
    n_iter: usize,
    converged: bool,
    warnings: &'a [String],
    cluster_sizes: &'a [usize],
    cluster_descriptions: &'a [String],
    quality: &'a Quality,
    classes: Option<&'a [String]>,
    preprocessing: &'a PrepReport,
    outputs: Vec<&'static str>,
    /// Which path ran: "in-memory" or "out-of-core".
    mode: &'static str,
    /// Chunking, sample sizes and the limit, for out-of-core runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    out_of_core: Option<Value>,
}

pub fn fit(args: FitArgs, v: Verbosity) -> anyhow::Result<()> {
    if let Some(limit) = args.memory_limit {
        let source = datasets::resolve(args.table.as_deref())?;
        if !is_chunked_format(&source.path) {
            v.note(format!(
                "note: --memory-limit applies to .npy, .fbin and .fvecs files; {} is read in memory",
                source.display
            ));
        } else {
            let chunks = MatrixChunks::open(&source.path, CHUNK_ALIGN)?;
            if exceeds(chunks.n_rows(), chunks.n_cols(), limit) {
                return fit_out_of_core(args, v, source, chunks, limit);
            }
            v.detail(format!(
                "{}: {} × {} fits in --memory-limit {}: fitting in memory",
                source.display,
                chunks.n_rows(),
                chunks.n_cols(),
                human_bytes(limit)
            ));
        }
    }
    let loaded = load(args.table.as_deref(), &args.input.read, &v)?;
    let (pre, prepared) = featurize(&loaded, &args.input)?;
    note_preprocessing(&prepared.report, &v);
    let default_k = loaded
        .source
        .bundled
        .map_or(KChoice::AUTO, |b| KChoice::Fixed(b.k));
    let choice = args.kmeans.k_or(default_k);
    let pb = progress::spinner(
        &v,
        format!(
            "fitting k = {choice} on {} rows",
            prepared.features.n_rows()
        ),
    );
    let fitted = fit_k(&prepared.features, choice, args.rule, &args.kmeans)?;
    pb.finish_and_clear();
    let model = &fitted.model;
    let labels = model.labels();
    let k = model.n_clusters();
    model
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let truth = prepared.truth.as_ref().map(|t| t.labels.as_slice());
    let x = dense_view(&prepared.features);
    let q = quality(
        x.as_ref().map(|a| a.view()),
        labels,
        truth,
        model.inertia,
        args.kmeans.seed,
    );
    let sizes = cluster_sizes(labels, k);
    let words = describe_clusters(&pre, model.centroids.view(), 3);
    let outputs = if args.output.out.is_some() {
        vec![
            "labels.csv",
            "centroids.csv",
            "model.json",
            "summary.json",
            "report.html",
        ]
    } else {
        vec![]
    };
    let summary = FitSummary {
        command: "fit",
        input: &loaded.source.display,
        n_rows: prepared.features.n_rows(),
        n_features: prepared.features.n_cols(),
        feature_names: &prepared.features.feature_names,
        k,
        k_selection: k_selection_json(&fitted),
        params: &model.params,
        n_iter: model.n_iter,
        converged: model.converged,
        warnings: &model.warnings,
        cluster_sizes: &sizes,
        cluster_descriptions: &words,
        quality: &q,
        classes: prepared.truth.as_ref().map(|t| t.classes.as_slice()),
        preprocessing: &prepared.report,
        outputs,
        mode: "in-memory",
        out_of_core: None,
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let (_, sq) = model.assign(Input::from(&prepared.features))?;
        let dist: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
        out.write(
            "labels.csv",
            &labels_csv(&prepared.features.row_ids, labels, &[("distance", &dist)]),
        )?;
        out.write(
            "centroids.csv",
            &centroids_csv(
                &prepared.features.feature_names,
                pre.inverse(model.centroids.view()).view(),
            ),
        )?;
        out.write(
            "model.json",
            &ModelFile::new(MODEL_KIND, pre.clone(), model.clone()).to_json(),
        )?;
        let rule = fitted.rule.map(|r| format!("{r:?}").to_lowercase());
        let extra: Vec<(&str, String)> = rule.iter().map(|r| ("k chosen by", r.clone())).collect();
        let mut report = run::standard_report(
            &format!("kmkit fit: {}", loaded.source.display),
            settings(
                &loaded.source.display,
                (prepared.features.n_rows(), prepared.features.n_cols()),
                &pre,
                &model.params,
                &extra,
            ),
            &prepared.features,
            model,
            labels,
            &q,
            fitted.sweep.as_ref(),
        )?;
        report.intro = loaded.source.bundled.map(|b| b.about.to_string());
        report.cluster_names = words.clone();
        report.sections.push(centroid_section(&pre, model));
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&cluster_table(&sizes, Some(&words)).render(Format::Csv)),
        Format::Table => {
            let mut head = vec![
                ("input", json!(loaded.source.display)),
                (
                    "rows × features",
                    json!(format!("{} × {}", summary.n_rows, summary.n_features)),
                ),
                ("k", json!(k)),
                ("mode", json!("in memory")),
            ];
            if let Some(r) = fitted.rule {
                head.push(("k chosen by", json!(format!("{r:?}").to_lowercase())));
            }
            head.push(("iterations", json!(model.n_iter)));
            print(
                &(key_values(&head).render(Format::Table)
                    + &metrics_table(&q).render(Format::Table)
                    + &cluster_table(&sizes, Some(&words)).render(Format::Table)),
            )
        }
    }
}

/// Centroids in the table's units, for the report.
fn centroid_section(pre: &Preprocess, model: &kmkit_core::Model) -> Section {
    let names = pre.feature_names();
    let c = pre.inverse(model.centroids.view());
    let shown = names.len().min(24);
    let mut headers = vec!["cluster".to_string()];
    headers.extend(names.iter().take(shown).cloned());
    let rows = c
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![i.to_string()];
            row.extend(r.iter().take(shown).map(|v| format!("{v:.4}")));
            row
        })
        .collect();
    let caption = (names.len() > shown).then(|| {
        format!(
            "First {shown} of {} features; all are in centroids.csv.",
            names.len()
        )
    });
    Section {
        title: "Centroids (in the table's units)".into(),
        body: Body::Table { headers, rows },
        caption,
    }
}

#[derive(Serialize)]
struct PredictSummary<'a> {
    command: &'static str,
    input: &'a str,
    model: String,
    n_rows: usize,
    cluster_sizes: &'a [usize],
    quality: &'a Quality,
    preprocessing: &'a PrepReport,
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let mf = ModelFile::<Preprocess>::load_table(&args.model, MODEL_KIND)?;
    let loaded = load(args.table.as_deref(), &args.read, &v)?;
    let prepared = mf.preprocess.transform(&loaded.table)?;
    note_preprocessing(&prepared.report, &v);
    let (labels, sq) = mf
        .model
        .assign(Input::from(&prepared.features))
        .context("assigning rows to the model's clusters")?;
    let k = mf.model.n_clusters();
    let truth = prepared.truth.as_ref().map(|t| t.labels.as_slice());
    let x = dense_view(&prepared.features);
    let inertia: f64 = sq.iter().map(|&d| d as f64).sum();
    let q = quality(
        x.as_ref().map(|a| a.view()),
        &labels,
        truth,
        inertia,
        mf.model.params.seed,
    );
    let sizes = cluster_sizes(&labels, k);
    let summary = PredictSummary {
        command: "predict",
        input: &loaded.source.display,
        model: args.model.display().to_string(),
        n_rows: labels.len(),
        cluster_sizes: &sizes,
        quality: &q,
        preprocessing: &prepared.report,
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let dist: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
        out.write(
            "labels.csv",
            &labels_csv(&prepared.features.row_ids, &labels, &[("distance", &dist)]),
        )?;
        out.write("summary.json", &kmkit_io::json_bytes(&summary))?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&String::from_utf8(labels_csv(
            &prepared.features.row_ids,
            &labels,
            &[],
        ))?),
        Format::Table => print(
            &(metrics_table(&q).render(Format::Table)
                + &cluster_table(&sizes, None).render(Format::Table)),
        ),
    }
}

pub fn elbow(args: ElbowArgs, v: Verbosity) -> anyhow::Result<()> {
    let loaded = load(args.table.as_deref(), &args.input.read, &v)?;
    let (pre, prepared) = featurize(&loaded, &args.input)?;
    note_preprocessing(&prepared.report, &v);
    let (min, max) = match args.kmeans.k_or(KChoice::AUTO) {
        KChoice::Range { min, max } => (min, max),
        KChoice::Fixed(k) => {
            return Err(usage_error(format!(
                "elbow sweeps a range of k: give --k A..B, not {k}"
            )))
        }
    };
    let criteria = Criteria {
        silhouette_sample: run::SILHOUETTE_ROWS,
        ..Criteria::default()
    };
    let pb = progress::spinner(&v, format!("sweeping k over {min}..{max}"));
    let sweep = kmkit_cli::sweep(&prepared.features, min, max, &args.kmeans, &criteria)?;
    pb.finish_and_clear();
    let mut t = ResultTable::new(&[
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ]);
    for s in &sweep.scores {
        t.push(vec![
            json!(s.k),
            json!(s.inertia),
            json!(s.silhouette),
            json!(s.calinski_harabasz),
            json!(s.davies_bouldin),
        ]);
    }
    let (elbow_k, sil_k) = (sweep.elbow(), sweep.best_silhouette());
    let summary = json!({
        "command": "elbow",
        "input": loaded.source.display,
        "n_rows": prepared.features.n_rows(),
        "n_features": prepared.features.n_cols(),
        "elbow": elbow_k,
        "best_silhouette": sil_k,
        "best_calinski_harabasz": sweep.best_calinski_harabasz(),
        "best_davies_bouldin": sweep.best_davies_bouldin(),
        "scores": sweep.scores,
    });
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let curve = run::k_curve(&sweep, elbow_k);
        let svg = kmkit_report::k_curve_svg(
            "Elbow: inertia by k",
            "inertia",
            &curve.ks,
            &curve.inertia,
            elbow_k,
        )?;
        out.write("elbow.svg", svg.as_bytes())?;
        let mut report = Report::new(format!("kmkit elbow: {}", loaded.source.display));
        report.intro = Some(format!(
            "k from {min} to {max}: the elbow (Kneedle) is at k = {}, the best mean silhouette at k = {}.",
            elbow_k.map_or("none".into(), |k| k.to_string()),
            sil_k.map_or("none".into(), |k| k.to_string())
        ));
        report.settings = settings(
            &loaded.source.display,
            (prepared.features.n_rows(), prepared.features.n_cols()),
            &pre,
            &args.kmeans.params(min),
            &[("k range", format!("{min}..{max}"))],
        );
        report.settings.retain(|(k, _)| k != "k");
        report.k_curve = Some(curve);
        let rows = t
            .rows
            .iter()
            .map(|r| r.iter().map(kmkit_cli::readable).collect())
            .collect();
        report.sections.push(Section {
            title: "Scores by k".into(),
            body: Body::Table {
                headers: t.headers.clone(),
                rows,
            },
            caption: None,
        });
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&(serde_json::to_string_pretty(&summary)? + "\n")),
        Format::Csv => print(&t.render(Format::Csv)),
        Format::Table => {
            print(&t.render(Format::Table))?;
            v.note(format!(
                "elbow (Kneedle): k = {}; best silhouette: k = {}",
                elbow_k.map_or("none".into(), |k| k.to_string()),
                sil_k.map_or("none".into(), |k| k.to_string())
            ));
            Ok(())
        }
    }
}

pub fn evaluate(args: EvaluateArgs, v: Verbosity) -> anyhow::Result<()> {
    let loaded = load(args.table.as_deref(), &args.input.read, &v)?;
    let prepared = match &args.model {
        Some(m) => ModelFile::<Preprocess>::load_table(m, MODEL_KIND)?
            .preprocess
            .transform(&loaded.table)?,
        None => featurize(&loaded, &args.input)?.1,
    };
    let file = read_labels(&args.labels, &args.labels_column)?;
    let n = prepared.features.n_rows();
    if file.labels.len() != n {
        return Err(usage_error(format!(
            "{} has {} labels but the table gives {n} rows: evaluate the table the labels came from",
            args.labels.display(),
            file.labels.len()
        )));
    }
    if let Some(i) = (0..n).find(|&i| file.ids[i] != prepared.features.row_ids[i]) {
        return Err(usage_error(format!(
            "row {i} is {:?} in {} but {:?} in the table: evaluate the table the labels came from",
            file.ids[i],
            args.labels.display(),
            prepared.features.row_ids[i]
        )));
    }
    let x = dense_view(&prepared.features);
    let inertia = x
        .as_ref()
        .map_or(f64::NAN, |x| within_cluster_ss(x.view(), &file.labels));
    let truth = prepared.truth.as_ref().map(|t| t.labels.as_slice());
    let q = quality(
        x.as_ref().map(|a| a.view()),
        &file.labels,
        truth,
        inertia,
        args.seed,
    );
    match args.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(
            &json!({"command": "evaluate", "n_rows": n, "quality": q}),
        ))?),
        f => print(&metrics_table(&q).render(f)),
    }
}

/// Sum of squared distances of rows to their cluster's mean.
fn within_cluster_ss(x: ndarray::ArrayView2<f32>, labels: &[u32]) -> f64 {
    let k = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
    let d = x.ncols();
    let mut sums = vec![0.0f64; k * d];
    let mut counts = vec![0usize; k];
    for (row, &l) in x.rows().into_iter().zip(labels) {
        counts[l as usize] += 1;
        row.iter()
            .enumerate()
            .for_each(|(j, &v)| sums[l as usize * d + j] += v as f64);
    }
    x.rows()
        .into_iter()
        .zip(labels)
        .map(|(row, &l)| {
            let c = &sums[l as usize * d..(l as usize + 1) * d];
            let m = counts[l as usize] as f64;
            row.iter()
                .zip(c)
                .map(|(&v, s)| (v as f64 - s / m).powi(2))
                .sum::<f64>()
        })
        .sum()
}

pub fn datasets() -> anyhow::Result<()> {
    let mut t = ResultTable::new(&["name", "k", "file", "about"]);
    for b in BUNDLED {
        let present = if b.path().exists() { "" } else { " (missing)" };
        t.push(vec![
            json!(b.name),
            json!(b.k),
            json!(format!("datasets/{}{present}", b.file)),
            json!(b.about),
        ]);
    }
    print(&t.render(Format::Table))
}

/// `fit` on a binary matrix larger than --memory-limit: scaling learned and
/// applied per chunk, exact Lloyd by passes, labels by a final pass streamed
/// into labels.csv, metrics on an evenly spaced sample of rows.
fn fit_out_of_core(
    args: FitArgs,
    v: Verbosity,
    source: datasets::Input,
    mut chunks: MatrixChunks,
    limit: u64,
) -> anyhow::Result<()> {
    let k =
        match args.kmeans.k_or(KChoice::Fixed(8)) {
            KChoice::Fixed(k) => k,
            KChoice::Range { .. } => return Err(usage_error(
                "out of core, k is not chosen automatically: give -k N (or raise --memory-limit)",
            )),
        };
    let t = &args.input;
    if !(t.columns.is_empty()
        && t.drop.is_empty()
        && t.id.is_none()
        && t.label.is_none()
        && t.categorical.is_empty()
        && t.missing == MissingPolicy::Error)
    {
        return Err(usage_error(
            "out of core, every column is a numeric feature: --columns, --drop, --id, --label, \
             --categorical and --missing need the in-memory path (raise --memory-limit)",
        ));
    }
    if t.scaling == Some(Scaling::Robust) {
        return Err(usage_error(
            "robust scaling needs every value of a column at once: use --scaling standard, min-max or none out of core",
        ));
    }
    let (n, d) = (chunks.n_rows(), chunks.n_cols());
    let params = args.kmeans.params(k);
    v.note(format!(
        "out of core: {n} × {d} would take about {} in memory, over --memory-limit {}; \
         exact Lloyd by passes over the file",
        human_bytes(n as u64 * d as u64 * IN_MEMORY_BYTES_PER_VALUE),
        human_bytes(limit)
    ));
    let pb = progress::spinner(&v, format!("fitting k = {k} out of core on {n} rows"));
    let fit = out_of_core::fit(&mut chunks, &params, t.scaling.unwrap_or_default(), limit)?;
    pb.finish_and_clear();
    let (model, pre) = (&fit.model, &fit.pre);
    model
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let sample = out_of_core::sample(
        &mut ScaledChunks::new(&mut chunks, pre),
        run::SILHOUETTE_ROWS,
    )?;
    let k_fit = model.n_clusters();
    // The final pass: cluster sizes, the sample's labels, and labels.csv.
    let mut sizes = vec![0usize; k_fit];
    let mut sample_labels = vec![0u32; sample.rows.len()];
    let mut label_pass = |w: Option<&mut dyn Write>| -> anyhow::Result<()> {
        let mut w = w;
        if let Some(w) = w.as_deref_mut() {
            writeln!(w, "id,cluster,distance")?;
        }
        let mut next = 0;
        out_of_core::labels(&mut chunks, &fit, |start, labels, dists| {
            for (o, (&l, &dd)) in labels.iter().zip(dists).enumerate() {
                sizes[l as usize] += 1;
                if let Some(w) = w.as_deref_mut() {
                    writeln!(w, "{},{l},{}", start + o, (dd as f64).sqrt())?;
                }
            }
            while next < sample.rows.len() && sample.rows[next] < start + labels.len() {
                sample_labels[next] = labels[sample.rows[next] - start];
                next += 1;
            }
            Ok(())
        })
    };
    let mut out = run::output_dir(args.output.out.as_deref())?;
    let pb = progress::spinner(&v, format!("assigning {n} rows"));
    match out.as_mut() {
        Some(dir) => {
            let mut failed = None;
            let written = dir.write_with("labels.csv", |w| {
                label_pass(Some(w)).map_err(|e| {
                    let msg = format!("{e:#}");
                    failed = Some(e);
                    std::io::Error::other(msg)
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            written?;
        }
        None => label_pass(None)?,
    }
    pb.finish_and_clear();
    let mut q = quality(
        Some(sample.x.view()),
        &sample_labels,
        None,
        model.inertia,
        args.kmeans.seed,
    );
    q.calinski_harabasz = None;
    q.davies_bouldin = None;
    let metrics_note = format!(
        "silhouette on {} evenly spaced rows; Calinski–Harabasz and Davies–Bouldin skipped \
         (they need all rows in memory)",
        sample.rows.len()
    );
    v.note(format!("note: {metrics_note}"));
    let words = describe_clusters(pre, model.centroids.view(), 3);
    let report_prep = PrepReport {
        n_rows_read: n,
        n_rows_used: n,
        n_features: d,
        ..PrepReport::default()
    };
    let feature_names = pre.feature_names();
    let details = json!({
        "memory_limit_bytes": limit,
        "chunk_rows": fit.budget.chunk_rows,
        "seed_sample_rows": fit.budget.seed_sample.min(n),
        "metrics": metrics_note,
    });
    let summary = FitSummary {
        command: "fit",
        input: &source.display,
        n_rows: n,
        n_features: d,
        feature_names: &feature_names,
        k: k_fit,
        k_selection: None,
        params: &model.params,
        n_iter: model.n_iter,
        converged: model.converged,
        warnings: &model.warnings,
        cluster_sizes: &sizes,
        cluster_descriptions: &words,
        quality: &q,
        classes: None,
        preprocessing: &report_prep,
        outputs: if out.is_some() {
            vec![
                "labels.csv",
                "centroids.csv",
                "model.json",
                "summary.json",
                "report.html",
            ]
        } else {
            vec![]
        },
        mode: "out-of-core",
        out_of_core: Some(details),
    };
    if let Some(mut out) = out {
        out.write(
            "centroids.csv",
            &centroids_csv(&feature_names, pre.inverse(model.centroids.view()).view()),
        )?;
        out.write(
            "model.json",
            &ModelFile::new(MODEL_KIND, pre.clone(), model.clone()).to_json(),
        )?;
        let mode = format!(
            "out of core: chunks of {} rows, seeding sample of {} rows, --memory-limit {}",
            fit.budget.chunk_rows,
            fit.budget.seed_sample.min(n),
            human_bytes(limit)
        );
        let mut features = Features::dense(sample.x.clone());
        features.feature_names = feature_names.clone();
        let mut report = run::standard_report(
            &format!("kmkit fit: {}", source.display),
            settings(
                &source.display,
                (n, d),
                pre,
                &model.params,
                &[("mode", mode), ("metrics", metrics_note.clone())],
            ),
            &features,
            model,
            &sample_labels,
            &q,
            None,
        )?;
        report.cluster_sizes = sizes.clone();
        report.cluster_names = words.clone();
        report.sections.push(centroid_section(pre, model));
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&cluster_table(&sizes, Some(&words)).render(Format::Csv)),
        Format::Table => {
            let head = vec![
                ("input", json!(source.display)),
                ("rows × features", json!(format!("{n} × {d}"))),
                ("k", json!(k_fit)),
                ("mode", json!("out of core")),
                ("iterations", json!(model.n_iter)),
            ];
            print(
                &(key_values(&head).render(Format::Table)
                    + &metrics_table(&q).render(Format::Table)
                    + &cluster_table(&sizes, Some(&words)).render(Format::Table)),
            )
        }
    }
}
