//! `image-quantize`: images → k-colour palettes (k-means), as indexed PNGs.

mod cli;
mod run;

use std::process::ExitCode;

fn main() -> ExitCode {
    let (cli, raw) = cli::parse();
    let v = cli.verbosity;
    kmkit_cli::run_main(|| match cli.command {
        None => run::fit(cli.fit, &raw, v),
        Some(cli::Command::Predict(a)) => run::predict(a, v),
        Some(cli::Command::Completions(a)) => {
            kmkit_cli::write_completions::<cli::Cli>(a.shell, &mut std::io::stdout());
            Ok(())
        }
    })
}
