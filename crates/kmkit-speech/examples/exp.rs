use std::time::Instant;
use kmkit_core::KMeans;
use kmkit_speech::*;
fn main() {
    let t = Instant::now();
    let paths = find_wavs(&["datasets/speech/fsdd/recordings".into()]).unwrap();
    let clips = load_clips(&paths, None).unwrap();
    eprintln!("load {:?}", t.elapsed());
    let variant = std::env::args().nth(1).unwrap_or_default();
    let mut s = EmbeddingSettings::default();
    match variant.as_str() {
        "d1" => s.mfcc.deltas = 1,
        "d2" => s.mfcc.deltas = 2,
        "speech" => s.mfcc = MfccSettings { cmvn: Cmvn::None, ..MfccSettings::speech() },
        "speechd" => s.mfcc = MfccSettings { cmvn: Cmvn::None, deltas: 1, ..MfccSettings::speech() },
        "l20" => s.mfcc.n_mfcc = 20,
        "l16" => s.mfcc.n_mfcc = 16,
        "l24" => s.mfcc.n_mfcc = 24,
        "l30" => s.mfcc.n_mfcc = 30,
        "l20m64" => { s.mfcc.n_mfcc = 20; s.mfcc.n_mels = 64 }
        "libdef" => s.mfcc = MfccSettings::librosa(),
        "speech20" => s.mfcc = MfccSettings { cmvn: Cmvn::None, n_mfcc: 20, ..MfccSettings::speech() },
        _ => {}
    }
    let t = Instant::now();
    let (_f, feats) = s.fit(&clips).unwrap();
    eprintln!("embed {:?}", t.elapsed());
    let mut out = String::new();
    for seed in 0..5 {
        let m = KMeans::params(4).seed(seed).n_init(10).fit(&feats).unwrap();
        out += &m.labels().iter().map(|l| l.to_string()).collect::<Vec<_>>().join(",");
        out += "\n";
    }
    std::fs::write("/tmp/labels.txt", out).unwrap();
    std::fs::write("/tmp/ids.txt", clips.iter().map(|c| c.id.clone()).collect::<Vec<_>>().join("\n")).unwrap();
    if variant == "vq" {
        let (train, test): (Vec<Clip>, Vec<Clip>) = clips.iter().cloned().partition(|c| c.id.trim_end_matches(".wav").split('_').nth(2).unwrap().parse::<u32>().unwrap() >= 5);
        let spk = |c: &Clip| c.id.split('_').nth(1).unwrap().to_string();
        let t = Instant::now();
        let books = CodebookSettings::default().train(&train, &train.iter().map(spk).collect::<Vec<_>>()).unwrap();
        eprintln!("train {:?}", t.elapsed());
        let v = books.identify_all(&test).unwrap();
        let pred: Vec<String> = v.iter().map(|v| books.speakers[v.speaker].clone()).collect();
        let truth: Vec<String> = test.iter().map(spk).collect();
        eprintln!("acc {} ({:?})", accuracy(&truth, &pred).unwrap(), t.elapsed());
    }
}
