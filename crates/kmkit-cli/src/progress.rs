//! Progress on stderr for long work. Hidden when stderr is not a terminal
//! (pipes, CI, tests) or with `-q`, so it never mixes with results.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::Verbosity;

fn target(verbosity: &Verbosity) -> ProgressDrawTarget {
    if verbosity.quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    }
}

/// A spinner with a message, for work of unknown length (reading, fitting).
pub fn spinner(verbosity: &Verbosity, message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, target(verbosity));
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    pb.set_message(message.into());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// A bar of `len` steps (e.g. one per k of a sweep, one per dataset of a tour).
pub fn bar(verbosity: &Verbosity, len: u64, message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), target(verbosity));
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(message.into());
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_when_quiet() {
        let quiet = Verbosity { quiet: true, verbose: 0 };
        assert!(spinner(&quiet, "x").is_hidden());
        let b = bar(&quiet, 3, "k");
        b.inc(2);
        assert!(b.is_hidden());
        assert_eq!(b.position(), 2);
    }
}
