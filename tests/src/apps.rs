//! Running the app binaries from end-to-end tests.
//!
//! Cargo only sets `CARGO_BIN_EXE_<name>` for a package's own tests, so the
//! binary is located next to this test executable (`target/<profile>/`) and
//! built first with `cargo build --profile test`: a no-op when it is fresh,
//! and it guarantees a test never runs a stale binary when only this crate
//! was asked for (`cargo test -p kmkit-tests`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Path of the app binary `name` (package and binary share the name), built if needed.
pub fn app_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/tests-<hash> → target/<profile>/
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    let target_dir = profile_dir.parent().expect("target/").to_path_buf();
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built.is_empty() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // Every binary at once, with the flags of the README's test command
        // (`--workspace --all-features`): the same feature resolution as the
        // test build, so no library is compiled a second time.
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--profile",
                "test",
                "--workspace",
                "--all-features",
                "--bins",
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(crate::data::repo_root())
            .status()
            .expect("run cargo build");
        assert!(
            status.success(),
            "cargo build --bins failed (wanted {name})"
        );
        built.push(name.to_string());
    }
    profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// What a run of an app printed and returned.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs app `name` with `args` from the repository root.
pub fn run_app(name: &str, args: &[&str]) -> Run {
    let out: Output = Command::new(app_binary(name))
        .args(args)
        .current_dir(crate::data::repo_root())
        .env_remove("KMKIT_DATASETS")
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `kmkit` and asserts it succeeded.
pub fn kmkit_ok(args: &[&str]) -> Run {
    let r = run_app("kmkit", args);
    assert_eq!(
        r.code, 0,
        "kmkit {args:?} failed:\n{}\n{}",
        r.stderr, r.stdout
    );
    r
}

/// A fresh temporary directory under `target/` (removed on drop).
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `target/e2e-tmp/<name>-<pid>-<n>`.
    pub fn new(name: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = crate::data::repo_root()
            .join("target/e2e-tmp")
            .join(format!(
                "{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
    /// A path inside it, as a string for command lines.
    pub fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
