//! `rfm-segments`: transaction exports → cleaning ledger, RFM scores, RF
//! segments and k-means customer clusters; `basket` for market baskets;
//! `predict` to apply a saved model to new transactions.

mod basket_cmd;
mod fit_cmd;
mod predict_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmkit_cli::{run_main, CompletionsArgs, Verbosity};

const EXAMPLES: &str = "\
Examples:
  rfm-segments --out runs/retail                   the bundled Online Retail sample: ledger, segments, 4 clusters, report
  rfm-segments orders.csv --customer client --date day --amount total --k auto
  rfm-segments lines.csv --quantity Quantity --price UnitPrice --invoice InvoiceNo --date-format \"%d/%m/%Y %H:%M\"
  rfm-segments CDNOW_master.txt.gz --snapshot 1998-07-01 -k 5 --n-init 10
  rfm-segments jan.csv feb.csv mar.csv --out runs/q1     several exports of one layout, read as one log
  rfm-segments predict --model runs/retail/model.json new_lines.csv --out runs/new
  rfm-segments basket -k 6 --top 8 --out runs/baskets   customers × products, spherical k-means, top products

FILE is a CSV/TSV/whitespace transaction log (optionally .gz), with or without a
header. UCI Online Retail (I and II) and CDNOW layouts, and headers with
customer/date/amount-like names, are recognised; otherwise map the columns with
--customer, --date and --amount (or --quantity and --price). Without FILE the
bundled datasets/customers/online_retail_2010-12_lines.csv.gz is used.
Every row read is kept or counted under one drop reason in the printed ledger.";

#[derive(Debug, Parser)]
#[command(
    name = "rfm-segments",
    version,
    about = "Customers into segments: RFM scores, RF-grid names and k-means clusters from transaction logs",
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
    /// Score and cluster new transactions with a saved model.json (same format, snapshot and transform)
    Predict(predict_cmd::PredictArgs),
    /// Market baskets: customers (or invoices) × products, spherical k-means, top products per cluster
    Basket(basket_cmd::BasketArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

pub(crate) use kmkit_cli::print;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let v = cli.verbosity;
    run_main(|| {
        // Reads refuse inputs larger than memory before holding them.
        kmkit_rfm::set_read_budget(kmkit_io::memory::available_memory()?);
        match cli.command {
            None => fit_cmd::fit(cli.fit, v),
            Some(Command::Predict(a)) => predict_cmd::predict(a, v),
            Some(Command::Basket(a)) => basket_cmd::basket(a, v),
            Some(Command::Completions(a)) => {
                kmkit_cli::write_completions::<Cli>(a.shell, &mut std::io::stdout());
                Ok(())
            }
        }
    })
}
