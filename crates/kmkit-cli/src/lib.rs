//! # kmkit-cli
//!
//! The command-line pieces every kmkit app shares, so all apps take the same
//! options and behave the same way:
//!
//! - argument groups to `#[command(flatten)]`: [`KMeansArgs`] (`-k N`,
//!   `--k auto|A..B`, `--seed`, `--n-init`, `--max-iter`, `--tol`,
//!   `--algorithm`, `--init`, `--threads`), [`TableArgs`] (columns, id,
//!   label, categorical, scaling, missing values), [`OutputArgs`]
//!   (`--format table|json|csv`, `--out DIR`) and [`Verbosity`] (`-q`/`-v`);
//! - [`fit_k`]: a fixed k, or a sweep through `kmkit_core::select_k` that
//!   keeps the chosen k's model;
//! - [`progress`] bars on stderr, hidden when stderr is not a terminal;
//! - [`ResultTable`]: one value table printed as a table, JSON or CSV;
//! - [`run`]: cluster [`run::Quality`] metrics, the standard HTML report and
//!   output files every app writes;
//! - [`datasets_dir`]: the bundled datasets every app defaults to;
//! - [`write_completions`] for shell completions;
//! - [`bundled_file`]: where the repository's `datasets/` are (apps' default inputs);
//! - [`run_main`]: one `error: …` line and exit codes 0 ok / 1 runtime / 2 usage.
//!
//! **Key design decision:** these are plain clap `Args` structs with
//! conversion methods (`KMeansArgs::params`, `TableArgs::spec`), not a
//! framework: an app's `main` stays a short, readable glue function.
//!
//! ```
//! use clap::Parser;
//! use kmkit_cli::{KChoice, KMeansArgs};
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     kmeans: KMeansArgs,
//! }
//! let cli = Cli::parse_from(["app", "-k", "3", "--seed", "42"]);
//! assert_eq!(cli.kmeans.k_or(KChoice::AUTO), KChoice::Fixed(3));
//! assert_eq!(cli.kmeans.params(3).seed, 42);
//! ```
#![deny(missing_docs)]

mod args;
mod completions;
mod datasets;
mod exit;
mod output;
pub mod progress;
pub mod run;
mod select;

pub use args::{
    Format, HeaderArg, KChoice, KMeansArgs, OutputArgs, ReadArgs, TableArgs, Verbosity,
};
pub use completions::{write_completions, CompletionsArgs};
pub use datasets::{bundled_file, datasets_dir, datasets_dir_with};
pub use exit::{exit_code, run_main, usage_error, UsageError};
pub use output::{key_values, print, readable, ResultTable};
pub use select::{criteria_for, fit_k, fit_k_params, sweep, sweep_params, Fitted, KRule};
