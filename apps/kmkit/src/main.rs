//! `kmkit`: k-means clusters, anomalies and recommendations from any table.

mod anomalies_cmd;
mod recommend_cmd;
mod table_cmds;
mod tour_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmkit_cli::{run_main, CompletionsArgs, Verbosity};

const EXAMPLES: &str = "\
Examples:
  kmkit fit iris -k 3 --out runs/iris        cluster a bundled table; write labels, model, report
  kmkit fit data.csv --k auto --id name --categorical colour --missing impute-mean
  kmkit fit big.fbin -k 64 --memory-limit 256M --out runs/big   exact Lloyd by passes over a file larger than memory
  kmkit predict --model runs/iris/model.json iris
  kmkit elbow seeds --k 2..12 --out runs/elbow
  kmkit evaluate iris --labels runs/iris/labels.csv
  kmkit anomalies kddcup99 --max-anomalies 3377 --top 10
  kmkit recommend online_retail -k 8 --top 10 --for 12347
  kmkit datasets                              list the bundled tables
  kmkit tour                                  every app on its bundled data → tour/index.html
  kmkit completions bash > ~/.local/share/bash-completion/completions/kmkit

TABLE is a CSV/TSV file (optionally .gz), .npy, .fvecs or .fbin, or the name of a
bundled dataset; it defaults to iris.";

#[derive(Debug, Parser)]
#[command(name = "kmkit", version, about = "k-means clusters, anomalies and recommendations from any table", after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    verbosity: Verbosity,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Cluster a table: -k N, or --k auto / A..B to choose k
    Fit(table_cmds::FitArgs),
    /// Assign the rows of a table to the clusters of a saved model
    Predict(table_cmds::PredictArgs),
    /// Sweep k and show inertia, silhouette, Calinski–Harabasz and Davies–Bouldin per k
    Elbow(table_cmds::ElbowArgs),
    /// Score saved labels: silhouette etc. on the table, ARI/NMI against --label
    Evaluate(table_cmds::EvaluateArgs),
    /// Rank rows by distance to their nearest centroid and flag the farthest
    Anomalies(anomalies_cmd::AnomaliesArgs),
    /// Cluster users by what they bought; recommend their cluster's favourites they lack
    Recommend(recommend_cmd::RecommendArgs),
    /// List the bundled datasets
    Datasets,
    /// Run every kmkit app on its bundled dataset and link the reports in tour/index.html
    Tour(tour_cmd::TourArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let v = cli.verbosity;
    run_main(|| match cli.command {
        Command::Fit(a) => table_cmds::fit(a, v),
        Command::Predict(a) => table_cmds::predict(a, v),
        Command::Elbow(a) => table_cmds::elbow(a, v),
        Command::Evaluate(a) => table_cmds::evaluate(a, v),
        Command::Anomalies(a) => anomalies_cmd::anomalies(a, v),
        Command::Recommend(a) => recommend_cmd::recommend(a, v),
        Command::Datasets => table_cmds::datasets(),
        Command::Tour(a) => tour_cmd::tour(a, v),
        Command::Completions(a) => {
            kmkit_cli::write_completions::<Cli>(a.shell, &mut std::io::stdout());
            Ok(())
        }
    })
}
