//! `predict`: new files through a saved model, cluster or codebook.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kmkit_cli::run::{self, cluster_sizes, dense_view, Quality};
use kmkit_cli::{Format, OutputArgs, Verbosity};
use kmkit_core::Input;
use kmkit_io::ModelFile;
use serde::Serialize;
use speech_clusters::codebook::{model_kind, CodebookFile, CODEBOOK_KIND};
use speech_clusters::labels::{compositions, Coded, Composition};
use speech_clusters::pipeline::{clip_labels, prepare, wav_files, SpeechPipeline, MODEL_KIND};

use crate::args::InputArgs;
use crate::cluster_cmd::{accounting, metrics_table, score, Accounting};
use crate::codebook_cmd::identify_and_report;
use crate::output::{cluster_table, note_prepared, print, segments_csv};

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// model.json written by `speech-clusters --out` or `speech-clusters codebook --out`
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Serialize)]
struct PredictSummary<'a> {
    command: &'static str,
    input: &'a str,
    model: String,
    #[serde(flatten)]
    accounting: Accounting<'a>,
    cluster_sizes: &'a [usize],
    quality: &'a Quality,
    cluster_compositions: Option<&'a [Composition]>,
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let kind = model_kind(&args.model)?;
    if kind == CODEBOOK_KIND {
        let file = CodebookFile::load(&args.model)?;
        return identify_and_report(&file, &args.input, &args.output, &args.model, &v);
    }
    if kind != MODEL_KIND {
        anyhow::bail!(
            "{}: a {kind:?} model; speech-clusters reads {MODEL_KIND:?} and {CODEBOOK_KIND:?} models",
            args.model.display()
        );
    }
    let mf: ModelFile<SpeechPipeline> = ModelFile::load(&args.model, MODEL_KIND)?;
    let mut resolved = args.input.resolve();
    if resolved.labels.is_none() {
        resolved.labels = mf.preprocess.labels.clone();
    }
    let files = wav_files(&resolved.paths)?;
    let embedding = &mf.preprocess.embedding;
    let prepared = prepare(
        &files,
        &embedding.settings.mfcc,
        mf.preprocess.segment.as_ref(),
    )?;
    note_prepared(&prepared, &v);
    let features = embedding
        .transform(&prepared.clips)
        .context("describing the clips")?;
    let (clusters, sq) = mf
        .model
        .assign(Input::from(&features))
        .context("assigning clips to the model's clusters")?;
    let k = mf.model.n_clusters();
    let labels = clip_labels(&prepared.clips, resolved.labels.as_ref());
    let coded = resolved.labels.as_ref().map(|_| Coded::new(&labels));
    let x = dense_view(&features);
    let inertia: f64 = sq.iter().map(|&d| d as f64).sum();
    let q = score(
        x.as_ref().map(|a| a.view()),
        &clusters,
        coded.as_ref(),
        inertia,
        mf.model.params.seed,
    );
    let sizes = cluster_sizes(&clusters, k);
    let comps = coded.as_ref().map(|_| compositions(&clusters, &labels, k));
    let summary = PredictSummary {
        command: "predict",
        input: &resolved.display,
        model: args.model.display().to_string(),
        accounting: accounting(&prepared),
        cluster_sizes: &sizes,
        quality: &q,
        cluster_compositions: comps.as_deref(),
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let distances: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
        out.write(
            "segments.csv",
            &segments_csv(
                &prepared.clips,
                &clusters,
                &distances,
                coded.as_ref().map(|_| labels.as_slice()),
            )?,
        )?;
        out.write("summary.json", &kmkit_io::json_bytes(&summary))?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => {
            let distances: Vec<f64> = sq.iter().map(|&d| (d as f64).sqrt()).collect();
            print(&String::from_utf8(segments_csv(
                &prepared.clips,
                &clusters,
                &distances,
                None,
            )?)?)
        }
        Format::Table => print(
            &(metrics_table(&q).render(Format::Table)
                + &cluster_table(&prepared.clips, &clusters, k, comps.as_deref())
                    .render(Format::Table)),
        ),
    }
}
