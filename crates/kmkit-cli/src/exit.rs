//! `main` for every app: run, print one `error: …` line on failure, and
//! exit 0 (ok), 1 (runtime failure) or 2 (usage error). clap itself exits 2
//! on bad arguments; [`UsageError`] lets an app do the same after parsing.

use std::process::ExitCode;

/// A mistake in how the command was called, found after argument parsing
/// (e.g. a k range larger than the data). Exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// An `anyhow::Error` that exits with code 2.
pub fn usage_error(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// Exit code for a run's outcome.
pub fn exit_code(result: &anyhow::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) if is_broken_pipe(e) => 0,
        Err(e) if e.downcast_ref::<UsageError>().is_some() => 2,
        Err(_) => 1,
    }
}

/// Runs the app body; on error prints `error: <cause chain>` to stderr.
/// A closed stdout (`kmkit … | head`) ends quietly with 0, as for other tools.
pub fn run_main(run: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    let result = run();
    if let Err(e) = &result {
        if !is_broken_pipe(e) {
            eprintln!("error: {e:#}");
        }
    }
    ExitCode::from(exit_code(&result))
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn codes() {
        assert_eq!(exit_code(&Ok(())), 0);
        assert_eq!(exit_code(&Err(usage_error("k too large"))), 2);
        let runtime: anyhow::Result<()> = Err(anyhow::anyhow!("disk")).context("writing");
        assert_eq!(exit_code(&runtime), 1);
        let pipe: anyhow::Result<()> = Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
        assert_eq!(exit_code(&pipe), 0);
    }
}
