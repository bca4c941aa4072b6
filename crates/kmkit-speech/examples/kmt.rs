use std::time::Instant;
use kmkit_core::{KMeans, Algorithm};
use kmkit_speech::*;
use ndarray::{concatenate, Axis};
fn main() {
    let paths = find_wavs(&["datasets/speech/fsdd/recordings".into()]).unwrap();
    let clips = load_clips(&paths[..450], None).unwrap();
    let m = Mfcc::new(MfccSettings { cmvn: Cmvn::None, ..MfccSettings::speech() }).unwrap();
    let fr: Vec<_> = clips.iter().map(|c| m.compute(&c.audio, &c.id).unwrap()).collect();
    let v: Vec<_> = fr.iter().map(|f| f.view()).collect();
    let x = concatenate(Axis(0), &v).unwrap();
    eprintln!("{:?}", x.dim());
    for (name, alg) in [("auto", Algorithm::Auto), ("hamerly", Algorithm::Hamerly), ("lloyd", Algorithm::Lloyd)] {
        for refine in [true, false] {
            let t = Instant::now();
            let m = KMeans::params(32).seed(0).n_init(3).algorithm(alg).refine(refine).fit(&x).unwrap();
            eprintln!("{name} refine={refine}: {:?} iters {} inertia {}", t.elapsed(), m.n_iter, m.inertia);
        }
    }
}
