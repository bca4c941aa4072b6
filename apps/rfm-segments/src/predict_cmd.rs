//! `predict`: reload model.json and repeat the fit's reading, cleaning,
//! snapshot, transform and thresholds on new transactions.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kmkit_cli::{run, usage_error, Format, OutputArgs, Verbosity};
use kmkit_core::Input;
use kmkit_io::{labels_csv, ModelFile};
use kmkit_rfm::{rfm_table, BasketVocabulary, RfmModel};
use rfm_segments::input::{self, FormatArgs};
use rfm_segments::tables::{self, Assigned};
use rfm_segments::{BasketState, RfmState, BASKET_MODEL_KIND, MODEL_KIND};
use serde_json::json;

use crate::print;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// model.json written by `rfm-segments --out` or `rfm-segments basket --out`
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Transaction files [default: the bundled Online Retail sample]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Layout options; unset ones come from the model
    #[command(flatten)]
    pub format: FormatArgs,
    /// Snapshot date YYYY-MM-DD, or `auto` (the day after the last transaction) [default: the model's]
    #[arg(long, value_name = "DATE|auto", help_heading = "Transactions")]
    pub snapshot: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The `kind` of a model file, to dispatch segment and basket models.
fn kind(path: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            usage_error(format!("{}: no such model file", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("reading {}", path.display()))
        }
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a model file (not JSON: {e})", path.display()))?;
    Ok(v["kind"].as_str().unwrap_or_default().to_string())
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    if kind(&args.model)? == BASKET_MODEL_KIND {
        return predict_baskets(args, v);
    }
    let mf: ModelFile<RfmState> = ModelFile::load(&args.model, MODEL_KIND)?;
    // Options given on the command line override the model's format.
    let loaded = input::load(&args.files, &args.format, Some(&mf.preprocess.format))?;
    v.note(format!("ledger: {}", loaded.tx.ledger.summary()));
    let snapshot = match args.snapshot.as_deref() {
        None => Some(mf.preprocess.rfm.snapshot),
        Some("auto") => None,
        Some(s) => Some(input::parse_snapshot(s)?),
    };
    let table = rfm_table(&loaded.tx, snapshot).context("computing RFM per customer")?;
    let model = RfmModel::from_parts(mf.preprocess.rfm, mf.model)?;
    let pred = model.predict(&table)?;
    let names: Vec<String> = model.clusters.iter().map(|c| c.name.clone()).collect();
    let seg_rows = tables::segment_rows(&table, &pred.segments);
    let clusters = kmkit_rfm::summarize(&table, &pred.clusters, |c| {
        format!("{c} {}", names.get(c as usize).cloned().unwrap_or_default())
    });
    let summary = json!({
        "command": "predict",
        "input": loaded.display,
        "model": args.model.display().to_string(),
        "layout": loaded.layout,
        "ledger": loaded.tx.ledger,
        "snapshot": table.snapshot.to_string(),
        "excluded_after_snapshot": table.excluded_after_snapshot,
        "n_customers": table.len(),
        "segments": seg_rows,
        "clusters": clusters,
    });
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        out.write(
            "customers.csv",
            &tables::customers_csv(
                &table,
                Assigned {
                    scores: &pred.scores,
                    segments: &pred.segments,
                    clusters: &pred.clusters,
                    names: &names,
                },
            ),
        )?;
        out.write("summary.json", &kmkit_io::json_bytes(&summary))?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&tables::group_table("cluster", &clusters).render(Format::Csv)),
        Format::Table => print(
            &(tables::ledger_table(&loaded.tx.ledger, Some(table.excluded_after_snapshot))
                .render(Format::Table)
                + &tables::group_table("segment", &seg_rows).render(Format::Table)
                + &tables::group_table("cluster", &clusters).render(Format::Table)),
        ),
    }
}

fn predict_baskets(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let mf: ModelFile<BasketState> = ModelFile::load(&args.model, BASKET_MODEL_KIND)?;
    let base = &mf.preprocess.format;
    let loaded = input::load(&args.files, &args.format, Some(base))?;
    v.note(format!("ledger: {}", loaded.tx.ledger.summary()));
    let vocab: &BasketVocabulary = &mf.preprocess.vocabulary;
    let b = vocab.transform(&loaded.tx)?;
    if !b.empty_rows.is_empty() {
        v.note(format!(
            "note: {} baskets have no product of the model's vocabulary and get no cluster",
            b.empty_rows.len()
        ));
    }
    let (labels, _) = mf
        .model
        .assign(Input::from(&b.features))
        .context("assigning baskets to the model's clusters")?;
    let sizes = run::cluster_sizes(&labels, mf.model.n_clusters());
    let summary = json!({
        "command": "predict",
        "model": args.model.display().to_string(),
        "input": loaded.display,
        "ledger": loaded.tx.ledger,
        "n_baskets": labels.len(),
        "empty_baskets": b.empty_rows.len(),
        "cluster_sizes": sizes,
    });
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        out.write(
            "baskets.csv",
            &labels_csv(&b.features.row_ids, &labels, &[]),
        )?;
        out.write("summary.json", &kmkit_io::json_bytes(&summary))?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&String::from_utf8(labels_csv(
            &b.features.row_ids,
            &labels,
            &[],
        ))?),
        Format::Table => {
            let top = vocab.top_products(mf.model.centroids.view(), 5)?;
            print(&tables::basket_table(&sizes, &top).render(Format::Table))
        }
    }
}
