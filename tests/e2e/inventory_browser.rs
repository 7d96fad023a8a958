//! The HTML inventory in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`) driven over the Chrome DevTools Protocol.
//!
//! Why CDP over `--remote-debugging-port` rather than the alternatives: `--dump-dom` alone
//! cannot click or type; a self-checking page would put test code into the report; chromedriver
//! plus a WebDriver crate brings an async runtime and an HTTP client stack. CDP needs one small
//! WebSocket crate, drives the unmodified report with real input events (mouse presses on the
//! column headers, text typed into the filter box), reads the DOM back, sees script exceptions
//! and Content-Security-Policy reports, and takes the screenshot of what it did.
//!
//! Under `CI=true` a missing Chromium fails the test; elsewhere the test says it skipped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::inventory::{EVIL, sample_html, sample_repo};
use crate::util::Dir;

/// The browser binary: `$CHROMIUM`, else `chromium` on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    })
}

/// A headless Chromium of our own, ended (by its process id) when dropped.
struct Browser {
    child: Child,
    port: u16,
    _profile: Dir,
}

impl Browser {
    fn start(bin: &Path) -> Browser {
        let profile = Dir::new();
        let child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1400,1000",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose into the profile.
        let active = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&active)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
            {
                break port;
            }
            assert!(Instant::now() < deadline, "chromium did not start");
            std::thread::sleep(Duration::from_millis(100));
        };
        Browser {
            child,
            port,
            _profile: profile,
        }
    }

    /// The DevTools targets (`/json/list`), over plain HTTP on the loopback.
    fn targets(&self) -> Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("devtools port");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(
            s,
            "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        // Read the headers, then exactly Content-Length bytes (the server may keep the
        // connection open).
        let mut resp = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&resp).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let len: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .expect("Content-Length");
                if resp.len() >= end + 4 + len {
                    return serde_json::from_slice(&resp[end + 4..end + 4 + len])
                        .expect("targets JSON");
                }
            }
            let n = s.read(&mut buf).expect("devtools HTTP");
            assert!(n > 0, "devtools closed the connection");
            resp.extend_from_slice(&buf[..n]);
        }
    }

    fn page(&self) -> Cdp {
        let targets = self.targets();
        let url = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("websocket");
        Cdp {
            ws,
            next: 0,
            events: Vec::new(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DevTools session on one page.
struct Cdp {
    ws: WebSocket<TcpStream>,
    next: u64,
    /// Events received while waiting for replies.
    events: Vec<Value>,
}

impl Cdp {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params});
        self.ws.send(Message::text(msg.to_string())).expect("send");
        loop {
            let v = self.read();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    fn read(&mut self) -> Value {
        loop {
            match self.ws.read().expect("read") {
                Message::Text(t) => return serde_json::from_str(t.as_str()).expect("CDP JSON"),
                Message::Close(_) => panic!("devtools closed"),
                _ => continue,
            }
        }
    }

    /// Waits for an event (or finds it among those already received).
    fn wait_for(&mut self, method: &str) {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            self.events.remove(i);
            return;
        }
        loop {
            let v = self.read();
            if v["method"] == method {
                return;
            }
            self.events.push(v);
        }
    }

    /// Evaluates `expr` in the page and returns its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// A real mouse click at the centre of the element `selector` names.
    fn click(&mut self, selector: &str) {
        let rect = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            sel = json!(selector)
        ));
        let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Numbers of the visible rows' `data-KEY`, top to bottom.
    fn column(&mut self, key: &str) -> Vec<f64> {
        let v = self.eval(&format!("{VISIBLE}.map(b => parseFloat(b.dataset.{key}))"));
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    fn visible_rows(&mut self) -> u64 {
        self.eval(&format!("{VISIBLE}.length")).as_u64().unwrap()
    }
}

/// The credential rows on screen, top to bottom (rows past the first page are hidden by
/// attribute or by stylesheet).
const VISIBLE: &str = "Array.from(document.querySelectorAll('tbody.cred')).filter(b => b.getClientRects().length > 0)";

fn sorted(v: &[f64], descending: bool) -> bool {
    v.windows(2).all(|w| {
        if descending {
            w[0] >= w[1]
        } else {
            w[0] <= w[1]
        }
    })
}

#[test]
fn html_report_sorts_filters_and_runs_no_planted_script_in_chromium() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is not installed (CI installs it in .ci/run)"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let (repo, _) = sample_repo(41);
    let out = Dir::new();
    let report = sample_html(&repo, &out.join("report.html"));

    let browser = Browser::start(&bin);
    let mut page = browser.page();
    page.call("Page.enable", json!({}));
    page.call("Runtime.enable", json!({}));
    page.call("Log.enable", json!({}));
    page.call(
        "Page.navigate",
        json!({"url": format!("file://{}", report.display())}),
    );
    page.wait_for("Page.loadEventFired");

    // Every credential is a row, and the script took over the controls.
    assert_eq!(
        page.eval("document.querySelectorAll('tbody.cred').length"),
        4
    );
    assert_eq!(page.visible_rows(), 4);
    assert_eq!(
        page.eval("document.getElementById('controls').hidden"),
        false
    );
    assert_eq!(
        page.eval("document.getElementById('count').textContent"),
        "4 of 4 credentials"
    );

    // Sorting: by age first, then by risk (descending, then ascending).
    page.click("th[data-key=age] button");
    let ages = page.column("age");
    assert!(sorted(&ages, true), "{ages:?}");
    assert_eq!(
        page.eval("document.querySelector('th[data-key=age]').getAttribute('aria-sort')"),
        "descending"
    );
    page.click("th[data-key=risk] button");
    let risk = page.column("risk");
    assert!(sorted(&risk, true), "{risk:?}");
    page.click("th[data-key=risk] button");
    let risk_up = page.column("risk");
    assert!(sorted(&risk_up, false), "{risk_up:?}");
    assert_ne!(risk, risk_up, "the order changed");

    // Filtering: typed text, then the at-HEAD checkbox.
    page.click("#q");
    page.call("Input.insertText", json!({"text": "stripe"}));
    assert_eq!(page.visible_rows(), 1);
    assert_eq!(
        page.eval("document.getElementById('count').textContent"),
        "1 of 4 credentials"
    );
    page.eval("(() => { const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input')); })()");
    assert_eq!(page.visible_rows(), 4);
    page.click("#f-head");
    assert_eq!(page.visible_rows(), 3, "one credential is only in history");
    page.click("#f-head");
    assert_eq!(page.visible_rows(), 4);

    // The planted markup is text on the page, and never ran.
    assert_eq!(page.eval("typeof window.__pwned"), "undefined");
    let text = page
        .eval("document.body.textContent")
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains(EVIL), "the planted text is shown as text");
    assert_eq!(
        page.eval("document.scripts.length"),
        2,
        "the page's own two"
    );

    // Open the riskiest credential's details for the screenshot, then keep it.
    page.click("th[data-key=risk] button");
    page.eval(&format!(
        "{VISIBLE}[0].querySelector('summary').id = 'top-summary'"
    ));
    page.click("#top-summary");
    page.eval("window.scrollTo(0, 0)");
    let shot = page.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("inventory-report.png"), &png).unwrap();

    // No script error, and no Content-Security-Policy violation (our own script is allowed by
    // its hash; anything else would have been reported here).
    page.eval("1");
    let problems: Vec<&Value> = page
        .events
        .iter()
        .filter(|e| {
            e["method"] == "Runtime.exceptionThrown"
                || (e["method"] == "Log.entryAdded"
                    && (e["params"]["entry"]["level"] == "error"
                        || e["params"]["entry"]["source"] == "security"))
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// How a large report behaves in the browser: time to load, to sort every row, to filter.
/// Run by `benches/inventory-scale.sh` (with `INVENTORY_HTML` set to the report); not part of
/// the test suite.
#[test]
#[ignore = "benchmark: benches/inventory-scale.sh runs it"]
fn inventory_scale_in_chromium() {
    let report = std::env::var("INVENTORY_HTML").expect("INVENTORY_HTML=path/to/report.html");
    let report = std::fs::canonicalize(report).expect("report");
    let browser = Browser::start(&chromium().expect("chromium"));
    let mut page = browser.page();
    page.call("Page.enable", json!({}));
    page.call("Runtime.enable", json!({}));
    let started = Instant::now();
    page.call(
        "Page.navigate",
        json!({"url": format!("file://{}", report.display())}),
    );
    page.wait_for("Page.loadEventFired");
    let load = started.elapsed();
    let rows = page.eval("document.querySelectorAll('tbody.cred').length");
    let started = Instant::now();
    page.click("th[data-key=age] button");
    let ages = page.column("age");
    let sort = started.elapsed();
    assert!(sorted(&ages, true));
    let started = Instant::now();
    page.click("#q");
    page.call("Input.insertText", json!({"text": "stripe"}));
    let shown = page.eval("document.getElementById('count').textContent");
    let filter = started.elapsed();
    let started = Instant::now();
    page.eval(&format!(
        "{VISIBLE}[0].querySelector('summary').id = 'first-summary'"
    ));
    page.click("#first-summary");
    let open = started.elapsed();
    println!(
        "rows {rows}; load {:.2}s; sort by age {:.0} ms; filter {:.0} ms ({}); open details {:.0} ms",
        load.as_secs_f64(),
        sort.as_secs_f64() * 1e3,
        filter.as_secs_f64() * 1e3,
        shown.as_str().unwrap_or(""),
        open.as_secs_f64() * 1e3
    );
}
