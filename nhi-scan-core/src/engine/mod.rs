//! The compiled rule set: takes bytes, returns matches. It knows nothing of files, git or images.
//!
//! Three stages: the keyword [`gate`] finds keyword occurrences; only the rules owning a hit
//! keyword run, each over a window around the hit no wider than its longest possible match;
//! candidates then pass the [`crate::filters`] (placeholder, entropy, checksum).

mod assign;
mod block;
mod boundary;
mod command;
mod decode;
mod encoded;
mod escape;
mod gate;
mod positional;
mod sql;
mod trigrams;
mod whole_file;
mod words;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use regex_automata::Input;
use regex_automata::meta;
use regex_automata::util::captures::Captures;

use crate::filters;
use crate::finding::RuleInfo;
use crate::rules::{AllowTarget, Checksum, Kind, LoadedRule, RuleError, RuleOrigin, RuleSet};
use assign::{Assign, AssignScratch};
pub use decode::Encoding;
use decode::{Decoder, MAX_DEPTH};
use gate::{Gate, Hit};
pub(crate) use whole_file::{may_be_login_file, single_value};

/// Window (bytes each side of a keyword) for rules whose pattern has no maximum length.
const UNBOUNDED_WINDOW: usize = 512;
/// Lazy-DFA cache per rule regex and thread. Windows are small, so a regex needs few DFA states;
/// the default (2 MiB) times hundreds of rules times threads made peak memory several times larger.
const HYBRID_CACHE: usize = 128 * 1024;
/// Upper bound on any window, so one pathological rule cannot make every hit expensive.
pub(crate) const MAX_WINDOW: usize = 16 * 1024;

/// One rule match inside a haystack. Offsets are byte offsets into the scanned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`Scanner::rules`].
    pub rule: usize,
    /// The whole regex match.
    pub span: Range<usize>,
    /// The `secret` group.
    pub secret: Range<usize>,
    /// The companion value found near the match, if the rule has one and it was found.
    pub companion: Option<Range<usize>>,
    /// Set when the secret was found inside encoded text: then `span` and `secret` both cover
    /// the encoded text, and the decoded secret is here.
    pub decoded: Option<Box<Decoded>>,
}

/// A secret found by decoding (base64, percent) and scanning the decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The outermost encoding.
    pub encoding: Encoding,
    /// The decoded secret.
    pub secret: Vec<u8>,
    /// The decoded companion value, if any.
    pub companion: Option<Vec<u8>>,
}

/// Marks a `keyword_rules` entry that names a decoder rather than a rule.
const DECODER: u32 = 1 << 31;
/// Marks a `keyword_rules` entry that starts the assignment engine.
const ASSIGN: u32 = 1 << 30;
/// Marks a `keyword_rules` entry that starts the provider-call check of the assignment engine.
const ASSIGN_CALL: u32 = (1 << 30) | 1;
/// Marks a `keyword_rules` entry that starts unescaping (see [`escape`]).
const ESCAPE: u32 = (1 << 30) | 2;

struct CompiledRule {
    loaded: LoadedRule,
    /// Built on first use: most rules never fire on a given input, and compiling hundreds of
    /// regexes up front would dominate a pre-commit run.
    regex: OnceLock<Result<meta::Regex, String>>,
    companion: OnceLock<Option<meta::Regex>>,
    /// Bytes searched each side of a keyword hit: the pattern's longest match (known once it is
    /// parsed, on the first hit).
    window: OnceLock<usize>,
    specificity: usize,
    /// What hits and findings of this rule carry, made on its first hit.
    info: OnceLock<Arc<RuleInfo>>,
    /// What the byte before a keyword hit must not be for this rule to match there (see
    /// [`boundary`]).
    left: Option<boundary::Boundary>,
}

/// User rules kept compiled from load (see [`Scanner::new`]).
const EAGER_USER_RULES: usize = 2_000;

/// See [`Scanner::login_pair_rule`].
const LOGIN_PAIR_RULE: &str = "config.basic-credentials-encoded";

fn build_rule_regex(rule: &LoadedRule) -> Result<meta::Regex, String> {
    build_regex(&rule.parsed()?.hir)
}

fn build_regex(hir: &regex_syntax::hir::Hir) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .hybrid_cache_capacity(HYBRID_CACHE),
        )
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

impl CompiledRule {
    fn window(&self) -> usize {
        *self.window.get_or_init(|| match self.loaded.parsed() {
            Ok(p) => p.max_len.unwrap_or(UNBOUNDED_WINDOW).min(MAX_WINDOW),
            Err(_) => 0,
        })
    }

    fn regex(&self) -> Option<&meta::Regex> {
        self.regex
            .get_or_init(|| build_rule_regex(&self.loaded))
            .as_ref()
            .ok()
    }

    fn companion(&self) -> Option<&meta::Regex> {
        self.companion
            .get_or_init(|| {
                let parsed = self.loaded.parsed().ok()?;
                parsed
                    .companion_hir
                    .as_ref()
                    .and_then(|(h, _)| build_regex(h).ok())
            })
            .as_ref()
    }
}

/// A compiled rule set, built once and shared by reference across threads (it is `Sync`); each
/// thread brings its own [`Scratch`].
pub struct Scanner {
    rules: Vec<CompiledRule>,
    pub(crate) gate: Gate,
    /// For each gate keyword, the rules that own it.
    keyword_rules: Vec<Vec<u32>>,
    decoders: Vec<Decoder>,
    assign: Assign,
    allow_markers: [memchr::memmem::Finder<'static>; 2],
    /// Rule ids, for allow comments naming rules.
    ids: std::collections::HashSet<Box<[u8]>>,
    /// The rule that reports a base64 run whose whole text is a `login:password` pair.
    login_pair_rule: Option<usize>,
}

/// Per-thread working memory, reused across haystacks so scanning does not allocate per file.
pub struct Scratch {
    hits: Vec<Hit>,
    windows: Vec<(u32, usize, usize)>,
    /// Secrets a provider rule recognised by shape but rejected by checksum (proven not to be
    /// that provider's token) or allowed by its allowlist: generic rules must not report the
    /// same bytes either.
    vetoes: Vec<Range<usize>>,
    /// Per rule, boxed: a slot is a pointer until the rule first runs, so a thread's scratch for
    /// 100k configured rules is under a megabyte, not 100k inline caches.
    engines: Vec<Option<Box<(meta::Cache, Captures)>>>,
    companion_caches: Vec<Option<Box<meta::Cache>>>,
    decode_windows: Vec<(u32, usize, usize)>,
    /// Per rule, the window being grown while hits are walked in order (`0..0`: none).
    open: Vec<Range<usize>>,
    /// Rules with an open window.
    touched: Vec<u32>,
    decoded: Vec<u8>,
    /// Trigger-word hits for the assignment engine (keyword spans, in order).
    assign_hits: Vec<Range<usize>>,
    /// Provider-word hits for the provider-call check.
    call_hits: Vec<Range<usize>>,
    call_found: Vec<(Range<usize>, u32)>,
    /// Escaped-newline hits for unescaping (see [`escape`]).
    escape_hits: Vec<usize>,
    unescaped: escape::Unescaped,
    /// Encoded runs found in the haystack.
    runs: Vec<encoded::Run>,
    assign: AssignScratch,
    /// Working memory for scanning decoded text (one level deeper), made on first use.
    nested: Option<Box<Scratch>>,
}

impl Scanner {
    /// Compiles a rule set. Rules from user files are compiled eagerly, so that a regex that
    /// parses but cannot be built is reported now (and left out) rather than silently never
    /// matching; built-in rules compile lazily, on their first keyword hit (the test suite
    /// compiles them all).
    pub fn new(set: RuleSet) -> (Scanner, Vec<RuleError>) {
        let mut errors = Vec::new();
        let mut keyword_index: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        let mut rules = Vec::new();
        let mut eager = 0;
        for loaded in set.rules().iter().cloned() {
            let longest_kw = loaded
                .rule
                .keywords
                .iter()
                .map(|k| k.len())
                .max()
                .unwrap_or(0);
            // Tiers: catch-all `generic.*` rules, then other generic-kind wrappers (`.npmrc`,
            // URL credentials), then provider rules ranked by their longest keyword.
            let specificity = if loaded.rule.kind != Kind::Generic {
                2 + longest_kw
            } else if loaded.rule.id.starts_with("generic.") {
                0
            } else {
                1
            };
            let left = boundary::left_boundary(&loaded.rule.pattern, &loaded.rule.keywords);
            let rule = CompiledRule {
                loaded,
                left,
                regex: OnceLock::new(),
                companion: OnceLock::new(),
                window: OnceLock::new(),
                specificity,
                info: OnceLock::new(),
            };
            if matches!(rule.loaded.origin, RuleOrigin::File(_)) {
                // The first user rules are kept compiled; past that each is compiled to check
                // it and dropped until its keyword first appears, so memory does not grow with
                // a huge configured rule list (100k gitleaks rules held 2.5 GB compiled).
                let checked = if eager < EAGER_USER_RULES {
                    eager += 1;
                    rule.regex
                        .get_or_init(|| build_rule_regex(&rule.loaded))
                        .as_ref()
                        .map(drop)
                        .map_err(Clone::clone)
                } else {
                    build_rule_regex(&rule.loaded).map(drop)
                };
                if let Err(problem) = checked {
                    errors.push(RuleError::Invalid {
                        origin: rule.loaded.origin.clone(),
                        id: rule.loaded.rule.id.clone(),
                        problem: format!("regex cannot be compiled: {problem}"),
                    });
                    continue;
                }
            }
            let idx = rules.len() as u32;
            for kw in &rule.loaded.rule.keywords {
                let key = kw.to_ascii_lowercase().into_bytes();
                let k = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    (keywords.len() - 1) as u32
                });
                keyword_rules[k as usize].push(idx);
            }
            rules.push(rule);
        }
        let assign = Assign::new(rules.iter().enumerate().filter_map(|(i, r)| {
            r.loaded
                .rule
                .context
                .as_ref()
                .map(|c| (i as u32, c, r.loaded.rule.kind == Kind::Generic))
        }));
        if !assign.is_empty() {
            let triggers = assign::triggers().map(|t| t.to_string());
            for kw in triggers.chain(assign.extra_keywords.iter().cloned()) {
                let key = kw.to_ascii_lowercase().into_bytes();
                let k = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    (keywords.len() - 1) as u32
                });
                keyword_rules[k as usize].push(ASSIGN);
            }
            let calls: Vec<Vec<u8>> = assign.call_keywords().map(|k| k.to_vec()).collect();
            for key in calls {
                let k = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    (keywords.len() - 1) as u32
                });
                keyword_rules[k as usize].push(ASSIGN_CALL);
            }
        }
        for key in escape::keywords() {
            let k = *keyword_index.entry(key.clone()).or_insert_with(|| {
                keywords.push(key);
                keyword_rules.push(Vec::new());
                (keywords.len() - 1) as u32
            });
            keyword_rules[k as usize].push(ESCAPE);
        }
        let decoders = decode::decoders();
        for (d, decoder) in decoders.iter().enumerate() {
            for kw in decoder.keywords {
                let key = kw.to_ascii_lowercase().into_bytes();
                let k = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    (keywords.len() - 1) as u32
                });
                keyword_rules[k as usize].push(DECODER | d as u32);
            }
        }
        let gate = Gate::new(&keywords);
        let ids = rules
            .iter()
            .map(|r| r.loaded.rule.id.as_bytes().into())
            .collect();
        (
            Scanner {
                ids,
                login_pair_rule: rules
                    .iter()
                    .position(|r| r.loaded.rule.id == LOGIN_PAIR_RULE),
                rules,
                gate,
                keyword_rules,
                decoders,
                assign,
                allow_markers: [
                    memchr::memmem::Finder::new(filters::ALLOW_MARKER).into_owned(),
                    memchr::memmem::Finder::new(filters::GITLEAKS_ALLOW_MARKER).into_owned(),
                ],
            },
            errors,
        )
    }

    /// The rules, indexed by [`Match::rule`].
    pub fn rule(&self, index: usize) -> &LoadedRule {
        &self.rules[index].loaded
    }

    /// What a hit of rule `index` carries about it (shared, made once).
    pub fn info(&self, index: usize) -> Arc<RuleInfo> {
        let r = &self.rules[index];
        Arc::clone(r.info.get_or_init(|| {
            let rule = &r.loaded.rule;
            Arc::new(RuleInfo {
                id: rule.id.clone(),
                name: rule.name.clone(),
                kind: rule.kind,
                description: rule.description.clone(),
                fix: rule.fix.clone(),
            })
        }))
    }

    /// The name of rule `index`'s companion value, if it has one.
    pub fn companion_name(&self, index: usize) -> Option<&str> {
        self.rules[index]
            .loaded
            .rule
            .companion
            .as_ref()
            .map(|c| c.name.as_str())
    }

    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Index of the rule with this id.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.loaded.rule.id == id)
    }

    /// Fresh working memory for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            hits: Vec::new(),
            windows: Vec::new(),
            vetoes: Vec::new(),
            engines: (0..self.rules.len()).map(|_| None).collect(),
            companion_caches: (0..self.rules.len()).map(|_| None).collect(),
            decode_windows: Vec::new(),
            open: vec![0..0; self.rules.len()],
            touched: Vec::new(),
            decoded: Vec::new(),
            assign_hits: Vec::new(),
            call_hits: Vec::new(),
            call_found: Vec::new(),
            escape_hits: Vec::new(),
            unescaped: escape::Unescaped::default(),
            runs: Vec::new(),
            assign: AssignScratch::default(),
            nested: None,
        }
    }

    /// Compiles every rule now; returns the ids and problems of those that fail.
    pub fn compile_all(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .filter(|r| !r.loaded.rule.pattern.is_empty())
            .filter_map(
                |r| match r.regex.get_or_init(|| build_rule_regex(&r.loaded)) {
                    Ok(_) => None,
                    Err(e) => Some((r.loaded.rule.id.clone(), e.clone())),
                },
            )
            .collect()
    }

    /// Scans `hay`, appending matches to `out` (sorted by secret start). Where rules overlap on
    /// the same bytes only the most specific match is kept.
    pub fn scan(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        let first = out.len();
        self.scan_all(hay, scratch, out);
        resolve_overlaps(&self.rules, hay, out, first);
        // Allow comments are rare: one SIMD pass decides whether any line can hold one, so the
        // per-match line lookups (which cost a line's length each, ruinous on minified files
        // with thousands of matches on one line) run only in files that have a marker.
        if out.len() == first || !self.allow_markers.iter().any(|f| f.find(hay).is_some()) {
            return;
        }
        let is_rule = |w: &[u8]| self.ids.contains(w);
        let mut seen = 0;
        out.retain(|m| {
            seen += 1;
            seen <= first
                || !filters::inline_allowed(
                    hay,
                    m.secret.clone(),
                    &self.rules[m.rule].loaded.rule.id,
                    &is_rule,
                )
        });
    }

    /// Like [`Scanner::scan`] but keeps every rule's match, overlapping or not (for rule checks).
    pub fn scan_all(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        self.scan_at(hay, scratch, out, 0);
    }

    fn scan_at(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>, depth: usize) {
        if depth < MAX_DEPTH {
            self.encoded_runs(hay, scratch, out, depth);
        }
        scratch.hits.clear();
        self.gate.find(hay, &mut scratch.hits);
        if scratch.hits.is_empty() {
            return;
        }
        scratch.windows.clear();
        scratch.decode_windows.clear();
        scratch.assign_hits.clear();
        scratch.call_hits.clear();
        scratch.escape_hits.clear();
        // Hits arrive nearly sorted (the gate works forwards in small blocks), so this is cheap,
        // and it lets each rule's overlapping windows merge on the fly with no window sort.
        scratch.hits.sort_unstable_by_key(|h| h.start);
        for hit in &scratch.hits {
            let kw_len = self.gate.keyword_len(hit.keyword);
            for &r in &self.keyword_rules[hit.keyword as usize] {
                if r == ASSIGN {
                    scratch.assign_hits.push(hit.start..hit.start + kw_len);
                    continue;
                }
                if r == ASSIGN_CALL {
                    scratch.call_hits.push(hit.start..hit.start + kw_len);
                    continue;
                }
                if r == ESCAPE {
                    scratch.escape_hits.push(hit.start);
                    continue;
                }
                if r & DECODER != 0 {
                    let d = &self.decoders[(r & !DECODER) as usize];
                    let (start, end) = d.window(hay, hit.start..hit.start + kw_len);
                    scratch.decode_windows.push((r & !DECODER, start, end));
                    continue;
                }
                let rule = &self.rules[r as usize];
                if let Some(b) = rule.left
                    && b.blocks(hay, hit.start)
                {
                    continue;
                }
                let w = rule.window();
                let start = hit.start.saturating_sub(w);
                let end = (hit.start + kw_len).saturating_add(w).min(hay.len());
                let open = &mut scratch.open[r as usize];
                if open.end == 0 {
                    scratch.touched.push(r);
                    *open = start..end;
                } else if start <= open.end {
                    open.end = open.end.max(end);
                } else {
                    scratch.windows.push((r, open.start, open.end));
                    *open = start..end;
                }
            }
        }
        for &r in &scratch.touched {
            let open = std::mem::replace(&mut scratch.open[r as usize], 0..0);
            scratch.windows.push((r, open.start, open.end));
        }
        scratch.touched.clear();
        scratch.vetoes.clear();
        let first = out.len();
        for i in 0..scratch.windows.len() {
            let (r, start, end) = scratch.windows[i];
            self.confirm(r as usize, hay, start..end, scratch, out);
        }
        if !scratch.assign_hits.is_empty() {
            self.assignments(hay, scratch, out);
        }
        if !scratch.call_hits.is_empty() {
            self.provider_calls(hay, scratch, out);
        }
        if !scratch.vetoes.is_empty() {
            let vetoes = &scratch.vetoes;
            let mut seen = 0;
            out.retain(|m| {
                seen += 1;
                seen <= first // matches from earlier haystacks are not ours to touch
                    || self.rules[m.rule].specificity > 1
                    || !vetoes.iter().any(|v| v.start < m.secret.end && m.secret.start < v.end)
            });
        }
        if depth < MAX_DEPTH && !scratch.decode_windows.is_empty() {
            self.decode_and_scan(hay, scratch, out, depth);
        }
        if depth < MAX_DEPTH && !scratch.escape_hits.is_empty() {
            self.unescape_and_scan(hay, scratch, out, depth);
        }
    }

    /// Decodes the base64 and hex runs of `hay` that decode to text (see [`encoded`]), scans
    /// them one level deeper, and reports what they hold at the encoded run. The decoded bytes
    /// per haystack are bounded by its length.
    fn encoded_runs(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>, depth: usize) {
        let mut runs = std::mem::take(&mut scratch.runs);
        runs.clear();
        encoded::runs(hay, &mut runs);
        if runs.is_empty() {
            scratch.runs = runs;
            return;
        }
        let mut decoded = std::mem::take(&mut scratch.decoded);
        let mut nested_out = Vec::new();
        let mut budget = hay.len();
        for run in &runs {
            let enc = &hay[run.range.clone()];
            if enc.len() > budget {
                break;
            }
            budget -= enc.len();
            if !encoded::decode_run(run.encoding, enc, &mut decoded) {
                continue;
            }
            let before = out.len();
            self.scan_nested(
                &decoded,
                (&mut scratch.nested, &mut nested_out, out),
                depth,
                run.encoding,
                |_| (run.range.clone(), run.range.clone()),
            );
            // What HTTP Basic sends, with no name around it (a notebook's output, a log line):
            // a run whose whole text is `login:password` is that credential.
            if out.len() == before
                && run.encoding == Encoding::Base64
                && let Some(r) = self.login_pair_rule
                && assign::login_pair(&decoded)
                && matches!(self.verdict(&self.rules[r], enc), Verdict::Accept)
                && !self.allowlisted(&self.rules[r], hay, run.range.clone(), run.range.clone())
            {
                out.push(Match {
                    rule: r,
                    span: run.range.clone(),
                    secret: run.range.clone(),
                    companion: None,
                    decoded: None,
                });
            }
        }
        scratch.decoded = decoded;
        scratch.runs = runs;
    }

    /// Scans `text` (decoded or unescaped from the haystack) one level deeper and reports each
    /// match in the haystack: `place` gives its (span, secret) there, the decoded secret and
    /// companion travel in [`Decoded`]. One place for the three passes that look inside text.
    fn scan_nested(
        &self,
        text: &[u8],
        (nested, nested_out, out): (&mut Option<Box<Scratch>>, &mut Vec<Match>, &mut Vec<Match>),
        depth: usize,
        encoding: Encoding,
        place: impl Fn(&Match) -> (Range<usize>, Range<usize>),
    ) {
        let nested = nested.get_or_insert_with(|| Box::new(self.scratch()));
        nested_out.clear();
        self.scan_at(text, nested, nested_out, depth + 1);
        resolve_overlaps(&self.rules, text, nested_out, 0);
        for inner in nested_out.drain(..) {
            let (span, at) = place(&inner);
            let (secret, companion) = match inner.decoded {
                Some(d) => (d.secret, d.companion),
                None => (
                    text[inner.secret].to_vec(),
                    inner.companion.map(|c| text[c].to_vec()),
                ),
            };
            out.push(Match {
                rule: inner.rule,
                span,
                secret: at,
                companion: None,
                decoded: Some(Box::new(Decoded {
                    encoding,
                    secret,
                    companion,
                })),
            });
        }
    }

    /// Unescapes the JSON strings (and arrays of strings) around escaped line breaks, scans the
    /// text one level deeper, and reports each match at the escaped bytes it came from.
    fn unescape_and_scan(
        &self,
        hay: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
        depth: usize,
    ) {
        let hits = std::mem::take(&mut scratch.escape_hits);
        let mut u = std::mem::take(&mut scratch.unescaped);
        let mut nested_out = Vec::new();
        let mut done = 0;
        for &hit in &hits {
            if hit < done {
                continue;
            }
            let Some(region) = escape::unescape_around(hay, hit, &mut u) else {
                done = hit + 1;
                continue;
            };
            done = region.end;
            self.scan_nested(
                &u.text,
                (&mut scratch.nested, &mut nested_out, out),
                depth,
                Encoding::Escaped,
                |inner| (u.source(inner.span.clone()), u.source(inner.secret.clone())),
            );
        }
        scratch.escape_hits = hits;
        scratch.unescaped = u;
    }

    /// Runs the decoders whose keywords hit, scans what they decode one level deeper, and
    /// reports those matches at the encoded text.
    fn decode_and_scan(
        &self,
        hay: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
        depth: usize,
    ) {
        scratch.decode_windows.sort_unstable();
        let windows = std::mem::take(&mut scratch.decode_windows);
        let mut decoded = std::mem::take(&mut scratch.decoded);
        let mut nested_out = Vec::new();
        let mut i = 0;
        while i < windows.len() {
            let (d, start, mut end) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == d && windows[i].1 <= end {
                end = end.max(windows[i].2);
                i += 1;
            }
            let decoder = &self.decoders[d as usize];
            let mut caps = decoder.regex.create_captures();
            let mut pos = start;
            while pos < end {
                decoder
                    .regex
                    .search_captures(&Input::new(hay).range(pos..end), &mut caps);
                let Some(m) = caps.get_match() else { break };
                pos = m.end().max(m.start() + 1);
                let Some(enc) = caps.get_group_by_name("enc") else {
                    continue;
                };
                if !decode::decode(decoder.encoding, &hay[enc.range()], &mut decoded) {
                    continue;
                }
                if let Some(name) = caps.get_group_by_name("name") {
                    decode::named_value(&hay[name.range()], &mut decoded);
                } else if let Some(name) = decoder.implied_name {
                    // A login pair's second half is a password, and judged as people choose one.
                    if assign::login_pair(&decoded) {
                        decode::named_value(b"decoded_password", &mut decoded);
                    } else if decoder.named || assign::decoded_credential(&decoded) {
                        decode::named_value(name.as_bytes(), &mut decoded);
                    }
                }
                self.scan_nested(
                    &decoded,
                    (&mut scratch.nested, &mut nested_out, out),
                    depth,
                    decoder.encoding,
                    |_| (enc.range(), enc.range()),
                );
            }
        }
        scratch.decode_windows = windows;
        scratch.decoded = decoded;
    }

    /// Runs the assignment engine over the trigger-word hits, once per identifier. The engine
    /// names candidate rules best first; the first whose filters accept the value reports it.
    fn assignments(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        let mut hits = std::mem::take(&mut scratch.assign_hits);
        // Of hits at one offset the longest keyword comes first, so that a positional call
        // (`secretvalue.unsafeplaintext(`) is read before the shorter trigger inside it
        // (`secret`) claims the identifier.
        hits.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        let mut done = 0;
        // The regions of the last table read by column (its rows, or its column's cells):
        // their words are values, while the other names of its header still get their turn.
        let mut rows: Vec<std::ops::Range<usize>> = Vec::new();
        let mut next_row = 0;
        for hit in &hits {
            while rows.get(next_row).is_some_and(|r| r.end <= hit.start) {
                next_row += 1;
            }
            if hit.start < done && !positional::call_hit(&hay[hit.clone()])
                || rows.get(next_row).is_some_and(|r| r.contains(&hit.start))
            {
                continue;
            }
            let (end, found) = self.assign.find(hay, hit.clone(), &mut scratch.assign);
            done = done.max(end);
            // A command's further secret arguments, after the one `find` returned.
            let mut more = std::mem::take(&mut scratch.assign.more);
            match found {
                Some(a) => self.report_assignment(hay, a, scratch, out),
                None if more.is_empty() => {
                    let mut cells = Vec::new();
                    if let Some(r) =
                        self.assign
                            .csv_column(hay, hit.clone(), &mut scratch.assign, &mut cells)
                    {
                        // A second credential column of the same header adds its cells.
                        rows.retain(|x| x.end > hit.start);
                        rows.extend(r);
                        rows.sort_unstable_by_key(|x| x.start);
                        next_row = 0;
                        for (a, order) in cells {
                            scratch.assign.order = order;
                            self.report_assignment(hay, a, scratch, out);
                        }
                    }
                }
                None => {}
            }
            for (a, order) in more.drain(..) {
                scratch.assign.order = order;
                self.report_assignment(hay, a, scratch, out);
            }
            scratch.assign.more = more;
        }
        scratch.assign_hits = hits;
    }

    /// Reports an assignment's value under the first rule of `scratch.assign.order` that
    /// accepts it.
    fn report_assignment(
        &self,
        hay: &[u8],
        a: assign::Assignment,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        if scratch
            .vetoes
            .iter()
            .any(|v| v.start < a.value.end && a.value.start < v.end)
        {
            // A provider rule recognised these bytes and rejected their checksum: no name
            // makes them a credential.
            return;
        }
        if assign::redaction_sample(hay, a.name.start) {
            return;
        }
        let value = a.value_bytes(hay);
        // A script variable's value lies before the slot that names it (`T=...`, `Bearer $T`).
        let span = a.name.start.min(a.value.start)..a.value.end.max(a.name.end);
        let mut chosen = None;
        for &r in &scratch.assign.order {
            let rule = &self.rules[r as usize];
            match self.context_verdict(rule, value, a.human) {
                Verdict::Accept => {}
                Verdict::Reject => continue,
                Verdict::BadChecksum => {
                    scratch.vetoes.push(a.value.clone());
                    break;
                }
            }
            if !self.allowlisted(rule, hay, span.clone(), a.value.clone()) {
                chosen = Some(r as usize);
            }
            break;
        }
        let Some(r) = chosen else { return };
        let companion = self.find_companion(r, hay, span.clone(), &mut scratch.companion_caches);
        let decoded = a.decoded.map(|(secret, encoding)| {
            Box::new(Decoded {
                encoding,
                secret,
                companion: None,
            })
        });
        out.push(Match {
            rule: r,
            span,
            secret: a.value,
            companion,
            decoded,
        });
    }

    /// Literal arguments of calls whose callee names a provider (`TwilioClient("AC..", "..")`)
    /// that have the shape of that provider's key.
    fn provider_calls(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        let hits = std::mem::take(&mut scratch.call_hits);
        let mut done = 0;
        for hit in &hits {
            if hit.start < done {
                continue;
            }
            scratch.call_found.clear();
            done = self.assign.find_call(
                hay,
                hit.clone(),
                &mut scratch.assign,
                &mut scratch.call_found,
            );
            let mut last: Option<Range<usize>> = None;
            for (v, r) in std::mem::take(&mut scratch.call_found) {
                if last.as_ref() == Some(&v) {
                    continue;
                }
                let rule = &self.rules[r as usize];
                if !matches!(
                    self.context_verdict(rule, &hay[v.clone()], false),
                    Verdict::Accept
                ) || self.allowlisted(rule, hay, v.clone(), v.clone())
                {
                    continue;
                }
                last = Some(v.clone());
                out.push(Match {
                    rule: r as usize,
                    span: v.clone(),
                    secret: v,
                    companion: None,
                    decoded: None,
                });
            }
        }
        scratch.call_hits = hits;
    }

    /// [`Scanner::verdict`] for a value found by its context, with the entropy bar capped by
    /// the value's alphabet and length (see [`assign::context_entropy_bar`]).
    fn context_verdict(&self, rule: &CompiledRule, value: &[u8], human: bool) -> Verdict {
        let spec = &rule.loaded.rule;
        if let Some(c) = spec.checksum {
            return match filters::verify(c, value) {
                true => self.verdict(rule, value),
                false => Verdict::BadChecksum,
            };
        }
        if spec.placeholder_check && not_a_secret(value) {
            return Verdict::Reject;
        }
        if let Some(min) = spec.min_entropy
            && filters::shannon_entropy(value) < assign::context_entropy_bar(min, value, human)
            // A word said twice (`Monsoon-Monsoon-743`) adds no entropy; the password is judged
            // as if said once.
            && !(human
                && assign::said_once(value).is_some_and(|v| {
                    filters::shannon_entropy(&v) >= assign::context_entropy_bar(min, &v, true)
                }))
        {
            return Verdict::Reject;
        }
        Verdict::Accept
    }

    fn confirm(
        &self,
        r: usize,
        hay: &[u8],
        range: Range<usize>,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let rule = &self.rules[r];
        let Some(re) = rule.regex() else { return };
        let (cache, caps) = &mut **scratch.engines[r]
            .get_or_insert_with(|| Box::new((re.create_cache(), re.create_captures())));
        let mut pos = range.start;
        while pos <= range.end {
            let input = Input::new(hay).range(pos..range.end);
            re.search_captures_with(cache, &input, caps);
            let Some(m) = caps.get_match() else { break };
            pos = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            let Ok(parsed) = rule.loaded.parsed() else {
                break;
            };
            let Some(secret) = caps.get_group(parsed.secret_group) else {
                continue;
            };
            if secret.is_empty() || names_an_identifier(rule, &hay[m.start()..secret.start]) {
                continue;
            }
            match self.verdict(rule, &hay[secret.range()]) {
                Verdict::Accept => {}
                Verdict::Reject => continue,
                // A provider's checksum proves the bytes are not its token; a failed
                // `user:password` decoding only proves they are no Basic pair, and a name
                // around them may still make them a credential.
                Verdict::BadChecksum if rule.loaded.rule.checksum == Some(Checksum::BasicAuth) => {
                    continue;
                }
                Verdict::BadChecksum => {
                    scratch.vetoes.push(secret.range());
                    continue;
                }
            }
            if self.allowlisted(rule, hay, m.range(), secret.range()) {
                // The rule knows these bytes and allows them (a Firebase client key): a
                // generic name around them does not make them a secret again.
                scratch.vetoes.push(secret.range());
                continue;
            }
            let companion = self.find_companion(r, hay, m.range(), &mut scratch.companion_caches);
            out.push(Match {
                rule: r,
                span: m.range(),
                secret: secret.range(),
                companion,
                decoded: None,
            });
        }
    }

    /// The rule's configured exceptions: stopwords in the secret, or allow regexes on the
    /// secret, the whole match or the line.
    fn allowlisted(
        &self,
        rule: &CompiledRule,
        hay: &[u8],
        span: Range<usize>,
        secret: Range<usize>,
    ) -> bool {
        let allow = &rule.loaded.rule.allowlist;
        if allow.stopwords.is_empty() && rule.loaded.allow_sets.is_empty() {
            return false;
        }
        let s = &hay[secret.clone()];
        if allow.stopwords.iter().any(|w| {
            let w = w.as_bytes();
            s.windows(w.len().max(1)).any(|x| x.eq_ignore_ascii_case(w))
        }) {
            return true;
        }
        rule.loaded.allow_sets.iter().any(|set| {
            let target = match set.target {
                AllowTarget::Secret => secret.clone(),
                AllowTarget::Match => span.clone(),
                AllowTarget::Line => lines_around(hay, span.clone(), 0),
                AllowTarget::Nearby => lines_around(hay, span.clone(), crate::rules::NEARBY_LINES),
            };
            set.regex.is_match(Input::new(&hay[target]))
        })
    }

    fn verdict(&self, rule: &CompiledRule, secret: &[u8]) -> Verdict {
        let spec = &rule.loaded.rule;
        // A verified checksum outranks the placeholder heuristics: a random body contains
        // `xxxx` about once in 28,000 tokens, and a placeholder with a valid CRC is no placeholder.
        // A JWT's "checksum" is only a well-formed header, which the jwt.io sample has too, and
        // a Basic credential's only its shape.
        let checksum_ok = match spec.checksum {
            Some(c) if !filters::verify(c, secret) => return Verdict::BadChecksum,
            Some(c) => !matches!(c, Checksum::Jwt | Checksum::BasicAuth),
            None => false,
        };
        if spec.placeholder_check && !checksum_ok && not_a_secret(secret) {
            return Verdict::Reject;
        }
        // A password in a connection string or URI is chosen by a person, not generated: its
        // bar follows its length and composition, as a password found by name does
        // (`postgresql://app:5JXRz62K6J@db`), while `postgres:postgres` stays out.
        // So is the password of a login written on a command line or in a URL
        // (`curl -u admin:Coilsilo46W`, `http://root:Rotor1996x@10.40.7.31/`).
        let human = spec.kind == crate::rules::Kind::DbCredential || chosen_by_people(&spec.id);
        if let Some(min) = spec.min_entropy
            && filters::shannon_entropy(secret) < assign::context_entropy_bar(min, secret, human)
        {
            return Verdict::Reject;
        }
        Verdict::Accept
    }

    fn find_companion(
        &self,
        r: usize,
        hay: &[u8],
        span: Range<usize>,
        caches: &mut [Option<Box<meta::Cache>>],
    ) -> Option<Range<usize>> {
        let rule = &self.rules[r];
        let spec = rule.loaded.rule.companion.as_ref()?;
        let re = rule.companion()?;
        let group = rule
            .loaded
            .parsed()
            .ok()?
            .companion_hir
            .as_ref()
            .and_then(|(_, g)| *g);
        let cache = &mut **caches[r].get_or_insert_with(|| Box::new(re.create_cache()));
        let mut caps = re.create_captures();
        let lo = span.start.saturating_sub(spec.within);
        let hi = span.end.saturating_add(spec.within).min(hay.len());
        let mut best: Option<(usize, Range<usize>)> = None;
        let mut pos = lo;
        while pos < hi {
            re.search_captures_with(cache, &Input::new(hay).range(pos..hi), &mut caps);
            let Some(m) = caps.get_match() else { break };
            pos = m.end().max(m.start() + 1);
            let v = group.and_then(|g| caps.get_group(g)).unwrap_or(m.span());
            let dist = if v.end <= span.start {
                span.start - v.end
            } else {
                v.start.saturating_sub(span.end)
            };
            if best.as_ref().is_none_or(|(d, _)| dist < *d) {
                best = Some((dist, v.range()));
            }
        }
        best.map(|(_, r)| r)
    }
}

enum Verdict {
    Accept,
    Reject,
    BadChecksum,
}

/// Keeps, among matches whose secrets overlap, the most specific rule's (non-generic over
/// generic, then decoded over encoded, then the longer keyword, then the longer secret).
fn resolve_overlaps(rules: &[CompiledRule], hay: &[u8], out: &mut Vec<Match>, first: usize) {
    let tail = &mut out[first..];
    if tail.len() < 2 {
        return;
    }
    // A provider match found by decoding beats one on the encoded text itself (the Docker `auth`
    // blob is less useful than the registry token inside it); a generic one does not. Unescaping is not decoding in that
    // sense: a rule that reads the escaped text as written (a service-account JSON with `\n` in
    // its key) knows more than one that matched the unescaped PEM inside it.
    let score = |m: &Match| {
        let specific = rules[m.rule].specificity > 1;
        let decoded = m
            .decoded
            .as_ref()
            .is_some_and(|d| d.encoding != decode::Encoding::Escaped);
        // Between generic matches, the encoded value itself under its own name
        // (`NEPTUNE_API_TOKEN=<base64 JSON>`) is the credential, not a field decoded from it.
        (
            specific,
            specific && decoded,
            rules[m.rule].specificity,
            !specific && !decoded,
            m.secret.len(),
        )
    };
    tail.sort_unstable_by(|a, b| {
        a.secret
            .start
            .cmp(&b.secret.start)
            .then(score(b).cmp(&score(a)))
    });
    let mut kept: Vec<Match> = Vec::with_capacity(tail.len());
    for m in tail.iter() {
        // Two secrets decoded from the same encoded run (an access and a refresh token in one
        // base64 JSON) are two credentials, not one found twice.
        let distinct_decoded = |last: &Match| match (&m.decoded, &last.decoded) {
            (Some(a), Some(b)) => a.secret != b.secret && m.span == last.span,
            _ => false,
        };
        if let Some(last) = kept.last_mut()
            && m.secret.start < last.secret.end
            && !distinct_decoded(last)
        {
            // The same rule found both directly and inside an encoded run around it (a token
            // in a percent-encoded query string): the direct match pinpoints it.
            let better = if m.rule == last.rule && m.decoded.is_some() != last.decoded.is_some() {
                m.decoded.is_none()
            } else if m.rule == last.rule && m.decoded.is_some() && last.decoded.is_some() {
                // Both decoded: the value decoded alone (a form field's `%26`) pinpoints it,
                // where the whole run's decoding (the form body) cuts values at decoded `&`.
                m.secret.len() < last.secret.len()
            } else {
                score(m) > score(last)
            };
            if better {
                *last = m.clone();
            }
            continue;
        }
        kept.push(m.clone());
    }
    drop_redundant_basic_auth(rules, hay, &mut kept);
    out.truncate(first);
    out.extend(kept);
}

/// A Docker config's entry holds one credential twice: `"password": "P"` and `"auth":
/// base64("user:P")`. The base64 pair (a basic-auth-checked match) is dropped where the same
/// password is reported within a few hundred bytes of it, so one leak is one finding, shown
/// as the password itself.
fn drop_redundant_basic_auth(rules: &[CompiledRule], hay: &[u8], kept: &mut Vec<Match>) {
    const NEAR: usize = 512;
    let basic = |m: &Match| {
        m.decoded.is_none()
            && rules[m.rule].loaded.rule.checksum == Some(crate::rules::Checksum::BasicAuth)
    };
    if kept.len() < 2 || !kept.iter().any(basic) {
        return;
    }
    let mut drop = vec![false; kept.len()];
    let mut text = Vec::new();
    for (i, m) in kept.iter().enumerate() {
        if !basic(m) || !decode::decode(decode::Encoding::Base64, &hay[m.secret.clone()], &mut text)
        {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', &text) else {
            continue;
        };
        let password = &text[colon + 1..];
        drop[i] = !password.is_empty()
            && kept.iter().enumerate().any(|(j, n)| {
                j != i
                    && n.decoded.is_none()
                    && n.span.start.abs_diff(m.span.start) <= NEAR
                    && hay.get(n.secret.clone()) == Some(password)
            });
    }
    let mut i = 0;
    kept.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

/// Whether the name a provider rule matched before its value (`TWITCH_CLIENT_ID=...` for a
/// `twitch[\w.-]{0,25}=` pattern) ends in a word that names an identifier, an address or an
/// account, not a secret: client ids and secrets often share one shape, and the name is the only
/// thing telling them apart. Rules whose own id names such a thing (`...-id`, `.username`) keep
/// their matches.
fn names_an_identifier(rule: &CompiledRule, before: &[u8]) -> bool {
    /// Beyond the shared list: a provider's name for a tenant or account (`SENTRY_ORG`).
    const ALSO_NOT_SECRET: &[&[u8]] = &[b"ids", b"org", b"account"];
    if rule.loaded.rule.kind == Kind::Generic {
        return false;
    }
    let name_len = before
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .count();
    let name = &before[..name_len];
    // Only `NAME = value` shapes: between the name and the value nothing but quotes, spaces and
    // one assignment operator (`Endpoint=...;AccessKey=<secret>` names the key, not the host).
    if !before[name_len..]
        .iter()
        .all(|b| matches!(b, b'"' | b'\'' | b' ' | b'\t' | b':' | b'=' | b'>'))
    {
        return false;
    }
    // The last word: after the last separator or lower-to-upper case change.
    let mut start = 0;
    for i in 1..name.len() {
        if !name[i - 1].is_ascii_alphanumeric()
            || (name[i - 1].is_ascii_lowercase() && name[i].is_ascii_uppercase())
        {
            start = i;
        }
    }
    let last = name[start..].to_ascii_lowercase();
    if last.is_empty()
        || !(words::NAMES_NO_SECRET.contains(&last.as_slice())
            || ALSO_NOT_SECRET.contains(&last.as_slice()))
    {
        return false;
    }
    let id = rule.loaded.rule.id.to_ascii_lowercase();
    let tail = id.rsplit(['.', '-']).next().unwrap_or("");
    !(tail.contains("id")
        || tail.contains("user")
        || tail.contains("account")
        || tail.contains("email"))
}

/// Whether a rule's secret is a password a person chose, by the rule's name (the part after the
/// provider): a password or passphrase (`config.curl-user-password`, `snmp.v3-auth-passphrase`)
/// or a URL's login (`config.url-credentials*`); no password a service generates (app
/// passwords, Terraform's `random_password`, 1Password's tokens, whose provider says password).
fn chosen_by_people(id: &str) -> bool {
    let name = id.rsplit_once('.').map_or(id, |(_, n)| n);
    (name.contains("password") || name.contains("passphrase"))
        && !name.contains("app-password")
        && !name.contains("random")
        || name.starts_with("url-credentials")
        || name.starts_with("uri-credentials")
}

/// Values a rule may match that are no credential: placeholders, references to a value kept
/// elsewhere (`sshpass -p "$NAS_PASSWORD"`), stored password hashes and ciphertext envelopes
/// (what a project should commit instead of the secret).
fn not_a_secret(value: &[u8]) -> bool {
    filters::is_placeholder(value)
        || assign::is_reference(value)
        || filters::is_stored_hash(value)
        || filters::is_ciphertext_envelope(value)
}

/// The lines holding `span`, with `extra` more lines on each side, each side at most
/// [`MAX_WINDOW`] bytes from the span (a minified file's lines are long).
fn lines_around(hay: &[u8], span: Range<usize>, extra: usize) -> Range<usize> {
    let floor = span.start.saturating_sub(MAX_WINDOW);
    let mut start = span.start;
    for _ in 0..=extra {
        match memchr::memrchr(b'\n', &hay[floor..start]) {
            Some(i) => start = floor + i,
            None => {
                start = floor;
                break;
            }
        }
    }
    // Past the newline the walk stopped at (not when it stopped at the floor).
    if start < span.start && hay[start] == b'\n' {
        start += 1;
    }
    let ceil = (span.end + MAX_WINDOW).min(hay.len());
    let mut end = span.end;
    for k in 0..=extra {
        match memchr::memchr(b'\n', &hay[end..ceil]) {
            Some(i) => end += i + usize::from(k < extra),
            None => {
                end = ceil;
                break;
            }
        }
    }
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(text: &str) -> Scanner {
        let mut set = RuleSet::empty();
        set.add_text(RuleOrigin::File("t.toml".into()), text);
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        let (s, errs) = Scanner::new(set.rules);
        assert!(errs.is_empty());
        s
    }

    const RULES: &str = r#"
[[rule]]
id = "t.specific"
name = "Specific"
kind = "vcs-token"
keywords = ["tok_"]
pattern = '\b(?P<secret>tok_[A-Za-z0-9]{12})\b'

[[rule]]
id = "t.generic"
name = "Generic"
kind = "generic"
keywords = ["secret"]
pattern = '(?i)secret\s*=\s*"(?P<secret>[^"]{8,64})"'
min_entropy = 2.5
"#;

    #[test]
    fn specific_rule_wins_over_generic_on_the_same_bytes() {
        let s = scanner(RULES);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        // nhi-scan:allow-next-line (fakes)
        let hay = br#"x = 1; secret = "tok_Ab3dE9gH2jK1" # and a lone tok_Zz9yX8wV7uT6"#;
        s.scan(hay, &mut scratch, &mut out);
        let got: Vec<(&str, &[u8])> = out
            .iter()
            .map(|m| (s.rule(m.rule).rule.id.as_str(), &hay[m.secret.clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("t.specific", &b"tok_Ab3dE9gH2jK1"[..]),
                ("t.specific", &b"tok_Zz9yX8wV7uT6"[..])
            ]
        );
    }

    #[test]
    fn a_name_ending_in_an_identifier_word_is_not_a_secret() {
        let s = scanner(
            r#"
[[rule]]
id = "t.acme-secret"
name = "Acme client secret"
kind = "saas-token"
keywords = ["acme"]
pattern = '''(?i:acme)[\w.-]{0,25}["']?\s{0,4}[:=]\s{0,4}["']?(?P<secret>[a-z0-9]{30})\b'''
"#,
        );
        let mut scratch = s.scratch();
        let found = |hay: &[u8], scratch: &mut Scratch| {
            let mut out = Vec::new();
            s.scan(hay, scratch, &mut out);
            out.len()
        };
        // nhi-scan:allow-next-line (fakes)
        assert_eq!(
            found(
                b"ACME_CLIENT_SECRET=q8x2kz7m4p9w1r5t3y6u0i8o2e4a6s",
                &mut scratch
            ),
            1
        );
        // nhi-scan:allow-next-line (fakes)
        assert_eq!(
            found(
                b"ACME_CLIENT_ID=q8x2kz7m4p9w1r5t3y6u0i8o2e4a6s",
                &mut scratch
            ),
            0
        );
        // nhi-scan:allow-next-line (fakes)
        assert_eq!(
            found(
                b"acmeClientId: \"q8x2kz7m4p9w1r5t3y6u0i8o2e4a6s\"",
                &mut scratch
            ),
            0
        );
    }

    #[test]
    fn word_boundaries_see_bytes_outside_the_window() {
        let s = scanner(RULES);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        // Long prefix glued to the token: `\b` must fail even though the window starts mid-word.
        let hay = format!("{}tok_Ab3dE9gH2jK1", "a".repeat(100));
        s.scan(hay.as_bytes(), &mut scratch, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn non_utf8_bytes_do_not_hide_matches() {
        let s = scanner(RULES);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        let hay = b"\xff\xfe\x80 tok_Ab3dE9gH2jK1 \xc3";
        s.scan(hay, &mut scratch, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn allowlists_and_inline_allows_drop_matches() {
        let with_allow = RULES.replace(
            "min_entropy = 2.5",
            "min_entropy = 2.5\nallowlist = { stopwords = [\"fixture\"], regexes = ['^Zz'] }",
        );
        let s = scanner(&with_allow);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        let hay =
            br#"secret = "Fixture9xQ2mL" and secret = "Zz9xQ2mLp4" and secret = "k9xQ2mLp4W""#; // nhi-scan:allow (fakes)
        s.scan(hay, &mut scratch, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(&hay[out[0].secret.clone()], b"k9xQ2mLp4W");
        out.clear();
        let hay = b"a tok_Ab3dE9gH2jK1 # nhi-scan:allow t.specific\nb tok_Zz9yX8wV7uT6 # nhi-scan:allow t.other\n";
        s.scan(hay, &mut scratch, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(&hay[out[0].secret.clone()], b"tok_Zz9yX8wV7uT6");
    }
}

/// Phase timings over a directory (`NHI_BENCH_DIR`), for tuning the hot path:
/// `NHI_BENCH_DIR=target/bench-corpus cargo test --release -p nhi-scan-core --lib phase_timings -- --ignored --nocapture`.
#[cfg(test)]
mod phase_bench {
    use super::*;
    use std::time::Instant;

    fn files(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => files(&p, out),
                Ok(t) if t.is_file() => {
                    if let Ok(b) = std::fs::read(&p)
                        && !b[..b.len().min(8192)].contains(&0)
                    {
                        out.push(b);
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    #[ignore]
    fn phase_timings() {
        let Some(dir) = std::env::var_os("NHI_BENCH_DIR") else {
            return;
        };
        let mut bufs = Vec::new();
        files(std::path::Path::new(&dir), &mut bufs);
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        let mb = total as f64 / 1e6;
        for round in 0..3 {
            let t = Instant::now();
            let mut hits = 0;
            for b in &bufs {
                scratch.hits.clear();
                s.gate.find(b, &mut scratch.hits);
                hits += scratch.hits.len();
            }
            let gate = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let mut runs = 0;
            for b in &bufs {
                scratch.runs.clear();
                encoded::runs(b, &mut scratch.runs);
                runs += scratch.runs.len();
            }
            let enc = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let mut found = 0;
            for b in &bufs {
                out.clear();
                s.scan(b, &mut scratch, &mut out);
                found += out.len();
            }
            let all = t.elapsed().as_secs_f64();
            eprintln!(
                "round {round}: {mb:.0} MB; gate {:.0} ms ({:.0} MB/s, {hits} hits); encoded runs {:.0} ms ({runs}); full scan {:.0} ms ({:.0} MB/s, {found} matches)",
                gate * 1e3,
                mb / gate,
                enc * 1e3,
                all * 1e3,
                mb / all
            );
        }
    }
}
