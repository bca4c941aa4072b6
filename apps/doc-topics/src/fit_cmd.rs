//! Fitting: read → TF-IDF (→ LSA) → spherical k-means → topics, table, files, report.

use std::path::PathBuf;

use clap::Args;
use doc_topics::fit::{fit_topics, seed_runs, SeedSummary};
use doc_topics::input::{self, SourceArgs, BUNDLED_K};
use doc_topics::model_file::model_json;
use doc_topics::outputs::{assignments_csv, terms_line, topic_table, topics_out, TopicOut};
use doc_topics::picture::{topic_terms_svg, MAX_PANELS};
use doc_topics::text_args::TextArgs;
use kmkit_cli::run::{self, dense_view, quality, Quality};
use kmkit_cli::{
    key_values, progress, Format, KChoice, KMeansArgs, KRule, OutputArgs, ResultTable, Verbosity,
};
use kmkit_core::{KMeansParams, Metric};
use kmkit_io::{centroids_csv, json_bytes};
use kmkit_report::{Body, Section};
use kmkit_text::{
    encode_labels, score, Lsa, NoTopicClassifier, NoTopicCounts, Scores, TfIdf, TopicsConfig,
};
use serde::Serialize;
use serde_json::{json, Value};

use crate::show::{note_dropped, print};

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Documents: a folder of .txt files, a file with one document per line, or a CSV/TSV/JSONL file [default: the bundled StackOverflow titles]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = KRule::Silhouette, help_heading = "Clustering")]
    pub rule: KRule,
    /// Also fit with seeds SEED+1 … SEED+N-1 and report each seed's and the mean scores (outputs are SEED's)
    #[arg(
        long,
        default_value_t = 1,
        value_name = "N",
        help_heading = "Clustering"
    )]
    pub seeds: usize,
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
struct FitSummary<'a> {
    command: &'static str,
    input: &'a str,
    n_documents: usize,
    n_bad_encoding: usize,
    labels_from: Option<&'a str>,
    k: usize,
    k_selection: Option<Value>,
    features: String,
    n_terms: usize,
    n_terms_seen: usize,
    n_clustered: usize,
    n_without_topic: usize,
    without_topic: &'a NoTopicCounts,
    tfidf: &'a TfIdf,
    lsa: Option<&'a Lsa>,
    params: &'a KMeansParams,
    n_iter: usize,
    converged: bool,
    warnings: &'a [String],
    quality: &'a Quality,
    scores: Option<Scores>,
    seeds: Option<&'a SeedSummary>,
    topics: &'a [TopicOut],
    outputs: Vec<&'static str>,
}

const OUTPUTS: [&str; 7] = [
    "assignments.csv",
    "centroids.csv",
    "topics.json",
    "topic_terms.svg",
    "model.json",
    "summary.json",
    "report.html",
];

pub fn fit(args: FitArgs, v: Verbosity) -> anyhow::Result<()> {
    if args.seeds == 0 {
        return Err(kmkit_cli::usage_error("--seeds must be at least 1"));
    }
    let spec = args.source.spec(args.input.clone());
    let pb = progress::spinner(&v, "reading documents");
    let loaded = input::load(&spec)?;
    pb.finish_and_clear();
    let corpus = &loaded.corpus;
    let n_docs = corpus.len();

    let mut config = TopicsConfig {
        tfidf: args.text.tfidf()?,
        lsa: None,
        kmeans: args.kmeans.params(1).metric(Metric::Cosine),
    };
    if let Some(n) = args.text.lsa {
        config = config.lsa(n);
    }
    let default_k = if loaded.bundled {
        KChoice::Fixed(BUNDLED_K)
    } else {
        KChoice::AUTO
    };
    let choice = args.kmeans.k_or(default_k);
    let pb = progress::spinner(
        &v,
        format!("fitting k = {choice} topics to {n_docs} documents"),
    );
    let fitted = fit_topics(&config, &corpus.texts, choice, args.rule)?;
    pb.finish_and_clear();
    let model = &fitted.model;
    let kmeans = &model.kmeans;
    let k = model.n_topics();
    let assignment = &fitted.assignment;
    kmeans
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let no_topic = NoTopicClassifier::new(&model.tfidf)?.count(&corpus.texts, &assignment.labels);
    note_dropped(n_docs, corpus.n_bad_encoding, &no_topic, &v);

    let truth = corpus.labels.as_ref().map(|l| encode_labels(l).0);
    let scores = truth.as_ref().map(|t| score(t, assignment)).transpose()?;
    let seeds = if args.seeds > 1 {
        let list: Vec<u64> = (0..args.seeds as u64)
            .map(|i| args.kmeans.seed + i)
            .collect();
        let pb = progress::spinner(&v, format!("fitting with {} seeds", list.len()));
        let s = seed_runs(
            &config,
            &corpus.texts,
            k,
            &list,
            Some(&fitted),
            truth.as_deref(),
        )?;
        pb.finish_and_clear();
        Some(s)
    } else {
        None
    };

    let usable_labels: Vec<u32> = fitted
        .usable
        .iter()
        .map(|&i| assignment.labels[i].expect("usable documents have a topic"))
        .collect();
    let x = dense_view(&fitted.usable_features);
    let mut q = quality(
        x.as_ref().map(|a| a.view()),
        &usable_labels,
        None,
        kmeans.inertia,
        args.kmeans.seed,
    );
    if let Some(s) = &scores {
        q.adjusted_rand = Some(s.ari);
        q.normalized_mutual_info = Some(s.nmi);
        q.homogeneity = Some(s.homogeneity);
        q.completeness = Some(s.completeness);
        q.v_measure = Some(s.v_measure);
    }
    let topics = model.topics(assignment, args.top_terms, args.examples)?;
    let topics = topics_out(&topics, corpus, assignment);
    let features = match &model.lsa {
        None => format!("tf-idf ({} terms)", model.tfidf.n_terms()),
        Some(l) => format!(
            "lsa ({} dimensions of {} terms)",
            l.n_components(),
            model.tfidf.n_terms()
        ),
    };
    let k_selection = fitted.sweep.as_ref().map(|s| {
        json!({
            "rule": fitted.rule,
            "chosen": k,
            "elbow": s.elbow(),
            "best_silhouette": s.best_silhouette(),
            "scores": s.scores,
        })
    });
    let summary = FitSummary {
        command: "fit",
        input: &loaded.display,
        n_documents: n_docs,
        n_bad_encoding: corpus.n_bad_encoding,
        labels_from: loaded.labels_from.as_deref(),
        k,
        k_selection,
        features: features.clone(),
        n_terms: model.tfidf.n_terms(),
        n_terms_seen: model.tfidf.n_terms_seen(),
        n_clustered: fitted.usable.len(),
        n_without_topic: assignment.n_unassigned(),
        without_topic: &no_topic,
        tfidf: &config.tfidf,
        lsa: config.lsa.as_ref(),
        params: &kmeans.params,
        n_iter: kmeans.n_iter,
        converged: kmeans.converged,
        warnings: &kmeans.warnings,
        quality: &q,
        scores,
        seeds: seeds.as_ref(),
        topics: &topics,
        outputs: if args.output.out.is_some() {
            OUTPUTS.to_vec()
        } else {
            vec![]
        },
    };

    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let pb = progress::spinner(&v, "writing files and report");
        out.write("assignments.csv", &assignments_csv(corpus, assignment)?)?;
        let names = fitted.usable_features.feature_names.clone();
        out.write(
            "centroids.csv",
            &centroids_csv(&names, kmeans.centroids.mapv(f64::from).view()),
        )?;
        out.write("topics.json", &json_bytes(&topics))?;
        let picture = topic_terms_svg(&model.topics(assignment, 10, 0)?, 10);
        out.write("topic_terms.svg", picture.as_bytes())?;
        out.write("model.json", &model_json(model))?;
        let settings = vec![
            ("input".to_string(), loaded.display.clone()),
            ("documents".into(), n_docs.to_string()),
            ("features".into(), features),
            (
                "stop words".into(),
                config.tfidf.analyzer.stop_words.len().to_string(),
            ),
            (
                "stemming".into(),
                config
                    .tfidf
                    .analyzer
                    .stemmer
                    .map_or("off".into(), |l| format!("{l:?}").to_lowercase()),
            ),
            (
                "n-grams".into(),
                format!("1..{}", config.tfidf.analyzer.ngram_range.1),
            ),
            (
                "min_df / max_df".into(),
                format!("{} / {}", config.tfidf.min_df, config.tfidf.max_df),
            ),
            ("k".into(), k.to_string()),
            ("seed".into(), args.kmeans.seed.to_string()),
            (
                "n_init".into(),
                kmeans
                    .params
                    .n_init
                    .map_or("auto".into(), |n| n.to_string()),
            ),
            ("metric".into(), "cosine (spherical k-means)".into()),
        ];
        let mut report = run::standard_report(
            &format!("doc-topics: {}", loaded.display),
            settings,
            &fitted.usable_features,
            kmeans,
            &usable_labels,
            &q,
            fitted.sweep.as_ref(),
        )?;
        report.intro = Some(format!(
            "{n_docs} documents → {k} topics by spherical k-means on {}. {} documents have no topic.",
            summary.features, summary.n_without_topic
        ));
        report.cluster_names = topics.iter().map(|t| terms_line(&t.terms, 3)).collect();
        report.sections.push(Section {
            title: "Topic terms".into(),
            body: Body::Svg(picture),
            caption: Some(format!(
                "The 10 heaviest terms of each topic's centroid{}{}.",
                if model.lsa.is_some() {
                    " (back-projected from the LSA space)"
                } else {
                    ""
                },
                if k > MAX_PANELS {
                    format!("; the first {MAX_PANELS} topics")
                } else {
                    String::new()
                }
            )),
        });
        report
            .sections
            .push(topics_section(&topics, args.top_terms));
        if let Some(s) = &seeds {
            report.sections.push(seeds_section(s));
        }
        if no_topic.total() > 0 {
            report.sections.push(Section {
                title: "Documents without a topic".into(),
                body: Body::Text(format!(
                    "{} of {n_docs}: {}.",
                    no_topic.total(),
                    no_topic.describe()
                )),
                caption: None,
            });
        }
        run::write_report_and_summary(&mut out, &report, &summary)?;
        pb.finish_and_clear();
        v.note(format!("wrote {}", out.dir().display()));
    }

    match args.output.format {
        Format::Json => print(&String::from_utf8(json_bytes(&summary))?),
        Format::Csv => print(&topic_table(&topics, args.top_terms).render(Format::Csv)),
        Format::Table => {
            let mut head = vec![
                ("input", json!(loaded.display)),
                ("documents", json!(n_docs)),
                ("features", json!(summary.features)),
                ("k", json!(k)),
            ];
            if let Some(r) = fitted.rule {
                head.push(("k chosen by", json!(format!("{r:?}").to_lowercase())));
            }
            head.push(("iterations", json!(kmeans.n_iter)));
            head.push(("without a topic", json!(summary.n_without_topic)));
            if let Some(s) = &summary.scores {
                head.push(("NMI", json!(s.nmi)));
                head.push(("ARI", json!(s.ari)));
                head.push(("V-measure", json!(s.v_measure)));
            }
            if let Some(s) = &seeds {
                let mean = |x: Option<f64>| x.map_or(json!(null), |m| json!(m));
                head.push(("seeds", json!(s.runs.len())));
                head.push(("mean NMI over seeds", mean(s.mean_nmi)));
                head.push(("mean ARI over seeds", mean(s.mean_ari)));
            }
            print(
                &(key_values(&head).render(Format::Table)
                    + &topic_table(&topics, args.top_terms).render(Format::Table)),
            )
        }
    }
}

fn topics_section(topics: &[TopicOut], n_terms: usize) -> Section {
    let table = topic_table(topics, n_terms);
    let rows = table
        .rows
        .iter()
        .zip(topics)
        .map(|(r, t)| {
            let mut cells: Vec<String> = r.iter().map(kmkit_cli::readable).collect();
            // The report has room for every example, not just the first.
            cells[3] = t
                .examples
                .iter()
                .map(|e| e.text.as_str())
                .collect::<Vec<_>>()
                .join(" · ");
            cells
        })
        .collect();
    Section {
        title: "Topics".into(),
        body: Body::Table {
            headers: table.headers,
            rows,
        },
        caption: Some("Examples are the documents nearest each topic's centroid.".into()),
    }
}

fn seeds_section(s: &SeedSummary) -> Section {
    let mut t = ResultTable::new(&["seed", "inertia", "iterations", "NMI", "ARI", "V-measure"]);
    for r in &s.runs {
        let sc = r.scores.as_ref();
        t.push(vec![
            json!(r.seed),
            json!(r.inertia),
            json!(r.n_iter),
            json!(sc.map(|s| s.nmi)),
            json!(sc.map(|s| s.ari)),
            json!(sc.map(|s| s.v_measure)),
        ]);
    }
    t.push(vec![
        json!("mean"),
        json!(s.mean_inertia),
        json!(null),
        json!(s.mean_nmi),
        json!(s.mean_ari),
        json!(s.mean_v_measure),
    ]);
    Section {
        title: "Stability over seeds".into(),
        body: Body::Table {
            headers: t.headers.clone(),
            rows: t
                .rows
                .iter()
                .map(|r| r.iter().map(kmkit_cli::readable).collect())
                .collect(),
        },
        caption: Some(
            "The same pipeline fitted with each seed; the outputs are the first seed's.".into(),
        ),
    }
}
