//! A patched moto server for the live-audit tests.
//!
//! The first use creates a virtualenv in `target/moto-venv` and installs the
//! pinned `tests/moto/requirements.txt` into it (later runs reuse it). Each
//! [`Moto`] is its own server on a free loopback port, started from
//! `tests/moto/launcher.py` and killed on drop. Nothing here skips: when
//! Python, pip or moto cannot be installed, the test fails and says why.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

pub const ACCOUNT: &str = "123456789012";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

fn venv_dir() -> PathBuf {
    target_dir().join("moto-venv")
}

/// The venv's Python, with moto installed. Installs on first use.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(install).clone()
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("moto setup: cannot run {what}: {e} (is python3 installed and on PATH?)"));
    if !out.status.success() {
        panic!(
            "moto setup: {what} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A cross-process lock: `mkdir` is atomic. A lock older than 15 minutes is stale.
struct DirLock(PathBuf);

impl DirLock {
    fn acquire(path: PathBuf) -> DirLock {
        let start = Instant::now();
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => return DirLock(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > Duration::from_secs(900));
                    if stale {
                        let _ = std::fs::remove_dir(&path);
                        continue;
                    }
                    if start.elapsed() > Duration::from_secs(900) {
                        panic!("moto setup: gave up waiting for the lock {}", path.display());
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => panic!("moto setup: cannot create {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn install() -> PathBuf {
    let venv = venv_dir();
    let requirements = repo().join("tests/moto/requirements.txt");
    let wanted =
        std::fs::read_to_string(&requirements).unwrap_or_else(|e| panic!("moto setup: cannot read {}: {e}", requirements.display()));
    let python = venv.join("bin/python");
    let marker = venv.join(".eniplan-requirements");
    std::fs::create_dir_all(target_dir()).expect("create target dir");
    let _lock = DirLock::acquire(target_dir().join("moto-venv.lock"));
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return python;
    }
    if !python.exists() {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
        run(
            Command::new(&host).arg("-m").arg("venv").arg(&venv),
            &format!("`{host} -m venv {}`", venv.display()),
        );
    }
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r"])
            .arg(&requirements),
        &format!("`pip install -r {}` (needs access to PyPI)", requirements.display()),
    );
    run(
        Command::new(&python).args([
            "-c",
            "import moto, boto3; assert moto.__version__.startswith('5.2.'), moto.__version__",
        ]),
        "the moto 5.2.x import check",
    );
    std::fs::write(&marker, &wanted).expect("write the venv marker");
    python
}

/// A running, patched moto server.
pub struct Moto {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub port: u16,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// Extra launcher arguments, e.g. `["--deny", "eu-west-1:lambda:ListFunctions"]`.
    pub fn start_with(args: &[&str]) -> Moto {
        let python = python();
        let log = target_dir().join("moto-logs");
        std::fs::create_dir_all(&log).expect("create moto log dir");
        let log_file = log.join(format!("moto-{}-{}.log", std::process::id(), unique()));
        let stderr = std::fs::File::create(&log_file).expect("create moto log");
        let mut child = Command::new(&python)
            .arg(repo().join("tests/moto/launcher.py"))
            .args(["--port", "0", "--watch-stdin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdout = child.stdout.take().expect("launcher stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("moto did not start within 120 s; see {}", log_file.display())
            }
        };
        let Some(port) = line.trim().strip_prefix("READY ").and_then(|p| p.parse::<u16>().ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_file).unwrap_or_default();
            panic!("moto launcher failed (said {line:?}):\n{log}");
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto on port {port} does not accept connections");
            std::thread::sleep(Duration::from_millis(50));
        }
        let stdin = child.stdin.take();
        Moto {
            child,
            _stdin: stdin,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Runs `tests/moto/seed.py` against this server; returns what it printed.
    pub fn seed(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(python())
            .arg(repo().join("tests/moto/seed.py"))
            .args(["--endpoint", &self.endpoint])
            .args(args)
            .output()
            .expect("run seed.py");
        assert!(
            out.status.success(),
            "seed.py {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
    }

    /// `eniplan` with fake credentials, isolated from the host's AWS config.
    pub fn eniplan(&self, home: &Path) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("eniplan").expect("the eniplan binary");
        isolate(&mut cmd, home);
        cmd.env("AWS_ACCESS_KEY_ID", "testing").env("AWS_SECRET_ACCESS_KEY", "testing");
        cmd
    }
}

/// Clears every AWS setting the host might have and points config files at an
/// empty directory, so only what a test sets is used.
pub fn isolate(cmd: &mut assert_cmd::Command, home: &Path) {
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", home)
        .env_remove("ECS_CONTAINER_METADATA_URI")
        .env_remove("ECS_CONTAINER_METADATA_URI_V4");
}

/// The same isolation for an in-process collector (tests that call the library).
pub fn isolate_process() {
    static DONE: OnceLock<tempfile::TempDir> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                std::env::remove_var(k);
            }
        }
        std::env::set_var("AWS_CONFIG_FILE", dir.path().join("config"));
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("credentials"));
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        dir
    });
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
