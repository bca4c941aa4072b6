//! `gene-clusters`: expression matrix → sample subtypes or gene modules.

mod fit_cmd;
mod predict_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmkit_cli::{run_main, Verbosity};

const EXAMPLES: &str = "\
Examples:
  gene-clusters --out runs/golub                 Golub ALL/AML, k = 2, default recipe; report + model
  gene-clusters khan --k auto --rule consensus   choose k on Khan SRBCT by consensus clustering
  gene-clusters expr.tsv --samples-in columns --labels subtypes.csv -k 3
  gene-clusters counts.csv --samples-in rows --id-column cell --recipe top-variance --top-genes 500
  gene-clusters expr.csv --transform floor:20 --transform log2p1 --transform top-var:300 --transform zscore-gene:1
  gene-clusters GSE1234_series_matrix.txt.gz --geo-label 'disease state' --missing impute-row-mean
  gene-clusters --mode genes -k 8 --out runs/modules   co-expression modules (correlation distance)
  gene-clusters predict --model runs/golub/model.json new_patients.csv

INPUT is a CSV/TSV (optionally .gz), a GEO *_series_matrix.txt[.gz], or a bundled
dataset: golub (default) or khan.

Recipes (--recipe; default standard):
  standard      the scale's log and a gene filter, Euclidean distance on log expression.
                Intensities (values > 100, MAS5/Affymetrix): floor 100, ceiling 16000, Dudoit
                filter (max/min > 5, max-min > 500), log10. Counts (non-negative integers):
                normalize_total (median), log2(x+1), top 200 genes by variance. Log-scale data:
                top 200 genes by variance. Gene mode: top 1000 genes by variance as well.
  dudoit        Dudoit et al. (2002) in full: floor 100, ceiling 16000, Dudoit filter, log10,
                z-score per sample (ddof 0)
  top-variance  the scale's log, top N genes by variance (--top-genes, 200), z-score per gene
  correlation   the scale's log, top N by variance, centre genes, z-score per sample
                (Euclidean = centred Pearson correlation distance between samples)
  raw           no transform
--transform STEP (repeatable) replaces the recipe: floor:V ceiling:V log2p1 log10
normalize-total[:T] top-var:N top-mad:N dudoit[:RATIO:DIFF] center-genes zscore-gene[:DDOF]
zscore-sample[:DDOF] pca:N. --pca N appends PCA to any recipe.";

#[derive(Debug, Parser)]
#[command(
    name = "gene-clusters",
    version,
    about = "Cluster samples into subtypes or genes into co-expression modules",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    verbosity: Verbosity,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    fit: fit_cmd::FitArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assign the samples (or genes) of a matrix to the clusters of a saved model
    Predict(predict_cmd::PredictArgs),
    /// Print a shell completion script
    Completions(kmkit_cli::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let v = cli.verbosity;
    run_main(|| {
        // Reads refuse inputs larger than memory before holding them.
        kmkit_genes::set_read_budget(kmkit_io::memory::available_memory()?);
        match cli.command {
            Some(Command::Predict(a)) => predict_cmd::predict(a, v),
            Some(Command::Completions(a)) => {
                kmkit_cli::write_completions::<Cli>(a.shell, &mut std::io::stdout());
                Ok(())
            }
            None => fit_cmd::fit(cli.fit, v),
        }
    })
}
