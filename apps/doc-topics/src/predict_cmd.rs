//! `predict`: documents → the topics of a saved model, with the model's own
//! TF-IDF (and LSA) transform.

use std::path::PathBuf;

use clap::Args;
use doc_topics::input::{self, SourceArgs};
use doc_topics::model_file::load_model;
use doc_topics::outputs::{assignments_csv, topic_table, topics_out, TopicOut};
use kmkit_cli::{key_values, progress, Format, OutputArgs, Verbosity};
use kmkit_io::json_bytes;
use kmkit_text::{encode_labels, score, NoTopicClassifier, NoTopicCounts, Scores};
use serde::Serialize;
use serde_json::json;

use crate::show::{note_dropped, print};

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// model.json written by `doc-topics --out`
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Documents: a folder of .txt files, a file with one document per line, or a CSV/TSV/JSONL file [default: the bundled StackOverflow titles]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Terms shown per topic
    #[arg(long, default_value_t = 8, value_name = "N", help_heading = "Output")]
    pub top_terms: usize,
    /// Example documents (nearest the centroid) kept per topic
    #[arg(long, default_value_t = 3, value_name = "N", help_heading = "Output")]
    pub examples: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Serialize)]
struct PredictSummary<'a> {
    command: &'static str,
    input: &'a str,
    model: String,
    n_documents: usize,
    n_bad_encoding: usize,
    n_without_topic: usize,
    without_topic: &'a NoTopicCounts,
    scores: Option<Scores>,
    topics: &'a [TopicOut],
    outputs: Vec<&'static str>,
}

pub fn predict(args: PredictArgs, v: Verbosity) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    let loaded = input::load(&args.source.spec(args.input.clone()))?;
    let corpus = &loaded.corpus;
    let pb = progress::spinner(&v, format!("assigning {} documents", corpus.len()));
    let assignment = model.predict(&corpus.texts)?;
    pb.finish_and_clear();
    let no_topic = NoTopicClassifier::new(&model.tfidf)?.count(&corpus.texts, &assignment.labels);
    note_dropped(corpus.len(), corpus.n_bad_encoding, &no_topic, &v);
    let scores = corpus
        .labels
        .as_ref()
        .map(|l| score(&encode_labels(l).0, &assignment))
        .transpose()?;
    let topics = topics_out(
        &model.topics(&assignment, args.top_terms, args.examples)?,
        corpus,
        &assignment,
    );
    let summary = PredictSummary {
        command: "predict",
        input: &loaded.display,
        model: args.model.display().to_string(),
        n_documents: corpus.len(),
        n_bad_encoding: corpus.n_bad_encoding,
        n_without_topic: assignment.n_unassigned(),
        without_topic: &no_topic,
        scores,
        topics: &topics,
        outputs: if args.output.out.is_some() {
            vec!["assignments.csv", "topics.json", "summary.json"]
        } else {
            vec![]
        },
    };
    if let Some(mut out) = kmkit_cli::run::output_dir(args.output.out.as_deref())? {
        out.write("assignments.csv", &assignments_csv(corpus, &assignment)?)?;
        out.write("topics.json", &json_bytes(&topics))?;
        out.write("summary.json", &json_bytes(&summary))?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(json_bytes(&summary))?),
        Format::Csv => print(&String::from_utf8(assignments_csv(corpus, &assignment)?)?),
        Format::Table => {
            let mut head = vec![
                ("input", json!(loaded.display)),
                ("model", json!(summary.model)),
                ("documents", json!(corpus.len())),
                ("without a topic", json!(summary.n_without_topic)),
            ];
            if let Some(s) = &summary.scores {
                head.push(("NMI", json!(s.nmi)));
                head.push(("ARI", json!(s.ari)));
                head.push(("V-measure", json!(s.v_measure)));
            }
            print(
                &(key_values(&head).render(Format::Table)
                    + &topic_table(&topics, args.top_terms).render(Format::Table)),
            )
        }
    }
}
