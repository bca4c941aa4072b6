//! `doc-topics`: documents into topics (TF-IDF, optional LSA, spherical k-means).

mod fit_cmd;
mod predict_cmd;
mod show;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmkit_cli::{run_main, CompletionsArgs, Verbosity};

const EXAMPLES: &str = "\
Examples:
  doc-topics                                   20 topics of the bundled StackOverflow titles, scored against their tags
  doc-topics --lsa 100 --out runs/so           the same in a 100-dimensional LSA space; write files and report.html
  doc-topics --seeds 5 -q                      five seeds: mean ARI / NMI / V-measure, to see how stable the topics are
  doc-topics articles/ --k auto                one .txt per document (sub-folder names are labels); choose k
  doc-topics tickets.csv --text-column body --label-column queue -k 12 --stem english
  doc-topics reviews.jsonl --text-column review --min-df 5 --max-df 0.3 --ngrams 2
  doc-topics notes.txt --labels notes_labels.txt -k 8 --stop-words-file my_stop_words.txt
  doc-topics predict --model runs/so/model.json new_titles.txt --out runs/new
  doc-topics completions bash > ~/.local/share/bash-completion/completions/doc-topics

INPUT is a folder of .txt files (searched recursively), a file with one document per line,
or a CSV/TSV/JSONL file with a text column; .gz files are read through. With no INPUT the
bundled StackOverflow titles are used (datasets/documents/stackoverflow_titles: 20,000
titles, 20 tags, k = 20). Text that is not valid UTF-8 is decoded lossily and counted.
Documents left with no term (empty, only stop words, only rare terms) get no topic;
they are counted and listed by reason.";

#[derive(Debug, Parser)]
#[command(
    name = "doc-topics",
    version,
    about = "Group documents by topic: TF-IDF (optionally LSA) and spherical k-means, with top terms and example documents",
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
    /// Assign documents to the topics of a saved model (model.json from --out)
    Predict(predict_cmd::PredictArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let v = cli.verbosity;
    run_main(|| {
        // Reads refuse inputs larger than memory before holding them.
        kmkit_text::set_read_budget(kmkit_io::memory::available_memory()?);
        match cli.command {
            None => fit_cmd::fit(cli.fit, v),
            Some(Command::Predict(a)) => predict_cmd::predict(a, v),
            Some(Command::Completions(a)) => {
                kmkit_cli::write_completions::<Cli>(a.shell, &mut std::io::stdout());
                Ok(())
            }
        }
    })
}
