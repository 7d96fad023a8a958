//! `nhi-scan install-hook`: a plain git pre-commit hook for users without the pre-commit
//! framework. A hook that is already there and is not ours is never lost: without `--force` the
//! command refuses; with it, the old hook becomes `pre-commit.local` and runs first.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;

/// Marks a hook as written by us, so re-installing updates it in place.
const MARKER: &str = "installed by `nhi-scan install-hook`";

#[derive(Args)]
pub(crate) struct InstallHookArgs {
    /// Repository (default: the one containing the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Replace a pre-commit hook that nhi-scan did not write; it is kept as `pre-commit.local`
    /// and still runs, before nhi-scan.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: InstallHookArgs) -> Result<u8> {
    let hooks = hooks_dir(&args.repo)?;
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let hook = hooks.join("pre-commit");
    let local = hooks.join("pre-commit.local");
    let existing = std::fs::read(&hook).ok();
    let ours = existing
        .as_deref()
        .is_some_and(|b| String::from_utf8_lossy(b).contains(MARKER));
    if existing.is_some() && !ours {
        if !args.force {
            bail!(
                "{} already exists and was not written by nhi-scan; rerun with --force to keep it as pre-commit.local and run it before nhi-scan",
                hook.display()
            );
        }
        if local.exists() {
            bail!(
                "{} already exists too; move one of them away first",
                local.display()
            );
        }
        std::fs::rename(&hook, &local)
            .with_context(|| format!("cannot rename {} to {}", hook.display(), local.display()))?;
        eprintln!("nhi-scan: kept the existing hook as {}", local.display());
    }
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nhi-scan".into());
    let script = format!(
        r#"#!/bin/sh
# nhi-scan pre-commit hook, {MARKER}.
# Blocks commits that add credentials. A hook that was here before is kept as pre-commit.local
# and runs first. Bypass once (not recommended): git commit --no-verify
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/pre-commit.local" ]; then
  "$hooks_dir/pre-commit.local" "$@" || exit $?
fi
nhi_scan={exe}
[ -x "$nhi_scan" ] || nhi_scan=nhi-scan
exec "$nhi_scan" pre-commit
"#,
        exe = shell_quote(&exe)
    );
    std::fs::write(&hook, script).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    eprintln!("nhi-scan: installed {}", hook.display());
    Ok(0)
}

/// The hooks directory git uses (honours `core.hooksPath` and linked worktrees); the git
/// command knows all of that, so ask it, and fall back to `.git/hooks`.
fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output();
    if let Ok(o) = out
        && o.status.success()
    {
        let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
        if !p.is_empty() {
            return Ok(PathBuf::from(p));
        }
    }
    let root = nhi_scan_core::config::repository_root(repo);
    let git = root.join(".git");
    if !git.is_dir() {
        bail!("{}: not inside a git repository", repo.display());
    }
    Ok(git.join("hooks"))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(unix)]
fn make_executable(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(p)?.permissions();
    perm.set_mode(perm.mode() | 0o755);
    std::fs::set_permissions(p, perm).with_context(|| format!("cannot chmod {}", p.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
