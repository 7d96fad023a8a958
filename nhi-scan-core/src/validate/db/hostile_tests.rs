//! The database handshakes against hostile servers: a real TCP listener on 127.0.0.1 plays a
//! script of bytes (truncated greetings, empty scrambles, impossible lengths, endless trickles)
//! and records what the client sent. Under `--validate-db` the host comes from scanned content,
//! so every one of these must end in a verdict, never a panic, an overflow or a hang.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Auth, DbUri, mongodb, mysql, postgres, redis, resolve};

/// A server that answers every connection with the same script: chunks written after their
/// delay, while everything the client sends is recorded.
struct Scripted {
    port: u16,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Scripted {
    fn start(script: Vec<(Duration, Vec<u8>)>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = Arc::clone(&received);
        std::thread::spawn(move || {
            for conn in listener.incoming().take(4) {
                let Ok(mut conn) = conn else { return };
                let Ok(mut reader) = conn.try_clone() else {
                    return;
                };
                let rec = Arc::clone(&rec);
                std::thread::spawn(move || {
                    let _ = reader.set_read_timeout(Some(Duration::from_secs(3)));
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = reader.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        rec.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                });
                let script = script.clone();
                std::thread::spawn(move || {
                    for (delay, bytes) in script {
                        std::thread::sleep(delay);
                        if conn.write_all(&bytes).is_err() {
                            return;
                        }
                    }
                    // Keep the connection open a little, then hang up.
                    std::thread::sleep(Duration::from_millis(200));
                });
            }
        });
        Scripted { port, received }
    }

    fn uri(&self, scheme: &str, tail: &str) -> DbUri {
        DbUri::parse(&format!(
            "{scheme}://app:s3cret-pw-for-test@127.0.0.1:{}{tail}",
            self.port
        ))
        .expect("uri")
    }

    fn received(&self) -> Vec<u8> {
        self.received.lock().unwrap().clone()
    }
}

fn now(script: Vec<Vec<u8>>) -> Vec<(Duration, Vec<u8>)> {
    script.into_iter().map(|b| (Duration::ZERO, b)).collect()
}

const TIMEOUT: Duration = Duration::from_millis(800);

fn run(f: impl FnOnce(Instant, Duration) -> Auth) -> (Auth, Duration) {
    let started = Instant::now();
    let a = f(started + TIMEOUT, TIMEOUT);
    (a, started.elapsed())
}

fn reason(a: &Auth) -> String {
    match a {
        Auth::Ok(_) => "ok".into(),
        Auth::Refused(r) => format!("refused: {r}"),
        Auth::Unknown(r) => format!("unknown: {r}"),
    }
}

/// A MySQL packet.
fn my_packet(seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = (payload.len() as u32).to_le_bytes()[..3].to_vec();
    p.push(seq);
    p.extend_from_slice(payload);
    p
}

/// A protocol-10 greeting offering `plugin` with a 20-byte scramble.
fn my_greeting(plugin: &str) -> Vec<u8> {
    let mut g = vec![10];
    g.extend_from_slice(b"8.0.36-hostile\0");
    g.extend_from_slice(&7u32.to_le_bytes());
    g.extend_from_slice(b"abcdefgh");
    g.push(0);
    g.extend_from_slice(&0xf7ffu16.to_le_bytes());
    g.push(45);
    g.extend_from_slice(&2u16.to_le_bytes());
    g.extend_from_slice(&0x81ffu16.to_le_bytes());
    g.push(21);
    g.extend_from_slice(&[0; 10]);
    g.extend_from_slice(b"ijklmnopqrst\0");
    g.extend_from_slice(plugin.as_bytes());
    g.push(0);
    my_packet(0, &g)
}

#[test]
fn mysql_empty_scramble_in_full_authentication_is_an_answer_not_a_panic() {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("key");
    let pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("pem");
    let mut key_packet = vec![0x01];
    key_packet.extend_from_slice(pem.as_bytes());
    // Auth switch to caching_sha2_password with no scramble, then "full authentication", then
    // the RSA key: the client must not XOR the password with an empty scramble.
    let server = Scripted::start(now(vec![
        my_greeting("caching_sha2_password"),
        my_packet(2, b"\xfecaching_sha2_password\0"),
        my_packet(4, &[0x01, 0x04]),
        my_packet(6, &key_packet),
    ]));
    let uri = server.uri("mysql", "/app");
    let (a, _) = run(|d, t| mysql::check(&uri, d, t));
    assert!(reason(&a).contains("empty scramble"), "{}", reason(&a));
}

#[test]
fn mysql_truncated_and_corrupted_greetings_end_in_a_verdict() {
    let good = my_greeting("mysql_native_password");
    // Truncations every few bytes (each costs a connection and a short wait; every field
    // boundary of the greeting is within three bytes of one).
    let mut scripts: Vec<Vec<u8>> = (0..good.len())
        .step_by(3)
        .map(|n| good[..n].to_vec())
        .collect();
    // A header that announces more than was sent, a 16 MB packet, an empty packet, a greeting
    // whose scramble length byte lies, an auth switch with no plugin name.
    scripts.push(my_packet(0, &[10]));
    scripts.push(vec![0xff, 0xff, 0xff, 0x00]);
    scripts.push(my_packet(0, &[]));
    let mut lying = good.clone();
    let at = lying.len() - 36;
    lying[at] = 0xff;
    scripts.push(lying);
    let mut switch = good.clone();
    switch.extend_from_slice(&my_packet(2, b"\xfe"));
    scripts.push(switch);
    for (i, script) in scripts.into_iter().enumerate() {
        let server = Scripted::start(now(vec![script]));
        let uri = server.uri("mysql", "");
        let (a, took) = run(|d, t| mysql::check(&uri, d, t));
        assert!(!matches!(a, Auth::Ok(_)), "script {i}: {}", reason(&a));
        assert!(took < TIMEOUT * 3, "script {i} took {took:?}");
    }
}

/// A PostgreSQL message.
fn pg(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn pg_auth(code: i32) -> Vec<u8> {
    pg(b'R', &code.to_be_bytes())
}

#[test]
fn postgres_never_sends_a_cleartext_password_over_plain_tcp_unless_told() {
    // No sslmode: TLS is asked for first (libpq's `prefer`); the server says no, then asks for
    // the password in clear. It must not get it.
    let server = Scripted::start(now(vec![b"N".to_vec(), pg_auth(3)]));
    let uri = server.uri("postgres", "/app");
    let (a, _) = run(|d, t| postgres::check(&uri, d, t));
    assert!(
        reason(&a).contains("in clear text over an unencrypted connection"),
        "{}",
        reason(&a)
    );
    std::thread::sleep(Duration::from_millis(100));
    let sent = server.received();
    assert_eq!(
        &sent[..8],
        &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f],
        "SSLRequest first"
    );
    assert!(
        !String::from_utf8_lossy(&sent).contains("s3cret-pw-for-test"),
        "password sent in clear"
    );
    // sslmode=disable: the URI's author chose plain text; the password is sent and accepted.
    let server = Scripted::start(now(vec![
        pg_auth(3),
        pg_auth(0),
        pg(b'S', b"server_version\x0016.2\0"),
        pg(b'Z', b"I"),
    ]));
    let uri = server.uri("postgres", "/app?sslmode=disable");
    let (a, _) = run(|d, t| postgres::check(&uri, d, t));
    assert!(matches!(a, Auth::Ok(_)), "{}", reason(&a));
    std::thread::sleep(Duration::from_millis(100));
    assert!(String::from_utf8_lossy(&server.received()).contains("s3cret-pw-for-test"));
    // sslmode=require and a server without TLS: nothing is sent after the refusal.
    let server = Scripted::start(now(vec![b"N".to_vec(), pg_auth(3)]));
    let uri = server.uri("postgres", "/app?sslmode=require");
    let (a, _) = run(|d, t| postgres::check(&uri, d, t));
    assert!(reason(&a).contains("refuses TLS"), "{}", reason(&a));
}

#[test]
fn postgres_hostile_messages_end_in_a_verdict() {
    let scripts: Vec<Vec<Vec<u8>>> = vec![
        // Negative and oversized lengths.
        vec![b"N".to_vec(), vec![b'R', 0xff, 0xff, 0xff, 0xff]],
        vec![b"N".to_vec(), vec![b'R', 0x7f, 0xff, 0xff, 0xff]],
        // A short authentication message, an MD5 request without salt, SCRAM without data.
        vec![b"N".to_vec(), pg(b'R', &[0, 0])],
        vec![b"N".to_vec(), pg_auth(5)],
        vec![b"N".to_vec(), pg(b'R', &11i32.to_be_bytes())],
        vec![b"N".to_vec(), pg(b'R', &10i32.to_be_bytes())],
        // An error without fields, an error whose field never ends.
        vec![b"N".to_vec(), pg(b'E', &[])],
        vec![b"N".to_vec(), pg(b'E', b"Cxx")],
        // Not PostgreSQL at all.
        vec![b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()],
    ];
    for (i, script) in scripts.into_iter().enumerate() {
        let server = Scripted::start(now(script));
        let uri = server.uri("postgres", "/app");
        let (a, took) = run(|d, t| postgres::check(&uri, d, t));
        assert!(!matches!(a, Auth::Ok(_)), "script {i}: {}", reason(&a));
        assert!(took < TIMEOUT * 3, "script {i} took {took:?}");
    }
}

#[test]
fn a_server_that_trickles_for_ever_is_cut_off_at_the_deadline() {
    // One byte of an endless stream of ParameterStatus messages every 50 ms: each read
    // succeeds within any per-read timeout; only the deadline for the whole check ends it.
    let mut script = vec![(Duration::ZERO, b"N".to_vec())];
    let message = pg(b'S', b"application_name\0x\0");
    for _ in 0..200 {
        for &b in &message {
            script.push((Duration::from_millis(50), vec![b]));
        }
    }
    let server = Scripted::start(script);
    let uri = server.uri("postgres", "/app");
    let (a, took) = run(|d, t| postgres::check(&uri, d, t));
    assert!(reason(&a).contains("timeout after 0.8s"), "{}", reason(&a));
    assert!(took < TIMEOUT + Duration::from_millis(500), "took {took:?}");
}

#[test]
fn name_resolution_is_bounded_by_the_deadline() {
    let started = Instant::now();
    let r = resolve(
        "slow.invalid",
        5432,
        started + Duration::from_millis(200),
        Duration::from_millis(200),
        |_, _| {
            std::thread::sleep(Duration::from_secs(3));
            Ok(Vec::new())
        },
    );
    assert_eq!(r.unwrap_err(), "timeout after 0.2s");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn redis_hostile_replies_end_in_a_verdict() {
    for (i, reply) in [
        &b"$-5\r\n"[..],
        b"$99999999999999999999\r\n",
        b"$5\r\nab",
        b"*3\r\n",
        b"+",
        &[b'+'; 70_000][..],
        b"-WRONGPASS",
        b"",
    ]
    .into_iter()
    .enumerate()
    {
        let server = Scripted::start(now(vec![reply.to_vec()]));
        let uri = server.uri("redis", "/0");
        let (a, took) = run(|d, t| redis::check(&uri, d, t));
        assert!(
            took < TIMEOUT * 3,
            "reply {i} took {took:?}: {}",
            reason(&a)
        );
    }
}

#[test]
fn bson_with_hostile_lengths_does_not_overflow() {
    let doc = mongodb::encode(&[
        ("ok", mongodb::Bson::Double(1.0)),
        ("s", mongodb::Bson::Str("SCRAM-SHA-256".into())),
        (
            "payload",
            mongodb::Bson::Bin(b"r=abc,s=c2FsdA==,i=4096".to_vec()),
        ),
        (
            "d",
            mongodb::Bson::Doc(vec![("x".into(), mongodb::Bson::Int(3))]),
        ),
    ]);
    assert!(mongodb::decode(&doc, 0).is_some());
    // Every length field set to -1, i32::MAX and i32::MIN; every truncation; every byte flipped.
    let mut cases = Vec::new();
    for at in 0..doc.len().saturating_sub(4) {
        for v in [-1i32, i32::MAX, i32::MIN, 0x7fff_fff0] {
            let mut c = doc.clone();
            c[at..at + 4].copy_from_slice(&v.to_le_bytes());
            cases.push(c);
        }
    }
    for n in 0..doc.len() {
        cases.push(doc[..n].to_vec());
    }
    for at in 0..doc.len() {
        let mut c = doc.clone();
        c[at] ^= 0xff;
        cases.push(c);
    }
    for c in &cases {
        let _ = mongodb::decode(c, 0);
    }
}

#[test]
fn mongodb_hostile_replies_end_in_a_verdict() {
    let header = |len: i32| {
        let mut h = len.to_le_bytes().to_vec();
        h.extend_from_slice(&[0; 12]);
        h
    };
    let body = mongodb::encode(&[("ok", mongodb::Bson::Double(0.0))]);
    let mut short = header(21 + body.len() as i32);
    short.extend_from_slice(&[0, 0, 0, 0, 0]);
    short.extend_from_slice(&body[..body.len() - 2]);
    for (i, reply) in [header(-1), header(i32::MAX), header(5), short]
        .into_iter()
        .enumerate()
    {
        let server = Scripted::start(now(vec![reply]));
        let uri = server.uri("mongodb", "/admin");
        let (a, took) = run(|d, t| mongodb::check(&uri, d, t));
        assert!(!matches!(a, Auth::Ok(_)), "reply {i}: {}", reason(&a));
        assert!(took < TIMEOUT * 3, "reply {i} took {took:?}");
    }
}
