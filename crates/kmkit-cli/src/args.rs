//! Argument groups shared by every app, flattened into each app's clap
//! command with `#[command(flatten)]`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, ValueEnum};
use kmkit_core::{Algorithm, Init, KMeansParams, Metric};
use kmkit_io::{HeaderMode, MissingPolicy, PreprocessSpec, ReadOptions, Scaling};

/// Number of clusters: a fixed k, or an inclusive range to choose k from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Exactly this many clusters.
    Fixed(usize),
    /// Choose k in `min..=max` (`auto` is 2..=10).
    Range {
        /// Smallest k tried.
        min: usize,
        /// Largest k tried.
        max: usize,
    },
}

impl KChoice {
    /// `auto`: choose k in 2..=10.
    pub const AUTO: KChoice = KChoice::Range { min: 2, max: 10 };
}

impl FromStr for KChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s == "auto" {
            return Ok(KChoice::AUTO);
        }
        let count = |t: &str| -> Result<usize, String> {
            match t.trim().parse::<usize>() {
                Ok(v) if v >= 1 => Ok(v),
                _ => Err(format!("{t:?} is not a number of clusters (1 or more)")),
            }
        };
        if let Some((a, b)) = s.split_once("..") {
            let (min, max) = (count(a)?, count(b.trim_start_matches('='))?);
            if min > max {
                return Err(format!("the range {s} is empty: write A..B with A <= B"));
            }
            return Ok(KChoice::Range { min, max });
        }
        count(s)
            .map(KChoice::Fixed)
            .map_err(|e| format!("{e}; or write auto, or a range such as 2..10"))
    }
}

impl fmt::Display for KChoice {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            KChoice::Fixed(k) => write!(f, "{k}"),
            KChoice::Range { min, max } => write!(f, "{min}..{max}"),
        }
    }
}

/// Parses an algorithm name through the core's own serde names, so variants
/// the core adds are accepted without a change here.
fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("unknown algorithm {s:?}: try auto, lloyd, hamerly, elkan, yinyang or kd-tree")
    })
}

fn parse_init(s: &str) -> Result<Init, String> {
    match s {
        "k-means++" | "kmeans++" | "k-means-plus-plus" => Ok(Init::KMeansPlusPlus),
        "k-means||" | "kmeans||" | "k-means-parallel" => Ok(Init::kmeans_parallel()),
        "random" => Ok(Init::Random),
        _ => Err(format!(
            "unknown init {s:?}: use k-means++, k-means|| or random"
        )),
    }
}

/// The k-means options every app takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Clustering")]
pub struct KMeansArgs {
    /// Number of clusters: N, `auto` (choose in 2..10), or A..B (choose in A..B, inclusive)
    #[arg(short = 'k', long = "k", value_name = "N|auto|A..B")]
    pub k: Option<KChoice>,
    /// Random seed: the same seed gives the same clusters on any number of threads
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Seeded runs; the one with least inertia is kept [default: 1, or 10 with --init random]
    #[arg(long, value_name = "N")]
    pub n_init: Option<usize>,
    /// Iteration cap per run
    #[arg(long, default_value_t = 300, value_name = "N")]
    pub max_iter: usize,
    /// Convergence tolerance, relative to the data's mean per-feature variance
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Iteration algorithm: auto, lloyd, hamerly, elkan, yinyang, or kd-tree (dense data of 1 to 4
    /// columns)
    #[arg(long, default_value = "auto", value_parser = parse_algorithm)]
    pub algorithm: Algorithm,
    /// Seeding: k-means++, k-means|| or random
    #[arg(long, default_value = "k-means++", value_parser = parse_init)]
    pub init: Init,
    /// Worker threads (0 = all cores); results do not depend on it
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Distance, set by the app rather than on the command line (e.g. cosine
    /// for baskets and documents); Euclidean unless the app says otherwise.
    #[arg(skip)]
    pub metric: Metric,
}

impl KMeansArgs {
    /// The k choice, or `default` when none was given.
    pub fn k_or(&self, default: KChoice) -> KChoice {
        self.k.unwrap_or(default)
    }
    /// Core parameters for `k` clusters.
    pub fn params(&self, k: usize) -> KMeansParams {
        let mut p = KMeansParams::new(k)
            .seed(self.seed)
            .max_iter(self.max_iter)
            .tol(self.tol)
            .algorithm(self.algorithm)
            .init(self.init.clone())
            .threads(self.threads)
            .metric(self.metric);
        if let Some(n) = self.n_init {
            p = p.n_init(n);
        }
        p
    }
}

/// How results are shown and where files go.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Format of what is printed on stdout
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write labels.csv, centroids.csv, model.json, summary.json and report.html into DIR
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// JSON, for programs.
    Json,
    /// CSV, for spreadsheets and pipes.
    Csv,
}

/// `-q` / `-v`.
#[derive(Debug, Clone, Copy, Args)]
pub struct Verbosity {
    /// Print nothing but results and errors (no progress bars, no notes)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what is done (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Verbosity {
    /// A note on stderr, unless `-q`.
    pub fn note(&self, msg: impl fmt::Display) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
    /// A detail on stderr, only with `-v`.
    pub fn detail(&self, msg: impl fmt::Display) {
        if self.verbose > 0 {
            eprintln!("{msg}");
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "space" => Ok(b' '),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "{s:?} is not a one-character delimiter (or tab, comma, semicolon, space)"
        )),
    }
}

fn parse_scaling(s: &str) -> Result<Scaling, String> {
    s.parse().map_err(|e: kmkit_io::IoError| e.to_string())
}
fn parse_missing(s: &str) -> Result<MissingPolicy, String> {
    s.parse().map_err(|e: kmkit_io::IoError| e.to_string())
}

/// Header handling on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderArg {
    /// Detect it.
    Auto,
    /// The first line is a header.
    Yes,
    /// The first line is data.
    No,
}

/// How a table file is read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input table")]
pub struct ReadArgs {
    /// Field delimiter (one character, or tab); sniffed when not given
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
    /// Whether the first line is a header
    #[arg(long, value_enum, default_value_t = HeaderArg::Auto)]
    pub header: HeaderArg,
}

impl ReadArgs {
    /// Options for reading the file.
    pub fn read_options(&self) -> ReadOptions {
        let header = match self.header {
            HeaderArg::Auto => HeaderMode::Auto,
            HeaderArg::Yes => HeaderMode::Yes,
            HeaderArg::No => HeaderMode::No,
        };
        ReadOptions {
            delimiter: self.delimiter,
            header,
        }
    }
}

/// How a table is read and turned into features.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input table")]
pub struct TableArgs {
    /// How the file is read.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Feature columns, by name or 1-based number [default: all but --id, --label, --drop]
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Vec<String>,
    /// Columns to leave out
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub drop: Vec<String>,
    /// Column of row ids, used in labels.csv
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Column of known classes: kept out of the features, used to score the clusters
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Columns to one-hot encode, or `auto` for every non-numeric column
    #[arg(long, value_delimiter = ',', value_name = "COLS|auto")]
    pub categorical: Vec<String>,
    /// Scaling of numeric columns: standard, min-max, robust or none [default: standard, or the bundled dataset's]
    #[arg(long, value_parser = parse_scaling)]
    pub scaling: Option<Scaling>,
    /// Missing cells (empty, NA, NaN, ?): error, drop (the row) or impute-mean
    #[arg(long, default_value = "error", value_parser = parse_missing)]
    pub missing: MissingPolicy,
}

impl TableArgs {
    /// Options for reading the file.
    pub fn read_options(&self) -> ReadOptions {
        self.read.read_options()
    }
    /// The preprocessing asked for.
    pub fn spec(&self) -> PreprocessSpec {
        let auto = self.categorical.iter().any(|c| c == "auto");
        PreprocessSpec {
            columns: self.columns.clone(),
            drop: self.drop.clone(),
            id_column: self.id.clone(),
            label_column: self.label.clone(),
            categorical: self
                .categorical
                .iter()
                .filter(|c| *c != "auto")
                .cloned()
                .collect(),
            categorical_auto: auto,
            scaling: self.scaling.unwrap_or_default(),
            missing: self.missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        kmeans: KMeansArgs,
        #[command(flatten)]
        table: TableArgs,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        verbosity: Verbosity,
    }

    #[test]
    fn k_forms() {
        assert_eq!("5".parse(), Ok(KChoice::Fixed(5)));
        assert_eq!("auto".parse(), Ok(KChoice::AUTO));
        assert_eq!("2..20".parse(), Ok(KChoice::Range { min: 2, max: 20 }));
        assert_eq!("2..=20".parse(), Ok(KChoice::Range { min: 2, max: 20 }));
        assert!("0".parse::<KChoice>().is_err());
        assert!("9..3".parse::<KChoice>().unwrap_err().contains("empty"));
    }

    #[test]
    fn flags_map_to_params_and_spec() {
        let cli = Cli::try_parse_from([
            "app",
            "-k",
            "4",
            "--seed",
            "7",
            "--n-init",
            "3",
            "--init",
            "random",
            "--scaling",
            "robust",
            "--missing",
            "impute-mean",
            "--categorical",
            "a,auto",
            "--delimiter",
            "tab",
            "--format",
            "json",
            "-q",
        ])
        .unwrap();
        let p = cli.kmeans.params(4);
        assert_eq!(
            (p.seed, p.n_init, p.init.clone()),
            (7, Some(3), Init::Random)
        );
        assert_eq!(cli.kmeans.k, Some(KChoice::Fixed(4)));
        let spec = cli.table.spec();
        assert_eq!(
            (spec.scaling, spec.missing),
            (Scaling::Robust, MissingPolicy::ImputeMean)
        );
        assert!(spec.categorical_auto && spec.categorical == vec!["a".to_string()]);
        assert_eq!(cli.table.read_options().delimiter, Some(b'\t'));
        assert_eq!(cli.output.format, Format::Json);
        assert!(cli.verbosity.quiet);
        let long = Cli::try_parse_from(["app", "--k", "auto", "--algorithm", "lloyd"]).unwrap();
        assert_eq!(long.kmeans.k, Some(KChoice::AUTO));
        assert!(Cli::try_parse_from(["app", "--algorithm", "magic"]).is_err());
        assert!(Cli::try_parse_from(["app", "--scaling", "huge"])
            .unwrap_err()
            .to_string()
            .contains("min-max"));
    }
}
