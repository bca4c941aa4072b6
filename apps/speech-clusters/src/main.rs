//! `speech-clusters`: WAV recordings into clusters of speech segments, and
//! VQ speaker codebooks.

mod args;
mod cluster_cmd;
mod codebook_cmd;
mod output;
mod predict_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmkit_cli::{run_main, CompletionsArgs, Verbosity};

const EXAMPLES: &str = "\
Examples:
  speech-clusters --out runs/fsdd                  4 speaker clusters of the bundled FSDD sample, scored by ARI/NMI
  speech-clusters recordings/ --k auto --segment   cut long recordings at silences, cluster the segments, choose k
  speech-clusters calls/ -k 6 --labels-from-name '^(?P<label>[a-z]+)_' --out runs/calls
  speech-clusters predict --model runs/fsdd/model.json new/ --out runs/new
  speech-clusters codebook --out runs/vq           16-codeword VQ codebook per FSDD speaker, accuracy on takes 0-4
  speech-clusters codebook voices/ --labels-from-name '^([a-z]+)-' --test held_out/
  speech-clusters completions bash > ~/.local/share/bash-completion/completions/speech-clusters

With no WAV|DIR the bundled FSDD sample (datasets/speech/fsdd: 2,000 spoken digits by 4
speakers) is used, labelled by speaker, with k = 4. Each file (or, with --segment, each
speech segment) becomes one vector: the mean and standard deviation of its MFCCs,
standardised across the collection. Empty, silent and too-short files are left out and
listed; a file that is not readable WAV stops the run with its name.";

#[derive(Debug, Parser)]
#[command(
    name = "speech-clusters",
    version,
    about = "Cluster WAV recordings (or their speech segments) by how they sound; VQ speaker codebooks",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    verbosity: Verbosity,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    cluster: cluster_cmd::ClusterArgs,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Assign files to the clusters of a saved model, or identify their speakers with saved codebooks
    Predict(predict_cmd::PredictArgs),
    /// Train a VQ codebook (k-means over all MFCC frames) per labelled speaker; identify held-out files by least distortion
    Codebook(codebook_cmd::CodebookArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let v = cli.verbosity;
    run_main(|| {
        // Reads refuse inputs larger than memory before holding them.
        kmkit_speech::set_read_budget(kmkit_io::memory::available_memory()?);
        match cli.command {
            None => cluster_cmd::cluster(cli.cluster, v),
            Some(Command::Predict(a)) => predict_cmd::predict(a, v),
            Some(Command::Codebook(a)) => codebook_cmd::codebook(a, v),
            Some(Command::Completions(a)) => {
                kmkit_cli::write_completions::<Cli>(a.shell, &mut std::io::stdout());
                Ok(())
            }
        }
    })
}
