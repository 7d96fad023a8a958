//! Database URIs validated against real servers started here: PostgreSQL (SCRAM-SHA-256) and
//! Redis (`requirepass` and an ACL user), each on 127.0.0.1 on a free port with a throwaway data
//! directory. `.ci/run` installs the Debian packages; under `CI=true` a missing server binary
//! fails the test instead of skipping it.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nhi_scan_core::validate::ValidationStatus;
use serde_json::json;

use crate::util::{Dir, is_root, random_base62};
use crate::validate::{scan, validator};

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A server binary, from PATH or Debian's versioned PostgreSQL directory; `None` (skip) when
/// missing outside CI, a failure under CI.
fn binary(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    });
    let debian = || {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin").join(name))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    };
    let found = on_path.or_else(debian);
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is not installed (CI must install postgresql and redis-server)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {port}");
}

/// A server process stopped (and its directory removed) on drop.
struct Running {
    child: Child,
    _dir: Dir,
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGQUIT: PostgreSQL's immediate shutdown; Redis exits on it too.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        if self.child.wait_timeout_secs(5).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

trait WaitTimeout {
    fn wait_timeout_secs(&mut self, secs: u64) -> Option<()>;
}

impl WaitTimeout for Child {
    fn wait_timeout_secs(&mut self, secs: u64) -> Option<()> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.try_wait() {
                return Some(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

/// Runs `cmd` as `nobody` when we are root (PostgreSQL refuses to run as root).
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_postgres(password: &str) -> Option<(Running, u16)> {
    let initdb = binary("initdb")?;
    let postgres = binary("postgres")?;
    let dir = Dir::new();
    let data = dir.join("data");
    let pwfile = dir.write("pw", password);
    if is_root() {
        let st = Command::new("chmod")
            .arg("755")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
        let st = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let out = as_server_user(&initdb)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let mut child = as_server_user(&postgres)
        .arg("-D")
        .arg(&data)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ])
        .arg("-k")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postgres");
    wait_for_port(port, &mut child, "postgres");
    Some((Running { child, _dir: dir }, port))
}

#[test]
fn postgres_uris_authenticate_against_a_real_server_only_with_validate_db() {
    let password = random_base62(3001, 20);
    let Some((_pg, port)) = start_postgres(&password) else {
        return;
    };
    let wrong = random_base62(3002, 20);
    let mut findings = scan(&[
        (
            "app.env",
            format!("DATABASE_URL=postgres://postgres:{password}@127.0.0.1:{port}/postgres\n"),
        ),
        (
            "old.env",
            format!(
                "DATABASE_URL=postgresql://postgres:{wrong}@127.0.0.1:{port}/postgres?sslmode=disable\n"
            ),
        ),
    ]);
    assert_eq!(findings.len(), 2);
    // Off by default: the host comes from scanned content.
    validator(&[], |_| {}).validate(&mut findings);
    for f in &findings {
        let v = f.validation.as_ref().unwrap();
        assert_eq!(v.status, ValidationStatus::Unknown);
        assert!(v.reason.as_deref().unwrap().contains("--validate-db"));
    }
    validator(&[], |o| o.databases = true).validate(&mut findings);
    let good = findings
        .iter()
        .find(|f| f.secret.expose() == password)
        .unwrap()
        .validation
        .clone()
        .unwrap();
    assert_eq!(good.status, ValidationStatus::Valid, "{:?}", good.reason);
    assert_eq!(good.identity["user"], json!("postgres"));
    assert_eq!(good.identity["host"], json!("127.0.0.1"));
    assert!(
        good.identity["server_version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric)
    );
    let bad = findings
        .iter()
        .find(|f| f.secret.expose() == wrong)
        .unwrap()
        .validation
        .clone()
        .unwrap();
    assert_eq!(bad.status, ValidationStatus::Invalid);
    assert!(
        bad.reason
            .unwrap()
            .contains("password authentication failed")
    );
}

fn redis_command(port: u16, args: &[&str]) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut msg = format!("*{}\r\n", args.len());
    for a in args {
        msg.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(msg.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn redis_uris_authenticate_against_a_real_server() {
    let Some(redis) = binary("redis-server") else {
        return;
    };
    let dir = Dir::new();
    let password = random_base62(3101, 24);
    let acl_password = random_base62(3102, 24);
    let port = free_port();
    let mut child = Command::new(redis)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--requirepass", &password])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    wait_for_port(port, &mut child, "redis-server");
    let _running = Running { child, _dir: dir };
    // An ACL user besides the default one.
    let reply = {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{password}\r\n", password.len());
        let setuser = format!(
            "*6\r\n$3\r\nACL\r\n$7\r\nSETUSER\r\n$8\r\nci-cache\r\n$2\r\non\r\n${}\r\n>{acl_password}\r\n$5\r\n+ping\r\n",
            acl_password.len() + 1
        );
        s.write_all(auth.as_bytes()).unwrap();
        s.write_all(setuser.as_bytes()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    assert!(reply.starts_with("+OK\r\n+OK"), "{reply}");
    assert!(redis_command(port, &["PING"]).starts_with("-NOAUTH"));
    let wrong = random_base62(3103, 24);
    let mut findings = scan(&[
        (
            "a.env",
            format!("REDIS_URL=redis://:{password}@127.0.0.1:{port}/0\n"),
        ),
        (
            "b.env",
            format!("CACHE_URL=redis://ci-cache:{acl_password}@127.0.0.1:{port}\n"),
        ),
        (
            "c.env",
            format!("OLD_REDIS=redis://default:{wrong}@127.0.0.1:{port}\n"),
        ),
    ]);
    assert_eq!(findings.len(), 3);
    validator(&[], |o| o.databases = true).validate(&mut findings);
    let get = |s: &str| {
        findings
            .iter()
            .find(|f| f.secret.expose() == s)
            .unwrap()
            .validation
            .clone()
            .unwrap()
    };
    let a = get(&password);
    assert_eq!(a.status, ValidationStatus::Valid, "{:?}", a.reason);
    assert_eq!(a.identity["user"], json!("default"));
    let b = get(&acl_password);
    assert_eq!(b.status, ValidationStatus::Valid, "{:?}", b.reason);
    assert_eq!(b.identity["user"], json!("ci-cache"));
    let c = get(&wrong);
    assert_eq!(c.status, ValidationStatus::Invalid, "{:?}", c.reason);
}
