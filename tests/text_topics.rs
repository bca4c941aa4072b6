//! Documents → topics end to end on the 20,000 StackOverflow titles: the
//! default pipeline (spherical k-means on TF-IDF) and LSA 100 reach
//! scikit-learn's NMI (quality_baselines_sklearn.json), averaged over 5 seeds;
//! topics read as their tags; clear errors for unusable input.

use std::time::Instant;

// The tag of each label id 0..20: the doc-topics app's list for its bundled dataset.
use doc_topics::input::BUNDLED_TAGS as TAGS;
use kmkit_tests::data::reference;
use kmkit_tests::text::stackoverflow;
use kmkit_text::{score, DocFeatures, TextError, TopicFit, TopicModel, TopicsConfig};

const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];

/// Mean NMI and ARI over `SEEDS` of `config` (k = 20) on all titles. The
/// features are fitted once: TF-IDF does not depend on the seed, and LSA is
/// refitted per seed only when `lsa_per_seed`.
fn mean_scores(config: &TopicsConfig, lsa_per_seed: bool) -> (f64, f64, TopicFit) {
    let (titles, truth) = stackoverflow();
    let shared = DocFeatures::fit(config, &titles).unwrap();
    let (mut nmi, mut ari) = (0.0, 0.0);
    let mut first = None;
    for seed in SEEDS {
        let start = Instant::now();
        let config = config.clone().seed(seed);
        let features = if lsa_per_seed {
            DocFeatures::fit(&config, &titles).unwrap()
        } else {
            shared.clone()
        };
        let fit = TopicModel::fit_features(&config.kmeans, features).unwrap();
        let s = score(&truth, &fit.assignment).unwrap();
        eprintln!(
            "seed {seed}: NMI {:.4} ARI {:.4} ({} unassigned, {} iterations, {:.2} s)",
            s.nmi,
            s.ari,
            s.n_unassigned,
            fit.model.kmeans.n_iter,
            start.elapsed().as_secs_f64()
        );
        nmi += s.nmi / SEEDS.len() as f64;
        ari += s.ari / SEEDS.len() as f64;
        first.get_or_insert(fit);
    }
    (nmi, ari, first.expect("at least one seed"))
}

/// Prints every topic and checks that most read as their majority tag: the
/// tag (or a word of it) is among the topic's top terms.
fn check_topics(fit: &TopicFit, truth: &[u32], titles: &[String]) {
    let topics = fit.model.topics(&fit.assignment, 8, 2).unwrap();
    assert_eq!(topics.len(), 20);
    assert_eq!(
        topics.iter().map(|t| t.size).sum::<usize>(),
        20_000 - fit.assignment.n_unassigned()
    );
    let mut readable = 0;
    for t in &topics {
        let mut counts = [0usize; 20];
        (0..truth.len())
            .filter(|&i| fit.assignment.labels[i] == Some(t.cluster))
            .for_each(|i| counts[truth[i] as usize] += 1);
        let major = (0..20).max_by_key(|&c| counts[c]).unwrap();
        let terms: Vec<&str> = t.terms.iter().map(|w| w.term.as_str()).collect();
        let ok = TAGS[major].split('-').any(|w| terms.contains(&w));
        readable += usize::from(ok);
        eprintln!(
            "topic {:2} ({:4} docs, {:3.0}% {}): {} | e.g. {:?}",
            t.cluster,
            t.size,
            100.0 * counts[major] as f64 / t.size as f64,
            TAGS[major],
            terms.join(" "),
            titles[t.examples[0]]
        );
        assert_eq!(t.examples.len(), 2);
        assert!(t
            .examples
            .iter()
            .all(|&i| fit.assignment.labels[i] == Some(t.cluster)));
    }
    assert!(
        readable >= 15,
        "only {readable} of 20 topics name their majority tag among their top terms"
    );
}

fn baseline(key_start: &str) -> f64 {
    let refs = reference("quality_baselines_sklearn.json");
    let (_, v) = refs["stackoverflow_titles_k20"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with(key_start))
        .unwrap_or_else(|| panic!("no baseline starting {key_start:?}"));
    v["nmi"].as_f64().unwrap()
}

#[test]
fn default_pipeline_reaches_sklearn_nmi() {
    let sklearn = baseline("tfidf(");
    let (nmi, ari, fit) = mean_scores(&TopicsConfig::new(20), false);
    eprintln!(
        "TF-IDF + spherical k-means: mean NMI {nmi:.4} (scikit-learn {sklearn}), mean ARI {ari:.4}"
    );
    assert!(
        nmi >= sklearn,
        "mean NMI {nmi:.4} < scikit-learn's {sklearn}"
    );
    let (titles, truth) = stackoverflow();
    check_topics(&fit, &truth, &titles);
    // Predicting the fit documents repeats the fit assignment.
    assert_eq!(fit.model.predict(&titles).unwrap(), fit.assignment);
}

#[test]
fn lsa_100_reaches_sklearn_nmi() {
    let sklearn = baseline("same tfidf + TruncatedSVD(100)");
    let (nmi, ari, fit) = mean_scores(&TopicsConfig::new(20).lsa(100), true);
    eprintln!("TF-IDF + LSA 100 + spherical k-means: mean NMI {nmi:.4} (scikit-learn {sklearn}), mean ARI {ari:.4}");
    assert!(
        nmi >= sklearn,
        "mean NMI {nmi:.4} < scikit-learn's {sklearn}"
    );
    let (titles, truth) = stackoverflow();
    check_topics(&fit, &truth, &titles);
    // A saved LSA model predicts the fit documents as at fit time.
    let back = TopicModel::from_json(&fit.model.to_json()).unwrap();
    assert_eq!(back.predict(&titles).unwrap(), fit.assignment);
}

#[test]
fn unusable_input_gives_clear_errors() {
    let (titles, _) = stackoverflow();
    // k larger than the number of documents.
    let err = TopicModel::fit(&TopicsConfig::new(20), &titles[..12]).unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(
            err,
            TextError::NoTermsAfterPruning { .. } | TextError::TooFewDocuments { .. }
        ),
        "{err}"
    );
    let docs: Vec<&str> = titles[..30]
        .iter()
        .map(String::as_str)
        .chain(["", "the of and", "!!!"])
        .collect();
    let config = TopicsConfig::new(31)
        .tfidf(kmkit_text::TfIdf::for_topics().min_df(kmkit_text::DocFreq::Count(1)));
    let err = TopicModel::fit(&config, &docs).unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(
            err,
            TextError::TooFewDocuments {
                k: 31,
                n_usable: 30,
                n_docs: 33
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("lower k"));
    // Only empty and stop-word documents: an empty vocabulary.
    let err = TopicModel::fit(&TopicsConfig::new(2), &["", "and the", "a b c", "   "]).unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err, TextError::EmptyVocabulary { n_docs: 4 }),
        "{err}"
    );
    // The core's own checks surface with their message (here: k = 0).
    let err =
        TopicModel::fit(&config.clone().kmeans(kmkit_core::KMeans::params(0)), &docs).unwrap_err();
    eprintln!("{err}");
    assert!(err.to_string().contains("n_clusters"), "{err}");
}
