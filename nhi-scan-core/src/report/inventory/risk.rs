//! The risk model: a pure function from a credential's facts to a score of 0-100, a level, and
//! the reasons that moved the score. README's "Risk model" table is this file in prose; a test
//! pins each factor.
//!
//! | factor | points |
//! |---|---|
//! | liveness | live +35, inconclusive check +15, not checked +15, rejected by the provider -10 |
//! | age since first introduction | ≥ 2 years +25, ≥ 1 year +20, ≥ 90 days +12, ≥ 30 days +6 |
//! | exposure | in the current tree / final image / on disk +15; in a shipped image layer (deleted later) +15; only in history +5 |
//! | privilege | admin/root identity +25; cloud keys, private keys, database credentials, package-publish tokens, VCS/CI tokens with write scopes +20; VCS/CI tokens of unknown scope, payment keys +12; read-only VCS/CI tokens, AI, SaaS, chat, webhook +8; generic +4 |
//! | spread | ≥ 10 paths or ≥ 3 sources +10; ≥ 3 paths or 2 sources +5 |
//! | test fixtures | every path a test/fixture/mock path -15 (not for a live credential) |
//!
//! The sum is clamped to 0-100; level: critical ≥ 75, high ≥ 50, medium ≥ 25, else low.

use serde::{Deserialize, Serialize};

use crate::rules::Kind;

/// How bad a credential's exposure is, in four bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Score below 25.
    Low,
    /// 25-49.
    Medium,
    /// 50-74.
    High,
    /// 75 and above.
    Critical,
}

impl RiskLevel {
    /// The level of a score.
    pub fn of(score: u8) -> RiskLevel {
        match score {
            75.. => RiskLevel::Critical,
            50.. => RiskLevel::High,
            25.. => RiskLevel::Medium,
            _ => RiskLevel::Low,
        }
    }

    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    /// All levels, worst first.
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Critical,
        RiskLevel::High,
        RiskLevel::Medium,
        RiskLevel::Low,
    ];
}

/// One factor that moved a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReason {
    /// Which factor (`liveness`, `age`, `exposure`, `privilege`, `spread`, `test_fixture`).
    pub factor: String,
    /// Points it added (negative: removed).
    pub points: i32,
    /// Why, in words.
    pub reason: String,
}

/// A credential's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// 0-100.
    pub score: u8,
    /// The band of the score.
    pub level: RiskLevel,
    /// Every factor that moved the score, in the order of the model's table.
    pub reasons: Vec<RiskReason>,
}

/// What the provider said about the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// The provider accepted it.
    Live,
    /// The provider rejected it.
    Rejected,
    /// A check ran but had no verdict.
    Inconclusive,
    /// Validation did not run.
    NotChecked,
}

/// Where the credential can still be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// In the current tree (HEAD), a file on disk, or the final image filesystem.
    Current,
    /// Only in image layers whose file a later layer deleted: still shipped with the image.
    ImageLayers,
    /// Only in git history (or unreachable objects).
    HistoryOnly,
}

/// What the credential can do, as far as its kind and validated identity tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// Root or admin identity (an AWS root ARN, admin scopes).
    Admin,
    /// Cloud keys, private keys, database credentials, package-publish tokens, VCS/CI tokens
    /// with write scopes.
    High,
    /// VCS/CI tokens whose scopes are unknown, payment keys.
    Elevated,
    /// Read-only VCS/CI tokens, AI, SaaS and chat tokens, webhooks.
    Standard,
    /// Generic passwords and secrets of unknown purpose.
    Low,
}

/// The facts the score is computed from (see the module table).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskFactors {
    /// Validation verdict.
    pub liveness: Liveness,
    /// Days since first introduction, when known.
    pub age_days: Option<u64>,
    /// Where it can still be read.
    pub exposure: Exposure,
    /// What it can do.
    pub privilege: Privilege,
    /// Distinct paths it was found at.
    pub paths: usize,
    /// Distinct sources (repositories, directories, images) it was found in.
    pub sources: usize,
    /// Every path it was found at looks like a test fixture.
    pub fixture_only: bool,
}

/// Scores a credential. Pure: the same facts always give the same risk.
pub fn score(f: &RiskFactors) -> Risk {
    let mut reasons = Vec::new();
    let mut add = |factor: &str, points: i32, reason: String| {
        if points != 0 {
            reasons.push(RiskReason {
                factor: factor.into(),
                points,
                reason,
            });
        }
    };
    match f.liveness {
        Liveness::Live => add("liveness", 35, "live: the provider accepted it".into()),
        Liveness::Inconclusive => add(
            "liveness",
            15,
            "liveness unknown: the provider check had no verdict".into(),
        ),
        Liveness::NotChecked => add(
            "liveness",
            15,
            "liveness unknown: not validated (--validate)".into(),
        ),
        Liveness::Rejected => add(
            "liveness",
            -10,
            "rejected by the provider (revoked or invalid)".into(),
        ),
    }
    if let Some(days) = f.age_days {
        let points = match days {
            730.. => 25,
            365.. => 20,
            90.. => 12,
            30.. => 6,
            _ => 0,
        };
        add("age", points, format!("first introduced {days} days ago"));
    }
    match f.exposure {
        Exposure::Current => add(
            "exposure",
            15,
            "still present in the current tree or final image".into(),
        ),
        Exposure::ImageLayers => add(
            "exposure",
            15,
            "in a container image layer: deleted later, but shipped with the image".into(),
        ),
        Exposure::HistoryOnly => add(
            "exposure",
            5,
            "only in history: removed, but readable by anyone with a clone".into(),
        ),
    }
    let (points, why) = match f.privilege {
        Privilege::Admin => (25, "admin or root identity"),
        Privilege::High => (20, "high-privilege kind"),
        Privilege::Elevated => (12, "may grant write access (scopes unknown)"),
        Privilege::Standard => (8, "scoped service credential"),
        Privilege::Low => (4, "generic secret of unknown purpose"),
    };
    add("privilege", points, why.into());
    let spread = if f.paths >= 10 || f.sources >= 3 {
        10
    } else if f.paths >= 3 || f.sources >= 2 {
        5
    } else {
        0
    };
    add(
        "spread",
        spread,
        format!(
            "copied into {} path{} in {} source{}",
            f.paths,
            if f.paths == 1 { "" } else { "s" },
            f.sources,
            if f.sources == 1 { "" } else { "s" }
        ),
    );
    if f.fixture_only && f.liveness != Liveness::Live {
        add("test_fixture", -15, "only in test or fixture paths".into());
    }
    let total: i32 = reasons.iter().map(|r| r.points).sum();
    let score = total.clamp(0, 100) as u8;
    Risk {
        score,
        level: RiskLevel::of(score),
        reasons,
    }
}

/// Scopes (validated identity) that let a VCS or CI token change things.
fn is_write_scope(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s == "repo"
        || s == "api"
        || s == "workflow"
        || s.contains("write")
        || s.contains("admin")
        || s.contains("delete")
        || s.contains("push")
        || s.contains("manage")
}

fn is_admin_scope(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s == "*" || s == "admin" || s.starts_with("admin:") || s.ends_with(":admin") || s == "owner"
}

/// What a credential of `kind` can do, refined by the validated identity: its `scopes` and,
/// for cloud keys, whether its ARN is an account root.
pub fn privilege(kind: Kind, scopes: Option<&[String]>, arn: Option<&str>) -> Privilege {
    if arn.is_some_and(|a| a.ends_with(":root"))
        || scopes.is_some_and(|s| s.iter().any(|s| is_admin_scope(s)))
    {
        return Privilege::Admin;
    }
    match kind {
        Kind::CloudKey | Kind::PrivateKey | Kind::DbCredential | Kind::PackageRegistryToken => {
            Privilege::High
        }
        Kind::VcsToken | Kind::CiToken => match scopes {
            Some(s) if s.iter().any(|s| is_write_scope(s)) => Privilege::High,
            Some(_) => Privilege::Standard,
            None => Privilege::Elevated,
        },
        Kind::PaymentKey => Privilege::Elevated,
        Kind::AiApiKey | Kind::SaasToken | Kind::ChatToken | Kind::Webhook => Privilege::Standard,
        Kind::Generic => Privilege::Low,
    }
}

/// Whether a path looks like a test fixture: a directory named for tests, fixtures or mocks,
/// or a file named like a test (`x_test.go`, `x.test.ts`, `x.spec.js`, `test_x.py`).
pub fn is_fixture_path(path: &str) -> bool {
    const DIRS: [&str; 15] = [
        "test",
        "tests",
        "testing",
        "spec",
        "specs",
        "__tests__",
        "__mocks__",
        "__fixtures__",
        "testdata",
        "test_data",
        "test-data",
        "fixtures",
        "fixture",
        "mocks",
        "mock",
    ];
    let mut parts = path.split(['/', '\\']).filter(|p| !p.is_empty()).peekable();
    while let Some(part) = parts.next() {
        let lower = part.to_ascii_lowercase();
        if parts.peek().is_some() {
            if DIRS.contains(&lower.as_str()) {
                return true;
            }
        } else {
            let stem = lower.split('.').next().unwrap_or("");
            return stem.ends_with("_test")
                || stem.starts_with("test_")
                || lower.contains(".test.")
                || lower.contains(".spec.")
                || lower.contains("_spec.");
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RiskFactors {
        RiskFactors {
            liveness: Liveness::NotChecked,
            age_days: Some(0),
            exposure: Exposure::HistoryOnly,
            privilege: Privilege::Low,
            paths: 1,
            sources: 1,
            fixture_only: false,
        }
    }

    fn points(r: &Risk, factor: &str) -> i32 {
        r.reasons
            .iter()
            .filter(|x| x.factor == factor)
            .map(|x| x.points)
            .sum()
    }

    #[test]
    fn live_beats_unknown_beats_rejected() {
        let live = score(&RiskFactors {
            liveness: Liveness::Live,
            ..base()
        });
        let unknown = score(&base());
        let inconclusive = score(&RiskFactors {
            liveness: Liveness::Inconclusive,
            ..base()
        });
        let rejected = score(&RiskFactors {
            liveness: Liveness::Rejected,
            ..base()
        });
        assert_eq!(points(&live, "liveness"), 35);
        assert_eq!(points(&unknown, "liveness"), 15);
        assert_eq!(points(&inconclusive, "liveness"), 15);
        assert_eq!(points(&rejected, "liveness"), -10);
        assert!(live.score > unknown.score && unknown.score > rejected.score);
    }

    #[test]
    fn older_is_worse() {
        let at = |d| {
            score(&RiskFactors {
                age_days: Some(d),
                ..base()
            })
        };
        assert_eq!(points(&at(0), "age"), 0);
        assert_eq!(points(&at(29), "age"), 0);
        assert_eq!(points(&at(30), "age"), 6);
        assert_eq!(points(&at(90), "age"), 12);
        assert_eq!(points(&at(365), "age"), 20);
        assert_eq!(points(&at(800), "age"), 25);
        // A zero-point factor is not a reason.
        assert!(at(3).reasons.iter().all(|r| r.factor != "age"));
        let unknown = score(&RiskFactors {
            age_days: None,
            ..base()
        });
        assert_eq!(points(&unknown, "age"), 0);
    }

    #[test]
    fn present_beats_history_only() {
        let now = score(&RiskFactors {
            exposure: Exposure::Current,
            ..base()
        });
        let layers = score(&RiskFactors {
            exposure: Exposure::ImageLayers,
            ..base()
        });
        let history = score(&base());
        assert_eq!(points(&now, "exposure"), 15);
        assert_eq!(points(&layers, "exposure"), 15);
        assert_eq!(points(&history, "exposure"), 5);
    }

    #[test]
    fn privilege_follows_kind_and_identity() {
        let write = ["repo".to_string()];
        let read = ["read:user".to_string()];
        let admin = ["admin:org".to_string()];
        assert_eq!(privilege(Kind::CloudKey, None, None), Privilege::High);
        assert_eq!(
            privilege(Kind::CloudKey, None, Some("arn:aws:iam::123456789012:root")),
            Privilege::Admin
        );
        assert_eq!(privilege(Kind::PrivateKey, None, None), Privilege::High);
        assert_eq!(privilege(Kind::DbCredential, None, None), Privilege::High);
        assert_eq!(privilege(Kind::VcsToken, None, None), Privilege::Elevated);
        assert_eq!(
            privilege(Kind::VcsToken, Some(&write), None),
            Privilege::High
        );
        assert_eq!(
            privilege(Kind::CiToken, Some(&read), None),
            Privilege::Standard
        );
        assert_eq!(
            privilege(Kind::VcsToken, Some(&admin), None),
            Privilege::Admin
        );
        assert_eq!(privilege(Kind::AiApiKey, None, None), Privilege::Standard);
        assert_eq!(privilege(Kind::Generic, None, None), Privilege::Low);
        let p = |privilege| {
            points(
                &score(&RiskFactors {
                    privilege,
                    ..base()
                }),
                "privilege",
            )
        };
        assert_eq!(
            [
                p(Privilege::Admin),
                p(Privilege::High),
                p(Privilege::Elevated),
                p(Privilege::Standard),
                p(Privilege::Low)
            ],
            [25, 20, 12, 8, 4]
        );
    }

    #[test]
    fn copies_are_worse() {
        let s = |paths, sources| {
            points(
                &score(&RiskFactors {
                    paths,
                    sources,
                    ..base()
                }),
                "spread",
            )
        };
        assert_eq!(s(1, 1), 0);
        assert_eq!(s(3, 1), 5);
        assert_eq!(s(1, 2), 5);
        assert_eq!(s(10, 1), 10);
        assert_eq!(s(1, 3), 10);
    }

    #[test]
    fn fixtures_lower_it_unless_live() {
        let fixture = score(&RiskFactors {
            fixture_only: true,
            ..base()
        });
        assert_eq!(points(&fixture, "test_fixture"), -15);
        let live = score(&RiskFactors {
            fixture_only: true,
            liveness: Liveness::Live,
            ..base()
        });
        assert_eq!(points(&live, "test_fixture"), 0);
        assert!(is_fixture_path("src/tests/data/creds.env"));
        assert!(is_fixture_path("pkg/auth_test.go"));
        assert!(is_fixture_path("web/login.spec.ts"));
        assert!(is_fixture_path("test_settings.py"));
        assert!(is_fixture_path("a/__mocks__/x.js"));
        assert!(!is_fixture_path("config/prod.env"));
        assert!(!is_fixture_path("latest/contest.txt"));
        assert!(!is_fixture_path("tests"));
    }

    #[test]
    fn score_is_the_clamped_sum_and_sets_the_level() {
        let worst = score(&RiskFactors {
            liveness: Liveness::Live,
            age_days: Some(1000),
            exposure: Exposure::Current,
            privilege: Privilege::Admin,
            paths: 50,
            sources: 4,
            fixture_only: false,
        });
        assert_eq!(worst.score, 100);
        assert_eq!(worst.level, RiskLevel::Critical);
        let best = score(&RiskFactors {
            liveness: Liveness::Rejected,
            fixture_only: true,
            ..base()
        });
        assert_eq!(best.score, 0);
        assert_eq!(best.level, RiskLevel::Low);
        let total: i32 = worst.reasons.iter().map(|r| r.points).sum();
        assert!(total > 100, "clamped from {total}");
        assert_eq!(RiskLevel::of(74), RiskLevel::High);
        assert_eq!(RiskLevel::of(50), RiskLevel::High);
        assert_eq!(RiskLevel::of(49), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(25), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(24), RiskLevel::Low);
    }
}
