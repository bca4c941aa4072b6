//! `codebook`: a VQ codebook per labelled speaker; identification of
//! held-out files by least average distortion, with accuracy.

use std::path::{Path, PathBuf};

use clap::Args;
use kmkit_cli::{
    key_values, progress, run, usage_error, Format, KChoice, KMeansArgs, OutputArgs, ResultTable,
    Verbosity,
};
use kmkit_report::{Body, Report, Section};
use kmkit_speech::{accuracy, Clip, CodebookSettings, Codebooks, Identification};
use serde::Serialize;
use serde_json::{json, Value};
use speech_clusters::codebook::{confusion, speaker_means, split_holdout, CodebookFile, Holdout};
use speech_clusters::labels::LabelPattern;
use speech_clusters::pipeline::{clip_labels, prepare, wav_files, Prepared};
use speech_clusters::profile::{profile_section, standardize_columns};

use crate::args::{FeatureArgs, InputArgs};
use crate::cluster_cmd::{accounting, dropped_section, Accounting};
use crate::output::{note_prepared, print};

/// Codewords per speaker when -k is not given.
pub const DEFAULT_CODEWORDS: usize = 16;

#[derive(Debug, Args)]
pub struct CodebookArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Held-out files or folders to identify (their speakers from --labels-from-name, for accuracy); all of WAV|DIR then trains
    #[arg(long, value_name = "WAV|DIR", help_heading = "Hold-out")]
    pub test: Vec<PathBuf>,
    /// Hold out the files of WAV|DIR whose names match REGEX [default for the bundled FSDD: takes 0-4, its official test split]
    #[arg(long, value_name = "REGEX", value_parser = parse_holdout, help_heading = "Hold-out")]
    pub holdout: Option<LabelPattern>,
    /// Otherwise hold out every N-th file of each speaker (the 1st, the N+1-th, …)
    #[arg(long, default_value_t = 5, value_name = "N", help_heading = "Hold-out")]
    pub test_every: usize,
    /// k-means of each speaker's frames; -k is the number of codewords per speaker [default: 16]
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_holdout(s: &str) -> Result<LabelPattern, String> {
    LabelPattern::new(s).map_err(|e| e.replace("--labels-from-name", "--holdout"))
}

/// Verdicts on a set of clips.
struct Verdicts {
    clips: Vec<Clip>,
    truth: Vec<Option<String>>,
    verdicts: Vec<Identification>,
}

impl Verdicts {
    /// Indices into the speakers of the clips whose speaker has a codebook.
    fn scored(&self, books: &Codebooks) -> (Vec<usize>, Vec<usize>) {
        self.truth
            .iter()
            .zip(&self.verdicts)
            .filter_map(|(t, v)| {
                let t = books.speakers.iter().position(|s| Some(s) == t.as_ref())?;
                Some((t, v.speaker))
            })
            .unzip()
    }
}

#[derive(Serialize)]
struct SpeakerRow {
    speaker: String,
    train_clips: usize,
    test_clips: usize,
    correct: usize,
    accuracy: Option<f64>,
}

#[derive(Serialize)]
struct CodebookSummary<'a> {
    command: &'static str,
    input: &'a str,
    model: Option<String>,
    #[serde(flatten)]
    accounting: Accounting<'a>,
    labels: &'a str,
    holdout: String,
    settings: Option<&'a CodebookSettings>,
    speakers: &'a [String],
    n_train: usize,
    n_test: usize,
    n_scored: usize,
    accuracy: Option<f64>,
    per_speaker: Vec<SpeakerRow>,
    confusion: Vec<Vec<usize>>,
    outputs: Vec<&'static str>,
}

pub fn codebook(args: CodebookArgs, v: Verbosity) -> anyhow::Result<()> {
    let resolved = args.input.resolve();
    let pattern = resolved.labels.clone().ok_or_else(|| {
        usage_error("codebook needs each training file's speaker: give --labels-from-name REGEX")
    })?;
    let size = match args.kmeans.k_or(KChoice::Fixed(DEFAULT_CODEWORDS)) {
        KChoice::Fixed(k) => k,
        range => {
            return Err(usage_error(format!(
                "codebook takes a fixed number of codewords per speaker (-k N), not {range}"
            )))
        }
    };
    let settings = CodebookSettings {
        mfcc: args.features.mfcc(CodebookSettings::default().mfcc),
        kmeans: args.kmeans.params(size),
    };
    kmkit_speech::Mfcc::new(settings.mfcc.clone()).map_err(|e| usage_error(e.to_string()))?;
    if args.test_every == 0 {
        return Err(usage_error("--test-every must be at least 1"));
    }
    let files = wav_files(&resolved.paths)?;
    let pb = progress::spinner(&v, format!("reading {} WAV files", files.len()));
    let prepared = prepare(&files, &settings.mfcc, None)?;
    let labels = clip_labels(&prepared.clips, Some(&pattern));
    let (holdout, holdout_text) = if !args.test.is_empty() {
        (Holdout::None, "the --test files".to_string())
    } else if let Some(p) = args.holdout.clone().or_else(|| {
        resolved
            .bundled
            .as_ref()
            .and_then(|b| LabelPattern::new(b.test_files).ok())
    }) {
        let text = format!("files matching {}", p.as_str());
        (Holdout::Pattern(p), text)
    } else {
        (
            Holdout::Every(args.test_every),
            format!("every {}-th file of each speaker", args.test_every),
        )
    };
    let (train_idx, mut test_idx) = split_holdout(&prepared.clips, &labels, &holdout);
    let unlabelled = labels.iter().filter(|l| l.is_none()).count();
    if unlabelled > 0 {
        v.note(format!(
            "note: {unlabelled} files have no speaker in their name (--labels-from-name {}); they are only identified",
            pattern.as_str()
        ));
    }
    if train_idx.is_empty() {
        anyhow::bail!(
            "no training files: none of the {} clips has a speaker from --labels-from-name {} outside the hold-out",
            prepared.clips.len(),
            pattern.as_str()
        );
    }
    let train: Vec<Clip> = train_idx
        .iter()
        .map(|&i| prepared.clips[i].clone())
        .collect();
    let train_labels: Vec<String> = train_idx
        .iter()
        .map(|&i| labels[i].clone().expect("training clips are labelled"))
        .collect();
    pb.set_message(format!("training {} codebooks of {size} codewords", {
        let mut s = train_labels.clone();
        s.sort();
        s.dedup();
        s.len()
    }));
    let books = settings.train(&train, &train_labels)?;
    // Held-out clips: from --test, or the ones split off above.
    let mut test_prepared: Option<Prepared> = None;
    let (test_clips, test_truth) = if !args.test.is_empty() {
        let test_files = wav_files(&args.test)?;
        let p = prepare(&test_files, &settings.mfcc, None)?;
        let truth = clip_labels(&p.clips, Some(&pattern));
        let clips = p.clips.clone();
        test_prepared = Some(p);
        test_idx.clear();
        (clips, truth)
    } else {
        (
            test_idx
                .iter()
                .map(|&i| prepared.clips[i].clone())
                .collect::<Vec<_>>(),
            test_idx
                .iter()
                .map(|&i| labels[i].clone())
                .collect::<Vec<_>>(),
        )
    };
    pb.set_message(format!("identifying {} held-out clips", test_clips.len()));
    let verdicts = Verdicts {
        verdicts: books.identify_all(&test_clips)?,
        clips: test_clips,
        truth: test_truth,
    };
    pb.finish_and_clear();
    note_prepared(&prepared, &v);
    if let Some(p) = &test_prepared {
        note_prepared(p, &v);
    }
    let file = CodebookFile::new(pattern.clone(), books);
    let mut dropped = prepared.dropped.clone();
    if let Some(p) = &test_prepared {
        dropped.extend(p.dropped.iter().cloned());
    }
    let mut acct = accounting(&prepared);
    acct.dropped = &dropped;
    acct.n_dropped = dropped.len();
    if let Some(p) = &test_prepared {
        acct.n_files += p.n_files;
        acct.n_clips += p.clips.len();
    }
    let train_counts: Vec<usize> = file
        .codebooks
        .speakers
        .iter()
        .map(|s| train_labels.iter().filter(|l| *l == s).count())
        .collect();
    finish(
        &file,
        &verdicts,
        Some(&train_counts),
        acct,
        &resolved.display,
        &holdout_text,
        &args.output,
        None,
        &v,
    )
}

/// `predict` with a codebook model: identify the speaker of each input file.
pub fn identify_and_report(
    file: &CodebookFile,
    input: &InputArgs,
    output: &OutputArgs,
    model_path: &Path,
    v: &Verbosity,
) -> anyhow::Result<()> {
    let mut resolved = input.resolve();
    if resolved.labels.is_none() {
        resolved.labels = Some(file.labels.clone());
    }
    let files = wav_files(&resolved.paths)?;
    let prepared = prepare(&files, &file.codebooks.settings.mfcc, None)?;
    note_prepared(&prepared, v);
    let truth = clip_labels(&prepared.clips, resolved.labels.as_ref());
    let verdicts = Verdicts {
        verdicts: file.codebooks.identify_all(&prepared.clips)?,
        clips: prepared.clips.clone(),
        truth,
    };
    finish(
        file,
        &verdicts,
        None,
        accounting(&prepared),
        &resolved.display,
        "every input file",
        output,
        Some(model_path),
        v,
    )
}

/// Scores, writes and prints the verdicts (shared by `codebook` and `predict`).
#[allow(clippy::too_many_arguments)]
fn finish(
    file: &CodebookFile,
    verdicts: &Verdicts,
    train_counts: Option<&[usize]>,
    acct: Accounting<'_>,
    input: &str,
    holdout: &str,
    output: &OutputArgs,
    model_path: Option<&Path>,
    v: &Verbosity,
) -> anyhow::Result<()> {
    let books = &file.codebooks;
    let speakers = &books.speakers;
    let (truth, pred) = verdicts.scored(books);
    let acc = if truth.is_empty() {
        None
    } else {
        Some(accuracy(&truth, &pred)?)
    };
    let per_speaker: Vec<SpeakerRow> = speakers
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let test = truth.iter().filter(|&&t| t == s).count();
            let correct = truth
                .iter()
                .zip(&pred)
                .filter(|(&t, &p)| t == s && p == s)
                .count();
            SpeakerRow {
                speaker: name.clone(),
                train_clips: train_counts.map_or(0, |c| c[s]),
                test_clips: test,
                correct,
                accuracy: (test > 0).then(|| correct as f64 / test as f64),
            }
        })
        .collect();
    let matrix = confusion(&truth, &pred, speakers.len());
    let training = model_path.is_none();
    let outputs = match (&output.out, training) {
        (None, _) => vec![],
        (Some(_), true) => vec![
            "identifications.csv",
            "model.json",
            "summary.json",
            "report.html",
        ],
        (Some(_), false) => vec!["identifications.csv", "summary.json"],
    };
    let summary = CodebookSummary {
        command: if training { "codebook" } else { "predict" },
        input,
        model: model_path.map(|p| p.display().to_string()),
        accounting: acct,
        labels: file.labels.as_str(),
        holdout: holdout.to_string(),
        settings: training.then_some(&books.settings),
        speakers,
        n_train: train_counts.map_or(0, |c| c.iter().sum()),
        n_test: verdicts.clips.len(),
        n_scored: truth.len(),
        accuracy: acc,
        per_speaker,
        confusion: matrix.clone(),
        outputs,
    };
    if let Some(dir) = output.out.as_deref() {
        let mut out = run::output_dir(Some(dir))?.expect("a directory was given");
        out.write(
            "identifications.csv",
            &identifications_csv(books, verdicts)?,
        )?;
        if training {
            out.write("model.json", &kmkit_io::json_bytes(file))?;
            let report = codebook_report(file, &summary, &matrix)?;
            run::write_report_and_summary(&mut out, &report, &summary)?;
        } else {
            out.write("summary.json", &kmkit_io::json_bytes(&summary))?;
        }
        v.note(format!("wrote {}", out.dir().display()));
    }
    match output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => print(&String::from_utf8(identifications_csv(books, verdicts)?)?),
        Format::Table => {
            let head = key_values(&[
                ("input", json!(input)),
                ("speakers", json!(speakers.len())),
                ("codewords per speaker", json!(books.settings.size())),
                ("held out", json!(holdout)),
                (
                    "identified / scored",
                    json!(format!("{} / {}", summary.n_test, summary.n_scored)),
                ),
                ("accuracy", acc.map_or(Value::Null, |a| json!(a))),
            ]);
            let mut t = ResultTable::new(&[
                "speaker",
                "train clips",
                "test clips",
                "correct",
                "accuracy",
            ]);
            for r in &summary.per_speaker {
                t.push(vec![
                    json!(r.speaker),
                    json!(r.train_clips),
                    json!(r.test_clips),
                    json!(r.correct),
                    r.accuracy.map_or(Value::Null, |a| json!(a)),
                ]);
            }
            print(&(head.render(Format::Table) + &t.render(Format::Table)))
        }
    }
}

/// `file,segment,speaker,predicted,distortion_<speaker>…`.
fn identifications_csv(books: &Codebooks, v: &Verdicts) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["file", "segment", "speaker", "predicted"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(books.speakers.iter().map(|s| format!("distortion_{s}")));
    w.write_record(&header)?;
    for ((clip, truth), verdict) in v.clips.iter().zip(&v.truth).zip(&v.verdicts) {
        let mut row = vec![
            clip.source.display().to_string(),
            clip.id.clone(),
            truth.clone().unwrap_or_default(),
            books.speakers[verdict.speaker].clone(),
        ];
        row.extend(verdict.distortions.iter().map(|d| format!("{d:.6}")));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn codebook_report(
    file: &CodebookFile,
    summary: &CodebookSummary,
    matrix: &[Vec<usize>],
) -> anyhow::Result<Report> {
    let books = &file.codebooks;
    let mut r = Report::new(format!("speech-clusters codebook: {}", summary.input));
    r.intro = Some(format!(
        "One VQ codebook of {} codewords per speaker (k-means over all MFCC frames of the speaker's \
         training files); each held-out file goes to the speaker whose codebook quantises its frames \
         with the least average distortion.",
        books.settings.size()
    ));
    r.settings = vec![
        ("input".into(), summary.input.to_string()),
        ("speakers from".into(), file.labels.as_str().to_string()),
        ("held out".into(), summary.holdout.clone()),
        (
            "codewords per speaker".into(),
            books.settings.size().to_string(),
        ),
        ("MFCCs".into(), books.settings.mfcc.n_features().to_string()),
        ("seed".into(), books.settings.kmeans.seed.to_string()),
    ];
    r.metrics = vec![
        ("training clips".into(), summary.n_train.to_string()),
        ("held-out clips".into(), summary.n_test.to_string()),
        (
            "accuracy".into(),
            summary.accuracy.map_or("n/a".into(), |a| format!("{a:.4}")),
        ),
    ];
    // No cluster-size plot: the codebooks are per speaker, not clusters of files.
    let per_speaker = summary
        .per_speaker
        .iter()
        .map(|s| {
            vec![
                s.speaker.clone(),
                s.train_clips.to_string(),
                s.test_clips.to_string(),
                s.correct.to_string(),
                s.accuracy.map_or("n/a".into(), |a| format!("{a:.4}")),
            ]
        })
        .collect();
    r.sections.push(Section {
        title: "Speakers".into(),
        body: Body::Table {
            headers: [
                "speaker",
                "training clips",
                "held-out clips",
                "correct",
                "accuracy",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: per_speaker,
        },
        caption: None,
    });
    let mut headers = vec!["speaker \\ identified as".to_string()];
    headers.extend(books.speakers.iter().cloned());
    let rows = matrix
        .iter()
        .enumerate()
        .map(|(s, row)| {
            let mut cells = vec![books.speakers[s].clone()];
            cells.extend(row.iter().map(|n| n.to_string()));
            cells
        })
        .collect();
    r.sections.push(Section {
        title: "Confusion matrix (held-out clips)".into(),
        body: Body::Table { headers, rows },
        caption: None,
    });
    let means = standardize_columns(speaker_means(books).view());
    let cols = books.settings.mfcc.feature_names();
    r.sections.push(profile_section(
        "Per-speaker mean MFCC",
        means.view(),
        &books.speakers,
        &cols,
        "Each speaker's mean training frame, standardised across speakers (red above, blue below; full colour at ±2).",
    )?);
    if !summary.accounting.dropped.is_empty() {
        r.sections.push(dropped_section(summary.accounting.dropped));
    }
    Ok(r)
}
