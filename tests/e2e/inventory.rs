//! `--format inventory|html` and `nhi-scan inventory merge` on real repositories built at test
//! time: the JSON checked against the committed JSON Schema with the `jsonschema` crate,
//! owners (mailmap, CODEOWNERS), HEAD presence, forge links, merges equal to one run, and
//! escaping of attacker-controlled text in the HTML. Every token is a generated fake.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{Dir, Run, fake_aws_key_id, fake_github, random_base62};

/// The instant every test counts ages to.
pub const NOW: &str = "2024-01-01T00:00:00Z";
/// Planted in a path, a commit subject and an author name.
pub const EVIL: &str = "<script>window.__pwned=1</script>";

/// A scratch repository committed to through the git CLI with chosen authors and dates.
pub struct Repo {
    pub dir: Dir,
}

impl Repo {
    pub fn init() -> Repo {
        let r = Repo { dir: Dir::new() };
        r.git(
            "Alice",
            "alice@old.example",
            "2020-01-01",
            &["init", "-q", "-b", "main"],
        );
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, name: &str, email: &str, date: &str, args: &[&str]) -> String {
        let date = format!("{date}T12:00:00Z");
        let out = Command::new("git")
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, rel: &str, contents: &str) {
        self.dir.write(rel, contents);
    }

    /// Commits everything with an author line git itself would refuse to write (`git commit`
    /// strips `<` and `>` from names), as a hostile repository can: the object is written
    /// as is and the branch moved to it.
    pub fn crafted_commit(&self, author: &str, message: &str) {
        let g = |args: &[&str]| self.git("X", "x@example.com", "2023-01-01", args);
        g(&["add", "-A"]);
        let tree = g(&["write-tree"]);
        let parent = g(&["rev-parse", "HEAD"]);
        let object = format!(
            "tree {tree}\nparent {parent}\nauthor {author}\ncommitter {author}\n\n{message}\n"
        );
        self.write(".git/crafted-commit", &object);
        let id = g(&[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            ".git/crafted-commit",
        ]);
        g(&["update-ref", "refs/heads/main", &id]);
    }

    /// Commits everything as `name <email>` on `date` (YYYY-MM-DD); returns the commit id.
    pub fn commit(&self, name: &str, email: &str, date: &str, message: &str) -> String {
        self.git(name, email, date, &["add", "-A"]);
        self.git(name, email, date, &["commit", "-q", "-m", message]);
        self.git(name, email, date, &["rev-parse", "HEAD"])
    }
}

/// Fakes planted in the sample repository.
pub struct Planted {
    pub github: String,
    pub aws: String,
    pub stripe: String,
}

/// A repository with a history worth an inventory: a GitHub token removed later (history
/// only), an AWS key id still at HEAD, a Stripe key in a test fixture, a password added by an
/// author whose name, commit subject and path carry `<script>`; `.mailmap`, CODEOWNERS and a
/// github.com remote with a token in its URL.
pub fn sample_repo(seed: u64) -> (Repo, Planted) {
    let r = Repo::init();
    let planted = Planted {
        github: fake_github("ghp_", seed),
        aws: fake_aws_key_id(seed),
        stripe: format!("sk_live_{}", random_base62(seed + 7, 24)),
    };
    r.git(
        "Alice",
        "alice@old.example",
        "2020-01-01",
        &[
            "remote",
            "add",
            "origin",
            "https://deploy:hunter2@github.com/acme/app.git",
        ],
    );
    r.write(
        "config/prod.env",
        &format!(
            "AWS_ACCESS_KEY_ID={}\nGITHUB_TOKEN={}\n",
            planted.aws, planted.github
        ),
    );
    r.write(
        ".github/CODEOWNERS",
        "*        @acme/everyone\n/config/ @acme/platform\n",
    );
    r.write(
        ".mailmap",
        "Alice Proper <alice@example.com> <alice@old.example>\n",
    );
    r.commit(
        "Alice",
        "alice@old.example",
        "2021-01-01",
        "Add production config",
    );
    r.write(
        "tests/fixtures/payments.env",
        &format!("STRIPE_KEY={}\n", planted.stripe),
    );
    r.commit("Bob", "bob@example.com", "2022-06-01", "Payment fixtures");
    r.write(
        &format!("x{EVIL}.env"),
        "db_password = \"Pa55-w0rd-2023-prod\"\n",
    );
    r.crafted_commit(
        &format!("Mallory {EVIL} <mallory@example.com> 1672574400 +0000"),
        &format!("fix {EVIL}"),
    );
    r.write(
        "config/prod.env",
        &format!("AWS_ACCESS_KEY_ID={}\n", planted.aws),
    );
    r.commit(
        "Alice",
        "alice@old.example",
        "2023-06-01",
        "Remove the token",
    );
    (r, planted)
}

fn inventory(run: &Run) -> Value {
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.json()
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!(
        "../../nhi-scan-core/schema/inventory.schema.json"
    ))
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

fn credential<'a>(doc: &'a Value, rule_prefix: &str) -> &'a Value {
    doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .find(|c| c["rule_id"].as_str().unwrap().starts_with(rule_prefix))
        .unwrap_or_else(|| panic!("no {rule_prefix} credential in {doc:#}"))
}

fn repo_arg(r: &Repo) -> String {
    r.path().display().to_string()
}

#[test]
fn git_inventory_matches_its_schema_and_knows_owners_age_and_head() {
    let (repo, planted) = sample_repo(11);
    let run = repo
        .dir
        .run(&["git", ".", "--format", "inventory", "--now", NOW]);
    let doc = inventory(&run);
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["generated_at"], NOW);
    assert_eq!(doc["summary"]["credentials"], 4);
    let source = &doc["sources"][0];
    assert_eq!(source["kind"], "git");
    assert_eq!(source["remote"], "https://github.com/acme/app.git");
    assert_eq!(source["forge"], "github");
    assert_eq!(source["codeowners"], ".github/CODEOWNERS");
    assert_eq!(source["mailmap"], true);

    let aws = credential(&doc, "aws.");
    assert_eq!(aws["kind"], "cloud-key");
    assert_eq!(aws["provider"], "aws");
    assert_eq!(aws["present_at_head"], true);
    assert_eq!(aws["first_seen"]["date"], "2021-01-01T12:00:00Z");
    assert_eq!(aws["last_seen"]["date"], "2023-06-01T12:00:00Z");
    assert_eq!(aws["age_days"], 1094);
    assert_eq!(aws["owner"]["author"], "Alice Proper <alice@example.com>");
    assert_eq!(
        aws["owner"]["codeowners"],
        serde_json::json!(["@acme/platform"])
    );
    assert_eq!(aws["commit_count"], 2);
    assert_eq!(aws["path_count"], 1);
    let first_commit = aws["first_seen"]["commit"].as_str().unwrap();
    assert_eq!(
        aws["locations"][0]["url"],
        format!("https://github.com/acme/app/commit/{first_commit}")
    );
    assert_ne!(aws["secret"], planted.aws.as_str(), "redacted by default");

    let github = credential(&doc, "github.");
    assert_eq!(github["present_at_head"], false);
    assert_eq!(github["kind"], "vcs-token");
    let reasons: Vec<&str> = github["risk"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["factor"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["liveness", "age", "exposure", "privilege"]);
    assert!(
        github["risk"]["reasons"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("only in history")
    );

    let stripe = credential(&doc, "stripe.");
    assert!(
        stripe["risk"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["factor"] == "test_fixture" && r["points"] == -15),
        "{stripe:#}"
    );
    assert_eq!(stripe["owner"]["author"], "Bob <bob@example.com>");

    let password = credential(&doc, "generic.");
    assert_eq!(
        password["owner"]["author"],
        format!("Mallory {EVIL} <mallory@example.com>")
    );
    assert_eq!(password["first_seen"]["path"], format!("x{EVIL}.env"));

    assert_eq!(doc["summary"]["at_head"], 3);
    assert_eq!(doc["summary"]["history_only"], 1);
    assert_eq!(doc["summary"]["by_validation"]["not_checked"], 4);
    // Riskiest first.
    let scores: Vec<u64> = doc["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["risk"]["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // No secret and no remote credential anywhere in the document.
    let text = run.stdout;
    for needle in [
        &planted.github,
        &planted.aws,
        &planted.stripe,
        &"hunter2".to_string(),
    ] {
        assert!(!text.contains(needle.as_str()), "{needle} leaked");
    }
}

#[test]
fn no_redact_shows_secrets_in_the_inventory() {
    let (repo, planted) = sample_repo(12);
    let run = repo
        .dir
        .run(&["git", ".", "-f", "inventory", "--no-redact", "--now", NOW]);
    let doc = inventory(&run);
    assert_eq!(
        credential(&doc, "github.")["secret"],
        planted.github.as_str()
    );
    assert_eq!(credential(&doc, "github.")["redacted"], false);
    assert!(schema_errors(&doc).is_empty());
}

#[test]
fn file_inventory_matches_its_schema_with_mtimes_and_codeowners() {
    let (repo, planted) = sample_repo(13);
    let run = repo.dir.run(&["scan", ".", "--format", "inventory"]);
    let doc = inventory(&run);
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let aws = credential(&doc, "aws.");
    assert_eq!(aws["present_at_head"], true);
    assert_eq!(
        aws["sources"][0].as_str().unwrap().split(':').next(),
        Some("files")
    );
    // Files are dated by their modification time: written moments ago.
    assert_eq!(aws["age_days"], 0);
    assert!(aws["first_seen"]["commit"].is_null());
    assert_eq!(
        aws["owner"]["codeowners"],
        serde_json::json!(["@acme/platform"])
    );
    assert!(!run.stdout.contains(&planted.aws));
}

/// Writes `args` output to `out` (relative to `dir`) and reads it back.
fn run_to(dir: &Dir, args: &[&str], out: &str) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", out]);
    let run = dir.run(&all);
    assert!(run.code == 1 || run.code == 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(dir.join(out)).expect("output")).expect("JSON")
}

#[test]
fn merged_inventories_equal_one_run_over_all_repositories() {
    let (a, planted) = sample_repo(21);
    // A second repository with the same GitHub token and one of its own.
    let b = Repo::init();
    b.write(
        "ci/deploy.sh",
        &format!(
            "export GITHUB_TOKEN={}\nexport AWS_ACCESS_KEY_ID={}\n",
            planted.github,
            fake_aws_key_id(99)
        ),
    );
    b.commit("Carol", "carol@example.com", "2022-03-01", "CI");
    let work = Dir::new();
    let (pa, pb) = (repo_arg(&a), repo_arg(&b));
    let one = run_to(
        &work,
        &["git", &pa, &pb, "-f", "inventory", "--now", NOW],
        "one.json",
    );
    run_to(
        &work,
        &["git", &pa, "-f", "inventory", "--now", NOW],
        "a.json",
    );
    run_to(
        &work,
        &["git", &pb, "-f", "inventory", "--now", NOW],
        "b.json",
    );
    let merged = run_to(
        &work,
        &["inventory", "merge", "b.json", "a.json", "--now", NOW],
        "merged.json",
    );
    assert_eq!(merged, one);
    assert!(schema_errors(&merged).is_empty());
    let github = credential(&one, "github.");
    assert_eq!(github["sources"].as_array().unwrap().len(), 2);
    // Carol's copy at HEAD of the second repository keeps it present.
    assert_eq!(github["present_at_head"], true);
    assert_eq!(one["summary"]["sources"], 2);

    // The same for directories.
    let one = run_to(
        &work,
        &["scan", &pa, &pb, "-f", "inventory", "--now", NOW],
        "files-one.json",
    );
    run_to(
        &work,
        &["scan", &pa, "-f", "inventory", "--now", NOW],
        "fa.json",
    );
    run_to(
        &work,
        &["scan", &pb, "-f", "inventory", "--now", NOW],
        "fb.json",
    );
    let merged = run_to(
        &work,
        &["inventory", "merge", "fa.json", "fb.json", "--now", NOW],
        "files-merged.json",
    );
    assert_eq!(merged, one);

    // A merge can be rendered as HTML too.
    let html = work.run(&[
        "inventory",
        "merge",
        "a.json",
        "b.json",
        "-f",
        "html",
        "-o",
        "merged.html",
    ]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    let page = std::fs::read_to_string(work.join("merged.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
}

#[test]
fn merge_rejects_what_is_not_an_inventory() {
    let work = Dir::new();
    work.write("report.json", "{\"findings\": []}");
    let run = work.run(&["inventory", "merge", "report.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("report.json"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not an nhi-scan inventory"),
        "{}",
        run.stderr
    );
    let run = work.run(&["inventory", "merge", "missing.json"]);
    assert_eq!(run.code, 2);
}

/// The HTML report of the sample repository (path of the file).
pub fn sample_html(repo: &Repo, out: &Path) -> PathBuf {
    let run = repo.dir.run(&[
        "git",
        ".",
        "--format",
        "html",
        "--now",
        NOW,
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    out.to_owned()
}

#[test]
fn html_report_escapes_scanned_content_and_is_self_contained() {
    let (repo, planted) = sample_repo(31);
    let out = Dir::new();
    let path = sample_html(&repo, &out.join("report.html"));
    let html = std::fs::read_to_string(path).unwrap();
    assert!(
        !html.contains(EVIL),
        "raw <script> from a path, subject or author"
    );
    let escaped = "&lt;script&gt;window.__pwned=1&lt;/script&gt;";
    assert!(html.contains(&format!("x{escaped}.env")), "path");
    assert!(html.contains(&format!("fix {escaped}")), "subject");
    assert!(html.contains(&format!("Mallory {escaped}")), "author");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the page's own two scripts"
    );
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for needle in [
        "src=\"http",
        "href=\"http://",
        "@import",
        "url(http",
        "<link",
    ] {
        assert!(!html.contains(needle), "{needle}");
    }
    // Links only to the forge's commit pages.
    for link in html.split("href=\"").skip(1) {
        let url = &link[..link.find('"').unwrap()];
        assert!(
            url.starts_with("https://github.com/acme/app/commit/"),
            "{url}"
        );
    }
    for secret in [&planted.github, &planted.aws, &planted.stripe] {
        assert!(!html.contains(secret.as_str()));
    }
    // Server-rendered: one row group per credential, readable without JavaScript.
    assert_eq!(html.matches("<tbody class=\"cred\"").count(), 4);
}

#[test]
fn image_inventory_knows_deleted_layers_and_layer_dates() {
    use crate::image::{layered_spec, secrets};
    use crate::image_build::docker_save;
    let s = secrets(71);
    let dir = Dir::new();
    dir.write(
        "app.tar",
        docker_save(&[("app:7", &layered_spec(&s))], true),
    );
    let run = dir.run(&[
        "image",
        "app.tar",
        "-f",
        "inventory",
        "--now",
        "2024-03-01T00:00:00Z",
    ]);
    let doc = inventory(&run);
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["sources"][0]["kind"], "image");
    let at = |path: &str| {
        doc["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["locations"][0]["path"] == path)
            .unwrap_or_else(|| panic!("no credential at {path}: {doc:#}"))
    };
    // Deleted by a later layer's whiteout: not in the final filesystem, still shipped.
    let deleted = at("app/.env");
    assert_eq!(deleted["present_at_head"], false);
    assert_eq!(deleted["locations"][0]["layer"], 0);
    assert_eq!(deleted["first_seen"]["date"], "2024-01-01T00:00:00Z");
    assert_eq!(deleted["age_days"], 60);
    let exposure = deleted["risk"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["factor"] == "exposure")
        .unwrap();
    assert_eq!(exposure["points"], 15);
    assert!(exposure["reason"].as_str().unwrap().contains("image layer"));
    // In the image config: present.
    let env = at("GITHUB_TOKEN");
    assert_eq!(env["present_at_head"], true);
    assert_eq!(env["locations"][0]["image_item"], "env");

    let html = dir.run(&["image", "app.tar", "-f", "html", "-o", "app.html"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    let page = std::fs::read_to_string(dir.join("app.html")).unwrap();
    assert!(page.contains("app/.env"));
    assert!(!page.contains(&s.env_file));
}

#[test]
fn validate_writes_the_inventory_of_a_report() {
    // Only a rule without a validator: the check is decided locally, no request leaves.
    let dir = Dir::new();
    dir.write("app.env", "db_password = \"Zx81kq0pLm-7q\"\n"); // nhi-scan:allow (a fake)
    let report = dir.run(&["scan", ".", "-f", "json", "--no-redact", "-o", "r.json"]);
    assert_eq!(report.code, 1, "{}", report.stderr);
    let run = dir.run(&[
        "validate",
        "r.json",
        "-f",
        "inventory",
        "--now",
        NOW,
        "-o",
        "inv.json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("inv.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let c = credential(&doc, "generic.");
    assert_eq!(c["validation"]["status"], "unknown");
    assert_eq!(doc["summary"]["by_validation"]["unknown"], 1);
    assert!(!text.contains("Zx81kq0pLm-7q"), "redacted by default");
    let html = dir.run(&["validate", "r.json", "-f", "html", "-o", "inv.html"]);
    assert_eq!(html.code, 1, "{}", html.stderr);
    // A masked report cannot be read back.
    dir.run(&["scan", ".", "-f", "json", "-o", "masked.json"]);
    let masked = dir.run(&["validate", "masked.json", "-f", "inventory"]);
    assert_eq!(masked.code, 2, "{}", masked.stderr);
}
