//! The default mode: one vector per file (or speech segment), clustered.

use anyhow::Context;
use clap::Args;
use kmkit_cli::run::{self, cluster_sizes, dense_view, Quality};
use kmkit_cli::{
    fit_k, key_values, progress, usage_error, Format, KChoice, KMeansArgs, KRule, OutputArgs,
    ResultTable, Verbosity,
};
use kmkit_core::{Input, KMeansParams};
use kmkit_io::{centroids_csv, ModelFile};
use kmkit_report::{Body, Section};
use kmkit_speech::{Dropped, EmbeddingSettings, VadSettings};
use serde::Serialize;
use serde_json::{json, Value};
use speech_clusters::labels::{compositions, Coded, Composition};
use speech_clusters::pipeline::{
    clip_labels, default_embedding, prepare, wav_files, SpeechPipeline, MODEL_KIND,
};
use speech_clusters::profile::{cluster_profile, profile_section};

use crate::args::{FeatureArgs, InputArgs, SegmentArgs};
use crate::output::{cluster_table, note_prepared, print, segments_csv};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Resample every clip to this rate first, so recordings at different rates are described alike
    #[arg(long, value_name = "HZ", help_heading = "Features")]
    pub target_rate: Option<u32>,
    /// Describe each clip by the mean of its frames only (no standard deviations)
    #[arg(long, help_heading = "Features")]
    pub means_only: bool,
    #[command(flatten)]
    pub segment: SegmentArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = KRule::Silhouette, help_heading = "Clustering")]
    pub rule: KRule,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Restarts used when --n-init is not given: a clip collection is small, and
/// ten seeded runs make the clusters far less dependent on the seed.
pub const DEFAULT_N_INIT: usize = 10;

#[derive(Serialize)]
pub struct Accounting<'a> {
    pub n_files: usize,
    pub n_clips: usize,
    pub n_dropped: usize,
    pub dropped: &'a [Dropped],
    pub clipped: Vec<Value>,
}

#[derive(Serialize)]
struct LabelSummary<'a> {
    pattern: &'a str,
    n_labelled: usize,
    classes: &'a [String],
    cluster_compositions: &'a [Composition],
}

#[derive(Serialize)]
struct ClusterSummary<'a> {
    command: &'static str,
    input: &'a str,
    #[serde(flatten)]
    accounting: Accounting<'a>,
    segmentation: Option<&'a VadSettings>,
    embedding: &'a EmbeddingSettings,
    n_features: usize,
    k: usize,
    k_selection: Option<Value>,
    params: &'a KMeansParams,
    n_iter: usize,
    converged: bool,
    warnings: &'a [String],
    cluster_sizes: &'a [usize],
    quality: &'a Quality,
    labels: Option<LabelSummary<'a>>,
    outputs: Vec<&'static str>,
}

/// Scores `clusters` on `x` and, for the labelled clips, against their labels.
pub fn score(
    x: Option<ndarray::ArrayView2<f32>>,
    clusters: &[u32],
    coded: Option<&Coded>,
    inertia: f64,
    seed: u64,
) -> Quality {
    let mut q = run::quality(x, clusters, None, inertia, seed);
    if let Some(coded) = coded.filter(|c| c.n_labelled() > 0) {
        let (truth, pred) = coded.paired(clusters);
        let l = run::quality(None, &pred, Some(&truth), 0.0, seed);
        q.adjusted_rand = l.adjusted_rand;
        q.normalized_mutual_info = l.normalized_mutual_info;
        q.homogeneity = l.homogeneity;
        q.completeness = l.completeness;
        q.v_measure = l.v_measure;
    }
    q
}

pub fn accounting(p: &speech_clusters::pipeline::Prepared) -> Accounting<'_> {
    Accounting {
        n_files: p.n_files,
        n_clips: p.clips.len(),
        n_dropped: p.dropped.len(),
        dropped: &p.dropped,
        clipped: p
            .clipped
            .iter()
            .map(|(id, share)| json!({"id": id, "clipped_fraction": share}))
            .collect(),
    }
}

pub fn metrics_table(q: &Quality) -> ResultTable {
    let pairs: Vec<(&str, Value)> = q.pairs().into_iter().map(|(k, v)| (k, json!(v))).collect();
    key_values(&pairs)
}

pub fn cluster(args: ClusterArgs, v: Verbosity) -> anyhow::Result<()> {
    let resolved = args.input.resolve();
    let files = wav_files(&resolved.paths)?;
    let settings = EmbeddingSettings {
        mfcc: args.features.mfcc(default_embedding().mfcc),
        std: !args.means_only,
        target_rate: args.target_rate,
        ..default_embedding()
    };
    kmkit_speech::Mfcc::new(settings.mfcc.clone()).map_err(|e| usage_error(e.to_string()))?;
    let vad = args.segment.vad();
    let pb = progress::spinner(&v, format!("reading {} WAV files", files.len()));
    let prepared = prepare(&files, &settings.mfcc, vad.as_ref())?;
    pb.set_message(format!("computing MFCCs of {} clips", prepared.clips.len()));
    let (fitted, features) = settings
        .fit(&prepared.clips)
        .context("describing the clips")?;
    pb.finish_and_clear();
    note_prepared(&prepared, &v);
    let clips = &prepared.clips;
    let labels = clip_labels(clips, resolved.labels.as_ref());
    let coded = resolved.labels.as_ref().map(|_| Coded::new(&labels));
    if let Some(c) = &coded {
        if c.n_labelled() == 0 {
            v.note("note: no file name matched --labels-from-name; no ARI/NMI");
        } else if c.n_labelled() < clips.len() {
            v.note(format!(
                "note: {} of {} clips have a label from their file name; ARI/NMI are on those",
                c.n_labelled(),
                clips.len()
            ));
        }
    }

    let default_k = resolved
        .bundled
        .as_ref()
        .map_or(KChoice::AUTO, |b| KChoice::Fixed(b.k));
    let choice = args.kmeans.k_or(default_k);
    let n = features.n_rows();
    match choice {
        KChoice::Fixed(k) if k > n => {
            return Err(usage_error(format!(
                "-k {k} asks for more clusters than the {n} clips: lower k"
            )))
        }
        KChoice::Range { max, .. } if max > n => {
            return Err(usage_error(format!(
                "--k {choice} asks for more clusters than the {n} clips: lower the range"
            )))
        }
        _ => {}
    }
    let mut kmeans = args.kmeans.clone();
    kmeans.n_init = kmeans.n_init.or(Some(DEFAULT_N_INIT));
    let pb = progress::spinner(&v, format!("fitting k = {choice} on {n} clips"));
    let fit = fit_k(&features, choice, args.rule, &kmeans)?;
    pb.finish_and_clear();
    let model = &fit.model;
    let k = model.n_clusters();
    model
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let (clusters, sq) = model.assign(Input::from(&features))?;
    let distances: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
    let x = dense_view(&features);
    let q = score(
        x.as_ref().map(|a| a.view()),
        &clusters,
        coded.as_ref(),
        model.inertia,
        kmeans.seed,
    );
    let sizes = cluster_sizes(&clusters, k);
    let comps = coded.as_ref().map(|_| compositions(&clusters, &labels, k));
    let pattern = resolved.labels.as_ref().map(|p| p.as_str().to_string());
    let outputs = if args.output.out.is_some() {
        vec![
            "segments.csv",
            "centroids.csv",
            "model.json",
            "summary.json",
            "report.html",
        ]
    } else {
        vec![]
    };
    let summary = ClusterSummary {
        command: "cluster",
        input: &resolved.display,
        accounting: accounting(&prepared),
        segmentation: vad.as_ref(),
        embedding: &settings,
        n_features: features.n_cols(),
        k,
        k_selection: fit.sweep.as_ref().map(|s| {
            json!({"rule": fit.rule, "chosen": k, "elbow": s.elbow(),
                   "best_silhouette": s.best_silhouette(), "scores": s.scores})
        }),
        params: &model.params,
        n_iter: model.n_iter,
        converged: model.converged,
        warnings: &model.warnings,
        cluster_sizes: &sizes,
        quality: &q,
        labels: match (&coded, &comps, &pattern) {
            (Some(c), Some(comps), Some(p)) => Some(LabelSummary {
                pattern: p,
                n_labelled: c.n_labelled(),
                classes: &c.classes,
                cluster_compositions: comps,
            }),
            _ => None,
        },
        outputs,
    };

    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        out.write(
            "segments.csv",
            &segments_csv(
                clips,
                &clusters,
                &distances,
                coded.as_ref().map(|_| labels.as_slice()),
            )?,
        )?;
        out.write(
            "centroids.csv",
            &centroids_csv(
                &fitted.feature_names,
                fitted
                    .inverse_transform(model.centroids.view())?
                    .mapv(|v| v as f64)
                    .view(),
            ),
        )?;
        let pipeline = SpeechPipeline {
            embedding: fitted.clone(),
            segment: vad.clone(),
            labels: resolved.labels.clone(),
        };
        out.write(
            "model.json",
            &ModelFile::new(MODEL_KIND, pipeline, model.clone()).to_json(),
        )?;
        let mut report_settings = vec![
            ("input".to_string(), resolved.display.clone()),
            ("files".into(), prepared.n_files.to_string()),
            ("clips clustered".into(), clips.len().to_string()),
            ("clips left out".into(), prepared.dropped.len().to_string()),
            (
                "segmentation".into(),
                vad.as_ref().map_or("off (one clip per file)".into(), |s| {
                    format!(
                        "on: {} dB below peak, segments ≥ {} s, gaps < {} s bridged",
                        s.top_db, s.min_segment, s.min_gap
                    )
                }),
            ),
            (
                "features".into(),
                format!(
                    "{} ({} MFCCs{}, {})",
                    features.n_cols(),
                    settings.mfcc.n_mfcc,
                    match settings.mfcc.deltas {
                        0 => "",
                        1 => " + deltas",
                        _ => " + deltas + delta-deltas",
                    },
                    if settings.std {
                        "mean and std per clip"
                    } else {
                        "mean per clip"
                    }
                ),
            ),
            ("k".into(), k.to_string()),
            ("seed".into(), model.params.seed.to_string()),
            (
                "n_init".into(),
                model.params.n_init.map_or("auto".into(), |n| n.to_string()),
            ),
        ];
        if let Some(p) = &pattern {
            report_settings.push(("labels from file names".into(), p.clone()));
        }
        let mut report = run::standard_report(
            &format!("speech-clusters: {}", resolved.display),
            report_settings,
            &features,
            model,
            &clusters,
            &q,
            fit.sweep.as_ref(),
        )?;
        report.intro = Some(resolved.bundled.as_ref().map_or_else(
            || "WAV recordings clustered by their MFCC statistics.".to_string(),
            |b| b.about.to_string(),
        ));
        if let Some(comps) = &comps {
            report.cluster_names = comps
                .iter()
                .map(|c| {
                    c.majority()
                        .map_or(String::new(), |(l, s)| format!("{l} ({:.0}%)", 100.0 * s))
                })
                .collect();
        }
        let (profile, cols) = cluster_profile(&fitted, model.centroids.view());
        let rows: Vec<String> = (0..k).map(|c| format!("cluster {c}")).collect();
        report.sections.push(profile_section(
            "Per-cluster mean MFCC",
            profile.view(),
            &rows,
            &cols,
            "Each cell: the cluster centre's mean coefficient, in standard deviations from the \
             collection's mean (red above, blue below; full colour at ±2). Raw values are in centroids.csv.",
        )?);
        if let (Some(c), Some(comps)) = (&coded, &comps) {
            report.sections.push(composition_section(&c.classes, comps));
        }
        if !prepared.dropped.is_empty() {
            report.sections.push(dropped_section(&prepared.dropped));
        }
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }

    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => {
            print(&cluster_table(clips, &clusters, k, comps.as_deref()).render(Format::Csv))
        }
        Format::Table => {
            let mut head = vec![
                ("input", json!(resolved.display)),
                (
                    "files / clips / left out",
                    json!(format!(
                        "{} / {} / {}",
                        prepared.n_files,
                        clips.len(),
                        prepared.dropped.len()
                    )),
                ),
                ("features", json!(features.n_cols())),
                ("k", json!(k)),
            ];
            if let Some(r) = fit.rule {
                head.push(("k chosen by", json!(format!("{r:?}").to_lowercase())));
            }
            print(
                &(key_values(&head).render(Format::Table)
                    + &metrics_table(&q).render(Format::Table)
                    + &cluster_table(clips, &clusters, k, comps.as_deref()).render(Format::Table)),
            )
        }
    }
}

/// Label counts per cluster, as a table section.
pub fn composition_section(classes: &[String], comps: &[Composition]) -> Section {
    let mut headers = vec!["cluster".to_string()];
    headers.extend(classes.iter().cloned());
    headers.push("no label".into());
    let rows = comps
        .iter()
        .enumerate()
        .map(|(c, comp)| {
            let mut row = vec![c.to_string()];
            row.extend(classes.iter().map(|l| {
                comp.counts
                    .iter()
                    .find(|(x, _)| x == l)
                    .map_or(0, |(_, n)| *n)
                    .to_string()
            }));
            row.push(comp.unlabelled.to_string());
            row
        })
        .collect();
    Section {
        title: "Labels per cluster".into(),
        body: Body::Table { headers, rows },
        caption: Some("Clips of each label (read from the file names) in each cluster.".into()),
    }
}

/// The files left out and why.
pub fn dropped_section(dropped: &[Dropped]) -> Section {
    let rows = dropped
        .iter()
        .take(200)
        .map(|d| {
            vec![
                d.source.display().to_string(),
                d.id.clone(),
                d.reason.clone(),
            ]
        })
        .collect();
    Section {
        title: format!("Left out ({})", dropped.len()),
        body: Body::Table {
            headers: vec!["file".into(), "clip".into(), "reason".into()],
            rows,
        },
        caption: (dropped.len() > 200)
            .then(|| "The first 200; all are in summary.json.".to_string()),
    }
}
