//! `predict`: the saved recipe and centroids applied to a new matrix.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gene_clusters::input::{self, ReadSettings};
use gene_clusters::model::{self, GeneState, MODEL_KIND};
use gene_clusters::outputs::{assignments_csv, Contingency};
use kmkit_cli::run::cluster_sizes;
use kmkit_cli::{Format, OutputArgs, Verbosity};
use kmkit_core::Input;
use kmkit_genes::Mode;
use kmkit_io::ModelFile;
use serde_json::json;

use crate::fit_cmd::{cluster_table, note_missing, SamplesArg};

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// model.json written by `gene-clusters --out`
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Expression matrix or bundled dataset [default: golub]
    pub input: Option<String>,
    /// Where the samples are [default: as at fit time]
    #[arg(long, value_enum)]
    pub samples_in: Option<SamplesArg>,
    /// Column of row ids [default: as at fit time]
    #[arg(long, value_name = "COL")]
    pub id_column: Option<String>,
    /// Labels file joined by sample id (ARI/NMI and contingency against it)
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let file: ModelFile<GeneState> = ModelFile::load(&args.model, MODEL_KIND)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let state = &file.preprocess;
    let mut read: ReadSettings = state.read.clone();
    if let Some(s) = args.samples_in {
        read.samples_in = match s {
            SamplesArg::Columns => kmkit_genes::SamplesIn::Columns,
            SamplesArg::Rows => kmkit_genes::SamplesIn::Rows,
        };
    }
    if args.id_column.is_some() {
        read.id_column = args.id_column.clone();
    }
    let mut loaded = input::load(args.input.as_deref(), &read)?;
    note_missing(&loaded.missing, &v);
    if let Some(p) = &args.labels {
        input::attach_labels(&mut loaded.matrix, p, None)?;
    }
    let features = model::features(state, &loaded.matrix)?;
    let (labels, sq) = file.model.assign(Input::from(&features))?;
    let k = file.model.n_clusters();
    let dist: Vec<f64> = sq.iter().map(|&d| (d as f64).max(0.0).sqrt()).collect();
    let item = if state.mode == Mode::Samples {
        "sample"
    } else {
        "gene"
    };
    let classes = if state.mode == Mode::Samples {
        loaded.matrix.labels.as_deref()
    } else {
        None
    };
    let contingency = (state.mode == Mode::Samples)
        .then(|| loaded.matrix.label_codes())
        .flatten()
        .map(|(t, names)| Contingency::new(&labels, k, &t, &names));
    let ari = (state.mode == Mode::Samples)
        .then(|| loaded.matrix.label_codes())
        .flatten()
        .and_then(|(t, _)| kmkit_core::metrics::adjusted_rand_index(&t, &labels).ok());
    if let Some(dir) = &args.output.out {
        let mut out = kmkit_io::OutputDir::create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        out.write(
            "assignments.csv",
            &assignments_csv(item, &features.row_ids, &labels, &dist, classes),
        )?;
        if let Some(c) = &contingency {
            out.write("contingency.csv", &c.to_csv())?;
        }
        v.note(format!("wrote {}", out.dir().display()));
    }
    let sizes = cluster_sizes(&labels, k);
    let text = match args.output.format {
        Format::Json => {
            let rows: Vec<_> = features
                .row_ids
                .iter()
                .zip(&labels)
                .zip(&dist)
                .map(|((id, l), d)| json!({item: id, "cluster": l, "distance": d}))
                .collect();
            serde_json::to_string_pretty(&json!({
                "command": "predict",
                "input": loaded.display,
                "mode": state.mode,
                "k": k,
                "cluster_sizes": sizes,
                "adjusted_rand": ari,
                "contingency": contingency,
                "assignments": rows,
            }))? + "\n"
        }
        Format::Csv => String::from_utf8(assignments_csv(
            item,
            &features.row_ids,
            &labels,
            &dist,
            classes,
        ))?,
        Format::Table => cluster_table(&sizes, contingency.as_ref(), None).render(Format::Table),
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
