//! Live validation against real HTTP servers on 127.0.0.1 playing the providers' documented
//! answers. The providers' hosts are mapped to the test servers with the same host override a
//! user writes in `.nhi-scan.toml`; paths, headers and signatures are the real providers'.
//! Every credential here is a generated fake.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nhi_scan_core::validate::{ValidateOptions, ValidationStatus, Validator};
use nhi_scan_core::{ConfigSource, Finding, RuleSet, Scan, Source};
use serde_json::json;

use crate::util::{Dir, fake_aws_key_id, fake_github, random_base62};
use crate::validate_server::{Resp, Server, verify_jwt, verify_shared_key, verify_sigv4};

/// Scans `files` (name, contents) written to a temporary directory, with the built-in rules.
pub fn scan(files: &[(&str, String)]) -> Vec<Finding> {
    let dir = Dir::new();
    for (name, text) in files {
        dir.write(name, text);
    }
    let scan = Scan::builder()
        .config(ConfigSource::None)
        .build()
        .expect("scan");
    scan.run(Source::paths([dir.path()])).expect("run").findings
}

/// A validator over the built-in rules with `hosts` mapped and small waits for tests.
pub fn validator(hosts: &[(&str, String)], tweak: impl FnOnce(&mut ValidateOptions)) -> Validator {
    let mut o = ValidateOptions {
        timeout: Duration::from_secs(5),
        backoff: Duration::from_millis(50),
        rate_limit: 0.0,
        ..ValidateOptions::default()
    };
    o.hosts = hosts
        .iter()
        .map(|(h, v)| (h.to_string(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    tweak(&mut o);
    let rules = RuleSet::builtin().rules;
    Validator::new(rules.rules().iter().map(|r| &r.rule), o).expect("validator")
}

fn by_secret<'a>(findings: &'a [Finding], secret: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.secret.expose() == secret)
        .unwrap_or_else(|| {
            panic!(
                "no finding for a secret; rules: {:?}",
                findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
            )
        })
}

fn status(f: &Finding) -> ValidationStatus {
    f.validation.as_ref().expect("validated").status
}

fn reason(f: &Finding) -> String {
    f.validation
        .as_ref()
        .and_then(|v| v.reason.clone())
        .unwrap_or_default()
}

/// GitHub's `GET /user`: 200 with the user for the live token, 401 for any other.
fn github(live: &str) -> Server {
    let live = live.to_string();
    Server::start(move |r| {
        if r.path != "/user" {
            return Resp::json(404, json!({"message": "Not Found"}));
        }
        if r.bearer() == Some(live.as_str()) {
            Resp::json(
                200,
                json!({"login": "octo-bot", "id": 4242, "type": "User", "name": "Octo Bot", "email": null}),
            )
            .header("X-OAuth-Scopes", "repo, read:org")
            .header("github-authentication-token-expiration", "2031-01-02 03:04:05 UTC")
        } else {
            Resp::json(401, json!({"message": "Bad credentials"}))
        }
    })
}

#[test]
fn valid_and_invalid_tokens_get_statuses_and_identity_once_per_secret() {
    let live = fake_github("ghp_", 901);
    let dead = fake_github("ghp_", 902);
    let server = github(&live);
    // The live token appears in three files: one finding, one request.
    let mut findings = scan(&[
        ("a.env", format!("GITHUB_TOKEN={live}\n")),
        ("b/config.yml", format!("token: {live}\nold: {dead}\n")),
        ("c.sh", format!("export GH_TOKEN={live}\n")),
    ]);
    assert_eq!(findings.len(), 2);
    let v = validator(&[("api.github.com", server.base())], |_| {});
    let summary = v.validate(&mut findings);
    assert_eq!((summary.valid, summary.invalid, summary.unknown), (1, 1, 0));
    assert_eq!(
        server.requests().len(),
        2,
        "one request per distinct secret"
    );
    let f = by_secret(&findings, &live);
    let val = f.validation.as_ref().unwrap();
    assert_eq!(val.status, ValidationStatus::Valid);
    assert_eq!(val.identity["user"], json!("octo-bot"));
    assert_eq!(val.identity["user_id"], json!(4242));
    assert_eq!(val.identity["scopes"], json!(["repo", "read:org"]));
    assert_eq!(val.identity["expires_at"], json!("2031-01-02T03:04:05Z"));
    assert!(
        !val.identity.contains_key("email"),
        "null fields are dropped"
    );
    assert!(val.checked_at.ends_with('Z'));
    let d = by_secret(&findings, &dead);
    assert_eq!(status(d), ValidationStatus::Invalid);
    assert!(reason(d).contains("401"), "{}", reason(d));
    let req = &server.requests()[0];
    let ua = req.header("user-agent").unwrap();
    assert!(ua.starts_with("nhi-scan/"), "{ua}");
    assert_eq!(req.header("accept"), Some("application/vnd.github+json"));
    // Validation is JSON-shaped as the reports show it.
    let j = serde_json::to_value(f.validation.as_ref().unwrap()).unwrap();
    assert_eq!(j["status"], json!("valid"));
    assert!(j.get("reason").is_none());
}

#[test]
fn slack_revoked_malformed_and_rate_limited_answers() {
    let bot = |n: u64| {
        format!(
            "xoxb-{}-{}-{}",
            100_000_000 + n,
            200_000_000 + n,
            random_base62(n, 24)
        )
    };
    let (live, revoked, garbage, limited) = (bot(1), bot(2), bot(3), bot(4));
    let hits = Arc::new(AtomicUsize::new(0));
    let server = {
        let (live, revoked, garbage, limited, hits) = (
            live.clone(),
            revoked.clone(),
            garbage.clone(),
            limited.clone(),
            Arc::clone(&hits),
        );
        Server::start(move |r| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("POST", "/api/auth.test")
            );
            let t = r.bearer().unwrap_or_default();
            if t == live {
                Resp::json(200, json!({"ok": true, "team": "Acme", "team_id": "T0001", "user": "deploy-bot", "user_id": "U0001", "bot_id": "B0001", "url": "https://acme.slack.com/"}))
                    .header("x-oauth-scopes", "chat:write,channels:read")
            } else if t == revoked {
                Resp::json(200, json!({"ok": false, "error": "token_revoked"}))
            } else if t == garbage {
                Resp::new(200, "<html>maintenance</html>")
            } else if t == limited {
                // First answer: 429 with Retry-After 1; then the real answer.
                if hits.fetch_add(1, Ordering::SeqCst) == 0 {
                    Resp::json(429, json!({"ok": false, "error": "ratelimited"}))
                        .header("Retry-After", "1")
                } else {
                    Resp::json(
                        200,
                        json!({"ok": true, "team": "Acme", "user": "other-bot"}),
                    )
                }
            } else {
                Resp::json(200, json!({"ok": false, "error": "invalid_auth"}))
            }
        })
    };
    let mut findings = scan(&[(
        "slack.env",
        format!("A={live}\nB={revoked}\nC={garbage}\nD={limited}\n"),
    )]);
    let v = validator(&[("slack.com", server.base())], |_| {});
    let started = Instant::now();
    v.validate(&mut findings);
    let elapsed = started.elapsed();
    let l = by_secret(&findings, &live).validation.clone().unwrap();
    assert_eq!(l.status, ValidationStatus::Valid);
    assert_eq!(l.identity["workspace"], json!("Acme"));
    assert_eq!(l.identity["user"], json!("deploy-bot"));
    assert_eq!(l.identity["scopes"], json!(["chat:write", "channels:read"]));
    assert_eq!(
        status(by_secret(&findings, &revoked)),
        ValidationStatus::Invalid
    );
    let g = by_secret(&findings, &garbage);
    assert_eq!(status(g), ValidationStatus::Unknown);
    assert!(
        reason(g).contains("unexpected response (HTTP 200)"),
        "{}",
        reason(g)
    );
    assert_eq!(
        status(by_secret(&findings, &limited)),
        ValidationStatus::Valid
    );
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After honoured: {elapsed:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2, "one retry after the 429");
}

#[test]
fn rate_limits_cap_retries_and_long_retry_after_gives_up() {
    let always = fake_github("ghp_", 911);
    let long = fake_github("ghp_", 912);
    let server = {
        let long = long.clone();
        Server::start(move |r| {
            if r.bearer() == Some(long.as_str()) {
                Resp::json(429, json!({})).header("Retry-After", "120")
            } else {
                Resp::json(429, json!({"message": "slow down"}))
            }
        })
    };
    let mut findings = scan(&[("x.env", format!("T1={always}\nT2={long}\n"))]);
    let v = validator(&[("api.github.com", server.base())], |o| o.max_retries = 2);
    v.validate(&mut findings);
    let a = by_secret(&findings, &always);
    assert_eq!(status(a), ValidationStatus::Unknown);
    assert!(
        reason(a).contains("rate limited") && reason(a).contains("3 attempts"),
        "{}",
        reason(a)
    );
    let l = by_secret(&findings, &long);
    assert!(reason(l).contains("exceeds the 30s cap"), "{}", reason(l));
    let count = |t: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.bearer() == Some(t))
            .count()
    };
    assert_eq!(count(&always), 3, "first try plus max_retries");
    assert_eq!(count(&long), 1);
}

#[test]
fn slow_providers_time_out_and_errors_are_unknown() {
    let slow = fake_github("ghp_", 921);
    let broken = fake_github("ghp_", 922);
    let server = {
        let slow = slow.clone();
        Server::start(move |r| {
            if r.bearer() == Some(slow.as_str()) {
                Resp::json(200, json!({"login": "late"})).after(Duration::from_secs(3))
            } else {
                Resp::new(503, "upstream down")
            }
        })
    };
    let mut findings = scan(&[("x.env", format!("T1={slow}\nT2={broken}\n"))]);
    let v = validator(&[("api.github.com", server.base())], |o| {
        o.timeout = Duration::from_millis(500)
    });
    let started = Instant::now();
    v.validate(&mut findings);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout cut the wait"
    );
    let s = by_secret(&findings, &slow);
    assert_eq!(status(s), ValidationStatus::Unknown);
    assert_eq!(reason(s), "timeout after 0.5s");
    assert_eq!(
        reason(by_secret(&findings, &broken)),
        "provider error (HTTP 503)"
    );
    // Unreachable host: a network error, named by host, never by URL.
    let t = fake_github("ghp_", 923);
    let mut f = scan(&[("y.env", format!("T={t}\n"))]);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    validator(
        &[("api.github.com", format!("http://127.0.0.1:{port}"))],
        |_| {},
    )
    .validate(&mut f);
    let r = reason(&f[0]);
    assert!(
        r.starts_with("network error") && r.contains("127.0.0.1") && !r.contains(&t),
        "{r}"
    );
}

#[test]
fn concurrency_is_bounded_and_provider_rate_limits_apply() {
    let tokens: Vec<String> = (0..12).map(|i| fake_github("ghp_", 1000 + i)).collect();
    let server = Server::start(|_| Resp::json(401, json!({})).after(Duration::from_millis(150)));
    let text: String = tokens.iter().map(|t| format!("T={t}\n")).collect();
    let mut findings = scan(&[("many.env", text)]);
    assert_eq!(findings.len(), 12);
    let v = validator(&[("api.github.com", server.base())], |o| o.concurrency = 3);
    v.validate(&mut findings);
    assert_eq!(server.requests().len(), 12);
    assert!(
        server.max_in_flight() <= 3,
        "max in flight {}",
        server.max_in_flight()
    );
    assert!(server.max_in_flight() >= 2, "ran concurrently");
    // 5 requests per second to one provider: 6 checks take at least one second.
    let server = Server::start(|_| Resp::json(401, json!({})));
    let mut six = findings[..6].to_vec();
    let v = validator(&[("api.github.com", server.base())], |o| {
        o.concurrency = 8;
        o.rate_limits.insert("github".into(), 5.0);
    });
    let started = Instant::now();
    v.validate(&mut six);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn only_the_rules_fixed_host_is_contacted() {
    // `attacker` stands for any URL in scanned content: it must never get a request, even when
    // the content names it next to the token, under the provider's paths.
    let attacker = Server::start(|_| Resp::json(200, json!({"login": "attacker"})));
    let provider = Server::start(|r| {
        if r.path == "/user" {
            Resp::json(401, json!({}))
        } else {
            // A redirect to another host is not followed.
            Resp::new(302, "").header("Location", "http://127.0.0.1:1/steal")
        }
    });
    let t = fake_github("ghp_", 931);
    let text = format!(
        "GITHUB_API_URL={a}/user\nGH_HOST={a}\ncurl -H 'Authorization: token {t}' {a}/user\nwebhook = {a}/api/webhooks/1234567890123456789/{w}\nhttps://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/{s}\n",
        a = attacker.base(),
        w = random_base62(7, 68),
        s = random_base62(8, 24),
    );
    let mut findings = scan(&[("leak.md", text)]);
    let v = validator(
        &[
            ("api.github.com", provider.base()),
            ("hooks.slack.com", provider.base()),
        ],
        |_| {},
    );
    v.validate(&mut findings);
    assert_eq!(attacker.requests().len(), 0, "content-named host contacted");
    let paths: Vec<String> = provider.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/user".to_string()), "{paths:?}");
    let hook = findings
        .iter()
        .find(|f| f.rule_id == "slack.webhook")
        .expect("webhook found");
    assert_eq!(status(hook), ValidationStatus::Unknown);
    assert_eq!(
        reason(hook),
        "redirect to another host (127.0.0.1) not followed"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/services/T0AAAAAAA/B0BBBBBBB/"))
    );
    // Same-origin redirects are followed.
    let live = fake_github("ghp_", 932);
    let s = {
        let live = live.clone();
        Server::start(move |r| match r.path.as_str() {
            "/user" => Resp::new(301, "").header("Location", "/user/moved"),
            "/user/moved" if r.bearer() == Some(live.as_str()) => {
                Resp::json(200, json!({"login": "moved"}))
            }
            _ => Resp::json(401, json!({})),
        })
    };
    let mut f = scan(&[("z.env", format!("T={live}\n"))]);
    validator(&[("api.github.com", s.base())], |_| {}).validate(&mut f);
    assert_eq!(status(&f[0]), ValidationStatus::Valid);
}

#[test]
fn secrets_stay_out_of_reasons_identity_and_debug() {
    let t = fake_github("ghp_", 941);
    let echo = {
        let t = t.clone();
        Server::start(move |_| {
            Resp::json(
                200,
                json!({"login": "x", "token": t.clone(), "note": format!("token {t}")}),
            )
        })
    };
    let mut f = scan(&[("e.env", format!("T={t}\n"))]);
    let mut v_opts = ValidateOptions::default();
    v_opts.hosts.insert("api.github.com".into(), echo.base());
    let rules = RuleSet::builtin().rules;
    let v = Validator::new(rules.rules().iter().map(|r| &r.rule), v_opts).unwrap();
    v.validate(&mut f);
    let shown = serde_json::to_string(&f[0].validation).unwrap();
    assert!(!shown.contains(&t), "{shown}");
    assert!(!format!("{v:?}").contains(&t));
    // A self-hosted provider without a mapping is not guessed.
    let vault_token = format!("hvs.{}", random_base62(9, 90));
    let mut f = scan(&[("v.env", format!("VAULT_TOKEN={vault_token}\n"))]);
    validator(&[], |_| {}).validate(&mut f);
    assert!(
        reason(&f[0]).contains("[validate.hosts]"),
        "{}",
        reason(&f[0])
    );
    // Rules without a validator are unknown, unsupported.
    let mut f = scan(&[(
        "s.env",
        format!("STRIPE_WEBHOOK_SECRET=whsec_{}\n", random_base62(10, 32)),
    )]);
    validator(&[], |_| {}).validate(&mut f);
    assert!(
        reason(&f[0]).starts_with("unsupported: no validator"),
        "{}",
        reason(&f[0])
    );
}

#[test]
fn aws_keys_are_checked_with_a_sigv4_signature_the_server_verifies() {
    let key_id = fake_aws_key_id(951);
    let secret = random_base62(952, 40);
    let wrong = random_base62(953, 40);
    let server = {
        let (key_id, secret) = (key_id.clone(), secret.clone());
        Server::start(move |r| {
            assert_eq!(r.body_text(), "Action=GetCallerIdentity&Version=2011-06-15");
            match verify_sigv4(r, &secret) {
                Some(k) if k == key_id => Resp::new(
                    200,
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci-deployer</Arn><UserId>AIDAEXAMPLEUSERID000</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
                ),
                _ => Resp::new(
                    403,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>",
                ),
            }
        })
    };
    let mut findings = scan(&[
        (
            "good/.aws/credentials",
            format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
        ),
        (
            "bad/.aws/credentials",
            format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {wrong}\n"),
        ),
    ]);
    let v = validator(&[("sts.amazonaws.com", server.base())], |_| {});
    v.validate(&mut findings);
    let good = by_secret(&findings, &secret).validation.clone().unwrap();
    assert_eq!(good.status, ValidationStatus::Valid, "{:?}", good.reason);
    assert_eq!(good.identity["account_id"], json!("123456789012"));
    assert_eq!(
        good.identity["arn"],
        json!("arn:aws:iam::123456789012:user/ci-deployer")
    );
    assert_eq!(good.identity["type"], json!("user"));
    assert_eq!(good.identity["name"], json!("ci-deployer"));
    let bad = by_secret(&findings, &wrong);
    assert_eq!(status(bad), ValidationStatus::Invalid);
    assert!(reason(bad).contains("SignatureDoesNotMatch"));
    // The signature covered the Host actually sent (the test server's).
    let host = server.requests()[0].header("host").unwrap().to_string();
    assert_eq!(host, format!("127.0.0.1:{}", server.port));
}

#[test]
fn gcp_service_account_keys_are_checked_with_a_signed_jwt() {
    use rsa::pkcs8::EncodePrivateKey;
    let mut rng = rsa::rand_core::OsRng;
    let key = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let other = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let public = key.to_public_key();
    let pem = |k: &rsa::RsaPrivateKey| {
        k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
            .replace('\n', "\\n")
    };
    let email = "builder@fake-project-42.iam.gserviceaccount.com";
    let file = |k: &rsa::RsaPrivateKey| {
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"fake-project-42\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{}\",\n  \"client_email\": \"{email}\",\n  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}}\n",
            random_base62(960, 40),
            pem(k)
        )
    };
    let server = Server::start(move |r| {
        assert_eq!(r.path, "/token");
        let body = r.body_text();
        let assertion = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("assertion="))
            .unwrap_or("");
        match verify_jwt(assertion, &public) {
            Some(c)
                if c["iss"] == json!(email)
                    && c["aud"] == json!("https://oauth2.googleapis.com/token") =>
            {
                Resp::json(
                    200,
                    json!({"access_token": "ya29.fake", "expires_in": 3599, "token_type": "Bearer"}),
                )
            }
            _ => Resp::json(
                400,
                json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
            ),
        }
    });
    let mut findings = scan(&[("live.json", file(&key)), ("old.json", file(&other))]);
    assert_eq!(
        findings.len(),
        2,
        "{:?}",
        findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
    validator(&[("oauth2.googleapis.com", server.base())], |_| {}).validate(&mut findings);
    let live = findings
        .iter()
        .find(|f| f.locations[0].origin.path().ends_with("live.json"))
        .unwrap();
    let v = live.validation.clone().unwrap();
    assert_eq!(v.status, ValidationStatus::Valid, "{:?}", v.reason);
    assert_eq!(v.identity["email"], json!(email));
    assert_eq!(v.identity["project"], json!("fake-project-42"));
    assert_eq!(v.identity["type"], json!("service_account"));
    let old = findings
        .iter()
        .find(|f| f.locations[0].origin.path().ends_with("old.json"))
        .unwrap();
    assert_eq!(status(old), ValidationStatus::Invalid);
}

#[test]
fn azure_storage_keys_are_checked_with_shared_key() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mk = |seed: u64| loop {
        let k = b64.encode(random_base62(seed, 64).as_bytes());
        if !k.starts_with('E') {
            break k;
        }
    };
    let (key, wrong) = (mk(971), mk(972));
    let server = {
        let key = key.clone();
        Server::start(move |r| {
            if verify_shared_key(r, "fakeacct01", &key) {
                Resp::new(
                    200,
                    "<?xml version=\"1.0\"?><EnumerationResults><Containers/></EnumerationResults>",
                )
            } else {
                Resp::new(
                    403,
                    "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code></Error>",
                )
            }
        })
    };
    let cs = |k: &str| {
        format!(
            "DefaultEndpointsProtocol=https;AccountName=fakeacct01;AccountKey={k};EndpointSuffix=core.windows.net"
        )
    };
    let mut findings = scan(&[
        ("a.config", format!("STORAGE={}\n", cs(&key))),
        ("b.config", format!("STORAGE={}\n", cs(&wrong))),
    ]);
    validator(&[("*.blob.core.windows.net", server.base())], |_| {}).validate(&mut findings);
    let good = findings
        .iter()
        .find(|f| f.secret.expose().contains(&key))
        .unwrap();
    assert_eq!(status(good), ValidationStatus::Valid, "{}", reason(good));
    assert_eq!(
        good.validation.as_ref().unwrap().identity["account_name"],
        json!("fakeacct01")
    );
    let bad = findings
        .iter()
        .find(|f| f.secret.expose().contains(&wrong))
        .unwrap();
    assert_eq!(status(bad), ValidationStatus::Invalid);
}

#[test]
fn companions_and_vars_reach_the_request() {
    // Twilio: SID + token pair as basic auth, SID in the path. Mailchimp: the data centre from the
    // key picks the host label.
    let sid = format!("AC{}", "0123456789abcdef0123456789abcdef");
    let token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0".to_string();
    let twilio = {
        let (sid, token) = (sid.clone(), token.clone());
        Server::start(move |r| {
            if r.path == format!("/2010-04-01/Accounts/{sid}.json")
                && r.basic() == Some((sid.clone(), token.clone()))
            {
                Resp::json(
                    200,
                    json!({"sid": sid, "friendly_name": "Acme prod", "status": "active", "type": "Full"}),
                )
            } else {
                Resp::json(401, json!({"code": 20003}))
            }
        })
    };
    let mc_key = format!("{}-us6", "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    let mailchimp = Server::start(|r| {
        if r.path == "/3.0/" && r.header("host").is_some() {
            Resp::json(
                200,
                json!({"account_id": "8d3a3db4d97663a9074efcc16", "account_name": "Acme", "email": "ops@acme.example", "username": "acme"}),
            )
        } else {
            Resp::json(401, json!({}))
        }
    });
    let mut findings = scan(&[(
        "app.env",
        format!("TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={token}\nMAILCHIMP_KEY={mc_key}\n"),
    )]);
    let v = validator(
        &[
            ("api.twilio.com", twilio.base()),
            ("us6.api.mailchimp.com", mailchimp.base()),
        ],
        |_| {},
    );
    v.validate(&mut findings);
    let t = by_secret(&findings, &token).validation.clone().unwrap();
    assert_eq!(t.status, ValidationStatus::Valid, "{:?}", t.reason);
    assert_eq!(t.identity["account_id"], json!(sid));
    assert_eq!(t.identity["account_name"], json!("Acme prod"));
    let m = by_secret(&findings, &mc_key).validation.clone().unwrap();
    assert_eq!(m.status, ValidationStatus::Valid, "{:?}", m.reason);
    assert_eq!(m.identity["email"], json!("ops@acme.example"));
    // Without the SID next to it, the token is not sent anywhere.
    let mut alone = scan(&[("t.env", format!("TWILIO_AUTH_TOKEN={token}\n"))]);
    v.validate(&mut alone);
    assert!(
        reason(&alone[0]).contains("needs the account_sid"),
        "{}",
        reason(&alone[0])
    );
}

/// Identity keys the code checks return (the declarative ones list theirs in the rule files).
fn code_check_identity(check: &str) -> &'static [&'static str] {
    match check {
        "aws-sts" => &[
            "account_id",
            "arn",
            "user_id",
            "type",
            "name",
            "access_key_id",
        ],
        "gcp-service-account" => &["email", "user", "project", "type", "scopes"],
        "azure-storage" => &["account_name", "type"],
        "postgres" | "mysql" => &["user", "host", "database", "server_version"],
        "redis" => &["user", "host", "database"],
        "mongodb" => &["user", "host", "database", "auth_database"],
        _ => &[],
    }
}

fn code_check_request(check: &str) -> &'static str {
    match check {
        "aws-sts" => "SigV4-signed `POST sts.amazonaws.com/` (GetCallerIdentity)",
        "gcp-service-account" => "RS256 JWT assertion, `POST oauth2.googleapis.com/token`",
        "azure-storage" => "SharedKey-signed `GET <account>.blob.core.windows.net/?comp=list`",
        "postgres" => "startup + SCRAM/MD5/password auth to the URI's host",
        "mysql" => "handshake + native/caching_sha2 auth to the URI's host",
        "redis" => "`AUTH` + `ACL WHOAMI` to the URI's host",
        "mongodb" => "`hello` + SCRAM `saslStart` to the URI's host",
        _ => "",
    }
}

/// The README's provider table, generated from the rule files' `validate` tables.
fn providers_table() -> (String, usize, usize) {
    use nhi_scan_core::validate::spec::Check;
    let rules = RuleSet::builtin().rules;
    let mut by_provider: BTreeMap<String, Vec<&nhi_scan_core::rules::Rule>> = BTreeMap::new();
    for r in rules.rules() {
        if let Some(v) = &r.rule.validate {
            by_provider
                .entry(v.provider.clone())
                .or_default()
                .push(&r.rule);
        }
    }
    const SHARED: &[&str] = nhi_scan_core::validate::spec::IDENTITY_KEYS;
    let mut out = String::from(
        "| provider | rules | request | identity returned | note |\n|---|---|---|---|---|\n",
    );
    let mut with_identity = 0;
    for (provider, rules) in &by_provider {
        let mut requests: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        for r in rules {
            let v = r.validate.as_ref().unwrap();
            let request = if v.check == Check::Http {
                let url = v.url.as_deref().unwrap_or_default();
                let url = url.strip_prefix("https://").unwrap_or(url);
                let url = url.split('?').next().unwrap_or(url);
                format!("`{} {}`", v.method.as_str(), url)
            } else {
                code_check_request(v.check.as_str()).to_string()
            };
            if !requests.contains(&request) {
                requests.push(request);
            }
            let ks: Vec<String> = if v.check == Check::Http {
                v.identity.keys().cloned().collect()
            } else {
                code_check_identity(v.check.as_str())
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            };
            for k in ks {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            if let Some(n) = &v.note
                && !notes.contains(n)
            {
                notes.push(n.clone());
            }
        }
        keys.sort_by_key(|k| {
            (
                SHARED.iter().position(|s| s == k).unwrap_or(usize::MAX),
                k.clone(),
            )
        });
        if !keys.is_empty() {
            with_identity += 1;
        }
        let ids: Vec<String> = rules.iter().map(|r| format!("`{}`", r.id)).collect();
        out.push_str(&format!(
            "| {provider} | {} | {} | {} | {} |\n",
            ids.join(" "),
            requests.join("; "),
            if keys.is_empty() {
                "(live or not)".to_string()
            } else {
                keys.join(", ")
            },
            notes.join("; ")
        ));
    }
    (out, by_provider.len(), with_identity)
}

#[test]
fn readme_provider_table_is_generated_from_the_rule_files() {
    let (table, providers, with_identity) = providers_table();
    assert!(providers >= 60, "{providers} providers");
    assert!(with_identity >= 25, "{with_identity} with identity");
    let block = format!(
        "<!-- validators:start (generated from patterns/*.toml by the test `readme_provider_table_is_generated_from_the_rule_files`; UPDATE_README=1 rewrites it) -->\n{providers} providers, {with_identity} of them with identity details.\n\n{table}<!-- validators:end -->"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find("<!-- validators:start")
        .expect("README has the validators:start marker");
    let end = readme
        .find("<!-- validators:end -->")
        .expect("README has the validators:end marker")
        + "<!-- validators:end -->".len();
    if readme[start..end] != block {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{block}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!("README.md's provider table is stale; rerun with UPDATE_README=1");
        }
    }
}
