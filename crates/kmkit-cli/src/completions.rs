//! Shell completions for any app's clap command.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// `APP completions SHELL`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script of `C` for `shell`.
pub fn write_completions<C: CommandFactory>(shell: Shell, out: &mut dyn Write) {
    let mut cmd = C::command();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    #[command(name = "demo")]
    struct Demo {
        #[arg(long)]
        seed: u64,
    }

    #[test]
    fn bash_script_mentions_options() {
        let mut out = Vec::new();
        write_completions::<Demo>(Shell::Bash, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("--seed") && text.contains("demo"));
    }
}
