//! Inventory unit tests on findings built directly: git history, files, images, archives and
//! validation results, so each derived field is pinned without running a scan.

use std::sync::Arc;

use super::*;
use crate::finding::{Finding, GitOrigin, ImageOrigin, Location, Origin};
use crate::validate::{Validation, ValidationStatus};

const DAY: i64 = 86_400;
/// 2024-01-01T00:00:00Z.
const NOW: i64 = 1_704_067_200;

fn git_origin(
    repo: &str,
    commit: char,
    path: &str,
    blob: char,
    author: &str,
    days_ago: i64,
) -> Arc<Origin> {
    Arc::new(Origin::Git(Box::new(GitOrigin {
        repository: repo.into(),
        commit: commit.to_string().repeat(40),
        path: path.into(),
        blob: blob.to_string().repeat(40),
        author_name: author.into(),
        author_email: format!("{}@old.example", author.to_lowercase()),
        author_time: NOW - days_ago * DAY,
        committer_time: NOW - days_ago * DAY,
        subject: format!("add {path}"),
        reference: None,
        order: 0,
    })))
}

fn image_origin(path: &str, layer: u32, visible: bool, created: &str) -> Arc<Origin> {
    Arc::new(Origin::Image(Box::new(ImageOrigin {
        image: "app.tar".into(),
        tag: None,
        image_digest: None,
        platform: None,
        item: ImageItem::LayerFile,
        layer_index: Some(layer),
        layer_digest: Some(format!("sha256:{}", "d".repeat(64))),
        created_by: Some("COPY . /app".into()),
        created: Some(created.into()),
        path: path.into(),
        visible,
    })))
}

fn finding(rule: &str, kind: Kind, secret: &str, origins: &[Arc<Origin>]) -> Finding {
    let mut f = Finding::for_test(
        rule,
        secret,
        origins
            .iter()
            .map(|o| Location::new(Arc::clone(o), 3, 7))
            .collect(),
    );
    f.kind = kind;
    f.description = format!("what {rule} grants");
    f
}

fn repo_facts(head_blobs: &[(char, &str)]) -> RepositoryFacts {
    let mut r = RepositoryFacts::new("repo", "/abs/repo");
    r.head = Some("f".repeat(40));
    r.remote = Some("https://ci:hunter2@github.com/acme/app.git".into());
    for (b, p) in head_blobs {
        r.head_blobs
            .entry(b.to_string().repeat(40))
            .or_default()
            .push(p.to_string());
    }
    r.mailmap = Some("Alice Proper <alice@example.com> <alice@old.example>\n".into());
    r.codeowners = Some((
        ".github/CODEOWNERS".into(),
        "* @acme/everyone\n/config/ @acme/platform\n".into(),
    ));
    r
}

fn opts() -> InventoryOptions {
    InventoryOptions::new(NOW)
}

#[test]
fn git_credential_gets_first_and_last_seen_owner_age_and_head() {
    let f = finding(
        "github.pat.classic",
        Kind::VcsToken,
        "ghp_fake_secret_value_for_tests_only_0001",
        &[
            git_origin("repo", 'a', "config/app.env", '1', "Alice", 400),
            git_origin("repo", 'b', "deploy/app.env", '2', "Bob", 10),
        ],
    );
    let inv = Inventory::build(
        &[f],
        &[SourceFacts::repository(repo_facts(&[(
            '2',
            "deploy/app.env",
        )]))],
        &opts(),
    );
    assert_eq!(inv.credentials.len(), 1);
    let c = &inv.credentials[0];
    assert_eq!(c.provider, "github");
    assert_eq!(c.kind, Kind::VcsToken);
    assert_eq!(c.secret, "ghp_fa********");
    assert!(c.redacted);
    assert_eq!(
        c.first_seen.commit.as_deref(),
        Some("a".repeat(40).as_str())
    );
    assert_eq!(c.first_seen.path, "config/app.env");
    assert_eq!(c.first_seen.date.as_deref(), Some("2022-11-27T00:00:00Z"));
    assert_eq!(c.last_seen.commit.as_deref(), Some("b".repeat(40).as_str()));
    assert_eq!(c.age_days, Some(400));
    // The introducing author, mapped through .mailmap.
    assert_eq!(
        c.owner.author.as_deref(),
        Some("Alice Proper <alice@example.com>")
    );
    // Code owners of where it is now (deploy/), not of where it was.
    assert_eq!(c.owner.codeowners, ["@acme/everyone"]);
    assert_eq!(c.owner.display.as_deref(), Some("@acme/everyone"));
    assert!(c.present_at_head);
    assert_eq!((c.commit_count, c.path_count, c.location_count), (2, 2, 2));
    assert_eq!(c.sources, ["git:/abs/repo"]);
    let at_head: Vec<bool> = c.locations.iter().map(|p| p.at_head).collect();
    assert_eq!(at_head, [false, true]);
    assert_eq!(
        c.locations[0].url.as_deref(),
        Some(format!("https://github.com/acme/app/commit/{}", "a".repeat(40)).as_str())
    );
    // The remote keeps no credentials.
    assert_eq!(
        inv.sources[0].remote.as_deref(),
        Some("https://github.com/acme/app.git")
    );
    assert_eq!(inv.sources[0].forge.as_deref(), Some("github"));
    assert_eq!(inv.summary.at_head, 1);
    assert_eq!(inv.summary.by_validation["not_checked"], 1);
}

#[test]
fn history_only_credential_is_not_at_head_and_owned_by_where_it_was() {
    let f = finding(
        "aws.access-key-id",
        Kind::CloudKey,
        "AKIAFAKEFAKEFAKEFAKE",
        &[git_origin("repo", 'a', "config/prod.env", '1', "Alice", 40)],
    );
    let inv = Inventory::build(&[f], &[SourceFacts::repository(repo_facts(&[]))], &opts());
    let c = &inv.credentials[0];
    assert!(!c.present_at_head);
    assert_eq!(c.owner.codeowners, ["@acme/platform"]);
    assert_eq!(inv.summary.history_only, 1);
    let exposure: Vec<_> = c
        .risk
        .reasons
        .iter()
        .filter(|r| r.factor == "exposure")
        .collect();
    assert_eq!(exposure[0].points, 5);
}

#[test]
fn a_blob_moved_at_head_is_located_there() {
    // The walk reported the blob at its first path; HEAD has it (unchanged) elsewhere.
    let f = finding(
        "github.pat.classic",
        Kind::VcsToken,
        "ghp_fake_secret_value_for_tests_only_0002",
        &[git_origin("repo", 'a', "old/app.env", '1', "Alice", 5)],
    );
    let inv = Inventory::build(
        &[f],
        &[SourceFacts::repository(repo_facts(&[(
            '1',
            "config/app.env",
        )]))],
        &opts(),
    );
    let c = &inv.credentials[0];
    assert!(c.present_at_head);
    let paths: Vec<(&str, bool)> = c
        .locations
        .iter()
        .map(|p| (p.path.as_str(), p.at_head))
        .collect();
    assert_eq!(paths, [("old/app.env", false), ("config/app.env", true)]);
    assert_eq!(c.owner.codeowners, ["@acme/platform"]);
}

#[test]
fn image_locations_use_layer_dates_and_visibility() {
    let f = finding(
        "stripe.secret-key",
        Kind::PaymentKey,
        "sk_live_fakefakefakefakefake",
        &[
            image_origin("app/.env", 1, false, "2023-06-01T10:00:00.5+02:00"),
            image_origin("app/settings.py", 3, false, "2023-07-01T00:00:00Z"),
        ],
    );
    let inv = Inventory::build(&[f], &[], &opts());
    let c = &inv.credentials[0];
    assert_eq!(inv.sources[0].id, "image:app.tar");
    assert_eq!(c.first_seen.date.as_deref(), Some("2023-06-01T08:00:00Z"));
    assert_eq!(c.last_seen.date.as_deref(), Some("2023-07-01T00:00:00Z"));
    assert!(!c.present_at_head);
    assert_eq!(c.locations[0].layer, Some(1));
    assert_eq!(c.locations[0].created_by.as_deref(), Some("COPY . /app"));
    // Deleted from the final filesystem, but still in a shipped layer.
    let exposure = c
        .risk
        .reasons
        .iter()
        .find(|r| r.factor == "exposure")
        .unwrap();
    assert_eq!(exposure.points, 15);
    assert!(exposure.reason.contains("image layer"));

    let visible = finding(
        "stripe.secret-key",
        Kind::PaymentKey,
        "sk_live_fakefakefakefakefake",
        &[image_origin("app/.env", 1, true, "2023-06-01T10:00:00Z")],
    );
    let inv = Inventory::build(&[visible], &[], &opts());
    assert!(inv.credentials[0].present_at_head);
}

#[test]
fn archive_members_take_their_outer_origin() {
    let outer = git_origin("repo", 'a', "dist/app.jar", '1', "Alice", 100);
    let member = Arc::new(Origin::Archive {
        outer,
        member: "BOOT-INF/application.yml".into(),
    });
    let f = finding(
        "generic.password",
        Kind::Generic,
        "hunter2hunter2",
        &[member],
    );
    let inv = Inventory::build(
        &[f],
        &[SourceFacts::repository(repo_facts(&[(
            '1',
            "dist/app.jar",
        )]))],
        &opts(),
    );
    let c = &inv.credentials[0];
    assert_eq!(c.first_seen.path, "dist/app.jar!/BOOT-INF/application.yml");
    assert_eq!(c.age_days, Some(100));
    assert!(c.present_at_head);
}

#[test]
fn validation_sets_liveness_owner_identity_grants_and_privilege() {
    let mut f = finding(
        "github.pat.classic",
        Kind::VcsToken,
        "ghp_fake_secret_value_for_tests_only_0003",
        &[git_origin("repo", 'a', "ci/token", '1', "Alice", 800)],
    );
    let mut v = Validation::new(ValidationStatus::Valid, None, "2023-12-31T00:00:00Z".into());
    v.identity.insert("user".into(), "release-bot".into());
    v.identity.insert("type".into(), "bot".into());
    v.identity.insert("organization".into(), "acme".into());
    v.identity
        .insert("scopes".into(), serde_json::json!(["repo", "read:org"]));
    f.validation = Some(v);
    let inv = Inventory::build(
        &[f],
        &[SourceFacts::repository(repo_facts(&[('1', "ci/token")]))],
        &opts(),
    );
    let c = &inv.credentials[0];
    assert_eq!(
        c.owner.identity.as_deref(),
        Some("release-bot (bot), organization acme")
    );
    assert_eq!(c.grants.scopes, ["repo", "read:org"]);
    assert_eq!(c.grants.description, "what github.pat.classic grants");
    let factor = |name: &str| {
        c.risk
            .reasons
            .iter()
            .find(|r| r.factor == name)
            .map(|r| r.points)
    };
    assert_eq!(factor("liveness"), Some(35));
    assert_eq!(factor("privilege"), Some(20), "repo scope is write");
    assert_eq!(factor("age"), Some(25));
    assert_eq!(factor("exposure"), Some(15));
    assert_eq!(c.risk.score, 95);
    assert_eq!(c.risk.level, RiskLevel::Critical);
    assert_eq!(inv.summary.by_validation["valid"], 1);
    assert_eq!(inv.summary.by_risk["critical"], 1);
}

#[test]
fn files_are_dated_by_mtime_and_owned_by_codeowners_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/CODEOWNERS"), "*.env @ops\n").unwrap();
    let file = dir.path().join("prod.env");
    std::fs::write(&file, "x").unwrap();
    let origin = Arc::new(Origin::File {
        path: file.clone(),
        relative: Some("prod.env".into()),
    });
    let f = finding(
        "generic.password",
        Kind::Generic,
        "hunter2hunter2",
        &[origin],
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let inv = Inventory::build(
        &[f],
        &[SourceFacts::files(dir.path())],
        &InventoryOptions::new(now + 3 * DAY),
    );
    let c = &inv.credentials[0];
    assert_eq!(c.age_days, Some(3));
    assert!(c.present_at_head);
    assert_eq!(c.owner.codeowners, ["@ops"]);
    assert_eq!(
        inv.sources[0].codeowners.as_deref(),
        Some("docs/CODEOWNERS")
    );
    assert!(inv.sources[0].id.starts_with("files:"));
}

#[test]
fn summary_counts_and_histogram() {
    let findings: Vec<Finding> = [
        (1, 'a'),
        (45, 'b'),
        (200, 'c'),
        (500, 'd'),
        (1000, 'e'),
        (3000, 'f'),
    ]
    .iter()
    .enumerate()
    .map(|(i, (days, c))| {
        finding(
            if i % 2 == 0 {
                "aws.access-key-id"
            } else {
                "openai.api-key"
            },
            if i % 2 == 0 {
                Kind::CloudKey
            } else {
                Kind::AiApiKey
            },
            &format!("secret-{i}-for-tests"),
            &[git_origin("repo", *c, "x.env", *c, "Alice", *days)],
        )
    })
    .chain(std::iter::once(finding(
        "generic.token",
        Kind::Generic,
        "no-date-token",
        &[Arc::new(Origin::Buffer {
            name: "<stdin>".into(),
        })],
    )))
    .collect();
    let inv = Inventory::build(&findings, &[], &opts());
    let s = &inv.summary;
    assert_eq!(s.credentials, 7);
    assert_eq!(s.by_kind["cloud-key"], 3);
    assert_eq!(s.by_provider["openai"], 3);
    assert_eq!(s.by_provider["generic"], 1);
    let counts: Vec<usize> = s.age_histogram.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(s.age_histogram.last().unwrap().label, "unknown");
    assert_eq!(s.by_risk.values().sum::<usize>(), 7);
    // Riskiest first.
    let scores: Vec<u8> = inv.credentials.iter().map(|c| c.risk.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn merge_equals_one_build_and_round_trips_through_json() {
    let shared = "ghp_fake_secret_value_for_tests_only_0004";
    let a = finding(
        "github.pat.classic",
        Kind::VcsToken,
        shared,
        &[git_origin("repo", 'a', "a.env", '1', "Alice", 30)],
    );
    let b = finding(
        "github.pat.classic",
        Kind::VcsToken,
        shared,
        &[image_origin("app/.env", 2, true, "2023-12-01T00:00:00Z")],
    );
    let other = finding(
        "openai.api-key",
        Kind::AiApiKey,
        "sk-fake-openai-for-tests",
        &[image_origin("app/ai.env", 2, false, "2023-12-01T00:00:00Z")],
    );
    let facts = [SourceFacts::repository(repo_facts(&[('1', "a.env")]))];
    let mut both = a.clone();
    both.locations.extend(b.locations.clone());
    let one = Inventory::build(&[both, other.clone()], &facts, &opts());
    let left = Inventory::build(&[a], &facts, &opts());
    let right = Inventory::build(&[b, other], &[], &opts());
    let reread = |inv: &Inventory| {
        let mut buf = Vec::new();
        inv.to_json(&mut buf).unwrap();
        Inventory::from_json(std::str::from_utf8(&buf).unwrap()).unwrap()
    };
    let merged = Inventory::merge([reread(&right), reread(&left)], &opts()).unwrap();
    assert_eq!(merged, one);
    assert_eq!(one.credentials[0].sources.len(), 2);
    assert_eq!(one.summary.sources, 2);
}

#[test]
fn merge_keeps_the_newest_validation_and_plaintext_only_when_asked() {
    let secret = "ghp_fake_secret_value_for_tests_only_0005"; // nhi-scan:allow (a fake)
    let mut old = finding(
        "github.pat.classic",
        Kind::VcsToken,
        secret,
        &[git_origin("repo", 'a', "a.env", '1', "Alice", 30)],
    );
    let mut new = old.clone();
    old.validation = Some(Validation::new(
        ValidationStatus::Valid,
        None,
        "2023-01-01T00:00:00Z".into(),
    ));
    new.validation = Some(Validation::new(
        ValidationStatus::Invalid,
        Some("revoked".into()),
        "2023-06-01T00:00:00Z".into(),
    ));
    let plain = opts().redact(false);
    let a = Inventory::build(&[old], &[], &plain);
    let b = Inventory::build(&[new], &[], &opts());
    let merged = Inventory::merge([a.clone(), b.clone()], &plain).unwrap();
    let c = &merged.credentials[0];
    assert_eq!(
        c.validation.as_ref().unwrap().status,
        ValidationStatus::Invalid
    );
    assert_eq!(c.secret, secret);
    assert!(!c.redacted);
    let masked = Inventory::merge([a, b], &opts()).unwrap();
    assert_eq!(masked.credentials[0].secret, "ghp_fa********");
    assert!(masked.credentials[0].redacted);
}

#[test]
fn merge_refuses_other_versions_and_conflicts() {
    assert!(matches!(
        Inventory::from_json(r#"{"inventory_version": 2}"#),
        Err(InventoryError::Version { found: 2 })
    ));
    assert!(matches!(
        Inventory::from_json("[]"),
        Err(InventoryError::Parse(_))
    ));
    let a = Inventory::build(
        &[finding(
            "x.one",
            Kind::Generic,
            "s",
            &[Arc::new(Origin::file("f"))],
        )],
        &[],
        &opts(),
    );
    let mut b = a.clone();
    b.credentials[0].rule_id = "x.two".into();
    assert!(matches!(
        Inventory::merge([a, b], &opts()),
        Err(InventoryError::Conflict { .. })
    ));
}

#[test]
fn rfc3339_parsing() {
    assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_time("2024-01-01T00:00:00Z"), Some(NOW));
    assert_eq!(parse_time("2024-01-01T02:00:00+02:00"), Some(NOW));
    assert_eq!(parse_time("2023-12-31T19:00:00.123-05:00"), Some(NOW));
    assert_eq!(parse_time("2024-01-01"), Some(NOW));
    assert_eq!(parse_time("2024-13-01T00:00:00Z"), None);
    assert_eq!(parse_time("yesterday"), None);
    assert_eq!(parse_time("99999999999999999-01-01T00:00:00Z"), None);
    assert_eq!(parse_time("2024-01-01T00:00:00+99999999999:00"), None);
    assert_eq!(parse_time(""), None);
}

#[test]
fn html_escapes_scanned_content_and_allows_only_its_own_script() {
    let evil = "<script>window.__pwned=1</script>";
    let origin = Arc::new(Origin::Git(Box::new(GitOrigin {
        repository: "repo".into(),
        commit: "a".repeat(40),
        path: format!("x{evil}.env"),
        blob: "1".repeat(40),
        author_name: format!("Mallory {evil}"),
        author_email: "m@example.com".into(),
        author_time: NOW - DAY,
        committer_time: NOW - DAY,
        subject: format!("fix {evil} \"quoted\" 'single' & more"),
        reference: None,
        order: 0,
    })));
    let f = finding("github.pat.classic", Kind::VcsToken, "ghp_x", &[origin]);
    let inv = Inventory::build(&[f], &[], &opts());
    let mut out = Vec::new();
    write_html(&inv, &HtmlOptions::default(), &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(!html.contains(evil), "raw markup from scanned content");
    assert!(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    assert!(html.contains("&quot;quoted&quot; &#39;single&#39; &amp; more"));
    assert_eq!(
        html.matches("<script>").count(),
        2,
        "only the page's own two scripts"
    );
    assert!(html.contains("script-src 'sha256-"));
    assert!(
        !html.contains("http://") && !html.contains("src=\"http"),
        "no network"
    );
}

#[test]
fn html_caps_locations_per_credential() {
    let origins: Vec<Arc<Origin>> = (0..30)
        .map(|i| Arc::new(Origin::file(format!("dir/file{i:02}.env"))))
        .collect();
    let f = finding(
        "generic.password",
        Kind::Generic,
        "hunter2hunter2",
        &origins,
    );
    let inv = Inventory::build(&[f], &[], &opts());
    let mut out = Vec::new();
    let html_opts = HtmlOptions {
        max_locations: 5,
        ..HtmlOptions::default()
    };
    write_html(&inv, &html_opts, &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(html.contains("file04.env"));
    assert!(!html.contains("file05.env"));
    assert!(html.contains("and 25 more locations"));
}

#[test]
fn html_of_a_hostile_merged_inventory_neither_panics_nor_injects() {
    let f = finding(
        "generic.token",
        Kind::Generic,
        "s3cr3t-token-value",
        &[Arc::new(Origin::file("a.env"))],
    );
    let mut inv = Inventory::build(&[f], &[], &opts());
    let c = &mut inv.credentials[0];
    c.fingerprint = "é\"><script>x</script>ééééééééééééééé".into();
    c.locations[0].commit = Some("ü<b>".repeat(8));
    c.locations[0].date = Some("2024-01-01T00:00:00Zé<i>".into());
    c.first_seen.commit = c.locations[0].commit.clone();
    c.first_seen.date = c.locations[0].date.clone();
    let mut out = Vec::new();
    write_html(&inv, &HtmlOptions::default(), &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(!html.contains("<script>x"));
    // The report's own markup uses <b>; the planted tags must only appear escaped.
    assert!(!html.contains("ü<b>") && !html.contains("é<i>"));
    assert!(html.contains("ü&lt;b&gt;"));
}
