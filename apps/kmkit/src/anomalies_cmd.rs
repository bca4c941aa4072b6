//! `anomalies`: fit, score every row by its distance to the nearest centroid,
//! flag the farthest, rank them, and score the ranking against known labels.

use anyhow::Context;
use clap::Args;
use kmkit::anomaly::{flag, ranked, roc_auc, thresholds, ThresholdRule};
use kmkit_cli::run::{self, dense_view, quality};
use kmkit_cli::{
    fit_k, key_values, progress, usage_error, Format, KChoice, KMeansArgs, KRule, OutputArgs,
    ResultTable, TableArgs, Verbosity,
};
use kmkit_core::Input;
use kmkit_io::{json_bytes, ModelFile};
use kmkit_report::{Body, Section};
use serde::Serialize;
use serde_json::json;

use crate::table_cmds::{featurize, load, note_preprocessing, settings, MODEL_KIND};

#[derive(Debug, Args)]
pub struct AnomaliesArgs {
    /// Table file or bundled dataset name [default: iris]
    pub table: Option<String>,
    #[command(flatten)]
    pub input: TableArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Flag this share of rows (0 < C < 1) [default: 0.01]
    #[arg(
        long,
        value_name = "C",
        conflicts_with = "percentile",
        help_heading = "Anomalies"
    )]
    pub contamination: Option<f64>,
    /// Flag rows scoring above this percentile (0 < P < 100)
    #[arg(long, value_name = "P", help_heading = "Anomalies")]
    pub percentile: Option<f64>,
    /// One threshold per cluster instead of one for all rows
    #[arg(long, help_heading = "Anomalies")]
    pub per_cluster: bool,
    /// Rows shown in the ranking
    #[arg(long, default_value_t = 20, help_heading = "Anomalies")]
    pub top: usize,
    /// Value of --label that marks normal rows; the others count as true anomalies in the ROC AUC
    #[arg(long, value_name = "VALUE", help_heading = "Anomalies")]
    pub normal: Option<String>,
    /// Keep all normal rows but only N others (a seeded sample), as scikit-learn's KDD Cup 99 "SA" subset (N = 3377)
    #[arg(long, value_name = "N", help_heading = "Anomalies")]
    pub max_anomalies: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Serialize)]
struct Summary<'a> {
    command: &'static str,
    input: &'a str,
    n_rows: usize,
    k: usize,
    rule: ThresholdRule,
    per_cluster: bool,
    thresholds: &'a [f64],
    n_flagged: usize,
    /// ROC AUC of the score for non-normal rows, when labels are known.
    roc_auc: Option<f64>,
    /// Share of flagged rows that are not normal.
    precision: Option<f64>,
    /// Share of non-normal rows that are flagged.
    recall: Option<f64>,
    n_true_anomalies: Option<usize>,
    top: Vec<serde_json::Value>,
}

pub fn anomalies(args: AnomaliesArgs, v: Verbosity) -> anyhow::Result<()> {
    let rule = match (args.contamination, args.percentile) {
        (Some(c), _) if !(c > 0.0 && c < 1.0) => {
            return Err(usage_error(format!(
                "--contamination {c}: give a share between 0 and 1"
            )))
        }
        (_, Some(p)) if !(p > 0.0 && p < 100.0) => {
            return Err(usage_error(format!(
                "--percentile {p}: give a value between 0 and 100"
            )))
        }
        (Some(c), _) => ThresholdRule::Contamination(c),
        (None, Some(p)) => ThresholdRule::Percentile(p),
        (None, None) => ThresholdRule::Contamination(0.01),
    };
    let mut loaded = load(args.table.as_deref(), &args.input.read, &v)?;
    let normal = args.normal.clone().or_else(|| {
        loaded
            .source
            .bundled
            .and_then(|b| b.normal.map(str::to_string))
    });
    let mut spec = args.input.spec();
    if let Some(b) = loaded.source.bundled {
        b.apply(&mut spec, args.input.scaling.is_some());
    }
    if let Some(n_keep) = args.max_anomalies {
        let (label, normal) = match (&spec.label_column, &normal) {
            (Some(l), Some(n)) => (l.clone(), n.clone()),
            _ => return Err(usage_error(
                "--max-anomalies needs --label and --normal to tell normal rows from the others",
            )),
        };
        let col = &loaded.table.columns[loaded.table.find(&label)?];
        let (normal_rows, others): (Vec<usize>, Vec<usize>) =
            (0..loaded.table.n_rows()).partition(|&i| col.text(i) == normal);
        let mut keep = normal_rows;
        keep.extend(seeded_sample(&others, n_keep, args.kmeans.seed));
        keep.sort_unstable();
        v.detail(format!(
            "kept {} normal rows and {} of {} others",
            keep.len() - others.len().min(n_keep),
            others.len().min(n_keep),
            others.len()
        ));
        loaded.table = loaded.table.select_rows(&keep);
    }
    let (pre, prepared) = featurize(&loaded, &args.input)?;
    note_preprocessing(&prepared.report, &v);
    let choice = args
        .kmeans
        .k_or(KChoice::Fixed(loaded.source.bundled.map_or(8, |b| b.k)));
    let pb = progress::spinner(
        &v,
        format!(
            "fitting k = {choice} on {} rows",
            prepared.features.n_rows()
        ),
    );
    let fitted = fit_k(&prepared.features, choice, KRule::Silhouette, &args.kmeans)?;
    pb.finish_and_clear();
    let model = &fitted.model;
    let k = model.n_clusters();
    let (labels, sq) = model
        .assign(Input::from(&prepared.features))
        .context("scoring rows")?;
    let scores: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
    let th = thresholds(&scores, &labels, k, rule, args.per_cluster);
    let flagged = flag(&scores, &labels, &th);
    let order = ranked(&scores);
    let n_flagged = flagged.iter().filter(|&&f| f).count();
    let truth_text: Option<Vec<String>> = prepared.truth.as_ref().map(|t| {
        t.labels
            .iter()
            .map(|&c| t.classes[c as usize].clone())
            .collect()
    });
    let positive: Option<Vec<bool>> = match (&truth_text, &normal) {
        (Some(t), Some(n)) => Some(t.iter().map(|c| c != n).collect()),
        _ => None,
    };
    let auc = positive.as_ref().and_then(|p| roc_auc(&scores, p));
    let n_true = positive.as_ref().map(|p| p.iter().filter(|&&x| x).count());
    let hits = positive
        .as_ref()
        .map(|p| p.iter().zip(&flagged).filter(|(&a, &b)| a && b).count());
    let precision = hits
        .filter(|_| n_flagged > 0)
        .map(|h| h as f64 / n_flagged as f64);
    let recall = hits
        .zip(n_true)
        .filter(|(_, t)| *t > 0)
        .map(|(h, t)| h as f64 / t as f64);
    let ids = &prepared.features.row_ids;
    let mut top = ResultTable::new(&["rank", "id", "cluster", "score", "flagged", "label"]);
    for (r, &i) in order.iter().take(args.top).enumerate() {
        let label = truth_text.as_ref().map_or(json!(null), |t| json!(t[i]));
        top.push(vec![
            json!(r + 1),
            json!(ids[i]),
            json!(labels[i]),
            json!(scores[i]),
            json!(flagged[i]),
            label,
        ]);
    }
    let summary = Summary {
        command: "anomalies",
        input: &loaded.source.display,
        n_rows: scores.len(),
        k,
        rule,
        per_cluster: args.per_cluster,
        thresholds: &th,
        n_flagged,
        roc_auc: auc,
        precision,
        recall,
        n_true_anomalies: n_true,
        top: top.to_json().as_array().cloned().unwrap_or_default(),
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        out.write_with("anomalies.csv", |w| {
            let mut csv = String::from("rank,id,cluster,score,threshold,flagged\n");
            for (r, &i) in order.iter().enumerate() {
                let id = if ids[i].contains([',', '"', '\n']) {
                    format!("\"{}\"", ids[i].replace('"', "\"\""))
                } else {
                    ids[i].clone()
                };
                csv.push_str(&format!(
                    "{},{id},{},{},{},{}\n",
                    r + 1,
                    labels[i],
                    scores[i],
                    th[labels[i] as usize],
                    flagged[i]
                ));
            }
            w.write_all(csv.as_bytes())
        })?;
        out.write(
            "model.json",
            &ModelFile::new(MODEL_KIND, pre.clone(), model.clone()).to_json(),
        )?;
        let x = dense_view(&prepared.features);
        let truth = prepared.truth.as_ref().map(|t| t.labels.as_slice());
        let q = quality(
            x.as_ref().map(|a| a.view()),
            &labels,
            truth,
            model.inertia,
            args.kmeans.seed,
        );
        let mut report = run::standard_report(
            &format!("kmkit anomalies: {}", loaded.source.display),
            settings(
                &loaded.source.display,
                (prepared.features.n_rows(), prepared.features.n_cols()),
                &pre,
                &model.params,
                &[(
                    "threshold",
                    format!(
                        "{rule:?}{}",
                        if args.per_cluster { " per cluster" } else { "" }
                    ),
                )],
            ),
            &prepared.features,
            model,
            &labels,
            &q,
            fitted.sweep.as_ref(),
        )?;
        report
            .metrics
            .push(("rows flagged".into(), n_flagged.to_string()));
        if let Some(a) = auc {
            report
                .metrics
                .push(("ROC AUC (non-normal rows)".into(), format!("{a:.4}")));
        }
        let rows = top
            .rows
            .iter()
            .map(|r| r.iter().map(kmkit_cli::readable).collect())
            .collect();
        report.sections.push(Section {
            title: "Farthest rows".into(),
            body: Body::Table {
                headers: top.headers.clone(),
                rows,
            },
            caption: Some(
                "Score: Euclidean distance to the nearest centroid in the scaled feature space."
                    .into(),
            ),
        });
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print_text(&String::from_utf8(json_bytes(&summary))?),
        Format::Csv => print_text(&top.render(Format::Csv)),
        Format::Table => {
            let mut head = vec![
                ("rows", json!(scores.len())),
                ("k", json!(k)),
                (
                    "threshold",
                    json!(if args.per_cluster {
                        "per cluster".to_string()
                    } else {
                        format!("{:.4}", th[0])
                    }),
                ),
                ("flagged", json!(n_flagged)),
            ];
            if let Some(a) = auc {
                head.push(("ROC AUC", json!(a)));
            }
            if let Some(p) = precision {
                head.push(("precision of flagged", json!(p)));
            }
            if let Some(r) = recall {
                head.push(("recall", json!(r)));
            }
            print_text(&(key_values(&head).render(Format::Table) + &top.render(Format::Table)))
        }
    }
}

fn print_text(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `n` items of `items` drawn without replacement by a seeded shuffle
/// (splitmix64; the sample depends on the seed and the items alone).
fn seeded_sample(items: &[usize], n: usize, seed: u64) -> Vec<usize> {
    let mut v = items.to_vec();
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let n = n.min(v.len());
    for i in 0..n {
        let j = i + (next() % (v.len() - i) as u64) as usize;
        v.swap(i, j);
    }
    v.truncate(n);
    v
}
