//! kmkit-speech end to end on the 2,000 FSDD recordings of four speakers:
//! clip embeddings clustered by the core reach the scikit-learn + librosa
//! speaker ARI; VQ codebooks identify held-out speakers; the VAD agrees with
//! `librosa.effects.split`; fitted state survives JSON.

use std::path::PathBuf;

use kmkit_core::{metrics, KMeans};
use kmkit_speech::{
    accuracy, find_wavs, load_clips, read_wav, split, split_clips, Clip, CodebookSettings, EmbeddingSettings,
    FittedEmbedding, Codebooks, VadSettings,
};
use kmkit_tests::data::{reference, repo_root};

fn fsdd_clips() -> Vec<Clip> {
    let dir = repo_root().join("datasets/speech/fsdd/recordings");
    let paths = find_wavs(&[dir]).unwrap();
    assert_eq!(paths.len(), 2000);
    load_clips(&paths, None).unwrap()
}

/// `{digit}_{speaker}_{take}.wav` → (speaker, take).
fn speaker_and_take(id: &str) -> (String, u32) {
    let stem = id.trim_end_matches(".wav");
    let parts: Vec<&str> = stem.split('_').collect();
    (parts[1].to_string(), parts[2].parse().unwrap())
}

fn codes(names: &[String]) -> Vec<u32> {
    let mut distinct: Vec<&String> = names.iter().collect();
    distinct.sort();
    distinct.dedup();
    names.iter().map(|n| distinct.binary_search(&n).unwrap() as u32).collect()
}

#[test]
fn default_pipeline_clusters_fsdd_speakers_at_least_as_well_as_sklearn_librosa() {
    let refs = reference("quality_baselines_sklearn.json");
    let baseline = refs["fsdd_4_speakers"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("clip = mean+std"))
        .map(|(_, v)| v["ari"].as_f64().unwrap())
        .unwrap();
    let clips = fsdd_clips();
    let (fitted, features) = EmbeddingSettings::default().fit(&clips).unwrap();
    assert_eq!((features.n_rows(), features.n_cols()), (2000, 40));
    let truth = codes(&clips.iter().map(|c| speaker_and_take(&c.id).0).collect::<Vec<_>>());
    let mut aris = Vec::new();
    for seed in 0..5 {
        let model = KMeans::params(4).seed(seed).n_init(10).fit(&features).unwrap();
        aris.push(metrics::adjusted_rand_index(&truth, model.labels()).unwrap());
    }
    let mean = aris.iter().sum::<f64>() / aris.len() as f64;
    eprintln!("FSDD 4 speakers, k=4: kmkit ARI per seed {aris:.4?}, mean {mean:.4}; sklearn+librosa baseline {baseline}");
    assert!(mean >= baseline, "mean ARI {mean:.4} < baseline {baseline}");

    // The baseline's own recipe (13 coefficients) lands where scikit-learn + librosa did.
    let mut recipe = EmbeddingSettings::default();
    recipe.mfcc.n_mfcc = 13;
    let (_, f13) = recipe.fit(&clips).unwrap();
    let ari13: Vec<f64> = (0..5)
        .map(|seed| metrics::adjusted_rand_index(&truth, KMeans::params(4).seed(seed).n_init(10).fit(&f13).unwrap().labels()).unwrap())
        .collect();
    let mean13 = ari13.iter().sum::<f64>() / 5.0;
    eprintln!("same recipe with 13 coefficients: ARI {ari13:.4?}, mean {mean13:.4}");
    assert!((mean13 - baseline).abs() < 0.03, "13-coefficient recipe ARI {mean13:.4} vs baseline {baseline}");

    // The fitted state survives JSON and repeats the transform exactly.
    let again = FittedEmbedding::from_json(&fitted.to_json()).unwrap();
    assert_eq!(again.transform(&clips[..50]).unwrap().data, fitted.transform(&clips[..50]).unwrap().data);
}

#[test]
fn vq_codebooks_identify_held_out_fsdd_speakers() {
    let clips = fsdd_clips();
    let (train, test): (Vec<&Clip>, Vec<&Clip>) = clips.iter().partition(|c| speaker_and_take(&c.id).1 >= 5);
    let owned = |v: &[&Clip]| v.iter().map(|c| (*c).clone()).collect::<Vec<Clip>>();
    let (train, test) = (owned(&train), owned(&test));
    assert_eq!((train.len(), test.len()), (1800, 200));
    let speakers: Vec<String> = train.iter().map(|c| speaker_and_take(&c.id).0).collect();
    let books = CodebookSettings::default().train(&train, &speakers).unwrap();
    assert_eq!(books.speakers, ["george", "jackson", "lucas", "nicolas"]);
    let verdicts = books.identify_all(&test).unwrap();
    let pred: Vec<&str> = verdicts.iter().map(|v| books.speakers[v.speaker].as_str()).collect();
    let truth: Vec<String> = test.iter().map(|c| speaker_and_take(&c.id).0).collect();
    let truth: Vec<&str> = truth.iter().map(|s| s.as_str()).collect();
    let acc = accuracy(&truth, &pred).unwrap();
    eprintln!("VQ speaker identification on the official FSDD test split (takes 0-4): accuracy {acc:.3}");
    assert!(acc >= 0.95, "accuracy {acc}");
    let again = Codebooks::from_json(&books.to_json()).unwrap();
    assert_eq!(again.identify(&test[0]).unwrap(), books.identify(&test[0]).unwrap());
}

#[test]
fn vad_segments_equal_librosa_effects_split() {
    let refs = reference("vad_split_librosa.json");
    for case in refs["cases"].as_array().unwrap() {
        let path: PathBuf = repo_root().join(case["file"].as_str().unwrap());
        let audio = read_wav(&path).unwrap();
        let settings = VadSettings {
            top_db: case["top_db"].as_f64().unwrap() as f32,
            frame_length: case["frame_length"].as_u64().unwrap() as usize,
            hop_length: case["hop_length"].as_u64().unwrap() as usize,
            ..VadSettings::default()
        };
        let ours: Vec<[u64; 2]> = split(&audio, &settings, "clip").unwrap().iter().map(|s| [s.start as u64, s.end as u64]).collect();
        let theirs: Vec<[u64; 2]> = case["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| [p[0].as_u64().unwrap(), p[1].as_u64().unwrap()])
            .collect();
        assert_eq!(ours, theirs, "{} {settings:?}", case["file"]);
    }
}

#[test]
fn split_clips_names_segments_bridges_gaps_and_reports_silent_clips() {
    let path = repo_root().join("datasets/speech/cmu_arctic/arctic_a0007.wav");
    let clips = load_clips(&[path], None).unwrap();
    let silent = Clip::new("quiet.wav", kmkit_speech::Audio::new(vec![0.0; 16000], 16000));
    let base = VadSettings { top_db: 30.0, frame_length: 512, hop_length: 128, ..VadSettings::default() };
    // librosa.effects.split gives [6528, 29312], [29568, 30720], [31104, 44288], [44416, 47360],
    // [48128, 55296], [58112, 58496] here (see vad_split_librosa.json): min_segment 0.05 s
    // (800 samples) drops only the last; bridging gaps under 0.1 s (1600 samples) leaves
    // [6528, 55296] and the dropped 24 ms tail.
    let cases = [
        (VadSettings { min_segment: 0.05, ..base.clone() }, vec![(6528, 29312), (29568, 30720), (31104, 44288), (44416, 47360), (48128, 55296)]),
        (VadSettings { min_segment: 0.05, min_gap: 0.1, ..base }, vec![(6528, 55296)]),
    ];
    for (settings, expected) in cases {
        let out = split_clips(&[clips[0].clone(), silent.clone()], &settings).unwrap();
        assert_eq!(out.silent, vec!["quiet.wav".to_string()]);
        let got: Vec<(usize, usize)> = out.segments.iter().map(|s| (s.offset, s.offset + s.audio.samples.len())).collect();
        assert_eq!(got, expected, "{settings:?}");
        for (n, seg) in out.segments.iter().enumerate() {
            assert_eq!(seg.id, format!("arctic_a0007.wav#{n}"));
            assert_eq!(seg.start_seconds(), seg.offset as f64 / 16000.0);
            assert_eq!(&clips[0].audio.samples[seg.offset..seg.offset + seg.audio.samples.len()], &seg.audio.samples[..]);
        }
    }
}
