//! Nothing lost (issue 10): apps are killed with SIGKILL at seeded random
//! moments while they compute and write `--out`. After every kill each file
//! under its final name is complete and parses (outputs are written to a
//! temporary file and renamed), the input is byte-identical, and a rerun into
//! the same folder succeeds and reproduces an uninterrupted run.
//!
//! The kill moments are drawn between a little before the first output file
//! appears and the end of a reference run (both measured first), so most
//! kills land in the late fit and the writing phase, where a non-atomic
//! writer would leave a truncated file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kmkit_tests::apps::{app_binary, TempDir};
use kmkit_tests::data::repo_root;

/// An app run to interrupt.
struct Target {
    app: &'static str,
    /// Arguments; `{out}` is the output folder.
    args: &'static [&'static str],
    /// Inputs that must stay byte-identical (relative to the repository).
    inputs: &'static [&'static str],
    /// Every file a complete run writes.
    outputs: &'static [&'static str],
    /// Outputs that are byte-identical between complete runs.
    deterministic: &'static [&'static str],
    kills: usize,
    seed: u64,
}

/// splitmix64: a seeded, dependency-free source of kill delays.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn command(t: &Target, out: &Path) -> Command {
    let mut cmd = Command::new(app_binary(t.app));
    cmd.args(
        t.args
            .iter()
            .map(|a| a.replace("{out}", &out.to_string_lossy())),
    )
    .current_dir(repo_root())
    .env_remove("KMKIT_DATASETS")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

/// Final-name files in `dir` (hidden temporaries counted apart).
fn finals(dir: &Path) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut temps = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            temps += 1;
        } else {
            names.push(name);
        }
    }
    names.sort();
    (names, temps)
}

/// A complete run into `out`: when the first output appeared and when it ended.
fn timed_run(t: &Target, out: &Path) -> (Duration, Duration) {
    // Built first: `command` may wait for another test's `cargo build`,
    // which must not count as the app's run time (the kill delays scale
    // with it).
    let mut cmd = command(t, out);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("start the app");
    let mut first = None;
    loop {
        if first.is_none() && !finals(out).0.is_empty() {
            first = Some(start.elapsed());
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{} {:?} failed", t.app, t.args);
            let end = start.elapsed();
            return (first.unwrap_or(end), end);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn checksum(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks every final-name file in `out`; returns how many there are.
fn check_complete(t: &Target, out: &Path, context: &str) -> usize {
    let (names, _) = finals(out);
    for name in &names {
        assert!(
            t.outputs.contains(&name.as_str()),
            "{context}: unexpected file {name} in --out"
        );
        let bytes = std::fs::read(out.join(name)).unwrap();
        if let Err(e) = crate::hostile_inputs::complete(name, &bytes) {
            panic!("{context}: {name} is incomplete or corrupt: {e}");
        }
    }
    names.len()
}

fn kill_repeatedly(t: &Target) {
    let tmp = TempDir::new(&format!("kill-{}", t.app));
    let inputs: Vec<(PathBuf, Vec<u8>)> = t
        .inputs
        .iter()
        .map(|p| {
            let p = repo_root().join(p);
            let bytes = checksum(&p);
            (p, bytes)
        })
        .collect();
    // The reference: an uninterrupted run, timed.
    let reference = tmp.path().join("reference");
    let (first, end) = timed_run(t, &reference);
    let (names, _) = finals(&reference);
    let mut expected: Vec<String> = t.outputs.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "a complete run writes every output");
    check_complete(t, &reference, "reference run");

    let out = tmp.path().join("out");
    let mut rng = Rng(t.seed);
    let (lo, hi) = (first.as_secs_f64() * 0.5, end.as_secs_f64() * 1.02);
    let (mut before_output, mut mid_output, mut finished) = (0, 0, 0);
    let mut left_temps = 0;
    for i in 0..t.kills {
        let delay = Duration::from_secs_f64(lo + rng.next_f64() * (hi - lo));
        let mut child = command(t, &out).spawn().expect("start the app");
        std::thread::sleep(delay);
        // SIGKILL on Unix: no destructors, no flushing, no cleanup.
        let _ = child.kill();
        let status = child.wait().unwrap();
        let context = format!("{} kill {i} after {delay:?}", t.app);
        if status.success() {
            finished += 1;
        }
        let present = check_complete(t, &out, &context);
        left_temps += finals(&out).1 - usize::from(out.join(".user.tmp").exists());
        // A file of the user's, named like neither an output nor a temporary
        // of kmkit's, must outlive every rerun's clean-up.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".user.tmp"), b"mine").unwrap();
        match present {
            0 => before_output += 1,
            n if n < t.outputs.len() => mid_output += 1,
            _ => {}
        }
        for (p, bytes) in &inputs {
            assert!(
                &checksum(p) == bytes,
                "{context}: input {} changed",
                p.display()
            );
        }
        // Now and then, and at the end: an interrupted run can simply be rerun.
        if i % 5 == 4 || i + 1 == t.kills {
            let status = command(t, &out).status().unwrap();
            assert!(status.success(), "{context}: the rerun failed");
            let (names, temps) = finals(&out);
            assert_eq!(names, expected, "{context}: the rerun wrote every output");
            // The killed runs' temporaries are gone; the user's file is not.
            assert_eq!(temps, 1, "{context}: temporary files left after the rerun");
            assert_eq!(std::fs::read(out.join(".user.tmp")).unwrap(), b"mine");
            check_complete(t, &out, &format!("{context}, rerun"));
            for name in t.deterministic {
                assert!(
                    checksum(&out.join(name)) == checksum(&reference.join(name)),
                    "{context}: the rerun's {name} differs from an uninterrupted run's"
                );
            }
            // Start the next kills from an empty folder half of the time.
            if i % 10 == 9 {
                std::fs::remove_dir_all(&out).unwrap();
            }
        }
    }
    eprintln!(
        "{}: {} kills in {lo:.3}..{hi:.3} s: {before_output} before any output, \
         {mid_output} with some outputs written, {finished} finished first; \
         {left_temps} temporary files left by kills (removed by the reruns)",
        t.app, t.kills
    );
    assert!(
        before_output + mid_output > 0,
        "no kill landed before the run ended: the window is wrong"
    );
}

#[test]
fn kmkit_fit_killed_at_random_leaves_only_complete_outputs() {
    kill_repeatedly(&Target {
        app: "kmkit",
        args: &["fit", "digits", "-k", "10", "--out", "{out}", "-q"],
        inputs: &["datasets/tabular/sklearn_bundled/digits.csv.gz"],
        outputs: &[
            "centroids.csv",
            "labels.csv",
            "model.json",
            "report.html",
            "summary.json",
        ],
        deterministic: &["centroids.csv", "labels.csv", "model.json"],
        kills: 15,
        seed: 10,
    });
}

#[test]
fn image_quantize_killed_at_random_leaves_only_complete_outputs() {
    kill_repeatedly(&Target {
        app: "image-quantize",
        args: &[
            "datasets/images/sklearn/china.jpg",
            "-k",
            "16",
            "--out",
            "{out}",
            "-q",
        ],
        inputs: &["datasets/images/sklearn/china.jpg"],
        outputs: &[
            "centroids.csv",
            "china.palette.svg",
            "china.png",
            "model.json",
            "report.html",
            "summary.json",
        ],
        deterministic: &["centroids.csv", "china.png", "model.json"],
        kills: 10,
        seed: 11,
    });
}
