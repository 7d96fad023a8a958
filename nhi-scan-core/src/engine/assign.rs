//! The assignment engine: finds `name = value` in every syntax a project uses and decides on the
//! name's words whether the value is a credential, and whose.
//!
//! Why an engine and not regexes: a credential name comes in a dozen spellings (`DB_PASSWORD`,
//! `dbPassword`, `db-password`, `db.password`) and as many assignment syntaxes (shell, `.env`,
//! YAML maps and lists, JSON, XML elements and attributes, `name`/`value` pairs, Dockerfile
//! `ENV`, `os.environ[...] =`, keyword arguments, setter and constructor calls, CLI flags).
//! Regexes for every product of the two were the main source of misses, and the generic words
//! (`key`, `token`, `auth`) are the hottest keywords, so each hit must be cheap. Here each hit
//! costs a short forward scan for an operator; only the few that are followed by one are split
//! into words, and only those with a credential-like value are attributed to a rule.
//!
//! Attribution: a rule's [`Context`](crate::rules::Context) lists the names it reports (word
//! tails such as `auth token`), the provider words that must name it (in the identifier, or near
//! it: the same or two previous lines, a less-indented parent line, the `[section]` above) and
//! the shape of the value. A provider named in the identifier beats one named nearby, which beats
//! the generic rules. The engine returns the candidates in that order, so a rule that rejects
//! the value (entropy, placeholder) hands it to the next.
//!
//! All scans are bounded (identifier 64 bytes each way, values 1 KiB, context 4 KiB back), so the
//! cost is linear in the input.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::{Input, meta};

use super::words::{HEADS, Words, denied_qualifier};
use crate::rules::Context;

/// Bytes an identifier may extend each way from a keyword hit.
const MAX_IDENT: usize = 64;
/// Longest value considered.
const MAX_VALUE: usize = 1024;
/// How far back parent lines and section headers are looked for.
const CONTEXT_BACK: usize = 4096;
/// Bytes of the current line (each side of the name) searched for a provider word.
const LINE_CONTEXT: usize = 256;
/// How far into a block (`variable "x" {`, `NAME:` + indented lines) a `value`/`default` field
/// is looked for.
const BLOCK_SPAN: usize = 512;

/// Provider names that are also ordinary words in code or prose (`stream`, `render`, `linear`):
/// they count when they are part of the identifier, never as nearby evidence.
const COMMON_WORDS: &[&[u8]] = &[
    b"make",
    b"render",
    b"readme",
    b"linear",
    b"notion",
    b"meta",
    b"stream",
    b"square",
    b"stripe",
    b"slack",
    b"line",
    b"zoom",
    b"neon",
    b"atlas",
    b"convex",
    b"modal",
    b"chroma",
    b"segment",
    b"checkout",
    b"monday",
    b"brave",
    b"comet",
    b"drone",
    b"sauce",
    b"vault",
    b"wise",
    b"elastic",
    b"sanity",
    b"voyage",
    b"together",
    b"replicate",
    b"prefect",
    b"postman",
    b"confluent",
    b"fastly",
    b"runway",
    b"spaces",
    b"storage",
    b"blob",
    b"loops",
    b"resend",
    b"signing",
    b"turbo",
    b"page",
    b"mail",
    b"email",
    b"wallet",
    b"signer",
    b"deployer",
    b"box",
    b"amplitude",
    b"sonar",
    b"alchemy",
    b"railway",
    b"stability",
    b"leonardo",
];

/// Gate keywords that start the parser: every credential head word contains one, and the two
/// call names whose string arguments are a user and a password (`smtp.login("u", "p")`,
/// `DriverManager.getConnection(url, "u", "p")`).
pub(crate) const TRIGGERS: &[&str] = &[
    "pass",
    "pwd",
    "pswd",
    "secret",
    "token",
    "key",
    "credential",
    "_creds",
    "auth",
    // LDAP directives whose name holds no other trigger (`bindpw`, `ldap_bind_pw`, `rootpw`).
    "bindpw",
    "bind_pw",
    "rootpw",
    // SNMP community strings (`SNMP_COMMUNITY=`, `community: x`).
    "community",
    // `DB_PW=`, `adminPw: x`, `--db-pw x`, and prose (`the vpn pw is ...`).
    "_pw",
    "pw=",
    "pw:",
    "pw ",
    "pw\"",
    "pw'",
    // `<metarFeedPw>x</metarFeedPw>`, `cfg.setCrewPortalPw("x")`.
    "pw>",
    "pw(\"",
    // `sec` ending a name, as a secret's abbreviation (`sftpSec: x`, `dnp3_sa_sec = x`,
    // `setChargerSec("x")`); see `Words::split`.
    "sec=",
    "sec:",
    "sec =",
    "sec\"",
    "sec'",
    "sec(\"",
    // `pin` ending a name, as a passcode (`GATEWAY_PIN=`, `hmiPin: x`); see `Words::split`.
    "_pin",
    "pin=",
    "pin:",
    "pin \"",
    "pin '",
    "pin =",
    "pin\"",
    "pin'",
    "pin>",
    "pin(\"",
    // A subscriber export's IMSI column, beside its SIMs' keys (`imsi,iccid,ki,opc`).
    "imsi,",
    "imsi;",
    "imsi\t",
    // A CSV or TSV header cell (`loginid,teacherloginpw,schoolid`).
    "pw,",
    "pw\t",
    "login(",
    "getconnection(",
    // A personal access token after a provider's name (`GITHUB_PAT=`, `CLARIFAI_PAT: &str`,
    // `azdoPat:`); `_pat` alone would hit every `_path`.
    "_pat=",
    "_pat:",
    "_pat\"",
    "_pat'",
    "_pat ",
    "pat =",
    "pat:",
    // The password in other languages, as mails, chats and notes name it (`Passwort:`,
    // `Initialpasswort`, `wachtwoord`, `contraseña`, `senha`); `pass` covers `passwort`
    // and `passord`.
    "kennwort",
    "wachtwoord",
    "contrase",
    "senha",
    "salasana",
    "haslo",
    "heslo",
    "losenord",
];

/// Every gate keyword of the assignment engine: [`TRIGGERS`], the positional calls and the
/// commands whose arguments are secrets.
pub(crate) fn triggers() -> impl Iterator<Item = &'static str> {
    TRIGGERS
        .iter()
        .copied()
        .chain(super::positional::keywords())
        .chain(super::command::keywords())
}

/// The words before `key` in names whose values people choose like passwords (see
/// `Assign::finish`); session, client, app and service keys as often name a lookup key.
const CHOSEN_KEY_QUALIFIERS: &[&[u8]] = &[
    b"secret",
    b"encryption",
    b"fernet",
    b"unseal",
    b"master",
    b"api",
    b"access",
    b"auth",
    b"signing",
    b"sign",
    b"private",
    b"hmac",
    b"shared",
    b"admin",
    b"webhook",
];

/// Heads that are too common alone to report as generic (`key = ...`, `auth: ...`): they need
/// a qualifier word, from the name itself or from its parent.
const WEAK_HEADS: &[&[u8]] = &[b"key", b"auth", b"cred", b"secrets", b"authorization"];

/// Words in a name that make its value a digest or a ciphertext, never the credential itself.
const NOT_SECRET_WORDS: &[&[u8]] = &[
    // Published by design: `publicKeyToken`, `publishableKey`, `PublicToken`.
    b"public",
    b"publishable",
    // An Application Insights `InstrumentationKey` ships in every page's telemetry script.
    b"instrumentation",
    // `md5_cred` (split `md`, `5`, `cred`): an MD5 digest of the credentials (Asterisk,
    // Apache), not the credentials.
    b"md",
    b"hash",
    b"hashed",
    b"digest",
    b"checksum",
    b"fingerprint",
    b"encrypted",
    b"sealed",
    b"salt",
    b"id",
    b"ids",
    b"name",
    b"path",
    b"file",
    b"url",
    b"uri",
    b"endpoint",
    b"header",
    b"type",
    b"length",
    b"len",
    b"size",
];

/// One parsed assignment.
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    /// The name (without quotes or leading dashes).
    pub name: Range<usize>,
    /// The value (without quotes).
    pub value: Range<usize>,
    /// Whether the value was written in quotes.
    pub quoted: bool,
    /// A head word implied by the syntax rather than written (`login("u", "p")`: `password`).
    implied: Option<&'static [&'static [u8]]>,
    /// Found as a call's argument (`.key("...")`): the callee is the name, no parent applies.
    call: bool,
    /// The name is a password's (human-chosen values: the entropy bar follows their length).
    pub human: bool,
    /// The value carried an HTTP auth scheme (`Bearer x`): a credential whatever the name.
    scheme: bool,
    /// Written after its name with nothing between (`app key 8bd6...` in a message): only a
    /// provider's rule whose value shape it has may report it.
    shaped: bool,
    /// The value is a literal passed to a decoding call (`base64decode("...")`): its decoded
    /// bytes and how they were encoded.
    pub decoded: Option<(Vec<u8>, super::decode::Encoding)>,
}

impl Assignment {
    /// The value's bytes: decoded when the value was a decoding call's literal.
    pub fn value_bytes<'a>(&'a self, hay: &'a [u8]) -> &'a [u8] {
        match &self.decoded {
            Some((d, _)) => d,
            None => &hay[self.value.clone()],
        }
    }
}

impl Assignment {
    fn new(name: Range<usize>, value: Range<usize>, quoted: bool) -> Assignment {
        Assignment {
            name,
            value,
            quoted,
            implied: None,
            call: false,
            human: false,
            scheme: false,
            shaped: false,
            decoded: None,
        }
    }

    /// Decodes the value as written in `enc` into `decoded`: base64 (LDIF `::`,
    /// `<Pass encoding="base64">`) or percent-encoding (a form field, `&password=6j6F%26I2`).
    /// False, with the value left as written, when it does not decode to text.
    fn decode(&mut self, hay: &[u8], enc: super::decode::Encoding) -> bool {
        let mut out = Vec::new();
        let raw = &hay[self.value.clone()];
        let ok = match enc {
            super::decode::Encoding::Percent => super::decode::decode(enc, raw, &mut out),
            _ => super::encoded::decode_run(enc, raw, &mut out),
        };
        if ok {
            self.decoded = Some((out, enc));
        }
        ok
    }
}

struct NameEntry {
    rule: u32,
    /// Name words, last word first.
    words_rev: Vec<Vec<u8>>,
}

struct ContextRule {
    rule: u32,
    providers: Vec<Vec<u8>>,
    any_name: bool,
    value: Option<String>,
    value_re: OnceLock<Option<meta::Regex>>,
    quoted: Option<bool>,
    generic: bool,
    /// The value shape starts with a literal prefix (`pa-`, `ck-`, `sk-`): a provider whose
    /// name is also an ordinary word (Voyage, Chroma) may still be named nearby.
    prefixed: bool,
}

/// Whether a value pattern starts with two or more literal characters.
fn literal_prefix(pattern: &str) -> bool {
    pattern
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        .count()
        >= 2
}

/// Compiled contexts of every rule that has one.
pub(crate) struct Assign {
    rules: Vec<ContextRule>,
    /// Head word -> names ending in it.
    names: HashMap<Vec<u8>, Vec<NameEntry>>,
    /// Provider word -> context rules (indices into `rules`).
    providers: HashMap<Vec<u8>, Vec<u32>>,
    /// Longest provider word, to bound lookups.
    max_provider: usize,
    /// Extra gate keywords: head words of names that contain no trigger.
    pub extra_keywords: Vec<String>,
}

/// Per-thread working memory.
#[derive(Default)]
pub(crate) struct AssignScratch {
    words: Words,
    ctx_words: Words,
    lower: Vec<u8>,
    nearby: Vec<u32>,
    cands: Vec<u32>,
    /// The words include a parent's (the name alone was one weak word).
    joined: bool,
    /// Rules to try, best first (scanner rule indices).
    pub order: Vec<u32>,
    /// A command's secret arguments, as [`super::command::find`] returns them.
    commands: Vec<super::command::Found>,
    /// Further assignments of the same hit (a command's second secret argument), each with its
    /// rule order; the caller reports them after the one `find` returns.
    pub more: Vec<(Assignment, Vec<u32>)>,
}

impl Assign {
    /// Builds the context index from `(rule index, context, is generic)` triples.
    pub fn new<'a>(contexts: impl Iterator<Item = (u32, &'a Context, bool)>) -> Assign {
        let mut a = Assign {
            rules: Vec::new(),
            names: HashMap::new(),
            providers: HashMap::new(),
            max_provider: 0,
            extra_keywords: Vec::new(),
        };
        for (rule, c, generic) in contexts {
            let ci = a.rules.len();
            for p in &c.provider {
                a.providers
                    .entry(p.as_bytes().to_vec())
                    .or_default()
                    .push(ci as u32);
                a.max_provider = a.max_provider.max(p.len());
            }
            for n in &c.name {
                let words_rev: Vec<Vec<u8>> =
                    n.split(' ').rev().map(|w| w.as_bytes().to_vec()).collect();
                let triggered = n.split(' ').any(|w| TRIGGERS.iter().any(|t| w.contains(t)));
                if !triggered
                    && let Some(head) = n.split(' ').next_back()
                    && head.len() >= 3
                    && !a.extra_keywords.iter().any(|k| k == head)
                {
                    a.extra_keywords.push(head.to_string());
                }
                a.names
                    .entry(words_rev[0].clone())
                    .or_default()
                    .push(NameEntry {
                        rule: ci as u32,
                        words_rev,
                    });
            }
            a.rules.push(ContextRule {
                rule,
                providers: c.provider.iter().map(|p| p.as_bytes().to_vec()).collect(),
                any_name: c.name.is_empty(),
                value: c.value.clone(),
                value_re: OnceLock::new(),
                quoted: c.quoted,
                generic,
                prefixed: c.value.as_deref().is_some_and(literal_prefix),
            });
        }
        a
    }

    /// True when no rule has a context.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn fits(&self, cr: &ContextRule, value: &[u8]) -> bool {
        let Some(pattern) = &cr.value else {
            return true;
        };
        let re = cr.value_re.get_or_init(|| {
            meta::Regex::builder()
                .syntax(crate::rules::syntax_config())
                .build(&format!("^(?:{pattern})$"))
                .ok()
        });
        re.as_ref().is_some_and(|re| {
            re.is_match(Input::new(value).anchored(regex_automata::Anchored::Yes))
        })
    }

    /// A spreadsheet export whose header row names a credential column (`...,Password,...`):
    /// each following row's cell in that column, parsed as an assignment to the header's name
    /// (the rules to try in `scratch.order` are filled per cell, as [`Self::find`] does).
    /// Returns the regions whose words are values, not names, in order: the rows of a SQL
    /// statement, or the column's cells (the other cells of a row may still hold assignments,
    /// as a ticket export's description does). The column list of a SQL
    /// `INSERT` or `COPY` is read the same way ([`super::sql`]), and so are the members of a
    /// block named by a plural credential word ([`super::block`]).
    pub fn csv_column(
        &self,
        hay: &[u8],
        hit: Range<usize>,
        scratch: &mut AssignScratch,
        out: &mut Vec<(Assignment, Vec<u32>)>,
    ) -> Option<Vec<Range<usize>>> {
        // A settings row (`UPDATE t SET value = '...' WHERE key = 'smtp_password'`): the hit
        // is in the name's string, and the value's words are not names.
        if let Some((name, value)) = super::sql::setting(hay, hit.clone()) {
            let region = name.start.min(value.start)..name.end.max(value.end);
            let end = value.end;
            let (_, found) = self.finish(hay, Assignment::new(name, value, true), end, scratch);
            if let Some(a) = found {
                out.push((a, scratch.order.clone()));
            }
            return Some(vec![region]);
        }
        if let Some(col) = super::sql::column(hay, hit.clone()) {
            if col.pair.is_some() {
                let mut rows = Vec::new();
                let end = super::sql::pairs(hay, &col, |k, v| rows.push((k, v)));
                for (k, v) in rows {
                    let le = line_end(hay, v.start);
                    let (_, found) = self.finish(hay, Assignment::new(k, v, true), le, scratch);
                    if let Some(a) = found {
                        out.push((a, scratch.order.clone()));
                    }
                }
                return Some(std::iter::once(col.rows_start..end).collect());
            }
            let mut cells = Vec::new();
            let end = super::sql::cells(hay, &col, |r, quoted| cells.push((r, quoted)));
            for (r, quoted) in cells {
                let a = Assignment::new(col.name.clone(), r, quoted);
                let le = line_end(hay, a.value.start);
                let (_, found) = self.finish(hay, a, le, scratch);
                if let Some(a) = found {
                    out.push((a, scratch.order.clone()));
                }
            }
            return Some(std::iter::once(col.rows_start..end).collect());
        }
        if let Some(block) = super::block::find(hay, hit.clone(), &mut scratch.words) {
            for name in block.members {
                let Some(mut a) = ident_bounds(hay, name).and_then(|id| parse(hay, &id)) else {
                    continue;
                };
                a.implied = Some(block.implied);
                let le = line_end(hay, a.value.start);
                let (_, found) = self.finish(hay, a, le, scratch);
                if let Some(a) = found {
                    out.push((a, scratch.order.clone()));
                }
            }
            // The members' own names may still hold other credentials' names.
            return Some(Vec::new());
        }
        if let Some((name, index, rows_start)) = html_header(hay, hit.clone()) {
            let mut read = Vec::new();
            let mut p = rows_start;
            for _ in 0..CSV_MAX_ROWS {
                if p >= hay.len() {
                    break;
                }
                let le = line_end(hay, p);
                let Some(cell) = html_cell(&hay[p..le], b"<td", index) else {
                    break;
                };
                let v = p + cell.start..p + cell.end;
                read.push(v.clone());
                let (_, found) =
                    self.finish(hay, Assignment::new(name.clone(), v, true), le, scratch);
                if let Some(a) = found {
                    out.push((a, scratch.order.clone()));
                }
                p = le + 1;
            }
            return Some(read);
        }
        let col = csv_header(hay, hit)?;
        let mut read = Vec::new();
        // A SIM vendor's or an HSS's subscriber export (`imsi,iccid,ki,opc`): the hit is the
        // IMSI column, and the key columns beside it hold the secrets. A smart meter's key
        // export (`serial,guek,gak,hls_secret`) names its keys by their DLMS abbreviations
        // beside a credential column.
        let imsi = hay[col.name.clone()].eq_ignore_ascii_case(b"imsi");
        if !imsi {
            self.csv_rows(hay, &col, None, scratch, out, &mut read);
        }
        for (index, name, implied) in key_columns(hay, &col, imsi) {
            let col = CsvColumn {
                index,
                name,
                ..col.clone()
            };
            self.csv_rows(hay, &col, Some(implied), scratch, out, &mut read);
        }
        Some(read)
    }

    /// Judges the cells of `col` in the rows below its header (as named by the header cell, or
    /// by `implied` words), appending what is found to `out` and the cells read to `read`.
    fn csv_rows(
        &self,
        hay: &[u8],
        col: &CsvColumn,
        implied: Option<ImpliedWords>,
        scratch: &mut AssignScratch,
        out: &mut Vec<(Assignment, Vec<u32>)>,
        read: &mut Vec<Range<usize>>,
    ) {
        let mut p = col.rows_start;
        let mut rows = 0;
        while p < hay.len() && rows < CSV_MAX_ROWS {
            let le = line_end(hay, p);
            let line = &hay[p..le];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !col.fits(csv_seps(line, col.sep)) {
                break;
            }
            if let Some((cell, quoted)) = csv_cell(line, col.sep, col.index) {
                read.push(p + cell.start..p + cell.end);
                let mut a = Assignment::new(col.name.clone(), p + cell.start..p + cell.end, quoted);
                a.implied = implied;
                let (_, found) = self.finish(hay, a, le, scratch);
                if let Some(a) = found {
                    out.push((a, scratch.order.clone()));
                }
            }
            rows += 1;
            p = le + 1;
        }
    }

    /// Parses the assignment around a trigger hit (keyword at `hit`) and fills
    /// `scratch.order` with the rules (scanner indices) that may report its value, best first.
    /// Returns where the identifier ends (later hits inside it are the same name) and the
    /// assignment, if there is one.
    pub fn find(
        &self,
        hay: &[u8],
        hit: Range<usize>,
        scratch: &mut AssignScratch,
    ) -> (usize, Option<Assignment>) {
        scratch.order.clear();
        scratch.more.clear();
        // A value whose place, not a name beside it, says what it is: a call's argument or a
        // command's flag.
        let mut placed = std::mem::take(&mut scratch.commands);
        placed.clear();
        match super::positional::find(hay, hit.clone()) {
            Some(f) => placed.push(super::command::Found {
                name: f.name,
                value: f.value,
                quoted: true,
                words: f.words,
            }),
            None => super::command::find(hay, hit.clone(), &mut placed),
        }
        // Later arguments first, into `more`, so that `scratch.order` is left as the first
        // argument's, which is the one returned.
        let first = (!placed.is_empty()).then(|| placed.remove(0));
        for f in placed.drain(..) {
            if let (_, Some(a)) = self.finish_placed(hay, f, scratch) {
                scratch.more.push((a, scratch.order.clone()));
            }
        }
        scratch.commands = placed;
        if let Some(f) = first {
            return self.finish_placed(hay, f, scratch);
        }
        let mut hit = hit;
        // `login(` / `getconnection(` (the identifier is the callee), `pw=`, `_pw`: the
        // identifier is made of the hit's name bytes.
        while hit.end > hit.start && !is_name_byte(hay[hit.end - 1]) {
            hit.end -= 1;
        }
        while hit.start < hit.end && !is_name_byte(hay[hit.start]) {
            hit.start += 1;
        }
        if hit.is_empty() {
            return (hit.end.max(hit.start + 1), None);
        }
        if let Some(a) = placeholder_at(hay, hit.clone()) {
            // `${DB_PASSWORD:-default}`: the variable names its own default.
            let end = a.value.end;
            return self.finish(hay, a, end, scratch);
        }
        if !operator_follows(hay, hit.end) {
            // `public enum VendorKey {`: each constant's literal is a key.
            if enum_opens(hay, hit.end)
                && let Some(id) = ident_bounds(hay, hit.clone())
            {
                self.secret_table(hay, id, scratch);
            }
            return (hit.end, None);
        }
        let Some(id) = ident_bounds(hay, hit.clone()) else {
            return (hit.end, None);
        };
        let end = id.end;
        if self.secret_table(hay, id.clone(), scratch) {
            return (end, None);
        }
        if hay[id.clone()].eq_ignore_ascii_case(b"chpasswd") {
            self.chpasswd_list(hay, end, scratch);
            return (end, None);
        }
        let Some(mut a) = parse(hay, &id) else {
            return (end, None);
        };
        self.jaas_users(hay, &a, scratch);
        if hay[a.value.start..].starts_with(b"${") {
            // `password: ${RABBIT_PASSWORD:default}`: the default is the value. When the name
            // says nothing, the variable inside may (a later hit).
            let Some((_, d)) = placeholder_default(hay, a.value.start) else {
                return (end, None);
            };
            a.value = d.clone();
            return match self.finish(hay, a, d.end, scratch) {
                found @ (_, Some(_)) => found,
                _ => (end, None),
            };
        }
        strip_auth_scheme(hay, &mut a);
        // A form body or query field (`...&password=6j6F%26I2%23M`): the value is
        // percent-encoded, and its decoded text is what is judged and reported.
        if !a.quoted
            && a.decoded.is_none()
            && a.name.start > 0
            && matches!(hay[a.name.start - 1], b'&' | b'?')
            && hay[a.value.clone()].contains(&b'%')
        {
            a.decode(hay, super::decode::Encoding::Percent);
        }
        self.finish(hay, a, end, scratch)
    }

    /// The checks and attribution shared by every way an assignment is found.
    fn finish(
        &self,
        hay: &[u8],
        mut a: Assignment,
        end: usize,
        scratch: &mut AssignScratch,
    ) -> (usize, Option<Assignment>) {
        if not_the_value(hay, &a) {
            return (end, None);
        }
        // `Authorization: Bearer $T` in a script: the credential is what `T=` holds.
        if a.decoded.is_none()
            && hay.get(a.value.start) == Some(&b'$')
            && let Some((value, quoted)) = resolve_variable(hay, a.value.clone())
        {
            a.value = value;
            a.quoted = quoted;
        }
        // YAML, SQL and CSV write a quote inside a string of that quote twice
        // (`'Kestrel''kiwi''25'`): the value holds one.
        if a.decoded.is_none()
            && let Some(text) = undouble_quotes(hay, &a.value)
        {
            a.decoded = Some((text, super::decode::Encoding::Escaped));
        }
        // `"PkefR2mK\x40Gch"`, `pa\:ss\=RfY9` in a properties file: the value is what the
        // escapes stand for.
        if a.decoded.is_none()
            && let Some(text) = unescape_literal(&hay[a.value.clone()], a.quoted)
        {
            a.decoded = Some((text, super::decode::Encoding::Escaped));
        }
        if a.decoded.is_none() && !a.quoted {
            hex_literal(hay, &mut a);
        }
        // `AWS_ACCESS_KEY_ID='base64:QUtJQU1T...'`: a value marked as base64 that decodes to
        // text is judged (and reported) as that text; Laravel's `base64:` key is random bytes
        // and stays as written.
        if a.decoded.is_none()
            && a.value.len() > 7 + 8
            && hay[a.value.start..].starts_with(b"base64:")
        {
            let mut b = a.clone();
            b.value.start += 7;
            if b.decode(hay, super::decode::Encoding::Base64) {
                a = b;
            }
        }
        // Ansible: `"{{ 'VjEwbDN0IzMyOA==' | b64decode }}"`, a literal decoded by a filter.
        if a.decoded.is_none()
            && a.quoted
            && let Some(lit) = jinja_b64decode(hay, a.value.clone())
        {
            a.value = lit;
            if !a.decode(hay, super::decode::Encoding::Base64) {
                return (end, None);
            }
        }
        // The value test is cheaper than splitting the name, and rejects most code. Capitalised
        // words (`OysterKiwiPlum`) read as a type name, unless a password's name holds them
        // (judged in `attribute`).
        if a.decoded.is_none()
            && !value_plausible(&hay[a.value.clone()], a.quoted)
            && !pascal_passphrase(&hay[a.value.clone()])
            && !phrase_of_words(&hay[a.value.clone()])
            && !capitalised_words_number(&hay[a.value.clone()])
        {
            return (end, None);
        }
        if a.decoded.is_none()
            && (encodes_no_secret(&hay[a.value.clone()]) || rsa_ciphertext(&hay[a.value.clone()]))
        {
            return (end, None);
        }
        // A KMS blob or SealedSecret value under `password:` is the encrypted form a project
        // should commit, whatever the name says.
        if crate::filters::is_ciphertext_envelope(a.value_bytes(hay)) {
            return (end, None);
        }
        // `pw` alone is a password where the syntax says it is a key or a noun: a quoted key
        // (`"Pw": "x"`), a key at a line's start (`pw: x`), or prose (`temp pw for svc_x is y`, `admin pw: x`).
        if a.implied.is_none() && hay[a.name.clone()].eq_ignore_ascii_case(b"pw") {
            let (s, e) = (a.name.start, a.name.end);
            let quoted_key =
                s > 0 && matches!(hay[s - 1], b'"' | b'\'') && hay.get(e) == Some(&hay[s - 1]);
            // A notebook cell's line is a JSON string: `"pw = base64.b64decode('...')"`.
            let lead = trim_start(&hay[line_start(hay, s)..s]);
            let line_key = lead.is_empty() || lead == b"\"";
            let noun = s > 0 && hay[s - 1] == b' ' && matches!(hay.get(e), Some(b' ' | b':'));
            if quoted_key || line_key || noun {
                a.implied = Some(&[b"password"]);
            }
        }
        if !self.words_of(hay, &a, scratch) {
            return (end, None);
        }
        // `admin_password_hex = 4f6173...`, `SMTP_PASSWORD_B64=...`: the name says how the value
        // is written, and a value that decodes to text is judged (and reported) as that text.
        if a.decoded.is_none() && a.implied.is_none() {
            let words = &scratch.words;
            let enc =
                (words.meaningful_end()..words.len()).find_map(|w| encoding_word(words.get(w)));
            // Text too short to be a credential (`dGVzdA==` is `test`) is none; six or seven
            // bytes are still judged, as written, like any value of that length.
            let mut short = Vec::new();
            if let Some(enc) = enc
                && !a.decode(hay, enc)
                && super::encoded::decode_text(enc, &hay[a.value.clone()], &mut short, 1)
                && short.len() < 6
            {
                return (end, None);
            }
        }
        // Each value gets its own ranking: a table's or a CSV header's entries are judged one
        // after another, each under its own name.
        scratch.order.clear();
        self.attribute(hay, &a, scratch);
        if scratch.order.is_empty() {
            return (end, None);
        }
        let end_w = scratch.words.meaningful_end();
        a.human |= password_name(&scratch.words, end_w)
            || phrase_name(&scratch.words, end_w) && phrase_of_words(a.value_bytes(hay));
        a.human |= end_w > 0
            && matches!(
                scratch.words.get(end_w - 1),
                b"password"
                    | b"passwd"
                    | b"pass"
                    | b"pwd"
                    | b"passphrase"
                    | b"passcode"
                    | b"phrase"
                    | b"auth"
                    | b"psk"
            );
        // People also choose a token or secret (`"AUTH_TOKEN": "Kettleember7005!"`,
        // `credentialSecret: "kiwi1968?"`): a value with a password's composition and the
        // shape people give one is judged as a password (its entropy bar follows the length).
        // A secret or encryption key is as often typed by a person (`secretKey: "Cobalt1990!"`,
        // `PLC_ENCRYPTION_KEY='Gasket1992'`), and so, against their tools' advice, are Fernet,
        // master and Vault unseal keys in hand-written configuration.
        // So is an API, access, signing or private key in a hand-written configuration
        // (`DATALOGGER_API_KEY="Will0w2020*"`, `fronius-auth-key=Spinning2022!`); keys whose
        // qualifier says routing, partition or cache are not credentials, and left out.
        let chosen_key = end_w > 1
            && scratch.words.get(end_w - 1) == b"key"
            && CHOSEN_KEY_QUALIFIERS.contains(&scratch.words.get(end_w - 2));
        a.human |= end_w > 0
            && (chosen_key
                || matches!(
                    scratch.words.get(end_w - 1),
                    b"token"
                        | b"secret"
                        | b"credential"
                        | b"credentials"
                        | b"cred"
                        | b"creds"
                        | b"salt"
                ))
            && chosen_password(a.value_bytes(hay), a.quoted);
        (end, Some(a))
    }

    /// Kafka's JAAS `PlainLoginModule` defines the broker's users after its own login, one
    /// `user_NAME="password"` option each (`user_admin="..."`, `user_svc-connect="..."`); no
    /// option names a credential, so they are read here, after the module's `password`, into
    /// `scratch.more`.
    fn jaas_users(&self, hay: &[u8], a: &Assignment, scratch: &mut AssignScratch) {
        if &hay[a.name.clone()] != b"password"
            || memchr::memmem::rfind(
                &hay[a.name.start.saturating_sub(400)..a.name.start],
                b"LoginModule",
            )
            .is_none()
        {
            return;
        }
        let mut p = line_end(hay, a.value.end);
        for _ in 0..32 {
            if p >= hay.len() {
                break;
            }
            let ls = p + 1;
            let le = line_end(hay, ls);
            let line = &hay[ls..le];
            let lead = line.len() - line.trim_ascii_start().len();
            p = le;
            if !line[lead..].starts_with(b"user_") {
                if line.contains(&b';') || line.contains(&b'}') {
                    break;
                }
                continue;
            }
            let ns = ls + lead;
            let eq = ns + memchr::memchr(b'=', &line[lead..]).unwrap_or(0);
            if eq <= ns + 5 || hay.get(eq + 1) != Some(&b'"') {
                continue;
            }
            let Some((v, true)) = parse_value(hay, eq + 1) else {
                continue;
            };
            let mut u = Assignment::new(ns..eq, v, true);
            u.implied = Some(&[b"password"]);
            u.human = true;
            let end = u.value.end;
            if let (_, Some(u)) = self.finish(hay, u, end, scratch) {
                scratch.more.push((u, scratch.order.clone()));
            }
            if line.contains(&b';') {
                break;
            }
        }
        scratch.order.clear();
    }

    /// A table of credentials keyed by what they are for: a map whose name is a plural
    /// credential noun (`PARTNER_SECRETS = {`, `API_KEYS: Record<string, string> = {`) or an
    /// enum named for one (`enum VendorKey { REVINATE("..."), ... }`). Its keys name partners
    /// or environments, not credentials, so each literal value is judged under the table's noun
    /// (into `scratch.more`). Returns whether `id` opened such a table.
    fn secret_table(&self, hay: &[u8], id: Range<usize>, scratch: &mut AssignScratch) -> bool {
        // Cheap first: a plural name, or an enum's.
        let enumerated = enum_opens(hay, id.end);
        if !(enumerated || hay[id.end - 1].eq_ignore_ascii_case(&b's'))
            || !scratch.words.split(&hay[id.clone()])
        {
            return false;
        }
        let n = scratch.words.len();
        if n == 0 {
            return false;
        }
        let implied: &'static [&'static [u8]] = match scratch.words.get(n - 1) {
            b"secrets" => &[b"secret"],
            b"secret" if enumerated => &[b"secret"],
            b"keys" | b"apikeys" => &[b"api", b"key"],
            b"key" if enumerated => &[b"api", b"key"],
            b"tokens" => &[b"token"],
            b"token" if enumerated => &[b"token"],
            b"passwords" => &[b"password"],
            b"password" if enumerated => &[b"password"],
            _ => return false,
        };
        // `PUBLIC_KEYS`, `CACHE_KEYS`, `SECRET_NAMES`...: not credentials.
        if (0..n).any(|w| {
            let word = scratch.words.get(w);
            NOT_SECRET_WORDS.contains(&word) || NOT_CREDENTIAL_KEYS.contains(&word)
        }) {
            return false;
        }
        let mut entries = Vec::new();
        match table_opens(hay, id.end).or(enumerated.then(|| {
            id.end + memchr::memchr(b'{', &hay[id.end..line_end(hay, id.end)]).unwrap_or(0)
        })) {
            Some(open) if hay.get(open) == Some(&b'{') => {
                table_entries(hay, open + 1, enumerated, &mut entries);
            }
            Some(_) => return false,
            None => block_entries(hay, id.end, &mut entries),
        }
        if entries.is_empty() {
            return false;
        }
        for (key, value) in entries {
            // A key that names its own credential (`db_password:`, `"apiKey":`) is judged
            // under its own name by the ordinary path.
            // A key naming an identifier or a digest (`kobo-asset-uid`, `form-xml-hash`) is none.
            let mut kw = Words::default();
            if kw.split(&hay[key.clone()])
                && ((0..kw.len()).any(|i| super::block::names_a_thing(kw.get(i))) || {
                    let e = kw.meaningful_end();
                    e > 0 && {
                        let head = kw.get(e - 1);
                        HEADS.iter().any(|h| h.as_bytes() == head)
                            || super::words::password_word(head)
                    }
                })
            {
                continue;
            }
            // Token contract addresses (`USDC: "0xA0b8...eB48"`) are public.
            let v = &hay[value.clone()];
            if v.len() == 42 && v.starts_with(b"0x") && v[2..].iter().all(u8::is_ascii_hexdigit) {
                continue;
            }
            let quoted = value.start > 0 && matches!(hay[value.start - 1], b'"' | b'\'');
            let mut u = Assignment::new(key, value, quoted);
            u.implied = Some(implied);
            u.human = implied == [b"password"];
            let end = u.value.end;
            if let (_, Some(u)) = self.finish(hay, u, end, scratch) {
                scratch.more.push((u, scratch.order.clone()));
            }
        }
        scratch.order.clear();
        true
    }

    /// cloud-init's `chpasswd:` module sets passwords from a `list:` of `user:password` lines
    /// (a literal block, or a YAML list of such strings); no line names a credential, so the
    /// block is read here, each password judged as a password, into `scratch.more`.
    fn chpasswd_list(&self, hay: &[u8], name_end: usize, scratch: &mut AssignScratch) {
        let mut list_indent = None;
        for (ls, le, ind) in block_lines(hay, name_end) {
            let body = hay[ls..le].trim_ascii();
            let Some(li) = list_indent else {
                // `list: |`, `list: |-`, or `list:` with YAML items below.
                if let Some(rest) = body.strip_prefix(b"list:")
                    && matches!(rest.trim_ascii(), b"" | b"|" | b"|-" | b"|+")
                {
                    list_indent = Some(ind);
                }
                continue;
            };
            if ind <= li {
                // The module's next key (`expire: false`) ends the list.
                list_indent = None;
                continue;
            }
            let mut s = ls + ind;
            if hay[s..le].starts_with(b"- ") {
                s = skip_blanks(hay, s + 2, 8);
            }
            let mut e = s + hay[s..le].trim_ascii_end().len();
            if matches!(hay.get(s), Some(b'"' | b'\'')) && e > s + 1 && hay[e - 1] == hay[s] {
                s += 1;
                e -= 1;
            }
            let Some(colon) = memchr::memchr(b':', &hay[s..e]) else {
                continue;
            };
            let user = &hay[s..s + colon];
            if user.is_empty()
                || !user
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
                || e <= s + colon + 1
            {
                continue;
            }
            let mut u = Assignment::new(s..s + colon, s + colon + 1..e, false);
            u.implied = Some(&[b"password"]);
            u.human = true;
            let end = u.value.end;
            if let (_, Some(u)) = self.finish(hay, u, end, scratch) {
                scratch.more.push((u, scratch.order.clone()));
            }
        }
        scratch.order.clear();
    }

    /// [`Assign::finish`] for a value whose place names it (a call's argument, a command's flag).
    fn finish_placed(
        &self,
        hay: &[u8],
        f: super::command::Found,
        scratch: &mut AssignScratch,
    ) -> (usize, Option<Assignment>) {
        let mut a = Assignment::new(f.name, f.value, f.quoted);
        a.implied = Some(f.words);
        a.human = f.words.len() == 1;
        let end = a.value.end;
        self.finish(hay, a, end, scratch)
    }

    /// Provider words (4+ letters, not ordinary words) that start a provider-call check:
    /// `TwilioClient("AC...", "<token>")`, `cohere.Client("<key>")`.
    pub fn call_keywords(&self) -> impl Iterator<Item = &[u8]> {
        self.providers
            .keys()
            .filter(|k| k.len() >= 4 && !COMMON_WORDS.contains(&k.as_slice()))
            .map(|k| k.as_slice())
    }

    /// A call whose callee names a provider, with string literals among its arguments: each
    /// literal that has the shape of one of that provider's keys is a candidate, with the rules
    /// to try. Positional arguments have no name, so only shaped rules take part.
    pub fn find_call(
        &self,
        hay: &[u8],
        hit: Range<usize>,
        scratch: &mut AssignScratch,
        out: &mut Vec<(Range<usize>, u32)>,
    ) -> usize {
        let Some(id) = ident_bounds(hay, hit.clone()) else {
            return hit.end;
        };
        let end = id.end;
        // `Provider(`, `provider.Client(`, `Provider::REST::Client.new(`, `Provider.Init(`.
        let mut p = end;
        let lim = (end + 32).min(hay.len());
        while p < lim && (hay[p].is_ascii_alphanumeric() || b"_.:".contains(&hay[p])) {
            p += 1;
        }
        if hay.get(p) != Some(&b'(') {
            return end;
        }
        if !scratch.words.split(&hay[id.start..p]) {
            return end;
        }
        let mut lits = Vec::new();
        if literals(hay, p, &mut lits).is_none() {
            return end;
        }
        scratch.cands.clear();
        for w in 0..scratch.words.len() {
            let word = scratch.words.get(w);
            if let Some(list) = self.providers.get(word) {
                scratch.cands.extend_from_slice(list);
            }
            // A client library named for its provider in one word (`algoliasearch(`,
            // `pineconeclient(`).
            for suffix in [&b"search"[..], b"client", b"sdk", b"api"] {
                if word.len() > suffix.len() + 3
                    && word.ends_with(suffix)
                    && let Some(list) = self.providers.get(&word[..word.len() - suffix.len()])
                {
                    scratch.cands.extend_from_slice(list);
                }
            }
        }
        for v in lits {
            let value = &hay[v.clone()];
            if !value_plausible(value, true) {
                continue;
            }
            for &ci in &scratch.cands {
                let cr = &self.rules[ci as usize];
                if cr.value.is_some() && self.fits(cr, value) {
                    out.push((v.clone(), cr.rule));
                }
            }
        }
        end
    }

    /// The name's words, with the parent's words in front when the name alone is one weak word
    /// (`Jwt: { Key: ... }`, `[fernet]` / `key = ...`, `EncryptionClient(key=...)`).
    fn words_of(&self, hay: &[u8], a: &Assignment, s: &mut AssignScratch) -> bool {
        s.joined = false;
        if let Some(head) = a.implied {
            s.words.set(head);
            return true;
        }
        let name = &hay[a.name.clone()];
        if !s.words.split(name) {
            return false;
        }
        // `apiKeyHeader = "ApiKey <key>"`, `AUTH_HEADER="Bearer <token>"`: a header whose value
        // starts with an authorization scheme holds the credential its other words name.
        let n = s.words.len();
        if a.scheme && n >= 2 && matches!(s.words.get(n - 1), b"header" | b"hdr") {
            s.words.truncate(n - 1);
        }
        let end = s.words.meaningful_end();
        if end == 1
            && s.words.get(0) == b"key"
            && let Some(q) = spaced_qualifier(hay, a.name.start)
        {
            // `API key: ...`, `main api key: ...` in a mail, a ticket or notes: the word before
            // the blank qualifies the key as a compound would (`apikey`).
            let mut joined = Vec::with_capacity(q.len() + name.len() + 1);
            joined.extend_from_slice(&hay[q]);
            joined.push(b'_');
            joined.extend_from_slice(name);
            return s.words.split(&joined);
        }
        if end == 1 && s.words.get(0) == b"key" && vendor_key_in_prose(hay, a) {
            s.words.set(&[b"api", b"key"]);
            return true;
        }
        if end == 1
            && !a.call
            && WEAK_HEADS.contains(&s.words.get(0))
            && let Some(parent) = parent_name(hay, a.name.start)
        {
            let mut joined = Vec::with_capacity(parent.len() + name.len() + 1);
            joined.extend_from_slice(&hay[parent]);
            joined.push(b'_');
            joined.extend_from_slice(name);
            s.joined = true;
            return s.words.split(&joined);
        }
        true
    }

    /// Fills `s.order`: a specific rule whose provider is named in the identifier (or that needs
    /// no provider), then one whose provider is named nearby, then the generic rules; within a
    /// tier, the longest fitting name first.
    fn attribute(&self, hay: &[u8], a: &Assignment, s: &mut AssignScratch) {
        let AssignScratch {
            words,
            ctx_words,
            lower,
            nearby,
            cands,
            joined,
            order,
            ..
        } = s;
        let words = &*words;
        let end = words.meaningful_end();
        if end == 0 {
            return;
        }
        let head = words.get(end - 1);
        let known_head = HEADS.iter().any(|h| h.as_bytes() == head);
        let named = self.names.get(head);
        if !known_head && named.is_none() {
            return;
        }
        // `password_hash`, `secret_name`, `token_url`: the value is about a credential, not one.
        // Only a rule that names such words explicitly (`access key id`) may report it.
        // A word that names what the key protects is no such word: Kibana's
        // `xpack.encryptedSavedObjects.encryptionKey` is the key that encrypts them, a
        // `url_signing_key` signs URLs.
        let value = a.value_bytes(hay);
        // A quote or backslash written through an escape (`r'indigo-coral\"-osprey'` in a
        // notebook's JSON, `'Kestrel''kiwi'`) was put in on purpose; the value is judged
        // without it, as the shape of what the person chose.
        let unquoted: Vec<u8>;
        let value = if matches!(a.decoded, Some((_, super::decode::Encoding::Escaped)))
            && value.iter().any(|b| b"\"'\\".contains(b))
        {
            unquoted = value
                .iter()
                .copied()
                .filter(|b| !b"\"'\\".contains(b))
                .collect();
            &unquoted[..]
        } else {
            value
        };
        // WCF's `ClientCredentials.UserName.Password`: the last member alone is the password,
        // and the objects before it say whose, not what about it.
        let member_password = hay[a.name.clone()]
            .iter()
            .rposition(|b| *b == b'.')
            .is_some_and(|d| {
                super::words::password_word(
                    &hay[a.name.start + d + 1..a.name.end].to_ascii_lowercase(),
                )
            });
        let about = !member_password
            && (0..end).any(|w| {
                let word = words.get(w);
                // What a key protects is named before how it protects it.
                let protects = (w + 1..end)
                    .any(|k| matches!(words.get(k), b"encryption" | b"signing" | b"hmac"));
                // A webhook's `endpoint_secret` signs what the endpoint receives (Stripe, GoCardless).
                let endpoint_secret =
                    word == b"endpoint" && w + 2 == end && words.get(w + 1) == b"secret";
                // SaltStack's own logins (`salt_api_password`, `SALT_PASSWORD`) and Digest
                // authentication's (`ZK_DIGEST_PASSWORD`) name the tool or scheme first; a salt or a
                // digest comes after what it is made from (`password_salt`, `password_digest`).
                let salt_tool = matches!(word, b"salt" | b"digest")
                    && (word == b"digest" || w == 0)
                    && matches!(head, b"password" | b"passwd" | b"pass" | b"pwd" | b"token");
                // Chef's `encrypted_data_bag_secret` decrypts the encrypted data bags.
                let data_bag = word == b"encrypted" && w + 2 < end && words.get(w + 2) == b"bag";
                // Snowflake's `private_key_file_pwd`: the password that opens the key file.
                let file_password = word == b"file" && super::words::password_word(head);
                // An ID's password (`APPLE_ID_PASSWORD`, `appleIdPassword`) is the account's;
                // Galaxy's `id_secret` is the key that encodes its ids.
                let id_password = word == b"id"
                    && w + 2 == end
                    && (super::words::password_word(head) || head == b"secret");
                // BGP's and OSPF's `md5-password` is the key TCP-MD5 signs with: a digest of
                // something (`md5_cred`, Asterisk's `md5secret`) is 32 hex digits.
                let md5_key = word == b"md" && value.iter().any(|b| !b.is_ascii_hexdigit());
                // `CA_BUNDLE_SHA256`, `ARTIFACT_SHA1`: a SHA digest in hex. `HMAC_SHA256_SECRET`
                // holds a key, not a digest.
                let sha_digest = word == b"sha"
                    && matches!(value.len(), 40 | 56 | 64 | 96 | 128)
                    && value.iter().all(u8::is_ascii_hexdigit);
                (NOT_SECRET_WORDS.contains(&word) || sha_digest)
                    && (matches!(word, b"public" | b"publishable") || !protects)
                    && !md5_key
                    && !endpoint_secret
                    && !salt_tool
                    && !data_bag
                    && !file_password
                    && !id_password
            });
        if named_public_key(words, end, value) || badge_query(hay, a.name.start) {
            return;
        }
        // A pin that is a digest (`backup_pin: <base64 SHA-256>`, a pinned commit's 40 hex), not
        // a passcode.
        let hex = value.iter().all(u8::is_ascii_hexdigit);
        if head == b"passcode"
            && (value.len() == 44 && value.ends_with(b"=") || hex && matches!(value.len(), 40 | 64))
        {
            return;
        }
        let pw_name = password_name(words, end);
        let phrase = phrase_name(words, end) && phrase_of_words(value);
        // A decoded value is literal data: no shell or template syntax is read into it.
        // Not under a bare `pass`, which prose uses for passes (`pass sets (`MainPass`)`).
        if !(value_plausible(value, a.quoted || a.decoded.is_some())
            || pw_name && head != b"pass" && pascal_passphrase(value)
            || pw_name && capitalised_words_number(value)
            || phrase)
            || names_itself(value)
        {
            return;
        }
        if (app_password(value) && !wordpress_app_password(value) || spaced_passphrase(value))
            && !(pw_name || phrase || head.starts_with(b"pass") || head.starts_with(b"pw"))
        {
            // The blanks of an app password are only accepted under a password's name.
            return;
        }

        let qualifier: &[u8] = if end >= 2 { words.get(end - 2) } else { b"" };
        // `new_password` / `oldPassword` are a form's or a test's fields; an upper-case
        // `NEW_PASS` / `OLD_DB_PASSWORD` is a script's or an environment's variable that holds
        // the password a rotation sets or replaces.
        // A sentence stating it (`your new password is: x`, a prose name with blanks) gives the
        // value the rotation set.
        let rotation = matches!(qualifier, b"new" | b"old")
            && (hay[a.name.clone()]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                || hay[a.name.clone()].contains(&b' '));
        // A key named for what it encrypts or signs first is that key, though `primary`
        // qualifies it last: Rails' `ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY` is no table's primary
        // key. Other qualifiers keep their say (`ENCRYPTION_KMS_KEY` names a KMS key id).
        // Rails' credentials file nests it: `active_record_encryption:` / `primary_key: ...`.
        let crypto = qualifier == b"primary"
            && (end >= 3
                && (0..end - 2)
                    .any(|w| matches!(words.get(w), b"encryption" | b"signing" | b"hmac"))
                || end == 2
                    && parent_name(hay, a.name.start).is_some_and(|p| {
                        memchr::memmem::find(&hay[p].to_ascii_lowercase(), b"encryption").is_some()
                    }));
        let denied = known_head && denied_qualifier(head, qualifier) && !rotation && !crypto;
        // The longest name of context rule `ci` that the identifier ends with (0: none);
        // `any_name` rules fit any credential head.
        // Qualifiers that negate a head (`next_token`, `primary_key`) are judged for names
        // alone; a provider rule's value shape is stronger evidence than the name's grammar.
        let name_fit = |ci: usize| -> usize {
            let shaped = self.rules[ci].value.is_some();
            let mut best = 0;
            for e in named
                .into_iter()
                .flatten()
                .filter(|e| e.rule as usize == ci)
            {
                let n = e.words_rev.len();
                let explicit = e
                    .words_rev
                    .iter()
                    .any(|w| NOT_SECRET_WORDS.contains(&w.as_slice()));
                if n <= end
                    && (0..n).all(|k| words.get(end - 1 - k) == e.words_rev[k].as_slice())
                    && !(n == 1 && denied && !shaped)
                    && (!about || explicit)
                {
                    best = best.max(n);
                }
            }
            if best == 0 && self.rules[ci].any_name && known_head && (!denied || shaped) && !about {
                best = 1;
            }
            best
        };
        let fits = |ci: usize| -> bool {
            let cr = &self.rules[ci];
            cr.quoted.is_none_or(|q| q == a.quoted) && self.fits(cr, value)
        };
        // Candidates: rules naming this head, and rules whose provider the identifier names.
        cands.clear();
        cands.extend(named.into_iter().flatten().map(|e| e.rule));
        for w in 0..end {
            if let Some(list) = self.providers.get(words.get(w)) {
                cands.extend_from_slice(list);
            }
            if w + 1 < end {
                lower.clear();
                lower.extend_from_slice(words.get(w));
                lower.extend_from_slice(words.get(w + 1));
                if lower.len() <= self.max_provider
                    && let Some(list) = self.providers.get(lower.as_slice())
                {
                    cands.extend_from_slice(list);
                }
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let in_name = |ci: usize| -> bool {
            let cr = &self.rules[ci];
            (0..end).any(|w| {
                let word = words.get(w);
                cr.providers.iter().any(|p| {
                    p.as_slice() == word
                        || (w + 1 < end
                            && p.len() == word.len() + words.get(w + 1).len()
                            && p.starts_with(word)
                            && p.ends_with(words.get(w + 1)))
                })
            })
        };
        let push_tier = |order: &mut Vec<u32>, found: &mut Vec<(usize, usize)>| {
            found.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            for &(ci, _) in found.iter() {
                let r = self.rules[ci].rule;
                if !order.contains(&r) {
                    order.push(r);
                }
            }
        };
        // Tier 3: specific rules with the provider in the name, or needing no provider.
        let mut found: Vec<(usize, usize)> = Vec::new();
        for &ci in cands.iter() {
            let ci = ci as usize;
            let cr = &self.rules[ci];
            if cr.generic || !(cr.providers.is_empty() || in_name(ci)) {
                continue;
            }
            let fit = name_fit(ci);
            if fit > 0 && fits(ci) && (!a.shaped || cr.value.is_some()) {
                found.push((ci, fit));
            }
        }
        push_tier(order, &mut found);
        // Tier 2: the provider named nearby, when the identifier names none of its own
        // (`github_token` beside a Cloudflare line is no Cloudflare token).
        let names_provider = (0..end).any(|w| self.providers.contains_key(words.get(w)));
        if !self.providers.is_empty() && found.is_empty() && !names_provider {
            self.nearby_providers(hay, a.name.start, ctx_words, lower, nearby);
            for &ci in nearby.iter() {
                let ci = ci as usize;
                let fit = name_fit(ci);
                if fit > 0 && fits(ci) && (!a.shaped || self.rules[ci].value.is_some()) {
                    found.push((ci, fit));
                }
            }
            push_tier(order, &mut found);
        }
        if a.shaped {
            return;
        }
        // Tier 1: generic rules.
        let password_head = pw_name;
        // A TLS stack's `psk` fields hold identifiers (`offered_psk: client_hello`), which
        // a passphrase of words joined by `_` would look like.
        let words_passphrase = passphrase(value) && !(head == b"psk" && value.contains(&b'_'));
        // Flask-Security's documentation draws its salt as a 128-bit integer.
        let decimal_salt =
            head == b"salt" && value.len() >= 24 && value.iter().all(u8::is_ascii_digit);
        if !(credential_like(value)
            || phrase
            || decimal_salt
            || password_head
                && (words_passphrase
                    || spaced_passphrase(value)
                    || symbol_password(value, a.quoted)
                    || mixed_case_letters(value)
                    || head != b"pass" && pascal_passphrase(value)))
            || public_identifier(words, end, value)
        {
            return;
        }
        // `AUTH_VAR: &str = "AWS_S3_..._AUTH"`: a value that contains its own name's head word,
        // or is an upper-case constant name, names a setting rather than holding a secret.
        // A long random value holds a three-letter head by chance (`...wKfwUKeyPWb`); a
        // member path never counts as random (`hpke.MLKEM768X25519PrivateKey`).
        // A provider's prefix (`sk_`, `rk_live_`) is no word of a name.
        let body = match value.iter().rposition(|b| *b == b'_') {
            Some(u)
                if u <= 8
                    && value[..u]
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || *b == b'_') =>
            {
                &value[u + 1..]
            }
            _ => value,
        };
        if head.len() >= 3
            && holds_head(value, head)
            && !(body.len() >= 24
                && !body.iter().any(|b| matches!(b, b'.' | b'_'))
                && crate::filters::shannon_entropy(body) >= 4.2)
        {
            return;
        }
        if value.contains(&b'_')
            && value
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        {
            return;
        }
        if let Some(parent) = parent_name(hay, a.name.start) {
            // Values under `encryptedData:` (sealed secrets) or a SOPS block are ciphertexts.
            let p = hay[parent].to_ascii_lowercase();
            if [&b"encrypted"[..], b"sealed", b"sops"]
                .iter()
                .any(|w| memchr::memmem::find(&p, w).is_some())
            {
                return;
            }
        }
        found.clear();
        for &ci in cands.iter() {
            let ci = ci as usize;
            let cr = &self.rules[ci];
            if !cr.generic || !cr.providers.is_empty() {
                continue;
            }
            let n = name_fit(ci);
            if n == 0 || !fits(ci) {
                continue;
            }
            // An access key id (`SPACES_KEY=DO00...`, 20 upper-case characters) names a key
            // pair; it is not the secret half. An API key is the secret itself
            // (`String apiKey = "Q7X2M9K4P1L8N3B6"`).
            // A key qualified by what it permits (ThingSpeak's `WRITE_KEY`, 16 upper-case
            // characters) is no key id either.
            if head == b"key"
                && !(end >= 2 && matches!(words.get(end - 2), b"api" | b"write" | b"read"))
                && value.len() <= 24
                && value
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                continue;
            }
            // A weak word qualified only by its parent (`[section1]` / `key1 = from_section1`)
            // needs a value that is clearly random.
            if *joined
                && crate::filters::shannon_entropy(value) < context_entropy_bar(4.0, value, false)
            {
                continue;
            }
            // One weak word alone (`key`, `auth`) is too common a name to trust.
            // An `Authorization` header is the exception when its value is clearly random
            // (a scheme-less key: `{"name": "Authorization", "value": "5da9..."}`).
            if n == 1
                && end == 1
                && WEAK_HEADS.contains(&head)
                && !a.scheme
                && !(head == b"authorization"
                    && value.len() >= 20
                    && crate::filters::shannon_entropy(value)
                        >= context_entropy_bar(4.0, value, false))
                // A bare `key` (Azure's `Key1`/`Key2`, a hashtable's `Key = '...'`) holding 40 or
                // more bytes of base64 key material: no cache or lookup key is written so.
                && !(head == b"key" && base64_key_material(value))
                // A tool's `--auth=x` flag (espota's OTA password) holding a password's shape.
                && !(head == b"auth"
                    && hay[..a.name.start].ends_with(b"--")
                    && (chosen_password(value, false) || dotted_secret(value)))
            {
                continue;
            }
            found.push((ci, n));
        }
        push_tier(order, &mut found);
    }

    /// Context rules whose provider word appears near `pos`: in the current line (bounded), the
    /// two lines before it, less-indented parent lines, and the nearest `[section]` header.
    fn nearby_providers(
        &self,
        hay: &[u8],
        pos: usize,
        ctx_words: &mut Words,
        lower: &mut Vec<u8>,
        nearby: &mut Vec<u32>,
    ) {
        nearby.clear();
        let line_start0 = line_start(hay, pos);
        let line_end = memchr::memchr(b'\n', &hay[pos..]).map_or(hay.len(), |i| pos + i);
        let mut regions: [Range<usize>; 8] = std::array::from_fn(|_| 0..0);
        let mut nr = 0;
        regions[nr] =
            line_start0.max(pos.saturating_sub(LINE_CONTEXT))..line_end.min(pos + LINE_CONTEXT);
        nr += 1;
        // The two previous lines.
        let mut ls = line_start0;
        for _ in 0..2 {
            if ls == 0 {
                break;
            }
            let prev = line_start(hay, ls - 1);
            regions[nr] = prev..(ls - 1).min(prev + LINE_CONTEXT);
            nr += 1;
            ls = prev;
        }
        // Parent lines (strictly less indented) and the nearest section header.
        let floor = line_start0.saturating_sub(CONTEXT_BACK);
        let mut indent = indentation(&hay[line_start0..line_end]);
        let mut section = false;
        let mut parents = 0;
        let mut ls = line_start0;
        while ls > floor && nr < regions.len() {
            let prev = line_start(hay, ls - 1);
            let line = &hay[prev..ls - 1];
            ls = prev;
            let trimmed = trim_start(line);
            if trimmed.is_empty() {
                continue;
            }
            let ind = line.len() - trimmed.len();
            if !section && trimmed.first() == Some(&b'[') && ind == 0 {
                regions[nr] = prev..prev + line.len().min(LINE_CONTEXT);
                nr += 1;
                section = true;
                if indent == 0 {
                    break;
                }
            }
            if ind < indent && parents < 3 && nr < regions.len() {
                regions[nr] = prev..prev + line.len().min(LINE_CONTEXT);
                nr += 1;
                indent = ind;
                parents += 1;
            }
            if indent == 0 && section {
                break;
            }
        }
        for r in &regions[..nr] {
            self.providers_in(&hay[r.clone()], ctx_words, lower, nearby);
        }
        nearby.sort_unstable();
        nearby.dedup();
    }

    fn providers_in(
        &self,
        text: &[u8],
        ctx_words: &mut Words,
        lower: &mut Vec<u8>,
        nearby: &mut Vec<u32>,
    ) {
        // Region text can be long; split at blanks so each piece stays under the word limit.
        for chunk in text.split(|b| b.is_ascii_whitespace()) {
            if chunk.is_empty() || !ctx_words.split(chunk) {
                continue;
            }
            let n = ctx_words.len();
            for w in 0..n {
                let word = ctx_words.get(w);
                if word.len() >= 3
                    && let Some(list) = self.providers.get(word)
                {
                    if COMMON_WORDS.contains(&word) {
                        // An ordinary word names the provider only for a prefixed value.
                        nearby.extend(list.iter().filter(|&&ci| self.rules[ci as usize].prefixed));
                    } else {
                        nearby.extend_from_slice(list);
                    }
                }
                if w + 1 < n {
                    lower.clear();
                    lower.extend_from_slice(word);
                    lower.extend_from_slice(ctx_words.get(w + 1));
                    if let Some(list) = self.providers.get(lower.as_slice()) {
                        nearby.extend_from_slice(list);
                    }
                }
            }
        }
    }
}

/// The cheap first test of every trigger hit: after the rest of the identifier, a closing
/// quote and blanks, does something follow that can start an assignment (an operator, a call,
/// an element's `>`, or after blanks a value)? Most hits in code (`key)`, `key.`, `keys`) stop
/// here.
fn operator_follows(hay: &[u8], from: usize) -> bool {
    let lim = (from + MAX_IDENT).min(hay.len());
    let mut p = from;
    while p < lim
        && (is_name_byte(hay[p])
            || hay[p] == b':'
                && hay.get(p + 1).is_some_and(u8::is_ascii_alphabetic)
                && !colon_operator(hay, p))
    {
        p += 1;
    }
    let name_end = p;
    if env_fallback(hay, name_end).is_some() {
        return true;
    }
    p += c_array_suffix(hay, p);
    if hay.get(p) == Some(&b'{') && hay.get(p + 1) == Some(&b'"') {
        // C++ brace initialisation, `std::string api_secret{"..."}`.
        return true;
    }
    for _ in 0..2 {
        if let Some(q) = quote_at(hay, p) {
            p += q;
        }
        if hay.get(p) == Some(&b']') {
            p += 1;
        }
    }
    let quoted = p > name_end;
    // Aligned configuration (spark-defaults.conf) pads names with many blanks.
    let q = skip_blanks(hay, p, 64);
    let blanks = q > p;
    let next = hay.get(q + 1).copied().unwrap_or(b'\n');
    // The same cases as `parse`, so that code (`key, value`, `key == k`, `key as u32`,
    // `token.clone()`, `Some(key);`) stops here without splitting a name or reading a value.
    match hay.get(q) {
        Some(b'=') => !matches!(next, b'=' | b'~'),
        Some(b':') => next != b':' || (hay.get(q + 2) == Some(&b' ') && ldif_attribute(hay, from)),
        Some(b'?') => next == b'=' || next == b'?' && hay.get(q + 2) == Some(&b'='),
        Some(b'|') if next == b'|' && hay.get(q + 2) == Some(&b'=') => true,
        // `x <- v` (R), or a key element's name (`<key>name</key>`, `<name>x</name>`).
        Some(b'<') => {
            next == b'-'
                // `--password <<< 'x'`: a here-string answers the flag.
                || blanks && hay[q..].starts_with(b"<<<")
                || !blanks && next == b'/' && {
                    let mut s = from;
                    while s > 0 && is_name_byte(hay[s - 1]) {
                        s -= 1;
                    }
                    key_element(hay, s, q).is_some() || element_named_value(hay, s, q).is_some()
                }
        }
        Some(b',') if !quoted && GO_DISCARD.iter().any(|d| hay[q..].starts_with(d)) => true,
        // `{name: DD_API_KEY, value: x}`: a name field's value is followed by its value field.
        Some(b',') => {
            quoted
                || names_a_field(hay, from)
                || tuple_key(hay, from)
                || !blanks && whole_csv_cell(hay, from, q)
                || !blanks && comma_clause(hay, from, from, q).is_some()
        }
        // PHP's serialize(): `s:20:"paypal_client_secret";s:80:"x"` (WordPress options).
        Some(b';') => quoted && hay[q..].starts_with(b";s:"),
        // `fastly key (prod): x`: an aside before the value in prose.
        Some(b'(') => !blanks && !quoted || blanks && prose_connector(hay, q).is_some(),
        // Tcl braces a word: `set enablepw {x}`, `set ::testpass {x}`.
        Some(b'{') => {
            blanks
                && (quoted || property_initializer(hay, q).is_some() || {
                    let mut n = from;
                    while n > 0 && (is_name_byte(hay[n - 1]) || hay[n - 1] == b':') {
                        n -= 1;
                    }
                    after_set(hay, n)
                })
        }
        Some(b'>') => !blanks,
        // `| DB_PASSWORD | value |`: a Markdown table row.
        Some(b'|') => blanks && trim_start(&hay[line_start(hay, from)..]).starts_with(b"|"),
        Some(b't') if blanks && hay[q..].starts_with(b"to ") => true,
        // Scala `"password" -> "x"`: only after a quoted name (`a -> b` is code).
        Some(b'-') if quoted && next == b'>' => true,
        // `- name: DB_PASSWORD` / `value: x`: the value is on a later line.
        Some(b'\n' | b'\r') | None => names_a_field(hay, from) || flag_list_item(hay, from),
        // After blanks, a value, a type or a flag's argument starts with a word, a quote or a
        // sigil; code goes on with an operator or a keyword.
        Some(_) if blanks && prose_connector(hay, q).is_some() => true,
        Some(&c) => {
            blanks
                && (c.is_ascii_alphanumeric()
                    || b"\"'`$@%/~.-_<{[".contains(&c)
                    || c >= 0x80
                    // An escaped quote inside a string (`"OPTS=--api-key \"x\""`).
                    || c == b'\\' && quote_at(hay, q).is_some())
                && !CODE_WORDS.iter().any(|w| {
                    hay[q..].starts_with(w)
                        && hay
                            .get(q + w.len())
                            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                })
        }
    }
}

/// Words that continue an expression after a name (`key in keys`, `token as u64`, `key if x`):
/// never a value or a type in the syntaxes `parse` reads.
const CODE_WORDS: &[&[u8]] = &[
    b"as",
    b"in",
    b"is",
    b"if",
    b"or",
    b"and",
    b"not",
    b"of",
    b"for",
    b"instanceof",
    b"else",
    b"then",
    b"do",
    b"with",
];

/// Whether the identifier that ends at or after `from` starts its line (an LDIF attribute).
fn ldif_attribute(hay: &[u8], from: usize) -> bool {
    let s = ident_start(hay, from);
    s == 0 || hay[s - 1] == b'\n'
}

/// Whether the identifier that ends at or after `from` opens an Erlang or Elixir tuple
/// (`{password, "x"}`, `{slack_signing_secret, <<"x">>}`): its second element is the value.
fn tuple_key(hay: &[u8], from: usize) -> bool {
    let mut s = ident_start(hay, from);
    while s > 0 && hay[s - 1] == b' ' {
        s -= 1;
    }
    s > 0 && hay[s - 1] == b'{'
}

/// Whether the identifier that ends at or after `from` is the value of a `name`/`key` field
/// (see [`preceded_by_name_field`]).
fn names_a_field(hay: &[u8], from: usize) -> bool {
    let s = ident_start(hay, from);
    preceded_by_name_field(hay, s, quote_before(hay, s))
}

/// Where the identifier that ends at or after `from` starts (at most [`MAX_IDENT`] back).
fn ident_start(hay: &[u8], from: usize) -> usize {
    let lim = from.saturating_sub(MAX_IDENT);
    let mut s = from.min(hay.len());
    while s > lim && is_name_byte(hay[s - 1]) {
        s -= 1;
    }
    s
}

/// `redact('password=x')`, `maskSecrets("token: x")`: a sample handed to a redaction or
/// masking helper (its test's input), not a credential. The string literal holding the name
/// opens right after the helper's parenthesis.
pub(crate) fn redaction_sample(hay: &[u8], name_start: usize) -> bool {
    const HELPERS: &[&[u8]] = &[
        b"redact",
        b"mask",
        b"scrub",
        b"sanitiz",
        b"sanitis",
        b"censor",
        b"obfuscat",
    ];
    let ls = line_start(hay, name_start).max(name_start.saturating_sub(80));
    let before = &hay[ls..name_start];
    let Some(open) = before.iter().rposition(|b| *b == b'(') else {
        return false;
    };
    let between = &before[open + 1..];
    let quotes = between
        .iter()
        .filter(|b| matches!(b, b'"' | b'\'' | b'`'))
        .count();
    if quotes != 1 || !matches!(between.first(), Some(b'"' | b'\'' | b'`')) {
        return false;
    }
    let callee = &before[..open];
    let n = callee
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let callee = callee[callee.len() - n..].to_ascii_lowercase();
    HELPERS
        .iter()
        .any(|h| memchr::memmem::find(&callee, h).is_some())
}

fn line_start(hay: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &hay[..pos]).map_or(0, |i| i + 1)
}

pub(super) fn line_end(hay: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &hay[pos..]).map_or(hay.len(), |i| pos + i)
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    &line[n..]
}

/// The one line of a YAML block scalar (`partner_token: |` / `  live_uVy2...`): the indicator
/// at `p` (`|`, `>`, with chomping or indentation marks) ends its line, the next line is more
/// indented than the name's and is one word, and the block ends after it. Longer blocks are
/// documents (PEM, JSON, scripts) that the rules read whole.
fn yaml_block_line(hay: &[u8], name_start: usize, p: usize) -> Option<Range<usize>> {
    let mut q = p + 1;
    while hay
        .get(q)
        .is_some_and(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
    {
        q += 1;
    }
    let q = skip_blanks(hay, q, 16);
    if !matches!(hay.get(q), Some(b'\n' | b'\r')) {
        return None;
    }
    let ls = line_start(hay, name_start);
    let base = indentation(&hay[ls..line_end(hay, name_start)]);
    let first = line_end(hay, q) + 1;
    let le = line_end(hay, first.min(hay.len()));
    let line = hay.get(first..le)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if indentation(line) <= base {
        return None;
    }
    let v = trim_range(hay, first..first + line.len());
    if v.is_empty() || hay[v.clone()].iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    // The block ends: the next line is blank, less indented, or the end of the text.
    if le < hay.len() {
        let next = &hay[le + 1..line_end(hay, le + 1)];
        if !next.trim_ascii().is_empty() && indentation(next) > base {
            return None;
        }
    }
    Some(v)
}

/// Whether the name ending at `from` is a flag alone in a YAML list item (`- --db-password`,
/// `- "--api-token"`), whose value is the next item (see [`yaml_flag_item`]).
fn flag_list_item(hay: &[u8], from: usize) -> bool {
    let st = ident_start(hay, from);
    hay.get(st) == Some(&b'-') && list_item_indent(hay, st).is_some()
}

/// The indentation of a YAML list item whose text (an optional quote, then a flag) starts at
/// `st`: the line before it is blanks and `- `.
fn list_item_indent(hay: &[u8], st: usize) -> Option<usize> {
    let lead = &hay[line_start(hay, st)..st];
    let lead = lead
        .strip_suffix(b"\"")
        .or_else(|| lead.strip_suffix(b"'"))
        .unwrap_or(lead);
    let item = trim_start(lead);
    (item == b"- ").then(|| lead.len() - item.len())
}

/// A flag that is one YAML list item, its value the next item (Kubernetes `args:`, compose
/// `command:`): `- --db-password` / `- x`, at the same indentation. `eol` is the flag line's
/// end.
fn yaml_flag_item(hay: &[u8], name: Range<usize>, raw_s: usize, eol: usize) -> Option<Assignment> {
    let indent = list_item_indent(hay, raw_s)?;
    let next = line_end(hay, eol) + 1;
    let le = line_end(hay, next.min(hay.len()));
    let line = hay.get(next..le)?;
    let rest = trim_start(line);
    if line.len() - rest.len() != indent || !rest.starts_with(b"- ") {
        return None;
    }
    let q = skip_blanks(hay, next + indent + 2, 8);
    let (v, quoted) = parse_value(hay, q)?;
    if hay[v.start] == b'-' || !rest_of_line_empty(hay, value_end(hay, &v, quoted)) {
        return None;
    }
    Some(Assignment::new(name, v, quoted))
}

fn indentation(line: &[u8]) -> usize {
    line.len() - trim_start(line).len()
}

/// The name of the structure a name sits in: the callee of a call's keyword argument
/// (`EncryptionClient(key=...)`), the key of the enclosing one-line JSON object
/// (`"jwt": {"key": ...}`), the key of the nearest less-indented line (YAML, JSON, XML), or the
/// `[section]` above an unindented line.
fn parent_name(hay: &[u8], pos: usize) -> Option<Range<usize>> {
    let ls = line_start(hay, pos);
    let before = &hay[ls..pos];
    // Keyword argument: `Callee(... name=`.
    let mut depth = 0i32;
    for (i, &b) in before.iter().enumerate().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' if depth == 0 => return name_before(hay, ls + i),
            b'{' | b'[' if depth == 0 && (b == b'{' || php_arrow_before(before, i)) => {
                // One-line JSON/JS object: the key before `{`; a PHP array's key before
                // `=> [` (`'crypt' => ['key' => '...']`).
                let mut k = ls + i;
                while k > ls && matches!(hay[k - 1], b' ' | b'\t' | b':' | b'=' | b'>') {
                    k -= 1;
                }
                if k > ls && matches!(hay[k - 1], b'"' | b'\'') {
                    k -= 1;
                }
                if let Some(r) = name_before(hay, k).filter(|r| !r.is_empty()) {
                    return Some(r);
                }
                break;
            }
            b'(' | b'[' | b'{' => depth -= 1,
            _ => {}
        }
    }
    let line = &hay[ls..line_end(hay, pos)];
    let indent = indentation(line);
    let floor = ls.saturating_sub(CONTEXT_BACK);
    let mut cur = ls;
    while cur > floor {
        let prev = line_start(hay, cur - 1);
        let l = &hay[prev..cur - 1];
        cur = prev;
        let t = trim_start(l);
        if t.is_empty() || t.starts_with(b"#") || t.starts_with(b"//") {
            continue;
        }
        let ind = l.len() - t.len();
        if indent == 0 {
            if t.first() == Some(&b'[') && ind == 0 {
                let inner = prev + 1..prev + memchr::memchr(b']', l).unwrap_or(1);
                return Some(inner);
            }
            continue;
        }
        if ind < indent {
            // A mapping key that opens the block (`jwt:`, `"Jwt": {`, `jwt = {`, `<jwt>`); any
            // other line (code) is no parent.
            let mut k = prev + ind;
            while k < prev + l.len() && matches!(hay[k], b'-' | b' ' | b'"' | b'\'' | b'<') {
                k += 1;
            }
            let mut e = k;
            while e < hay.len() && is_name_byte(hay[e]) {
                e += 1;
            }
            let rest = &hay[e..prev + l.len()];
            let opens = {
                let r: Vec<u8> = rest
                    .iter()
                    .copied()
                    .filter(|b| !b" \t\"'".contains(b))
                    .collect();
                // PHP arrays too: `'crypt' => [`, `'dhl' => array(`.
                matches!(
                    r.as_slice(),
                    b":" | b":{" | b"={" | b"{" | b">" | b"=>[" | b"=>array("
                )
            };
            if e == k
                || !opens
                || STRUCTURAL_PARENTS
                    .iter()
                    .any(|w| hay[k..e].eq_ignore_ascii_case(w))
            {
                return None;
            }
            return Some(k..e);
        }
    }
    None
}

/// Parent keys that only structure a file (`with:`, `env:`, `spec:`): they say nothing about what
/// a `key` or `auth` under them is.
const STRUCTURAL_PARENTS: &[&[u8]] = &[
    b"with",
    b"env",
    b"environment",
    b"spec",
    b"data",
    b"config",
    b"configuration",
    b"settings",
    b"properties",
    b"options",
    b"params",
    b"parameters",
    b"args",
    b"arguments",
    b"values",
    b"metadata",
    b"variables",
    b"vars",
    b"default",
    b"defaults",
    b"global",
    b"common",
    b"inputs",
    b"outputs",
    b"items",
    b"keys",
    b"secrets",
    b"stringData",
    b"annotations",
    b"labels",
    b"steps",
    b"jobs",
    b"services",
    b"headers",
    b"body",
    b"request",
    b"response",
    b"test",
    b"tests",
];

/// The identifier ending at `end` (exclusive), possibly empty.
/// Whether `=>` (PHP) comes just before `line[i]`, blanks aside.
fn php_arrow_before(line: &[u8], i: usize) -> bool {
    let t = line[..i].trim_ascii_end();
    t.ends_with(b"=>")
}

fn name_before(hay: &[u8], end: usize) -> Option<Range<usize>> {
    let mut s = end;
    while s > 0 && is_name_byte(hay[s - 1]) && end - s < MAX_IDENT {
        s -= 1;
    }
    Some(s..end)
}

#[inline]
pub(super) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

/// Whether the `:` at `i`, between a name and a word, separates a key from its value rather
/// than joining a configuration path (`Jwt:Secret`): a properties file's `db.password:LotusSage3`,
/// where one token runs from the colon to the end of the line.
fn colon_operator(hay: &[u8], i: usize) -> bool {
    let rest = &hay[i + 1..line_end(hay, i + 1)];
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    // The key starts its line and holds no other colon: an ARN (`arn:aws:...:secret:name`) or
    // a URN is one value, not a key and its value.
    let ls = line_start(hay, i);
    let key = trim_start(&hay[ls..i]);
    !key.is_empty()
        && !key
            .iter()
            .any(|b| matches!(b, b':' | b' ' | b'\t' | b'"' | b'\''))
        && !rest.iter().any(|b| matches!(b, b' ' | b'\t' | b'=' | b':'))
}

/// The identifier around a keyword hit: a run of letters, digits, `_`, `.`, `-` and single `:`
/// between letters (`Jwt:Secret`, a .NET configuration path), at most [`MAX_IDENT`] bytes each
/// way, without leading/trailing `.`/`-` (kept out so `--password` and `.password` give
/// `password`), and without a JSON escape glued to its start (`\npassword`, `\u0022password`).
fn ident_bounds(hay: &[u8], hit: Range<usize>) -> Option<Range<usize>> {
    let inner_colon = |i: usize| {
        hay[i] == b':'
            && i > 0
            && hay[i - 1].is_ascii_alphanumeric()
            && hay.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic())
    };
    let mut e = hit.end;
    let lim = (hit.end + MAX_IDENT).min(hay.len());
    while e < lim && (is_name_byte(hay[e]) || inner_colon(e) && !colon_operator(hay, e)) {
        e += 1;
    }
    if e == lim && lim < hay.len() && is_name_byte(hay[lim]) {
        return None;
    }
    let mut s = hit.start;
    let floor = hit.start.saturating_sub(MAX_IDENT);
    while s > floor && (is_name_byte(hay[s - 1]) || inner_colon(s - 1)) {
        s -= 1;
    }
    if s == floor && s > 0 && is_name_byte(hay[s - 1]) {
        // A long dotted path (TR-069's `InternetGatewayDevice.WANDevice.1.` ... `.Password`):
        // its last segments name the value. A JWT or a host name has fewer dots.
        if memchr::memchr_iter(b'.', &hay[s..hit.start]).count() < 3 {
            return None;
        }
        s += memchr::memchr(b'.', &hay[s..hit.start])? + 1;
    }
    // A backslash escape glued to the name: `\n`, `\t`, `\r`, `\u0022`, `\x22`.
    if s > 0 && hay[s - 1] == b'\\' {
        let skip = match hay.get(s) {
            Some(b'n' | b't' | b'r') => 1,
            Some(b'u')
                if hay.len() >= s + 5 && hay[s + 1..s + 5].iter().all(u8::is_ascii_hexdigit) =>
            {
                5
            }
            Some(b'x')
                if hay.len() >= s + 3 && hay[s + 1..s + 3].iter().all(u8::is_ascii_hexdigit) =>
            {
                3
            }
            _ => 0,
        };
        if skip > 0 && s + skip <= hit.start {
            s += skip;
        }
    }
    while s < hit.start && matches!(hay[s], b'.' | b'-' | b':') {
        s += 1;
    }
    while e > hit.end && matches!(hay[e - 1], b'.' | b'-' | b':') {
        e -= 1;
    }
    Some(s..e)
}

/// A quote at `p`: `"`, `'`, `` ` ``, a backslash-escaped quote (`\"`, `\\\"`), `\u0022`,
/// `\x22`, `&quot;`, `&#34;`. Returns its length.
pub(super) fn quote_at(hay: &[u8], p: usize) -> Option<usize> {
    let rest = hay.get(p..)?;
    match rest.first()? {
        // `""value""`: a quote doubled inside a C# verbatim string or a CSV field.
        b'"' if rest.get(1) == Some(&b'"')
            && rest
                .get(2)
                .is_some_and(|b| !b.is_ascii_whitespace() && !b",;)]}\"".contains(b)) =>
        {
            Some(2)
        }
        // PowerShell escapes a quote inside a double-quoted string with a backtick
        // (`"{`"password`":`"v`"}"`), as JSON-in-a-string escapes it with a backslash.
        b'`' if rest.get(1) == Some(&b'"') => Some(2),
        // A shell's single-quoted word quoting again inside (`sh -c '... -P '\''v'\'' ...'`):
        // `'\''` opens the inner word.
        b'\'' if rest.starts_with(b"'\\''") && inner_word_goes_on(rest.get(4)) => Some(4),
        b'"' | b'\'' | b'`' => Some(1),
        b'\\' => {
            let n = rest.iter().take_while(|b| **b == b'\\').count();
            match rest.get(n) {
                Some(b'"' | b'\'') if n <= 7 => Some(n + 1),
                Some(b'u')
                    if n == 1
                        && (rest[1..].starts_with(b"u0022") || rest[1..].starts_with(b"u0027")) =>
                {
                    Some(6)
                }
                Some(b'x')
                    if n == 1
                        && (rest[1..].starts_with(b"x22") || rest[1..].starts_with(b"x27")) =>
                {
                    Some(4)
                }
                _ => None,
            }
        }
        b'&' => [&b"&quot;"[..], b"&#34;", b"&#39;", b"&apos;"]
            .iter()
            .find(|q| rest.starts_with(q))
            .map(|q| q.len()),
        _ => None,
    }
}

/// Whether a word quoted inside a shell's single-quoted one goes on with the byte after a
/// `'\''` (`'\''Ro'\''.x'\''`): anything but a blank, `;`, `)` or the outer quote, which end it.
pub(super) fn inner_word_goes_on(next: Option<&u8>) -> bool {
    next.is_some_and(|b| !b.is_ascii_whitespace() && !b"';)".contains(b))
}

/// The quote that ends right before `p`, if any (the forms of [`quote_at`] but the shell's
/// `'\''`).
fn quote_before(hay: &[u8], p: usize) -> Option<usize> {
    let before = &hay[..p];
    for q in [
        &b"&quot;"[..],
        b"&#34;",
        b"&#39;",
        b"&apos;",
        b"\\u0022",
        b"\\u0027",
        b"\\x22",
        b"\\x27",
    ] {
        if before.ends_with(q) {
            return Some(q.len());
        }
    }
    match before.last()? {
        b'"' if before.ends_with(b"`\"") => Some(2),
        b'"' | b'\'' => {
            let n = before[..p - 1]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            Some(n + 1)
        }
        b'`' => Some(1),
        _ => None,
    }
}

/// Skips spaces, tabs and line breaks, at most `max` bytes.
fn skip_whitespace(hay: &[u8], mut p: usize, max: usize) -> usize {
    let lim = (p + max).min(hay.len());
    while p < lim && hay[p].is_ascii_whitespace() {
        p += 1;
    }
    p
}

fn skip_blanks(hay: &[u8], mut p: usize, max: usize) -> usize {
    let lim = (p + max).min(hay.len());
    while p < lim && (hay[p] == b' ' || hay[p] == b'\t') {
        p += 1;
    }
    p
}

/// Parses what follows a credential-like name: an operator and a literal value, in any of the
/// syntaxes listed in the module docs.
fn parse(hay: &[u8], id: &Range<usize>) -> Option<Assignment> {
    let (s, e) = (id.start, id.end);
    if let Some(v0) = env_fallback(hay, e)
        && let Some((v, true)) = parse_value(hay, v0)
    {
        return Some(Assignment::new(s..e, v, true));
    }
    // Leading dashes mark a command-line flag (`--password X`).
    let mut raw_s = s;
    while raw_s > 0 && hay[raw_s - 1] == b'-' && s - raw_s < 2 {
        raw_s -= 1;
    }
    let dashes = s - raw_s;
    let open_quote = quote_before(hay, raw_s);
    let mut p = e;
    let mut name_quoted = false;
    if let Some(oq) = open_quote
        && let Some(q) = quote_at(hay, p)
    {
        p += q;
        name_quoted = true;
        // `""name""` inside a C# verbatim string or a CSV field.
        if oq == 1
            && q == 1
            && raw_s >= 2
            && hay.get(p) == Some(&hay[p - 1])
            && hay[raw_s - 2] == hay[p - 1]
        {
            p += 1;
        }
        if hay.get(p) == Some(&b']') {
            p += 1;
        }
    } else if raw_s >= 2 && hay[raw_s - 2..raw_s] == *b"[:" && hay.get(p) == Some(&b']') {
        // A Ruby symbol as a hash key: `knife[:vsphere_pass] = '...'`, `config[:db_password]`.
        p += 1;
    }
    if preceded_by_name_field(hay, raw_s, open_quote) {
        return name_value_pair(hay, s..e, p);
    }
    if let Some(a) = element_named_value(hay, s, e) {
        return Some(a);
    }
    if dashes == 0
        && let Some(a) = flag_named_value(hay, s..e)
    {
        return Some(a);
    }
    if name_quoted && hay[p..].starts_with(b";s:") {
        // PHP's serialize() writes a map's key and then its value, each with its length:
        // `s:20:"paypal_client_secret";s:80:"x"` (WordPress options in a database dump).
        let mut q = p + 3;
        while q < hay.len() && q - p < 12 && hay[q].is_ascii_digit() {
            q += 1;
        }
        if q > p + 3 && hay.get(q) == Some(&b':') && hay.get(q + 1) == Some(&b'"') {
            let (v, quoted) = parse_value(hay, q + 1)?;
            return Some(Assignment::new(s..e, v, quoted));
        }
        return None;
    }
    if open_quote.is_none()
        && let Some(after) = key_path_name(hay, raw_s, e)
    {
        return name_value_pair(hay, s..e, after);
    }
    if !name_quoted {
        p += c_array_suffix(hay, p);
        if hay.get(p) == Some(&b'{') && hay.get(p + 1) == Some(&b'"') {
            let (v, quoted) = parse_value(hay, p + 1)?;
            if !quoted || hay.get(value_end(hay, &v, quoted)) != Some(&b'}') {
                return None;
            }
            return Some(Assignment::new(s..e, v, true));
        }
    }
    let after_name = p;
    p = skip_blanks(hay, p, 64);
    let blanks = p > after_name;
    let c = *hay.get(p)?;
    if blanks
        && matches!(c, b'P' | b'p')
        && let Some(v) = cobol_value(hay, p)
    {
        return Some(Assignment::new(s..e, v, true));
    }
    // `X-Api-Key (base64): RVJx...`: a note of how the value is written, then the value,
    // judged (and reported) decoded.
    if c == b'('
        && let Some((enc, after)) = encoding_note(hay, p)
        && let q = skip_blanks(hay, after, 4)
        && matches!(hay.get(q), Some(b':' | b'='))
    {
        let (v, quoted) = parse_value(hay, skip_blanks(hay, q + 1, 8))?;
        let mut a = Assignment::new(s..e, v, quoted);
        return a.decode(hay, enc).then_some(a);
    }
    let next = hay.get(p + 1).copied().unwrap_or(b'\n');
    let leader = if c == b'.' && blanks {
        dot_leader(hay, p)
    } else {
        None
    };
    let value_start = match c {
        // A form or a PDF's text: `Password .............. x`.
        b'.' if leader.is_some() => leader.unwrap_or(p),
        b'=' => match next {
            b'=' | b'~' => return None,
            b'>' => p + 2,
            _ => p + 1,
        },
        b':' => match next {
            // LDIF `userPassword:: <base64>` at the start of a line: the value is base64.
            b':' if raw_s == line_start(hay, raw_s) && hay.get(p + 2) == Some(&b' ') => {
                return ldif_base64(hay, s..e, p + 3);
            }
            b':' => return None,
            b'=' => p + 2,
            b'\n' | b'\r' => {
                return block_value(hay, s..e, p + 1)
                    .or_else(|| auth_list_item(hay, s..e, p + 1))
                    .or_else(|| next_line_code_span(hay, s..e, p + 1));
            }
            _ => p + 1,
        },
        b'?' if next == b'=' => p + 2,
        // Ruby `ENV['API_KEY'] ||= '...'`, JavaScript and C# `??=`: a default that is set.
        b'|' | b'?' if next == c && hay.get(p + 2) == Some(&b'=') => p + 3,
        b'<' if next == b'-' => p + 2,
        // Go: `var bundleKey, _ = base64.StdEncoding.DecodeString("...")`, the error discarded.
        b',' if !name_quoted
            && let Some(d) = GO_DISCARD.iter().find(|d| hay[p..].starts_with(d)) =>
        {
            p + d.len()
        }
        b',' if !name_quoted
            && !blanks
            && let Some(a) = comma_cell(hay, s..e, raw_s, p) =>
        {
            return Some(a);
        }
        b',' if !name_quoted
            && !blanks
            && let Some(a) = comma_clause(hay, s, e, p) =>
        {
            return Some(a);
        }
        b',' if name_quoted || tuple_key(hay, e) => p + 1,
        // Kotlin `mapOf("api_key" to "...")`, AppleScript `set apiToken to "..."`.
        b't' if blanks
            && hay[p..].starts_with(b"to ")
            && (name_quoted
                || trim_start(&hay[line_start(hay, raw_s)..raw_s])
                    .eq_ignore_ascii_case(b"set ")) =>
        {
            p + 2
        }
        // Scala `Map("password" -> "...")`, `"es.net.http.auth.pass" -> "..."`.
        b'-' if name_quoted && next == b'>' => p + 2,
        b'(' if !blanks && !name_quoted => return call_value(hay, s..e, raw_s, p),
        b'{' if blanks && name_quoted => return block_value(hay, s..e, p + 1),
        // C#: `public string ErpPasswd { get; set; } = "..."`, an auto-property's initializer.
        b'{' if blanks && let Some(eq) = property_initializer(hay, p) => eq + 1,
        b'|' if blanks && table_cell_start(hay, raw_s - open_quote.unwrap_or(0)) => {
            return table_cell(hay, s..e, p + 1);
        }
        b'<' if !blanks && let Some(close) = key_element(hay, raw_s, p) => {
            return sibling_value(hay, s, e, p + close);
        }
        b'>' if hay[raw_s.saturating_sub(1)] == b'<' && !blanks => {
            // Windows unattend: `<Password>` / `<Value>x</Value>`, the value in a child (also
            // `<clearValue>`).
            let q = skip_whitespace(hay, p + 1, 64);
            if let Some(content) = value_child(hay, q) {
                return xml_element(hay, s, e, content);
            }
            return xml_element(hay, s, e, p + 1);
        }
        c if blanks && c.is_ascii_alphabetic() && raw_s > 0 && hay[raw_s - 1] == b'<' => {
            return element_with_attributes(hay, s, e, p);
        }
        b'\n' | b'\r' if dashes > 0 => return yaml_flag_item(hay, s..e, raw_s, p),
        _ => {
            if !blanks || c == b'\n' || c == b'\r' {
                return None;
            }
            // `--password X`, `-storepass X`, or a directive alone on its line
            // (`requirepass X`, `ENV TOKEN X`, `SetEnv DB_PASSWORD X`, `#define API_KEY "X"`).
            let flag = dashes > 0;
            // `trino --password <<< 'x'`: a here-string answers the flag's prompt.
            if flag && hay[p..].starts_with(b"<<<") {
                let (v, quoted) = parse_value(hay, skip_blanks(hay, p + 3, 8))?;
                return Some(Assignment::new(s..e, v, quoted));
            }
            // `spark.ssl.keyPassword    x` in spark-defaults.conf: a dotted property name
            // alone at the start of its line, blanks, then the value to the end of the line.
            if !flag
                && hay[s..e].contains(&b'.')
                && trim_start(&hay[line_start(hay, raw_s)..raw_s]).is_empty()
                && let Some((v, quoted)) = parse_value(hay, p)
                && rest_of_line_empty(hay, value_end(hay, &v, quoted))
            {
                return Some(Assignment::new(s..e, v, quoted));
            }
            if !flag && let Some(a) = tab_cell(hay, s..e, after_name, p) {
                return Some(a);
            }
            if !flag && let Some(a) = prose_value(hay, s, e, p) {
                return Some(a);
            }
            if !flag && let Some(a) = bare_password(hay, s, e, p) {
                return Some(a);
            }
            if !flag && after_set(hay, raw_s) {
                // `aws configure set aws_secret_access_key X`, `CONFIG SET requirepass X`;
                // Tcl quotes a word in braces (`set enablepw {x}`).
                if hay[p] == b'{' {
                    let eol = line_end(hay, p);
                    let close = p + memchr::memchr(b'}', &hay[p..eol])?;
                    return (close > p + 1).then(|| Assignment::new(s..e, p + 1..close, true));
                }
                let (v, quoted) = parse_value(hay, p)?;
                return Some(Assignment::new(s..e, v, quoted));
            }
            if !flag && !directive_line(hay, raw_s) {
                return whitespace_quoted(hay, s, e, p)
                    .or_else(|| typed_declaration(hay, s, e, p))
                    .or_else(|| bare_key(hay, s, e, p));
            }
            let (v, quoted) = parse_value(hay, p)?;
            if !flag && !rest_of_line_empty(hay, value_end(hay, &v, quoted)) {
                return None;
            }
            if flag && hay[v.start] == b'-' {
                return None;
            }
            return Some(Assignment::new(s..e, v, quoted));
        }
    };
    let mut p = if c == b',' && dashes > 0 && name_quoted {
        // An exec-form array written one element per line (`"--db-password",` / `"x"`).
        skip_whitespace(hay, value_start, 64)
    } else {
        skip_blanks(hay, value_start, 16)
    };
    if c == b',' && hay[p..].starts_with(b"<<\"") {
        // An Erlang binary, `<<"x">>`.
        p += 2;
    }
    if c == b'=' && matches!(hay.get(p), Some(b'\n' | b'\r')) {
        // Java wraps a long initializer onto the next line:
        // `static final String PASSWORD =` / `new String(Base64.getDecoder().decode("..."))`.
        let q = skip_whitespace(hay, p, 64);
        if hay[q..].starts_with(b"new String(") {
            p = q;
        }
    }
    if matches!(c, b':' | b'=') && hay.get(p) == Some(&b'{') {
        // `"db_password": {` / `"value": "..."` (Terraform state, ARM `defaultValue`), or on
        // one line (`"adminPassword": { "value": "..." }`, an ARM parameters file; a TOML
        // inline table, `api_secret = { value = "...", rotate_days = 90 }`).
        if rest_of_line_empty(hay, p + 1) {
            return block_value(hay, s..e, p + 1);
        }
        if let Some(a) = block_value(hay, s..e, p + 1) {
            return Some(a);
        }
    }
    if c == b':'
        && matches!(hay.get(p), Some(b'|' | b'>'))
        && let Some(v) = yaml_block_line(hay, raw_s, p)
    {
        return Some(Assignment::new(s..e, v, false));
    }
    if let Some((v, hex)) = byte_list(hay, p) {
        let mut a = Assignment::new(s..e, v, false);
        // Located at the list as written; judged and reported as the bytes in hex.
        a.decoded = Some((hex, super::decode::Encoding::Hex));
        return Some(a);
    }
    if hay[p..].starts_with(b"[]byte(")
        && let Some(v) = wrapper_literal(hay, p)
    {
        // Go: `SessionKey: []byte("...")`.
        return Some(Assignment::new(s..e, v, true));
    }
    if c == b':'
        && hay.get(p) == Some(&b'[')
        && let Some(a) = postman_auth_value(hay, s..e, p + 1)
    {
        return Some(a);
    }
    if matches!(hay.get(p), Some(b'(' | b'[')) {
        // `auth=("user", "password")`, `credentials: ["user", "password"]`; or a Zig slice
        // type (`api_token: []const u8 = "..."`).
        return tuple_value(hay, s..e, p).or_else(|| {
            (c == b':' && hay.get(p) == Some(&b'['))
                .then(|| typed_declaration(hay, s, e, p))
                .flatten()
        });
    }
    // `base64decode("...")`, `new String(Base64.getDecoder().decode("..."))`: a call (a `(`
    // soon after a word) that may decode a literal.
    if hay.get(p).is_some_and(u8::is_ascii_alphabetic)
        && memchr::memchr(b'(', &hay[p..(p + 48).min(hay.len())]).is_some()
        && let Some(a) = decode_call(hay, s..e, p)
    {
        return Some(a);
    }
    if hay.get(p).is_some_and(u8::is_ascii_uppercase)
        && let Some(v) = wrapper_literal(hay, p)
    {
        return Some(Assignment::new(s..e, v, true));
    }
    let (mut v, quoted) = match parse_value(hay, p) {
        Some(x) => x,
        None => return typed_declaration(hay, s, e, p),
    };
    // `S3_KEY, S3_SECRET = "AKID...", "<secret>"` (Python, Go, Lua): the name's place among
    // the targets picks its value among the literals.
    if c == b'=' && quoted && dashes == 0 {
        // A call's arguments across lines (`Client(\n    host, user, password="x",`) look
        // like targets too; there the `k`th literal is missing and the value stays.
        let k = targets_before(hay, raw_s);
        if k > 0
            && let Some(n) = nth_literal(hay, v.clone(), k)
        {
            v = n;
        }
    }
    if !quoted && let Some(a) = scheme_variable(hay, s..e, &v) {
        return Some(a);
    }
    if !quoted
        && hay[v.start..].starts_with(b"hex")
        && let Some(n) = reg_hex_len(&hay[v.start..line_end(hay, v.start)])
    {
        // A `.reg` export's binary value, `"ApiPassword"=hex:4f,61,73,...`.
        v.end = v.start + n;
    }
    if !quoted
        && let Some(n) = [29, 19].into_iter().find(|&n| {
            hay.len() >= v.start + n
                && app_password(&hay[v.start..v.start + n])
                && rest_of_line_empty(hay, v.start + n)
        })
    {
        // `SMTP_PASSWORD=bhjd pwnl iyyf kyiv`: an app password keeps its blanks.
        v.end = v.start + n;
    } else if !quoted && hay.get(v.end) == Some(&b' ') {
        // `gpg_passphrase = copper walrus lizard78`: a passphrase of words to the line's end.
        let eol = line_end(hay, v.start);
        let mut rest = &hay[v.start..eol];
        while let [r @ .., b' ' | b'\t' | b'\r'] = rest {
            rest = r;
        }
        // Unquoted, the words of a sentence are likelier: digits or five words are asked, or
        // four under a password's name (`pass_phrase=Yonder otter tiger heron`).
        let name = &hay[s..e];
        let pw_named = [&b"pass"[..], b"pwd", b"phrase"]
            .iter()
            .any(|w| name.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w)));
        let blanks = rest.iter().filter(|b| **b == b' ').count();
        let strong =
            rest.last().is_some_and(u8::is_ascii_digit) || blanks >= 4 || pw_named && blanks >= 3;
        if strong && spaced_passphrase(rest) {
            v.end = v.start + rest.len();
        }
    }
    // `["redis-server", "--requirepass", "x"]`: in an exec-form command the flag's value is
    // the next element.
    let array_flag = dashes > 0 && quoted && name_quoted && hay[v.start] != b'-';
    if c == b','
        && !array_flag
        && (!quoted && !hay[v.start..].starts_with(b"0x")
            || quoted && (hay[v.clone()] == hay[s..e] || in_array(hay, raw_s)))
    {
        // `f("password", value)` passes a variable, and `{"userPassword", "userPassword", ..}`
        // is a table of names: only a literal other than the name is a value.
        return None;
    }
    if !quoted && reads_as_identifier(&hay[v.clone()]) && code_line(hay, raw_s, v.end) {
        // `pub bin_key: Opaque2dBinKey,`, `credentials: MI_UserCredentials_0,`: a type or a
        // variable in code, not a value; unless a typed declaration follows
        // (`static let writeKey: String = "..."`).
        return typed_declaration(hay, s, e, p);
    }
    if !quoted {
        if raw_s > 0 && matches!(hay[raw_s - 1], b'?' | b'&') && c == b'=' {
            // A URL query parameter (`?api_key=...&x=y`): the value ends at `&` or `#`.
            if let Some(i) = hay[v.clone()].iter().position(|b| matches!(b, b'&' | b'#')) {
                v.end = v.start + i;
            }
        } else if looks_like_type(&hay[v.clone()])
            || !(dashes > 0
                || (c == b'=' && !blanks && v.start == value_start)
                || bare_value_ends(hay, v.end))
        {
            // `API_KEY: &str = "..."`, `apiKey: string = "..."`, or prose after a colon.
            return typed_declaration(hay, s, e, p);
        }
    }
    Some(Assignment::new(s..e, v, quoted))
}

/// Whether `enum NAME {` (Java, TypeScript, C#) is being declared with the name ending at `e`.
fn enum_opens(hay: &[u8], e: usize) -> bool {
    // The brace first: it rules out almost every hit with two byte reads.
    if hay.get(skip_blanks(hay, e, 4)) != Some(&b'{') {
        return false;
    }
    let mut s = e;
    while s > 0 && e - s < MAX_IDENT && is_name_byte(hay[s - 1]) {
        s -= 1;
    }
    let mut k = s;
    while k > 0 && s - k < 8 && matches!(hay[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    k < s && k >= 4 && &hay[k - 4..k] == b"enum" && (k == 4 || !is_name_byte(hay[k - 5]))
}

/// Where the `{` of a map literal assigned to the name ending at `e` is: `= {`, `: {`,
/// `: Record<string, string> = {`, `: Map<String, String> = {` (the type without `=` or `{`).
fn table_opens(hay: &[u8], e: usize) -> Option<usize> {
    let le = line_end(hay, e);
    let mut p = e;
    // A closing quote of a quoted key (`"PARTNER_SECRETS": {`).
    if matches!(hay.get(p), Some(b'"' | b'\'')) {
        p += 1;
    }
    p = skip_blanks(hay, p, 8);
    if hay.get(p) == Some(&b':') && hay.get(p + 1) != Some(&b'=') {
        let q = skip_blanks(hay, p + 1, 8);
        if hay.get(q) == Some(&b'{') {
            return Some(q);
        }
        // A type annotation, then `=`.
        p = q + hay[q..le]
            .iter()
            .position(|b| matches!(b, b'=' | b'{' | b';'))?;
        if hay[p] != b'=' {
            return None;
        }
    } else if hay[p..le].starts_with(b":=") {
        p += 1;
    }
    if hay.get(p) != Some(&b'=') || hay.get(p + 1) == Some(&b'=') {
        return None;
    }
    let q = skip_blanks(hay, p + 1, 8);
    (hay.get(q) == Some(&b'{')).then_some(q)
}

/// The `key: "literal"` entries of a map literal from `from` (after its `{`) to its closing
/// brace, at most 64 lines: keys quoted or bare, separated by `:`, `=>` or `=`; or an enum's
/// `NAME("literal")` constants. Values other than one string literal are skipped.
fn table_entries(
    hay: &[u8],
    from: usize,
    enumerated: bool,
    out: &mut Vec<(Range<usize>, Range<usize>)>,
) {
    let mut p = from;
    for _ in 0..64 {
        if out.len() >= 32 {
            return;
        }
        p = skip_whitespace(hay, p, 256);
        if matches!(hay.get(p), None | Some(b'}')) {
            return;
        }
        let le = line_end(hay, p);
        if hay[p..le].starts_with(b"//") || hay[p..le].starts_with(b"#") {
            p = le;
            continue;
        }
        // The key: a quoted string or a bare name.
        let (key, mut q) = if let Some(qc @ (b'"' | b'\'')) = hay.get(p).copied() {
            let Some(k) = memchr::memchr(qc, &hay[p + 1..le]) else {
                return;
            };
            (p + 1..p + 1 + k, p + 2 + k)
        } else {
            let n = hay[p..le]
                .iter()
                .take_while(|b| is_name_byte(**b) || **b == b'-')
                .count();
            if n == 0 {
                return;
            }
            (p..p + n, p + n)
        };
        q = skip_blanks(hay, q, 8);
        let sep = if enumerated && hay.get(q) == Some(&b'(') {
            1
        } else if hay[q..le].starts_with(b"=>") {
            2
        } else if matches!(hay.get(q), Some(b':' | b'=')) {
            1
        } else {
            0
        };
        if sep > 0 {
            let v0 = skip_blanks(hay, q + sep, 8);
            if let Some((v, true)) = parse_value(hay, v0) {
                let after = skip_blanks(hay, value_end(hay, &v, true), 8);
                // One literal, not an expression (`"a" + b`, `x ?? "y"`).
                if matches!(
                    hay.get(after),
                    Some(b',' | b'}' | b')' | b'\n' | b'\r' | b';') | None
                ) {
                    out.push((key, v));
                }
            }
        }
        // The next entry: after the line's end (or the last brace of one-line tables).
        let rest = &hay[q..le];
        if let Some(c) = memchr::memchr(b'}', rest)
            && !rest[..c].contains(&b'{')
            && memchr::memchr(b'"', &rest[c..]).is_none()
        {
            return;
        }
        p = le;
    }
}

/// The lines of the YAML block under a name ending at `e` (`name:` and nothing else on its
/// line), as (start, end, indentation): every line below that is more indented than the name's,
/// blank and `#` comment lines left out, at most 64 lines read.
fn block_lines(hay: &[u8], e: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let le = line_end(hay, e);
    let opens = hay.get(e) == Some(&b':') && hay[e + 1..le].trim_ascii().is_empty();
    let base = indentation(&hay[line_start(hay, e)..le]);
    let mut p = le;
    let mut n = if opens { 64 } else { 0 };
    std::iter::from_fn(move || {
        while n > 0 && p < hay.len() {
            n -= 1;
            let ls = p + 1;
            let le = line_end(hay, ls);
            p = le;
            let body = hay[ls..le].trim_ascii();
            if body.is_empty() || body[0] == b'#' {
                continue;
            }
            let ind = indentation(&hay[ls..le]);
            if ind <= base {
                n = 0;
                return None;
            }
            return Some((ls, le, ind));
        }
        None
    })
}

/// The entries of a YAML block map under the name ending at `e` (`partner_secrets:` and
/// more-indented `nimbus: 27b6...` lines below), at most 32.
fn block_entries(hay: &[u8], e: usize, out: &mut Vec<(Range<usize>, Range<usize>)>) {
    let mut indent = None;
    for (ls, le, ind) in block_lines(hay, e) {
        // Entries of one level only: deeper lines belong to an entry's own map.
        if out.len() >= 32 || indent.is_some_and(|i| ind < i) {
            return;
        }
        if indent.is_some_and(|i| ind > i) {
            continue;
        }
        indent = Some(ind);
        let k = ls + ind;
        let n = hay[k..le]
            .iter()
            .take_while(|b| is_name_byte(**b) || **b == b'-')
            .count();
        if n == 0 || hay.get(k + n) != Some(&b':') {
            continue;
        }
        let v0 = skip_blanks(hay, k + n + 1, 8);
        if let Some((v, quoted)) = parse_value(hay, v0)
            && skip_blanks(hay, value_end(hay, &v, quoted), 64) >= le
        {
            out.push((k..k + n, v));
        }
    }
}

/// How many targets of a destructuring assignment stand before the name starting at `s`
/// (`a, b, NAME = ...` -> 2): identifiers joined by commas back to the line's indentation.
fn targets_before(hay: &[u8], s: usize) -> usize {
    // Walks back over `, NAME` pairs only (each bounded), never to a long line's start.
    let blank = |b: u8| matches!(b, b' ' | b'\t');
    let mut p = s;
    let mut k = 0;
    loop {
        let q = p;
        while p > 0 && q - p < 8 && blank(hay[p - 1]) {
            p -= 1;
        }
        if p == 0 || hay[p - 1] != b',' {
            // Only indentation may stand before the first target.
            let mut i = q;
            while i > 0 && q - i < 64 && blank(hay[i - 1]) {
                i -= 1;
            }
            return if k > 0 && (i == 0 || hay[i - 1] == b'\n') {
                k
            } else {
                0
            };
        }
        p -= 1;
        while p > 0 && blank(hay[p - 1]) && s - p < 512 {
            p -= 1;
        }
        let id_end = p;
        while p > 0
            && id_end - p < MAX_IDENT
            && (hay[p - 1].is_ascii_alphanumeric() || hay[p - 1] == b'_')
        {
            p -= 1;
        }
        if p == id_end || k == 8 {
            return 0;
        }
        k += 1;
    }
}

/// The `k`th quoted literal after `first` in a comma-separated list (`"a", "b", "c"`).
fn nth_literal(hay: &[u8], first: Range<usize>, k: usize) -> Option<Range<usize>> {
    let mut v = first;
    for _ in 0..k {
        let after = skip_blanks(hay, value_end(hay, &v, true), 8);
        if hay.get(after) != Some(&b',') {
            return None;
        }
        let next = skip_blanks(hay, after + 1, 8);
        let (n, true) = parse_value(hay, next)? else {
            return None;
        };
        v = n;
    }
    Some(v)
}

/// `[32]byte{0x0f, 0x70, ...}` (Go), `{0x0f, 0x70, ...}` (C), `[0x0f, 0x70, ...]` (Rust),
/// `new byte[]{(byte)0x0f, ...}` (Java): a key written as a list of byte literals, 16 bytes at
/// least. Returns the list's text and its bytes as hex digits, the form the key is judged in.
fn byte_list(hay: &[u8], p: usize) -> Option<(Range<usize>, Vec<u8>)> {
    // Every value of every assignment passes here: only a list, a type in brackets or a cast,
    // or Java's `new` can start one (`[32]byte`, `new byte[]`, `(unsigned char[])`).
    if !(matches!(hay.get(p), Some(b'{' | b'[' | b'(')) || hay[p..].starts_with(b"new ")) {
        return None;
    }
    let lim = (p + 24).min(hay.len());
    let item_at = |q: usize| {
        let q = skip_whitespace(hay, q, 64);
        let q = if hay[q..].starts_with(b"(byte)") {
            skip_blanks(hay, q + 6, 4)
        } else {
            q
        };
        (hay[q..].starts_with(b"0x") || hay[q..].starts_with(b"0X")).then_some(q)
    };
    let mut open = p;
    loop {
        if open >= lim {
            return None;
        }
        let b = hay[open];
        if matches!(b, b'{' | b'[') && item_at(open + 1).is_some() {
            break;
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'[' | b']' | b'(' | b')' | b' ' | b'_')) {
            return None;
        }
        open += 1;
    }
    // On one line: multi-line byte tables are test vectors and constants far more often
    // (a TLS key schedule's RFC 8448 trace, a hash's default secret) than a pasted key.
    let eol = line_end(hay, open);
    let mut hex = Vec::with_capacity(64);
    let mut first = None;
    let mut last = open;
    let mut q = open + 1;
    while let Some(at) = item_at(q) {
        let ds = at + 2;
        let mut de = ds;
        while de < hay.len() && de - ds < 2 && hay[de].is_ascii_hexdigit() {
            de += 1;
        }
        if de == ds || hay.get(de).is_some_and(u8::is_ascii_hexdigit) || hex.len() >= 2048 {
            return None;
        }
        if de - ds == 1 {
            hex.push(b'0');
        }
        hex.extend(hay[ds..de].iter().map(u8::to_ascii_lowercase));
        first.get_or_insert(at);
        last = de;
        q = skip_whitespace(hay, de, 64);
        if hay.get(q) != Some(&b',') {
            break;
        }
        q += 1;
    }
    let q = skip_whitespace(hay, last, 64);
    let q = if hay.get(q) == Some(&b',') {
        skip_whitespace(hay, q + 1, 64)
    } else {
        q
    };
    (matches!(hay.get(q), Some(b'}' | b']')) && q < eol && hex.len() >= 32)
        .then(|| (first.unwrap_or(last)..last, hex))
}

/// The end of a dot leader at `p` (three dots or more, blanks between allowed, then a blank),
/// as printed forms and PDF text join a label to its value.
fn dot_leader(hay: &[u8], p: usize) -> Option<usize> {
    let lim = (p + 256).min(hay.len());
    let mut q = p;
    let mut dots = 0;
    while q < lim && matches!(hay[q], b'.' | b' ' | b'\t') {
        dots += usize::from(hay[q] == b'.');
        q += 1;
    }
    (dots >= 3 && q > p && matches!(hay[q - 1], b' ' | b'\t')).then_some(q)
}

/// Rows read below a CSV header, at most (a spreadsheet of shared accounts is short; a data
/// dump with a password column is not worth walking whole).
const CSV_MAX_ROWS: usize = 10_000;

/// A CSV header cell naming a credential column.
#[derive(Clone)]
struct CsvColumn {
    /// The header cell's name.
    name: Range<usize>,
    sep: u8,
    /// Separators per row.
    seps: usize,
    index: usize,
    rows_start: usize,
    /// The last column is free text (`notes`, `comment`) after this one: a row may hold a few
    /// more separators, written unquoted in its note (`pole at gate 3, fenced`), and this
    /// column's cell is still counted from the left.
    free_tail: bool,
}

impl CsvColumn {
    /// Whether a row with `seps` separators is a row of this table.
    fn fits(&self, seps: usize) -> bool {
        seps == self.seps || (self.free_tail && seps > self.seps && seps <= self.seps + 4)
    }
}

/// The header row around `hit` when it is one: the line holds two or more `,`, `;` or tab
/// separators, every cell is a short label (letters, digits, blanks, `_-./()`), the hit's cell
/// is the identifier alone, and the next line has as many separators (or up to four more when
/// the last column is free text, [`CsvColumn::fits`]).
fn csv_header(hay: &[u8], hit: Range<usize>) -> Option<CsvColumn> {
    // Cheap first: the hit's cell must end at a separator or the line's end, and start at one
    // or the line's start, with only label bytes between (most hits in code fail here).
    let label_byte = |b: u8| b.is_ascii_alphanumeric() || b" _-./()\"".contains(&b);
    let lim = (hit.end + 48).min(hay.len());
    let mut e = hit.end;
    while e < lim && label_byte(hay[e]) {
        e += 1;
    }
    let right = hay.get(e).copied().unwrap_or(b'\n');
    // DokuWiki marks a table's header cells with `^` (`^ Host ^ User ^ Password ^`) and its
    // rows with `|`.
    let is_sep = |c: u8| matches!(c, b',' | b';' | b'\t' | b'|' | b'^');
    if !(is_sep(right) || matches!(right, b'\n' | b'\r')) {
        return None;
    }
    let floor = hit.start.saturating_sub(48);
    let mut b = hit.start;
    while b > floor && label_byte(hay[b - 1]) {
        b -= 1;
    }
    let left = if b == 0 { b'\n' } else { hay[b - 1] };
    let sep = match (is_sep(left), is_sep(right)) {
        (true, _) => left,
        (false, true) if matches!(left, b'\n') => right,
        _ => return None,
    };
    let ls = line_start(hay, hit.start);
    let le = line_end(hay, hit.start);
    if le - ls > 1024 || le >= hay.len() {
        return None;
    }
    let line = &hay[ls..le];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let seps = csv_seps(line, sep);
    if seps < 2 {
        return None;
    }
    let label = |c: &[u8]| {
        let c = c.trim_ascii();
        let c = c
            .strip_prefix(b"\"")
            .and_then(|c| c.strip_suffix(b"\""))
            .unwrap_or(c);
        label_bytes(c) && c.iter().any(u8::is_ascii_alphabetic)
    };
    // A Markdown table's row starts and ends with `|`, around its cells.
    let cells = if matches!(sep, b'|' | b'^') {
        line.trim_ascii()
            .strip_prefix(&[sep][..])
            .and_then(|l| l.strip_suffix(&[sep][..]))?
    } else {
        line
    };
    if !cells.split(|b| *b == sep).all(label) {
        return None;
    }
    // The hit's cell.
    let at = hit.start - ls;
    let index = line[..at].iter().filter(|b| **b == sep).count();
    let cs = line[..at]
        .iter()
        .rposition(|b| *b == sep)
        .map_or(0, |i| i + 1);
    let ce = line[at..]
        .iter()
        .position(|b| *b == sep)
        .map_or(line.len(), |i| at + i);
    let cell = trim_range(line, cs..ce);
    let cell = if line.get(cell.start) == Some(&b'"') && cell.len() >= 2 {
        cell.start + 1..cell.end - 1
    } else {
        cell
    };
    // A key/value table (`key,type,encoding,value`, an ESP-IDF NVS partition CSV; an audit
    // export's `credential_type,value`): each row names its own value, read by `comma_cell`;
    // the `key` or type column holds names.
    let own = line[cell.clone()].to_ascii_lowercase();
    if (own == b"key" || own == b"name" || own.ends_with(b"type") || own.ends_with(b"kind"))
        && cells
            .split(|b| *b == sep)
            .any(|c| c.trim_ascii().eq_ignore_ascii_case(b"value"))
    {
        return None;
    }
    let mut rows_start = le + 1;
    // A comment under the header (`# exported 2024-11-02`) is no row.
    for _ in 0..2 {
        let next = &hay[rows_start..line_end(hay, rows_start)];
        if !(next.starts_with(b"#") || next.starts_with(b"//")) || rows_start >= hay.len() {
            break;
        }
        rows_start += next.len() + 1;
    }
    let next = &hay[rows_start.min(hay.len())..line_end(hay, rows_start.min(hay.len()))];
    let row_sep = if sep == b'^' { b'|' } else { sep };
    let last = cells
        .rsplit(|b| *b == sep)
        .next()
        .unwrap_or_default()
        .trim_ascii();
    let free_tail = index < seps
        && [
            &b"notes"[..],
            b"note",
            b"comment",
            b"comments",
            b"remarks",
            b"description",
        ]
        .iter()
        .any(|w| last.eq_ignore_ascii_case(w));
    let mut col = CsvColumn {
        name: ls + cell.start..ls + cell.end,
        sep: row_sep,
        seps,
        index,
        rows_start,
        free_tail,
    };
    if !col.fits(csv_seps(next, row_sep)) {
        return None;
    }
    if sep == b'|' {
        // The `|---|:--|` line under a Markdown header.
        if !next
            .iter()
            .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t' | b'\r'))
        {
            return None;
        }
        col.rows_start += next.len() + 1;
    }
    Some(col)
}

/// Words a value is judged under when its place, not a name beside it, says what it is.
type ImpliedWords = &'static [&'static [u8]];

/// The columns of a header that hold keys under abbreviations no name rule reads, with the
/// words their values are judged under: in a subscriber export (`imsi,iccid,msisdn,ki,opc`,
/// `sim` true) a SIM's `ki` / `k` (the permanent key) and `opc` / `op` (the operator key);
/// elsewhere DLMS/COSEM's `guek` / `gbek` (the unicast and broadcast encryption keys) and `gak`
/// (the authentication key).
fn key_columns(hay: &[u8], col: &CsvColumn, sim: bool) -> Vec<(usize, Range<usize>, ImpliedWords)> {
    const SUBSCRIBER_KEY: &[&[u8]] = &[b"sim", b"ki"];
    const OPERATOR_KEY: &[&[u8]] = &[b"sim", b"opc"];
    const ENCRYPTION_KEY: &[&[u8]] = &[b"encryption", b"key"];
    const AUTH_KEY: &[&[u8]] = &[b"auth", b"key"];
    let ls = line_start(hay, col.name.start);
    let header = &hay[ls..line_end(hay, col.name.start)];
    let mut start = 0;
    let mut out = Vec::new();
    let mut first_credential = None;
    for (i, cell) in header.split(|b| *b == col.sep).enumerate() {
        let range = trim_range(header, start..start + cell.len());
        start += cell.len() + 1;
        let lower = header[range.clone()].to_ascii_lowercase();
        if first_credential.is_none()
            && TRIGGERS
                .iter()
                .any(|t| memchr::memmem::find(&lower, t.as_bytes()).is_some())
        {
            first_credential = Some(i);
        }
        let text = lower
            .strip_prefix(b"\"")
            .and_then(|t| t.strip_suffix(b"\""))
            .unwrap_or(&lower);
        let implied = match text {
            b"ki" | b"k" if sim => SUBSCRIBER_KEY,
            b"opc" | b"op" if sim => OPERATOR_KEY,
            b"guek" | b"gbek" if !sim => ENCRYPTION_KEY,
            b"gak" if !sim => AUTH_KEY,
            _ => continue,
        };
        out.push((i, ls + range.start..ls + range.end, implied));
    }
    // Beside credential columns, the key columns are read once: from the first of them.
    if !sim && first_credential != Some(col.index) {
        out.clear();
    }
    out
}

/// Whether a table header cell's text can be a label: up to 40 letters, digits, blanks and
/// `_-./()` (CSV, Markdown, DokuWiki and HTML headers alike).
fn label_bytes(c: &[u8]) -> bool {
    c.len() <= 40
        && c.iter()
            .all(|b| b.is_ascii_alphanumeric() || b" _-./()".contains(b))
}

/// An HTML table's header row, one `<tr>` per line as wiki and Confluence exports write it
/// (`<tr><th>User</th><th>Purpose</th><th>Password</th></tr>`), where the hit's `<th>` cell
/// names a credential: the cell's text, its index and where the next line starts.
fn html_header(hay: &[u8], hit: Range<usize>) -> Option<(Range<usize>, usize, usize)> {
    let ls = line_start(hay, hit.start);
    let le = line_end(hay, hit.start);
    if le - ls > 2048 || le >= hay.len() {
        return None;
    }
    let line = &hay[ls..le];
    if !line.trim_ascii_start().starts_with(b"<tr") {
        return None;
    }
    let at = hit.start - ls;
    let open = cell_opens(&line[..at], b"<th").last()?;
    let text_start = open + memchr::memchr(b'>', &line[open..at])? + 1;
    let close = at + memchr::memmem::find(&line[at..], b"</th>")?;
    if !label_bytes(&line[text_start..close]) {
        return None;
    }
    let index = cell_opens(&line[..at], b"<th").count() - 1;
    let name = trim_range(hay, ls + text_start..ls + close);
    let rows = le + 1;
    let next = &hay[rows..line_end(hay, rows)];
    html_cell(next, b"<td", index)?;
    Some((name, index, rows))
}

/// Where the cells of `tag` (`<th`, `<td`) open in `line`: the tag followed by `>` or a blank
/// (not `<thead>`).
fn cell_opens<'a>(line: &'a [u8], tag: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(line, tag)
        .filter(move |&i| matches!(line.get(i + tag.len()), Some(b'>' | b' ')))
}

/// The text of cell `index` of a one-line table row (`<tr><td>a</td><td>x</td></tr>`), trimmed,
/// without an inline element around it (`<code>x</code>`); `None` when the line is no such row
/// or the cell is empty or holds markup.
fn html_cell(line: &[u8], tag: &[u8], index: usize) -> Option<Range<usize>> {
    if !line.trim_ascii_start().starts_with(b"<tr") {
        return None;
    }
    let open = cell_opens(line, tag).nth(index)?;
    let s = open + memchr::memchr(b'>', &line[open..])? + 1;
    let e = s + memchr::memmem::find(&line[s..], b"</t")?;
    let mut r = trim_range(line, s..e);
    if let Some(inner) = inline_element(line, r.start) {
        r = inner;
    }
    (!r.is_empty() && !line[r.clone()].contains(&b'<')).then_some(r)
}

/// The next separator at or after `from`, outside double-quoted CSV fields (`"read,write"`);
/// Markdown table cells have no such quoting.
fn next_sep(line: &[u8], sep: u8, from: usize) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate().skip(from) {
        if b == b'"' && !matches!(sep, b'|' | b'^') {
            quoted = !quoted;
        } else if b == sep && !quoted {
            return Some(i);
        }
    }
    None
}

/// How many separators a CSV row has outside quoted fields.
fn csv_seps(line: &[u8], sep: u8) -> usize {
    let mut n = 0;
    let mut p = 0;
    while let Some(i) = next_sep(line, sep, p) {
        n += 1;
        p = i + 1;
    }
    n
}

/// Cell `index` of a CSV row, trimmed and without its quotes (or a Markdown code span's
/// backticks, which make it quoted); `None` when empty.
fn csv_cell(line: &[u8], sep: u8, index: usize) -> Option<(Range<usize>, bool)> {
    let mut start = 0;
    for _ in 0..index {
        start = next_sep(line, sep, start)? + 1;
    }
    let end = next_sep(line, sep, start).unwrap_or(line.len());
    let mut r = trim_range(line, start..end);
    let mut quoted = false;
    if r.len() >= 2 && line[r.start] == b'`' && line[r.end - 1] == b'`' {
        r = r.start + 1..r.end - 1;
        quoted = true;
    } else if r.len() >= 2 && line[r.start] == b'"' && line[r.end - 1] == b'"' {
        r = r.start + 1..r.end - 1;
    }
    (!r.is_empty()).then_some((r, quoted))
}

/// An environment variable read with a literal fallback: `process.env.API_KEY ?? "x"`,
/// `getenv('API_KEY') ?: 'x'`, `os.environ.get("API_KEY") or "x"`, `ENV["API_KEY"] || "x"`.
/// The literal is the value the program runs with wherever the variable is unset, so it is
/// the variable's value. `name_end` is where the variable's name ends; returns where the
/// literal starts.
fn env_fallback(hay: &[u8], name_end: usize) -> Option<usize> {
    let mut p = name_end;
    for _ in 0..3 {
        match hay.get(p) {
            Some(b'"' | b'\'' | b')' | b']') => p += 1,
            _ => break,
        }
    }
    let q = skip_blanks(hay, p, 4);
    // Rust: `env::var("X").unwrap_or("x".into())`, `.unwrap_or_else(|_| "x".to_string())`.
    let tail = &hay[q..(q + 24).min(hay.len())];
    if let Some(n) = [
        &b".unwrap_or("[..],
        b".unwrap_or_else(|_|",
        b".unwrap_or_else(||",
    ]
    .iter()
    .find(|pre| tail.starts_with(pre))
    .map(|pre| pre.len())
    {
        let v = skip_blanks(hay, q + n, 4);
        quote_at(hay, v)?;
        let ls = line_start(hay, name_end).max(name_end.saturating_sub(80));
        let before = hay[ls..name_end].to_ascii_lowercase();
        return memchr::memmem::find(&before, b"env").map(|_| v);
    }
    let rest = hay.get(q..(q + 3).min(hay.len()))?;
    // `?? "x"`, `|| "x"`, `?: "x"`, `or "x"`, Ruby `ENV.fetch("X") { "x" }`, and the
    // default argument of `os.getenv("X", "x")` / `ENV.fetch("X", "x")`.
    let op = if rest.starts_with(b"??") || rest.starts_with(b"||") || rest.starts_with(b"?:") {
        2
    } else if rest.starts_with(b"or ") {
        3
    } else if rest.starts_with(b"{") || (rest.starts_with(b",") && first_argument(hay, name_end)) {
        1
    } else {
        return None;
    };
    let mut v = skip_blanks(hay, q + op, 4);
    // A named default argument: Dart's `String.fromEnvironment('X', defaultValue: 'x')`,
    // Python's `env.str("X", default="x")`.
    if op == 1 && rest.starts_with(b",") {
        let arg = &hay[v..(v + 16).min(hay.len())];
        let n = arg.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if [&b"defaultvalue"[..], b"default", b"fallback"]
            .iter()
            .any(|w| arg[..n].eq_ignore_ascii_case(w))
            && matches!(arg.get(n), Some(b':' | b'='))
        {
            v = skip_blanks(hay, v + n + 1, 4);
        }
    }
    quote_at(hay, v)?;
    // The name must be read from the environment, on this line, just before.
    let ls = line_start(hay, name_end).max(name_end.saturating_sub(80));
    let before = hay[ls..name_end].to_ascii_lowercase();
    memchr::memmem::find(&before, b"env").map(|_| v)
}

/// Whether the quoted name ending at `name_end` is a call's first argument (`getenv("X", ...`).
fn first_argument(hay: &[u8], name_end: usize) -> bool {
    let s = ident_start(hay, name_end);
    s >= 2 && matches!(hay[s - 1], b'"' | b'\'') && hay[s - 2] == b'('
}

/// An aside in parentheses at `p` (`(prod)`, `(b64)`, `(base64url, no padding)`, `(pls move to
/// keyvault)`): `Ok` with
/// where the value starts when a colon follows it, `Err` with where the next word starts when a
/// blank does; `None` when `p` holds no short aside of words.
fn aside(hay: &[u8], p: usize) -> Option<Result<usize, usize>> {
    let window = &hay[p + 1..(p + 32).min(hay.len())];
    let close = window.iter().position(|b| *b == b')')?;
    let inner = &window[..close];
    if inner.is_empty()
        || !inner
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b" -_./,".contains(b))
    {
        return None;
    }
    let q = p + 1 + close + 1;
    if hay[q..].starts_with(b": ") {
        let v = skip_blanks(hay, q + 2, 4);
        return hay
            .get(v)
            .is_some_and(|b| !b.is_ascii_whitespace())
            .then_some(Ok(v));
    }
    (hay.get(q) == Some(&b' ')).then_some(Err(q + 1))
}

/// Words that stand for the operator in prose and chat (`the prod db pw is X`, `vpn pw changed
/// to X`, `is the datadog key still X?`). Returns where the value starts.
fn prose_connector(hay: &[u8], p: usize) -> Option<usize> {
    const CONNECTORS: &[&[u8]] = &[
        // What happened to it, before `was ` takes `reset` for the value: `the kannel admin
        // pw got reset to x`, `password has been changed to x`.
        b"got reset to ",
        b"got changed to ",
        b"got set to ",
        b"was reset to ",
        b"was changed to ",
        b"was set to ",
        b"was rotated to ",
        b"has been reset to ",
        b"has been changed to ",
        b"has been set to ",
        b"is now ",
        b"is still ",
        // German and French mails and chats: `Passwort ist ...`, `mot de passe est ...`.
        b"ist jetzt ",
        b"ist ",
        b"lautet ",
        b"est ",
        // Log lines: `NIGHTFALL_API_KEY loaded: NF-...`, `token is: x`.
        b"loaded: ",
        b"is: ",
        b"is ",
        b"was ",
        b"changed to ",
        b"set to ",
        b"reset to ",
        b"rotated to ",
        b"updated to ",
        // A ticket's work note: `integration user password also rotated: x`.
        b"rotated: ",
        b"changed: ",
        b"reset: ",
        b"updated: ",
        b"should be ",
        b"now ",
        b"still ",
        // A commit message or a changelog: `rotate grafana admin pw -> Spring2020!x`.
        b"-> ",
        "\u{2192} ".as_bytes(),
    ];
    let mut p = p;
    // An adverb before the verb: `password also rotated: x`, `token just reset to x`.
    for adverb in [&b"also "[..], b"just ", b"finally "] {
        if hay.get(p..p + adverb.len()) == Some(adverb) {
            p += adverb.len();
            break;
        }
    }
    // A short aside in parentheses says which one or how it is written: `fastly key (prod): x`,
    // `svc_gpo password (b64): x`, `the token (staging) is x`.
    if hay.get(p) == Some(&b'(') {
        match aside(hay, p)? {
            Ok(v) => return Some(v),
            // `Postmark server token (guest receipts) 6285...`: a key alone after the aside;
            // `Segment write key (server) ...... x`: a dot leader after it.
            Err(q) if standalone_value(hay, q).is_some_and(|v| ends_message(hay, v.end)) => {
                return Some(q);
            }
            Err(q) if let Some(v) = dot_leader(hay, q).filter(|_| hay.get(q) == Some(&b'.')) => {
                return Some(v);
            }
            Err(q) => p = q,
        }
    }
    // A phrase saying whose credential it is comes first: `password for the replica is`,
    // `token of prod-eu is`, `key on staging was`, `password for staging: x` (up to four words;
    // after one, a colon also introduces the value); or who gave or uses it (`the temp password
    // you gave me was x`, `token we use: x`).
    let head = hay.get(p..(p + 6).min(hay.len()))?;
    if [
        &b"for "[..],
        b"from ",
        b"of ",
        b"on ",
        b"in ",
        b"until ",
        b"you ",
        b"we ",
        b"they ",
        b"I ",
    ]
    .iter()
    .any(|w| head.starts_with(w))
    {
        let mut q = p + memchr::memchr(b' ', head)? + 1;
        for i in 0..5 {
            let rest = hay.get(q..(q + 24).min(hay.len()))?;
            if CONNECTORS.iter().any(|c| rest.starts_with(c)) {
                break;
            }
            // Chat names the credential, says what it is for and pastes it, with no verb:
            // `Twilio auth token for the SMS check-in flow 9e68...`. Not an identifier that a
            // log names the token by (`token for user 5b0e7a21-...`, `key for kid 3f9a...`),
            // nor one followed by the verb that states the real value (`for tenant X is Y`).
            if i > 0
                && let Some(v) = standalone_value(hay, q)
                && !uuid_like(&hay[v.clone()])
                && !id_noun_before(hay, q)
                && ends_message(hay, v.end)
            {
                return Some(q);
            }
            if i == 4 {
                break;
            }
            let w = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || b"-_.".contains(b)))?;
            // Documentation introduces examples so (`token in the following format: x`,
            // `key for example: x`).
            const DOC_WORDS: &[&[u8]] = &[b"example", b"format", b"following", b"instance"];
            if DOC_WORDS.iter().any(|d| rest[..w].eq_ignore_ascii_case(d)) {
                return None;
            }
            if w > 0 && rest[w..].starts_with(b": ") {
                let v = skip_blanks(hay, q + w + 2, 4);
                return hay
                    .get(v)
                    .is_some_and(|b| !b.is_ascii_whitespace())
                    .then_some(v);
            }
            if w == 0 && rest.first() == Some(&b'(') {
                // `storage key for the media account (pls move to keyvault): x`.
                match aside(hay, q)? {
                    Ok(v) => return Some(v),
                    Err(nq) => {
                        q = nq;
                        continue;
                    }
                }
            }
            if w == 0 || rest.get(w) != Some(&b' ') {
                return None;
            }
            q += w + 1;
        }
        p = q;
    }
    let rest = hay.get(p..(p + 24).min(hay.len()))?;
    // `the auth token is:` / `` `c4be...` ``: a code span opening the next line.
    for c in [&b"is:\n"[..], b"is:\r\n"] {
        if rest.starts_with(c) {
            let q = skip_blanks(hay, p + c.len(), 16);
            return (hay.get(q) == Some(&b'`')).then_some(q);
        }
    }
    // `updated the svc_scan password to ...`: after the whole word only (`pass to` is English).
    let to = rest.starts_with(b"to ")
        && [&b"password "[..], b"passwort "]
            .iter()
            .any(|w| p >= w.len() && hay[p - w.len()..p].eq_ignore_ascii_case(w));
    let c = if to {
        &b"to "[..]
    } else {
        CONNECTORS.iter().find(|c| rest.starts_with(c))?
    };
    let v = skip_blanks(hay, p + c.len(), 4);
    hay.get(v)
        .is_some_and(|b| !b.is_ascii_whitespace())
        .then_some(v)
}

/// A bare token at `q` that can stand in prose with no operator or connector before it: 16 to
/// 128 characters of a key's alphabet with two digits or more and letters, not made of words,
/// and ending the clause (the line, a blank, a JSON string's quote, a tag, `,` or `)`).
fn standalone_value(hay: &[u8], q: usize) -> Option<Range<usize>> {
    let mut e = q;
    while e < hay.len()
        && e - q <= 128
        && (hay[e].is_ascii_alphanumeric() || b"-_+/=.".contains(&hay[e]))
    {
        e += 1;
    }
    let ends = matches!(
        hay.get(e),
        None | Some(b'\n' | b'\r' | b' ' | b'"' | b',' | b')' | b'<' | b'\\' | b';')
    );
    while e > q && matches!(hay[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let v = &hay[q..e];
    (ends
        && (16..=128).contains(&v.len())
        && v.iter().filter(|b| b.is_ascii_digit()).count() >= 2
        && v.iter().any(u8::is_ascii_alphabetic)
        && !v.contains(&b'/')
        && !v.contains(&b'.')
        && !made_of_words(v))
    .then_some(q..e)
}

/// Whether a value ending at `e` ends its message: the line, a JSON string's quote, an HTML
/// tag or an aside in parentheses follows.
fn ends_message(hay: &[u8], e: usize) -> bool {
    let q = skip_blanks(hay, e, 4);
    rest_of_line_empty(hay, e) || matches!(hay.get(q), Some(b'"' | b'<' | b'(' | b'\\'))
}

/// Eight-four-four-four-twelve characters of letters and digits: a UUID's shape, as request,
/// trace and object identifiers have.
fn uuid_like(v: &[u8]) -> bool {
    uuid_layout(v, u8::is_ascii_alphanumeric)
}

/// Whether the word before `q` is a noun that identifiers follow in logs (`for user X`, `for
/// kid X`, `for request X`).
fn id_noun_before(hay: &[u8], q: usize) -> bool {
    const ID_NOUNS: &[&[u8]] = &[
        b"user",
        b"users",
        b"client",
        b"account",
        b"tenant",
        b"kid",
        b"id",
        b"request",
        b"session",
        b"org",
        b"project",
        b"customer",
        b"device",
        b"trace",
        b"order",
        b"job",
        b"build",
        b"run",
        b"commit",
        b"instance",
        b"host",
        b"node",
        b"pod",
        b"workspace",
        b"repo",
        b"subscription",
        b"resource",
        b"object",
        b"record",
        b"uid",
        b"uuid",
        b"guid",
        b"sha",
        b"hash",
        b"digest",
        b"fingerprint",
    ];
    let before = hay[..q].trim_ascii_end();
    let k = before
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    ID_NOUNS.iter().any(|n| before[k..].eq_ignore_ascii_case(n))
}

/// A value stated in prose: after a [`prose_connector`], a code span, a quoted string or a bare
/// word that ends the clause. Prose says many things about passwords (`the password is
/// required`, `the token is None`), so only a value with a letter and a digit, of 8 or more
/// characters, is one. The name takes up to two words before it (`prod db pw`, `datadog key`),
/// which qualify a bare head such as `key`.
fn prose_value(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let at = prose_connector(hay, p)?;
    // Markdown bold marks the value as a code span would (`the passphrase is **x**`).
    let bold = hay[at..].starts_with(b"**").then(|| {
        let eol = line_end(hay, at).min(at + 2 + MAX_VALUE);
        memchr::memmem::find(&hay[at + 2..eol], b"**").map(|n| at + 2..at + 2 + n)
    });
    let (mut v, quoted) = match bold {
        Some(Some(v)) if !v.is_empty() => (v, true),
        Some(_) => return None,
        None => parse_value(hay, at)?,
    };
    // An arrow before a quoted literal is code (Scala `password -> "x"`, a PHP member), not a
    // commit message's `pw -> x`.
    let arrow = hay[..at].trim_ascii_end();
    if quoted && (arrow.ends_with(b"->") || arrow.ends_with("\u{2192}".as_bytes())) {
        return None;
    }
    // A chat export's message is a JSON string: a `\\` in it is one backslash of the value
    // (`Embercomet3422\\"`, `XuxO\\P8yTxz...`), and the string's closing quote ends the message.
    let mut in_string = false;
    if !quoted {
        while hay[v.end..].starts_with(b"\\\\") {
            let mut e = v.end + 2;
            while e < hay.len()
                && e - v.start < MAX_VALUE
                && !hay[e].is_ascii_whitespace()
                && !matches!(hay[e], b'"' | b'\\')
            {
                e += 1;
            }
            v.end = e;
            in_string = hay.get(e) == Some(&b'"');
        }
    }
    // A chat export's HTML cell ends the message as the line would (`...: x</td>`).
    let ends_line = rest_of_line_empty(hay, v.end)
        || !quoted && hay[v.end..].starts_with(b"</")
        || in_string && {
            let q = skip_blanks(hay, v.end + 1, 4);
            matches!(hay.get(q), Some(b',' | b'}')) && rest_of_line_empty(hay, q + 1)
                || rest_of_line_empty(hay, q)
        };
    if !quoted {
        while v.end > v.start && matches!(hay[v.end - 1], b'.' | b',' | b'?' | b':') {
            v.end -= 1;
        }
    }
    // A full stop ends the sentence as the line's end would (`the password is Aquifer405Granite.
    // Rotate it ...`).
    let ends_line = ends_line
        || !quoted
            && hay.get(v.end) == Some(&b'.')
            && hay.get(v.end + 1).is_none_or(u8::is_ascii_whitespace);
    let val = &hay[v.clone()];
    // A bare value made of words is prose (`rotated2024 every quarter`), unless it ends the
    // message with a password's composition (`pw is SHMPsapphire8798$`) or has all four kinds
    // of characters wherever it stands (`pw is still Reef-Marble43 we should ...`).
    let classes = char_classes(val);
    // No digit: letters of both cases and a symbol, ending the message, drawn rather than
    // spelled (`password is sfsm.lpMmol_jrfg`).
    let drawn = !quoted
        && ends_line
        && classes == 3
        && val.len() >= 10
        && val
            .split(|b| !b.is_ascii_alphabetic())
            .filter(|w| w.len() >= 3 && !w.iter().any(|b| b"aeiouyAEIOUY".contains(b)))
            .count()
            >= 2
        && val
            .iter()
            .all(|b| b.is_ascii_alphabetic() || b"._-!@#$%&*+=?".contains(b));
    let drawn = drawn || ends_line && val.len() >= 12 && mixed_case_letters(val);
    if !(8..=128).contains(&val.len())
        || !(val.iter().any(u8::is_ascii_digit) || drawn)
        || !val.iter().any(u8::is_ascii_alphabetic)
        || (!quoted
            && made_of_words(val)
            && !((ends_line || sentence_goes_on(hay, v.end)) && classes >= 3 || classes == 4))
    {
        return None;
    }
    Some(Assignment::new(qualified_start(hay, s)..e, v, quoted))
}

/// Where a name in prose starts with up to two qualifying words before its head, stopping at
/// a determiner (`prod db pw`, `Fastly purge token`; `the key` has none): they say whose
/// credential it is.
fn qualified_start(hay: &[u8], s: usize) -> usize {
    const DETERMINERS: &[&[u8]] = &[
        b"the", b"a", b"an", b"this", b"that", b"your", b"our", b"my", b"its", b"their", b"his",
        b"her",
    ];
    let mut ns = s;
    for _ in 0..2 {
        if ns < 2 || hay[ns - 1] != b' ' || !hay[ns - 2].is_ascii_alphanumeric() {
            break;
        }
        let mut k = ns - 1;
        while k > 0 && hay[k - 1].is_ascii_alphanumeric() && ns - k < 18 {
            k -= 1;
        }
        let word = hay[k..ns - 1].to_ascii_lowercase();
        if (k > 0 && is_name_byte(hay[k - 1])) || DETERMINERS.contains(&word.as_slice()) {
            break;
        }
        ns = k;
    }
    ns
}

/// `Old signing secret, still accepted by the verifier until 2025-03-31: 4883...`: a clause
/// of words after the name's comma, a colon, then a key strong enough to stand alone
/// ([`standalone_value`]).
fn comma_clause(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    if hay.get(p + 1) != Some(&b' ') {
        return None;
    }
    let window = hay.get(p + 2..(p + 2 + 100).min(hay.len()))?;
    let window = &window[..memchr::memchr(b'\n', window).unwrap_or(window.len())];
    let colon = memchr::memmem::find(window, b": ")?;
    let clause = &window[..colon];
    // Not a log's `Invalid API key, request ID: x` or documentation's `for example: x`.
    const NOT_A_VALUE: &[&[u8]] = &[
        b"id",
        b"request",
        b"trace",
        b"correlation",
        b"example",
        b"format",
        b"following",
        b"instance",
        b"error",
        b"code",
        b"hash",
        b"digest",
        b"fingerprint",
        b"sha",
    ];
    if !clause
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b" -./".contains(b))
        || clause
            .split(|b| !b.is_ascii_alphanumeric())
            .any(|w| NOT_A_VALUE.iter().any(|n| w.eq_ignore_ascii_case(n)))
    {
        return None;
    }
    let v = standalone_value(hay, skip_blanks(hay, p + 2 + colon + 2, 4))?;
    (!uuid_like(&hay[v.clone()]) && ends_message(hay, v.end))
        .then(|| Assignment::new(qualified_start(hay, s)..e, v, false))
}

/// Whether the sentence goes on after a value with a joining word or a remark
/// (`pw is cohort@dmin21! until Friday`, `password is x and must be changed`, `x (rotated)`).
fn sentence_goes_on(hay: &[u8], end: usize) -> bool {
    const JOINS: &[&[u8]] = &[
        b"and ", b"until ", b"but ", b"for ", b"from ", b"on ", b"at ", b"till ", b"so ",
        b"which ", b"please ", b"pls ", b"- ", b"(",
    ];
    let q = skip_blanks(hay, end, 4);
    q > end && JOINS.iter().any(|j| hay[q..].starts_with(j))
}

/// Whether `at` starts a cell of a Markdown table row (`| NAME | value |`, `| x | NAME | value |`).
fn table_cell_start(hay: &[u8], at: usize) -> bool {
    let before = trim_start(&hay[line_start(hay, at)..at]);
    if before.first() != Some(&b'|') {
        return false;
    }
    // The name may end a label of a few words (`| Baseten API key | ... |`).
    let mut cell = before;
    for _ in 0..4 {
        while let [rest @ .., b' ' | b'\t'] = cell {
            cell = rest;
        }
        if cell.last() == Some(&b'|') {
            return true;
        }
        if cell.len() == before.len() && !before.ends_with(b" ") && !before.ends_with(b"\t") {
            // A word glued to the name is part of it, not a label word.
            return false;
        }
        let word = cell
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
            .count();
        if word == 0 {
            return false;
        }
        cell = &cell[..cell.len() - word];
    }
    false
}

/// `| DB_PASSWORD | `value` |`, `| Cloudflare | `CF_API_TOKEN` | `value` |`: a Markdown table
/// row where a cell names a credential and the next cell is one value (bare or in a code span), closed by the next `|`. Prose
/// cells (`| password | The database password |`) do not close after one word.
fn table_cell(hay: &[u8], name: Range<usize>, p: usize) -> Option<Assignment> {
    let p = skip_blanks(hay, p, 16);
    let (v, quoted) = parse_value(hay, p)?;
    let after = skip_blanks(hay, value_end(hay, &v, quoted), 16);
    if hay.get(after) != Some(&b'|') || hay[v.clone()].contains(&b'|') {
        return None;
    }
    Some(Assignment::new(name, v, quoted))
}

/// `118<TAB>mailserver_pass<TAB>5wf1Fdo4=pmv<TAB>yes`: a tab-separated row (a `pg_dump` COPY
/// block, a TSV export of a settings table) where a cell names a credential and the next cell,
/// one token, is its value.
fn tab_cell(hay: &[u8], name: Range<usize>, after_name: usize, p: usize) -> Option<Assignment> {
    let name_start = name.start;
    if after_name != name.end || hay.get(after_name) != Some(&b'\t') || p != after_name + 1 {
        return None;
    }
    let ls = line_start(hay, name_start);
    if !(name_start == ls || hay[name_start - 1] == b'\t') {
        return None;
    }
    let line = &hay[ls..line_end(hay, ls)];
    if memchr::memchr_iter(b'\t', line).count() < 2 {
        return None;
    }
    let (v, quoted) = parse_value(hay, p)?;
    let end = value_end(hay, &v, quoted);
    matches!(hay.get(end), None | Some(b'\t' | b'\n' | b'\r'))
        .then(|| Assignment::new(name, v, quoted))
}

/// Whether the name around `from`, ending at the comma `comma`, is a whole cell of a
/// comma-separated row of four or more cells (see [`comma_cell`]).
fn whole_csv_cell(hay: &[u8], from: usize, comma: usize) -> bool {
    let mut s = from;
    while s > 0 && (is_name_byte(hay[s - 1]) || hay[s - 1] == b'-') {
        s -= 1;
    }
    csv_row_cell(hay, s, comma)
}

/// Whether the cell starting at `start` and ending at `comma` is a whole cell (it starts its
/// line or follows a comma) of a row of four or more comma-separated cells.
fn csv_row_cell(hay: &[u8], start: usize, comma: usize) -> bool {
    let ls = line_start(hay, start);
    (start == ls || hay[start - 1] == b',')
        && memchr::memchr_iter(b',', &hay[ls..line_end(hay, comma)]).count() >= 3
}

/// `Fiserv,production,password,"Kestrel51""Lotus!",2024-01-25`: a comma-separated row (an
/// audit or inventory export) where one whole cell names a credential's kind and the next cell
/// is its value. Only rows of four or more cells, and a value cell that ends at a comma or the
/// line's end.
fn comma_cell(hay: &[u8], name: Range<usize>, raw_s: usize, p: usize) -> Option<Assignment> {
    if name.end != p || !csv_row_cell(hay, raw_s, p) {
        return None;
    }
    // An ESP-IDF NVS partition table row, `key,type,encoding,value`
    // (`wifi_pass,data,string,x`): the value is the fourth cell.
    let mut p = p;
    let mut nvs = false;
    for typed in [&b",data,string,"[..], b",data,hex2bin,", b",data,base64,"] {
        if hay[p..].starts_with(typed) && raw_s == line_start(hay, raw_s) {
            p += typed.len() - 1;
            nvs = true;
            break;
        }
    }
    // A header row (`username,password,firmware_sha256`, rows of as many cells below) names
    // the columns of the rows below it, which `csv_column` reads: every cell a column's name,
    // letters with at most a number at the end.
    // The cells first: they are one line, where `csv_header` also reads the rows below.
    if !nvs
        && hay[line_start(hay, raw_s)..line_end(hay, raw_s)]
            .trim_ascii_end()
            .split(|b| *b == b',')
            .all(column_name)
        && csv_header(hay, name.clone()).is_some()
    {
        return None;
    }
    let (v, quoted) = parse_value(hay, p + 1)?;
    let end = value_end(hay, &v, quoted);
    // A header row names the next column (`password,last_rotated,notes`): letters only.
    let label = hay[v.clone()]
        .iter()
        .all(|b| b.is_ascii_alphabetic() || b"_ ".contains(b));
    (!label && matches!(hay.get(end), None | Some(b',' | b'\n' | b'\r')))
        .then(|| Assignment::new(name, v, quoted))
}

/// A CSV header cell as tools name columns: a letter, then letters, blanks, `_`, `-` or `.`,
/// and digits only at the end (`firmware_sha256`, `Last Rotated`); a value such as
/// `Kestrel51Lotus` or `2024-01-25` is none.
fn column_name(c: &[u8]) -> bool {
    let c = c.trim_ascii();
    let c = c
        .strip_prefix(b"\"")
        .and_then(|c| c.strip_suffix(b"\""))
        .unwrap_or(c);
    let digits = c.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let word = &c[..c.len() - digits];
    word.first().is_some_and(u8::is_ascii_alphabetic)
        && word
            .iter()
            .all(|b| b.is_ascii_alphabetic() || b" _-.".contains(b))
}

/// Whether the name sits directly in an array literal (`["dns-token", "remarks-x509"]`), where a
/// following string is another element, not its value.
fn in_array(hay: &[u8], pos: usize) -> bool {
    let ls = line_start(hay, pos);
    let mut depth = 0i32;
    for &b in hay[ls..pos].iter().rev() {
        match b {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'{' if depth == 0 => return false,
            b'[' if depth == 0 => return true,
            b'(' | b'[' | b'{' => depth -= 1,
            _ => {}
        }
    }
    false
}

/// Where a parsed value's text ends in the haystack (after its closing quote).
pub(super) fn value_end(hay: &[u8], v: &Range<usize>, quoted: bool) -> usize {
    if quoted {
        let mut p = v.end;
        if let Some(q) = quote_at(hay, p) {
            p += q;
        }
        p
    } else {
        v.end
    }
}

/// A bare value must end its statement: end of line, a comment, a separator, a closing bracket,
/// the end of an enclosing string or element. Anything else (`token: u32 where`, prose after a
/// colon, `KEY: Type = ...`) is not a value.
fn bare_value_ends(hay: &[u8], p: usize) -> bool {
    let q = skip_blanks(hay, p, 64);
    match hay.get(q) {
        None => true,
        Some(
            b'\n' | b'\r' | b'#' | b',' | b';' | b'}' | b')' | b']' | b'<' | b'"' | b'\'' | b'`'
            | b'\\' | b'&' | b'|',
        ) => true,
        Some(b'/') => hay[q..].starts_with(b"//"),
        // A remark in parentheses after a blank: `key = x (old one revoked)`.
        Some(b'(') => {
            q > p
                && hay.get(q + 1).is_some_and(u8::is_ascii_alphabetic)
                && memchr::memchr(b')', &hay[q..line_end(hay, q)]).is_some()
        }
        _ => false,
    }
}

fn rest_of_line_empty(hay: &[u8], p: usize) -> bool {
    let p = skip_blanks(hay, p, 64);
    matches!(hay.get(p), None | Some(b'\n' | b'\r' | b'#' | b';')) || hay[p..].starts_with(b"//")
}

/// `Authorization: "Bearer x"`, `value="Splunk x"`: the token after an HTTP auth scheme.
fn strip_auth_scheme(hay: &[u8], a: &mut Assignment) {
    let v = &hay[a.value.clone()];
    let Some(sp) = memchr::memchr(b' ', v) else {
        return;
    };
    if auth_scheme(&v[..sp]) {
        let rest = &v[sp + 1..];
        let skip = rest.iter().take_while(|b| **b == b' ').count();
        if !rest[skip..].is_empty() && !rest[skip..].contains(&b' ') {
            a.value.start += sp + 1 + skip;
            a.scheme = true;
        }
    }
}

/// Whether `scheme` is an authorization scheme: one of [`AUTH_SCHEMES`], or a vendor's own
/// named for its key or token (OpenAthens' `OAApiKey`).
fn auth_scheme(scheme: &[u8]) -> bool {
    AUTH_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
        || (6..=24).contains(&scheme.len()) && scheme.iter().all(u8::is_ascii_alphabetic) && {
            let lower = scheme.to_ascii_lowercase();
            lower.ends_with(b"apikey") || lower.ends_with(b"token")
        }
}

/// HTTP authorization schemes (and the vendor ones) that precede a credential in a header.
const AUTH_SCHEMES: &[&[u8]] = &[
    b"bearer",
    b"basic",
    b"token",
    b"bot",
    b"splunk",
    b"ssws",
    b"geniekey",
    b"apikey",
    b"api-key",
    b"key",
    b"digest",
    b"sso-key",
    b"dsn",
    b"oauth",
    // Infobip (`App 8102...-32bd...`), Zoho, Klaviyo.
    b"app",
    b"zoho-oauthtoken",
    b"klaviyo-api-key",
];

/// True when the name follows the word `set` (`config set NAME VALUE`, `CONFIG SET requirepass
/// VALUE`).
fn after_set(hay: &[u8], s: usize) -> bool {
    // Tcl's global namespace: `set ::testpass x`.
    let mut b = if s >= 2 && hay[s - 2..s] == *b"::" {
        s - 2
    } else {
        s
    };
    while b > 0 && (hay[b - 1] == b' ' || hay[b - 1] == b'\t') {
        b -= 1;
    }
    b >= 3
        && hay[b - 3..b].eq_ignore_ascii_case(b"set")
        && (b == 3 || matches!(hay[b - 4], b' ' | b'\t' | b':' | b'\n'))
}

/// True when the name starts its line, optionally after a directive word (`ENV`, `ARG`,
/// `SetEnv`, `setenv`, `export`, `set`, fish `set -gx`, `#define`, nginx `proxy_set_header`,
/// HAProxy `http-request set-header`).
fn directive_line(hay: &[u8], s: usize) -> bool {
    let ls = line_start(hay, s);
    let before = trim_start(&hay[ls..s]);
    if before.is_empty() {
        return true;
    }
    let Some(word) = before
        .strip_suffix(b" ")
        .or_else(|| before.strip_suffix(b"\t"))
    else {
        return false;
    };
    // fish `set -gx NAME value` (any of its scope/export flags).
    if let Some(flags) = word.strip_prefix(b"set -") {
        return !flags.is_empty() && flags.iter().all(u8::is_ascii_alphabetic);
    }
    matches!(
        word,
        b"ENV"
            | b"SetEnv"
            | b"setenv"
            | b"export"
            | b"set"
            | b"#define"
            | b"define"
            // nginx: `proxy_set_header X-Api-Key value;`.
            | b"proxy_set_header"
            | b"add_header"
            | b"grpc_set_header"
            // HAProxy: `http-request set-header X-Api-Key value`.
            | b"http-request set-header"
            | b"http-request add-header"
            | b"http-response set-header"
    )
}

/// `password 'x'` / `PASSWORD "x"`: a name followed by blanks and a quoted literal that ends
/// the statement (SQL `WITH PASSWORD 'x'`, Ruby and Chef DSL calls).
fn whitespace_quoted(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    // Backticks after a word are a code span in prose: a value only when it reads as a
    // password (`password \`AutumnQuartz25@\``), not code (`pass \`Type::X\``).
    if hay[p] == b'`' {
        let (v, quoted) = parse_value(hay, p)?;
        return (quoted && code_span_fits(&hay[s..e], &hay[v.clone()]))
            .then(|| Assignment::new(s..e, v, quoted));
    }
    quote_at(hay, p)?;
    let (v, quoted) = parse_value(hay, p)?;
    let end = value_end(hay, &v, quoted);
    let q = skip_blanks(hay, end, 8);
    // Prose may go on after a password's quoted value (fetchmail's `with password "x" is
    // helpdesk here`); other statements end with it.
    // In a string of its own (a chat message in JSON: `secret \"x\""}`), the value may end it.
    let escaped = v.start >= 2 && hay[v.start - 2] == b'\\';
    let ends = matches!(
        hay.get(q),
        None | Some(b'\n' | b'\r' | b';' | b',' | b')' | b'}' | b']')
    ) || escaped && hay.get(q) == Some(&b'"');
    let wifi = wifi_key_noun(hay, s, e);
    let noun = password_noun(&hay[s..e]) || wifi;
    if !(ends || noun && strong_password(&hay[v.clone()])) {
        return None;
    }
    let mut a = Assignment::new(s..e, v, quoted);
    if wifi {
        a.implied = Some(&[b"wifi", b"password"]);
    }
    Some(a)
}

/// `WiFi key`, `Wi-Fi key`, `WPA key`, `network key` in prose: the network's passphrase.
fn wifi_key_noun(hay: &[u8], s: usize, e: usize) -> bool {
    if !hay[s..e].eq_ignore_ascii_case(b"key") || s < 2 || hay[s - 1] != b' ' {
        return false;
    }
    let before = hay[s.saturating_sub(12)..s - 1].to_ascii_lowercase();
    // Or the network named first on the line: `Wi-Fi for the AV cart: SSID HF-AV, key "x"`.
    let lead = &hay[line_start(hay, s).max(s.saturating_sub(64))..s - 1];
    [&b"wifi"[..], b"wi-fi", b"wlan", b"wpa", b"wpa2", b"network"]
        .iter()
        .any(|w| {
            before.ends_with(w)
                && (before.len() == w.len() || before[before.len() - w.len() - 1] == b' ')
        })
        || memchr::memmem::find(lead, b"SSID ").is_some() && lead.ends_with(b",")
}

/// Whether a name is a token's, key's or secret's noun in prose (`token`, `API key`).
fn token_noun(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    [&b"token"[..], b"key", b"secret"]
        .iter()
        .any(|w| name.ends_with(w))
}

/// A random string as prose quotes a token or key: 16 or more characters of a token's
/// alphabet with letters and digits, not words run together.
fn random_token(v: &[u8]) -> bool {
    (16..=256).contains(&v.len())
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+/=".contains(b))
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_alphabetic)
        && !wordy(v)
}

/// Where the next line starts, when `p` is at a line break (`\n` or `\r\n`).
fn next_line(hay: &[u8], p: usize) -> Option<usize> {
    let p = p + usize::from(hay.get(p) == Some(&b'\r'));
    (hay.get(p) == Some(&b'\n')).then_some(p + 1)
}

/// A value introduced by prose at a line's end and given on the next line as a code span:
/// `use the break-glass token:` / `` `cYyw...` ``. Only a code span, which no configuration
/// format starts a value with, and only after a name written as prose (after a blank).
fn next_line_code_span(hay: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    if name.start == 0 || hay[name.start - 1] != b' ' {
        return None;
    }
    let q = skip_blanks(hay, next_line(hay, after)?, 16);
    if hay.get(q) != Some(&b'`') {
        return None;
    }
    let (v, quoted) = parse_value(hay, q)?;
    (quoted && code_span_fits(&hay[name.clone()], &hay[v.clone()]))
        .then(|| Assignment::new(name, v, true))
}

/// Whether a code span in prose holds the credential the noun before it names: a password's
/// noun takes a chosen password (`pass` is a verb in prose: ``pass `asn1Spec` to``), a token's
/// or key's noun a random string (``the shared dev token `XY2y...` ``); neither takes code.
fn code_span_fits(name: &[u8], val: &[u8]) -> bool {
    let code = val.iter().any(|b| {
        matches!(
            b,
            b'(' | b')' | b':' | b'=' | b'$' | b'{' | b'}' | b'/' | b'<'
        )
    });
    !code && (password_noun(name) && strong_password(val) || token_noun(name) && random_token(val))
}

/// Whether a name ends with a password's noun (`pass` is a verb in prose: `pass \`x\` to`).
fn password_noun(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    [&b"password"[..], b"passwd", b"passphrase", b"pwd"]
        .iter()
        .any(|w| name.ends_with(w))
}

/// A value that reads as a chosen password wherever it stands: 8 to 64 characters with a digit
/// and three kinds of characters (`AutumnQuartz25@`, `NimbusRocket550`).
pub(super) fn strong_password(v: &[u8]) -> bool {
    (8..=64).contains(&v.len()) && v.iter().any(u8::is_ascii_digit) && char_classes(v) >= 3
}

/// `guest wifi is NW-Guest, pw NimbusRocket550`: a password's noun alone in prose, then a
/// bare value with no operator between. Only a strong password counts, and never in code
/// (`password VARCHAR(64)`, `Password string`): the noun stands after a blank, a comma or the
/// line start, and the value holds no brackets or operators.
fn bare_password(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let name = hay[s..e].to_ascii_lowercase();
    // `pass` is a noun only after a login (`user admin, pass x`).
    let noun = [
        &b"pw"[..],
        b"pwd",
        b"password",
        b"passwd",
        b"passcode",
        b"passwort",
    ]
    .contains(&name.as_slice())
        || name == b"pass" && login_before(hay, s);
    if !noun
        || hay[s..e].iter().all(u8::is_ascii_uppercase)
        || !(s == line_start(hay, s) || matches!(hay[s - 1], b' ' | b'\t' | b','))
    {
        return None;
    }
    let (mut v, quoted) = parse_value(hay, p)?;
    if quoted {
        return None;
    }
    while v.end > v.start && matches!(hay[v.end - 1], b'.' | b',' | b';' | b')') {
        v.end -= 1;
    }
    let val = &hay[v.clone()];
    let code = val.iter().any(|b| {
        matches!(
            b,
            b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'=' | b'<' | b'>'
        )
    });
    // Words run together are prose or code (`lookupz6Unrecognized`) unless they end the
    // message, or hold all four kinds of characters, as in `prose_value`.
    // A long random value is split into many short "words" (`w9QDbpQAixDbmPzlfn060ACNHHc3`):
    // no prose.
    let classes = char_classes(val);
    let random = val.len() >= 20 && crate::filters::shannon_entropy(val) >= 4.0;
    if !(strong_password(val) && !code && val.iter().any(u8::is_ascii_alphabetic))
        || wordy(val)
            && !random
            && !(rest_of_line_empty(hay, v.end) && classes >= 3 || classes == 4)
    {
        return None;
    }
    // `pw` alone is no head word (too short to trust in names); here the syntax says it is one.
    let mut a = Assignment::new(s..e, v, false);
    a.implied = Some(&[b"password"]);
    Some(a)
}

/// Whether a login is given earlier on the line (`user admin, pass x`, `login: u pass x`):
/// then `pass` is a password's noun, not the verb of a comment (`# pass ctx2 on`).
fn login_before(hay: &[u8], s: usize) -> bool {
    let lead = hay[line_start(hay, s).max(s.saturating_sub(120))..s].to_ascii_lowercase();
    [&b"user "[..], b"user:", b"username", b"login"]
        .iter()
        .any(|w| memchr::memmem::find(&lead, w).is_some())
}

/// `<password>value</password>`: the element's text, up to the next `<`.
fn xml_element(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let lim = (p + MAX_VALUE).min(hay.len());
    let end = p + memchr::memchr(b'<', &hay[p..lim])?;
    let v = trim_range(hay, p..end);
    if v.is_empty() || !hay[end..].starts_with(b"</") {
        return None;
    }
    Some(Assignment::new(s..e, v, false))
}

/// A name and its value in two sibling elements, the first tagged or attributed as a name and
/// the second as a value: SoapUI's `<con:name>dbPassword</con:name><con:value>x</con:value>`,
/// JMeter's `<stringProp name="Argument.name">pw</stringProp>` /
/// `<stringProp name="Argument.value">x</stringProp>`, and SSIS package configurations
/// (`Path="...Properties[ServerPassword]"` / `<ConfiguredValue>x</ConfiguredValue>`).
fn element_named_value(hay: &[u8], s: usize, e: usize) -> Option<Assignment> {
    /// The text of the next element's opening tag after `from` (blanks and one line break
    /// skipped), lower case, and where its content starts.
    fn next_open_tag(hay: &[u8], from: usize) -> Option<(Vec<u8>, usize)> {
        let lt = skip_whitespace(hay, from, 64);
        if hay.get(lt) != Some(&b'<') || hay.get(lt + 1) == Some(&b'/') {
            return None;
        }
        let lim = (lt + 160).min(hay.len());
        let gt = lt + memchr::memchr(b'>', &hay[lt..lim])?;
        Some((hay[lt..gt].to_ascii_lowercase(), gt + 1))
    }
    // A tag whose local name is `word` (`<con:value`, `<value`), or whose attribute value ends
    // in `.word` (JMeter's `name="Argument.value"`); `<hashValue>` and `<exampleValue>` are
    // other things.
    let says = |t: &[u8], word: &[u8]| {
        let name_end = t
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(t.len());
        let local = t[..name_end]
            .rsplit(|b| *b == b':' || *b == b'<')
            .next()
            .unwrap_or(b"");
        local == word || {
            let mut dotted = Vec::with_capacity(word.len() + 2);
            dotted.push(b'.');
            dotted.extend_from_slice(word);
            dotted.push(b'"');
            t.ends_with(&dotted)
        }
    };
    let after_close = if s > 0 && hay[s - 1] == b'>' && hay[e..].starts_with(b"</") {
        // The name is an element's whole text: its opening tag must say `name`.
        let lt = memchr::memrchr(b'<', &hay[s.saturating_sub(160)..s - 1])? + s.saturating_sub(160);
        let open = hay[lt..s - 1].to_ascii_lowercase();
        if !says(&open, b"name") {
            return None;
        }
        let lim = (e + 80).min(hay.len());
        e + memchr::memchr(b'>', &hay[e..lim])? + 1
    } else if hay[e..].starts_with(b"]\"") && hay[s.saturating_sub(12)..s].ends_with(b"Properties[")
    {
        let eol = line_end(hay, e);
        e + memchr::memchr(b'>', &hay[e..eol])? + 1
    } else {
        return None;
    };
    let (tag, content) = next_open_tag(hay, after_close)?;
    if !(says(&tag, b"value") || tag == b"<configuredvalue") {
        return None;
    }
    xml_element(hay, s, e, content).filter(|a| !a.value.is_empty())
}

/// Bare child tags that hold their parent's value in clear (not `<hashValue>`; unattend's
/// `<PlainText>` is the flag beside `<Value>`).
const VALUE_CHILDREN: &[&[u8]] = &[b"value", b"clearvalue", b"plainvalue"];

/// The content start of a child element that holds its parent's value, at `q`: `<Value>`,
/// `<clearValue>`.
fn value_child(hay: &[u8], q: usize) -> Option<usize> {
    if hay.get(q) != Some(&b'<') {
        return None;
    }
    let lim = (q + 14).min(hay.len());
    let gt = q + memchr::memchr(b'>', &hay[q..lim])?;
    let tag = &hay[q + 1..gt];
    VALUE_CHILDREN
        .iter()
        .any(|c| tag.eq_ignore_ascii_case(c))
        .then_some(gt + 1)
}

/// A parenthesised note of an encoding at `p` (`(base64)`, `(hex)`, `(base64url, unpadded)`):
/// the encoding and where the note ends.
fn encoding_note(hay: &[u8], p: usize) -> Option<(super::decode::Encoding, usize)> {
    let lim = (p + 32).min(line_end(hay, p));
    let close = p + memchr::memchr(b')', &hay[p..lim])?;
    let note = hay[p + 1..close].trim_ascii();
    // Words only: a call's argument (`set_password(b64decode("..."))`) is no note.
    if !note
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b" ,-".contains(b))
    {
        return None;
    }
    let first = note.split(|b| matches!(b, b' ' | b',' | b'-')).next()?;
    Some((encoding_word(&first.to_ascii_lowercase())?, close + 1))
}

/// The encoding a lower-case word of a name or a note says a value is written in
/// (`admin_password_hex`, `SMTP_PASSWORD_B64`, `(base64)`).
fn encoding_word(w: &[u8]) -> Option<super::decode::Encoding> {
    match w {
        b"hex" => Some(super::decode::Encoding::Hex),
        // `localAdminPasswordEncoded`: nothing but base64 is that common.
        b"b64" | b"base64" | b"b64url" | b"base64url" | b"encoded" => {
            Some(super::decode::Encoding::Base64)
        }
        _ => None,
    }
}

/// Go's second result discarded between a name and its value (`key, _ = f(...)`).
const GO_DISCARD: &[&[u8]] = &[b", _ = ", b", _ := "];

/// An LDIF attribute's base64 value (`userPassword:: Q2Fub3B5...`), decoded.
fn ldif_base64(hay: &[u8], name: Range<usize>, p: usize) -> Option<Assignment> {
    let (v, false) = parse_value(hay, skip_blanks(hay, p, 4))? else {
        return None;
    };
    let mut a = Assignment::new(name, v, false);
    a.decode(hay, super::decode::Encoding::Base64).then_some(a)
}

/// `<Pass encoding="base64">Q1BS...</Pass>`, `<password type="plain">x</password>`: an element
/// with attributes, its text the value; base64 text (so marked) is decoded (FileZilla).
fn element_with_attributes(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let lim = (p + 256).min(hay.len());
    let gt = p + hay[p..lim]
        .iter()
        .position(|b| matches!(b, b'>' | b'<' | b'\n'))?;
    if hay[gt] != b'>' || hay[gt - 1] == b'/' {
        return None;
    }
    let mut a = xml_element(hay, s, e, gt + 1)?;
    let attrs = hay[p..gt].to_ascii_lowercase();
    if memchr::memmem::find(&attrs, b"base64").is_some() {
        a.decode(hay, super::decode::Encoding::Base64);
    }
    Some(a)
}

/// Elements that hold a name whose value is the next element: Apple property lists
/// (`<key>`), KeePass exports (`<Key>`), Hadoop and Java configuration (`<name>`).
/// Java's XStream writes a map entry as `<entry><string>name</string>` and the value element
/// after it (Mirth Connect's configuration map): `<string>` is a key element only right after
/// `<entry>`.
const KEY_ELEMENTS: &[&[u8]] = &[b"key", b"name", b"td", b"th", b"dt", b"string"];

/// The length of the closing tag at `p` when the name at `raw_s` sits alone in a key element
/// (`<key>ApiSecret</key>`, `<Key>Password</Key>`, `<name>fs.s3a.secret.key</name>`), or ends
/// an HTML table's or definition list's label cell (`<td>Password</td>`, `<td>db password</td>`).
fn key_element(hay: &[u8], raw_s: usize, p: usize) -> Option<usize> {
    // A label cell may qualify the name with words before it (`<td>elastic password</td>`,
    // `<dt>Runpod API key</dt>`): where such a label starts, for the cell tags.
    let mut cell_label = raw_s;
    while cell_label > 0
        && raw_s - cell_label < 40
        && (hay[cell_label - 1].is_ascii_alphanumeric() || b" _.-".contains(&hay[cell_label - 1]))
    {
        cell_label -= 1;
    }
    // A long dotted name keeps only its last segments (TR-069's
    // `<Name>InternetGatewayDevice. ... .Password</Name>`): the element opens before the path.
    let mut path = raw_s;
    while path > 0
        && raw_s - path < 256
        && (hay[path - 1].is_ascii_alphanumeric() || b"._-".contains(&hay[path - 1]))
    {
        path -= 1;
    }
    KEY_ELEMENTS.iter().find_map(|tag| {
        let label = if tag.len() == 2 { cell_label } else { path };
        let open = label.checked_sub(tag.len() + 2)?;
        let before = &hay[open..label];
        let after = hay.get(p..p + tag.len() + 3)?;
        (before[0] == b'<'
            && before[before.len() - 1] == b'>'
            && before[1..=tag.len()].eq_ignore_ascii_case(tag)
            && after.starts_with(b"</")
            && after[2..2 + tag.len()].eq_ignore_ascii_case(tag)
            && after[after.len() - 1] == b'>'
            && (*tag != b"string" || hay[..open].trim_ascii_end().ends_with(b"<entry>")))
        .then_some(tag.len() + 3)
    })
}

/// Elements that hold the value after a key element: `<string>` (plist), `<Value ...>`
/// (KeePass, with attributes), `<value>` (Hadoop), and an HTML table's or definition list's
/// next cell (`<td>Password</td><td>x</td>`, `<dt>Token</dt><dd>x</dd>`).
const VALUE_ELEMENTS: &[&[u8]] = &[b"string", b"value", b"td", b"dd"];

/// The value element after a key element, after white space (same or next lines):
/// `<string>value</string>`, `<Value ProtectInMemory="True">value</Value>`. Any other element
/// (`<data>`, `<true/>`, `<dict>`, `<description>`) is not a value.
fn sibling_value(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let mut q = skip_whitespace(hay, p, 64);
    // XStream wraps an entry's value in its class's element
    // (`<com.mirth.connect.util.ConfigurationProperty>` / `<value>x</value>`).
    if hay.get(q) == Some(&b'<') {
        let lim = (q + 128).min(hay.len());
        if let Some(gt) = memchr::memchr(b'>', &hay[q..lim]) {
            let tag = &hay[q + 1..q + gt];
            if tag.contains(&b'.')
                && tag
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$'))
            {
                q = skip_whitespace(hay, q + gt + 1, 64);
            }
        }
    }
    let tag = VALUE_ELEMENTS.iter().find(|tag| {
        hay.get(q + 1..q + 2 + tag.len()).is_some_and(|t| {
            hay[q] == b'<'
                && t[..tag.len()].eq_ignore_ascii_case(tag)
                && matches!(t[tag.len()], b'>' | b' ')
        })
    })?;
    let lim = (q + 256).min(hay.len());
    let open_end = q + memchr::memchr(b'>', &hay[q..lim])? + 1;
    if hay[open_end - 2] == b'/' {
        return None;
    }
    // An HTML table's or list's value cell may set the value apart (`<td><code>x</code></td>`).
    if let Some(v) = inline_element(hay, open_end) {
        let after = &hay[v.end..(v.end + 40).min(hay.len())];
        let close = [b"</".as_slice(), tag].concat();
        return (after.len() >= close.len()
            && memchr::memmem::find(&after.to_ascii_lowercase(), &close).is_some())
        .then(|| Assignment::new(s..e, v, true));
    }
    xml_element(hay, s, e, open_end).filter(|a| {
        let c = &hay[skip_whitespace(hay, a.value.end, 16)..];
        c.len() >= tag.len() + 3
            && c.starts_with(b"</")
            && c[2..2 + tag.len()].eq_ignore_ascii_case(tag)
    })
}

pub(super) fn trim_range(hay: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && hay[r.start].is_ascii_whitespace() {
        r.start += 1;
    }
    while r.end > r.start && hay[r.end - 1].is_ascii_whitespace() {
        r.end -= 1;
    }
    r
}

/// True when the (quoted or bare) name at `raw_s` is itself the value of a `name`/`key` field:
/// `name: DB_PASSWORD`, `"name": "DB_PASSWORD"`, `key="Password"`, `ParameterKey: DbPassword`.
fn preceded_by_name_field(hay: &[u8], raw_s: usize, open_quote: Option<usize>) -> bool {
    let mut b = raw_s - open_quote.unwrap_or(0);
    while b > 0 && (hay[b - 1] == b' ' || hay[b - 1] == b'\t') {
        b -= 1;
    }
    if b == 0 || !matches!(hay[b - 1], b':' | b'=') {
        return false;
    }
    b -= 1;
    while b > 0 && (hay[b - 1] == b' ' || hay[b - 1] == b'\t') {
        b -= 1;
    }
    if let Some(q) = quote_before(hay, b) {
        b -= q;
    }
    let field_end = b;
    while b > 0 && hay[b - 1].is_ascii_alphabetic() && field_end - b < 16 {
        b -= 1;
    }
    let field = &hay[b..field_end];
    [
        &b"name"[..],
        b"key",
        b"parameterkey",
        b"variable",
        b"property",
    ]
    .iter()
    .any(|f| field.len() >= f.len() && field[field.len() - f.len()..].eq_ignore_ascii_case(f))
        // A header's name in a table of headers (`{ field = 'X-Api-Key', value = 'x' }`), the
        // field's whole name only (`sortField`, `tableHeader` name other things).
        || [&b"field"[..], b"header"]
            .iter()
            .any(|f| field.eq_ignore_ascii_case(f))
}

/// A command that stores a secret under a name given as an argument, with the value in
/// another flag of the same line: `gh secret set OKTA_API_TOKEN --body 'x'`,
/// `aws ssm put-parameter --name /prod/db_password --value 'x'`,
/// `az keyvault secret set --name ApiSecret --value x`, PowerShell's
/// `Set-ItemProperty -Name ApiSecret -Value 'x'` and its environment drive
/// (`Set-Item -Path Env:API_KEY -Value 'x'`).
fn flag_named_value(hay: &[u8], name: Range<usize>) -> Option<Assignment> {
    let ls = line_start(hay, name.start);
    // The argument holding the name: a path's last part (`/prod/db_password`), maybe quoted.
    let mut b = name.start;
    while b > ls && !matches!(hay[b - 1], b' ' | b'\t' | b'=' | b'\'' | b'"') {
        b -= 1;
    }
    if b > ls && matches!(hay[b - 1], b'\'' | b'"') {
        b -= 1;
    }
    let before = hay[ls..b].trim_ascii_end();
    let ends_with = |w: &[u8]| {
        before.len() >= w.len()
            && before[before.len() - w.len()..].eq_ignore_ascii_case(w)
            && (before.len() == w.len() || before[before.len() - w.len() - 1] == b' ')
    };
    let gh = ends_with(b"secret set");
    let env_drive = hay
        .get(b..b + 4)
        .is_some_and(|d| d.eq_ignore_ascii_case(b"env:"));
    let flags: &[&[u8]] = if gh {
        &[b"--body", b"-b"]
    } else if env_drive && ends_with(b"-path") {
        &[b"-value"]
    } else if ends_with(b"--name")
        || ends_with(b"-name")
        || ends_with(b"--secret-name")
        || ends_with(b"--name=")
    {
        &[b"--value", b"-value", b"--secret-string", b"--secret-value"]
    } else {
        return None;
    };
    let le = line_end(hay, name.end);
    let line = &hay[ls..le];
    let at = flags.iter().find_map(|f| {
        memchr::memmem::find_iter(line, b" -").find_map(|i| {
            let w = &line[i + 1..];
            (w.len() > f.len()
                && w[..f.len()].eq_ignore_ascii_case(f)
                && matches!(w[f.len()], b' ' | b'='))
            .then_some(ls + i + 1 + f.len() + 1)
        })
    })?;
    let p = skip_blanks(hay, at, 8);
    let (v, quoted) = parse_value(hay, p)?;
    Some(Assignment::new(name, v, quoted))
}

/// The word before `name_start` across one blank, when it is one that makes `<word>key` a
/// credential compound (`API key`, `Access Key`, `secret key`).
fn spaced_qualifier(hay: &[u8], name_start: usize) -> Option<Range<usize>> {
    if name_start < 3 || hay[name_start - 1] != b' ' {
        return None;
    }
    let e = name_start - 1;
    let mut b = e;
    // One inner dash joins a hyphenated qualifier (`Pre-shared key:`).
    while b > 0
        && e - b < 16
        && (hay[b - 1].is_ascii_alphabetic()
            || hay[b - 1] == b'-' && b >= 2 && b < e && hay[b - 2].is_ascii_alphabetic())
    {
        b -= 1;
    }
    if b == e || (b > 0 && is_name_byte(hay[b - 1])) {
        return None;
    }
    let q: Vec<u8> = hay[b..e].iter().copied().filter(|c| *c != b'-').collect();
    super::words::key_compound_prefix(&q).then_some(b..e)
}

/// Words that name keys which are no credentials (`primary key:`, `sort key:`, a reCAPTCHA `site
/// key:`), or the reader's sample: a key after one of them in a message, or a table of keys
/// named with one, is not reported.
const NOT_CREDENTIAL_KEYS: &[&[u8]] = &[
    b"site",
    b"browser",
    b"public",
    b"primary",
    b"foreign",
    b"sort",
    b"partition",
    b"cache",
    b"routing",
    b"idempotency",
    b"object",
    b"host",
    b"ssh",
    b"gpg",
    b"pgp",
    b"lookup",
    b"hash",
    b"composite",
    b"unique",
    b"index",
    b"map",
    b"dedup",
    b"dedupe",
    b"row",
    b"shard",
    b"bucket",
    b"registry",
    b"translation",
    b"i18n",
    b"locale",
    b"the",
    b"this",
    b"that",
    b"which",
    b"each",
    b"every",
    b"hot",
    b"short",
    b"keyboard",
    b"music",
    b"musical",
    b"enter",
    b"escape",
    b"tab",
    b"shift",
    b"control",
    b"alt",
    b"answer",
    b"test",
    b"sample",
    b"example",
    b"dummy",
    b"fake",
    b"demo",
    b"placeholder",
];

/// `They also issued a fresh servicetitan key: oDI0VQaqRAJM33i2...`: in a message, one word
/// (a vendor's name, often one no rule knows) qualifies `key:`, and the value after it is drawn
/// at random from both cases and digits and ends the line or sentence. Words naming keys that
/// are no credentials (`primary key:`, `sort key:`, `public key:`) and hex digests (a `cache
/// key:`) stay out.
fn vendor_key_in_prose(hay: &[u8], a: &Assignment) -> bool {
    let s = a.name.start;
    if a.quoted || s < 4 || hay[s - 1] != b' ' || hay.get(a.name.end) != Some(&b':') {
        return false;
    }
    let e = s - 1;
    let floor = e.saturating_sub(25);
    let b = hay[floor..e]
        .iter()
        .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
        .map_or(floor, |i| floor + i + 1);
    let word = hay[b..e].to_ascii_lowercase();
    // The word stands after a blank or at the line's start, not inside a path or a name.
    if !(3..=24).contains(&word.len())
        || !word[0].is_ascii_alphabetic()
        || b > 0 && !matches!(hay[b - 1], b' ' | b'\t' | b'\n' | b'(' | b'*')
    {
        return false;
    }
    if NOT_CREDENTIAL_KEYS.contains(&word.as_slice()) || NOT_SECRET_WORDS.contains(&word.as_slice())
    {
        return false;
    }
    let v = &hay[a.value.clone()];
    (20..=128).contains(&v.len())
        && v.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && v.iter().any(u8::is_ascii_digit)
        && crate::filters::shannon_entropy(v) >= 4.0
        && !wordy(v)
        && ends_message(hay, a.value.end)
}

/// `"key": "config/billing/db_password"` (a Consul KV export, an SSM parameter listing): the
/// last segment of a quoted key path names the record's value. Returns where the name's
/// closing quote ends.
fn key_path_name(hay: &[u8], raw_s: usize, e: usize) -> Option<usize> {
    if raw_s == 0 || hay[raw_s - 1] != b'/' {
        return None;
    }
    let q = quote_at(hay, e)?;
    let mut b = raw_s - 1;
    while b > 0
        && raw_s - b < 128
        && (hay[b - 1].is_ascii_alphanumeric() || matches!(hay[b - 1], b'_' | b'-' | b'.' | b'/'))
    {
        b -= 1;
    }
    let open = quote_before(hay, b)?;
    preceded_by_name_field(hay, b, Some(open)).then_some(e + q)
}

/// `{"name": "DB_PASSWORD", "value": "x"}`, `- name: DB_PASSWORD` / `value: x`,
/// `<add key="Password" value="x"/>`, `<entry key="token">x</entry>`: the name is the value of a
/// `name`/`key` field and the credential is in the `value` field that follows.
fn name_value_pair(hay: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    // XML: `<entry key="token">value</entry>`.
    let lim = (after + 256).min(hay.len());
    let window = &hay[after..lim];
    if let Some(gt) = memchr::memchr(b'>', window)
        && !window[..gt]
            .windows(5)
            .any(|w| w.eq_ignore_ascii_case(b"value"))
        && (gt == 0 || window[gt - 1] != b'/')
        && memchr::memchr(b'\n', &window[..gt]).is_none()
    {
        let p = after + gt + 1;
        // .NET settings: `<setting name="DbPassword" serializeAs="String">` / `<value>x</value>`,
        // the value in a child element, on the same or the next line.
        let q = skip_whitespace(hay, p, 64);
        if hay.len() >= q + 7 && hay[q..q + 7].eq_ignore_ascii_case(b"<value>") {
            return xml_element(hay, name.start, name.end, q + 7);
        }
        if hay[p..].first().is_some_and(|b| *b != b'<') {
            return xml_element(hay, name.start, name.end, p).filter(|a| !a.value.is_empty());
        }
        return None;
    }
    let a = field_value(hay, name, after, 256, &[b"value"])?;
    if !a.quoted
        && let Some(t) = scheme_variable(hay, a.name.clone(), &a.value)
    {
        return Some(t);
    }
    Some(a)
}

/// A Postman collection's auth list: `"apikey": [` / `{"key": "value", "value": "x"}`, where the
/// list's name says what the credential is and the element keyed `value` holds it (the other
/// elements name the header and where it goes).
fn postman_auth_value(hay: &[u8], name: Range<usize>, open: usize) -> Option<Assignment> {
    let lim = (open + 512).min(hay.len());
    let window = &hay[open..lim];
    let end = memchr::memchr(b']', window).unwrap_or(window.len());
    let window = &window[..end];
    memchr::memmem::find_iter(window, b"\"key\"").find_map(|k| {
        let p = skip_blanks(hay, open + k + 5, 4);
        if hay.get(p) != Some(&b':') {
            return None;
        }
        let p = skip_blanks(hay, p + 1, 4);
        if !hay[p..].starts_with(b"\"value\"") {
            return None;
        }
        field_value(hay, name.clone(), p + 7, 256, &[b"value"])
    })
}

/// Finds a `FIELD: value` / `FIELD = value` / `"FIELD": "value"` for one of `fields` within
/// `span` bytes after `after`, without leaving the record (`}`, `]`, `/>`, a blank line).
fn field_value(
    hay: &[u8],
    name: Range<usize>,
    after: usize,
    span: usize,
    fields: &[&[u8]],
) -> Option<Assignment> {
    let lim = (after + span).min(hay.len());
    let window = &hay[after..lim];
    let mut i = 0;
    while i < window.len() {
        let w = &window[i..];
        if matches!(w[0], b'}' | b']') || w.starts_with(b"/>") || w.starts_with(b"\n\n") {
            return None;
        }
        for f in fields {
            let before_ok = i == 0 || {
                let b = window[i - 1];
                // A word of its own, or the capitalised end of `ParameterValue`.
                !(b.is_ascii_alphanumeric() || b == b'_')
                    || (b.is_ascii_lowercase() && w[0].is_ascii_uppercase())
            };
            if w.len() > f.len()
                && w[..f.len()].eq_ignore_ascii_case(f)
                && before_ok
                && !(w[f.len()].is_ascii_alphanumeric() || w[f.len()] == b'_')
            {
                let mut p = after + i + f.len();
                if let Some(q) = quote_at(hay, p) {
                    p += q;
                }
                p = skip_blanks(hay, p, 8);
                if matches!(hay.get(p), Some(b':' | b'=')) {
                    let p = skip_blanks(hay, p + 1, 8);
                    let (v, quoted) = parse_value(hay, p)?;
                    return Some(Assignment::new(name, v, quoted));
                }
            }
        }
        i += 1;
    }
    None
}

/// A block opened after a name: `variable "db_password" {` / `default = "..."` (Terraform),
/// `DB_PASSWORD:` / `  value: ...` (YAML): the block's `value` or `default` field.
fn block_value(hay: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    field_value(hay, name, after, BLOCK_SPAN, &[b"default", b"value"])
}

/// String literals among a call's or tuple's arguments (up to `)`/`]`, at most 8), and where the
/// list ends; `None` when it does not close on the same or the next two lines.
fn literals(hay: &[u8], open: usize, lits: &mut Vec<Range<usize>>) -> Option<usize> {
    let close = if hay[open] == b'(' { b')' } else { b']' };
    let lim = (open + BLOCK_SPAN).min(hay.len());
    let mut p = open + 1;
    let mut lines = 0;
    while p < lim {
        match hay[p] {
            b if b == close => return Some(p),
            b'\n' => {
                lines += 1;
                if lines > 2 {
                    return None;
                }
                p += 1;
            }
            b'(' | b'[' | b'{' => return None,
            _ => {
                if quote_at(hay, p).is_some() || matches!(hay[p], b'@' | b'r' | b'b' | b'f') {
                    if let Some((v, true)) = parse_value(hay, p) {
                        if lits.len() >= 8 {
                            return None;
                        }
                        lits.push(v.clone());
                        p = value_end(hay, &v, true);
                        // Java `"pw".toCharArray()` is still the literal.
                        if hay[p..].starts_with(b".toCharArray()") {
                            p += b".toCharArray()".len();
                        }
                        continue;
                    }
                }
                p += 1;
            }
        }
    }
    None
}

/// `auth=("user", "password")`: the last string of a tuple or list.
fn tuple_value(hay: &[u8], name: Range<usize>, open: usize) -> Option<Assignment> {
    let mut lits = Vec::new();
    literals(hay, open, &mut lits)?;
    let v = lits.pop()?;
    if lits.is_empty() {
        // `basic_auth: ["user:password"]` (ngrok): the password of a lone `user:password`.
        if let Some(v) = auth_pair(hay, &name, v.clone()) {
            return Some(Assignment::new(name, v, true));
        }
        // Keycloak's realm export keeps every component setting in a list of one
        // (`"bindCredential": [ "x" ]`): a lone element under a singular name is its value.
        // Only a JSON member (`"name": [`): an unquoted name's list is code's or a manifest's
        // (Cargo features, `toPropertyKey: ["body.0..."]`).
        let json_member = name.start > 0
            && hay[name.start - 1] == b'"'
            && hay.get(name.end) == Some(&b'"')
            && hay[name.end + 1..open].trim_ascii() == b":";
        let lone = json_member
            && hay[open] == b'['
            && !hay[open + 1..v.start].contains(&b',')
            && hay.get(skip_whitespace(hay, value_end(hay, &v, true), 64)) == Some(&b']');
        let n = hay[name.clone()].to_ascii_lowercase();
        let plural = n.ends_with(b"s") && !n.ends_with(b"ss");
        return (lone && !plural).then(|| Assignment::new(name, v, true));
    }
    let pair = lits.len() == 1;
    let mut a = Assignment::new(name, v, true);
    let n = hay[a.name.clone()].to_ascii_lowercase();
    let pw = &hay[a.value.clone()];
    // Words are a chosen password here too (`"Chapel7Cobalt3Tundra"`,
    // `"Willow.Lighthouse.Ember.1766"`), where a field's name (`"password_hash"`) is not.
    if pair
        && (n.ends_with(b"auth") || n.ends_with(b"credentials") || n.ends_with(b"creds"))
        && credential_like(pw)
        && (!wordy(pw) || chosen_password(pw, true))
    {
        // `auth = ('svc_reporting', 't9y-q3...')` (requests): a user and a password.
        a.implied = Some(&[b"password"]);
        a.human = true;
    }
    Some(a)
}

/// The password of a `user:password` element under a basic-auth or credentials name
/// (`basic_auth`, `proxyAuth`, `credentials`): the part after the first `:`, when the user is a
/// plain login name and the password has no blanks.
fn auth_pair(hay: &[u8], name: &Range<usize>, v: Range<usize>) -> Option<Range<usize>> {
    let n = hay[name.clone()].to_ascii_lowercase();
    if memchr::memmem::find(&n, b"auth").is_none() && memchr::memmem::find(&n, b"cred").is_none() {
        return None;
    }
    let el = &hay[v.clone()];
    let colon = memchr::memchr(b':', el)?;
    let (user, pass) = (&el[..colon], &el[colon + 1..]);
    let login = |b: &u8| b.is_ascii_alphanumeric() || b"._@-".contains(b);
    if user.is_empty()
        || user.len() > 64
        || !user.iter().all(login)
        || pass.len() < 6
        || pass.starts_with(b"//")
        || pass.iter().any(|b| b.is_ascii_whitespace())
    {
        return None;
    }
    Some(v.start + colon + 1..v.end)
}

/// `basic_auth:` then `  - "user:password"` on the next line (a YAML list of one or more
/// pairs): the first element's password; or under a plural credential name the first element.
fn auth_list_item(hay: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    let line = next_line(hay, after)?;
    let q = skip_blanks(hay, line, 32);
    if !hay[q..].starts_with(b"- ") || q - line < indentation(&hay[line_start(hay, name.start)..]) {
        return None;
    }
    let (v, quoted) = parse_value(hay, skip_blanks(hay, q + 2, 8))?;
    let end = value_end(hay, &v, quoted);
    if !rest_of_line_empty(hay, end) {
        return None;
    }
    if let Some(v) = auth_pair(hay, &name, v.clone()) {
        return Some(Assignment::new(name, v, quoted));
    }
    // `service_tokens:` / `  - DFI8uyae...`: a list of credentials under a plural name; the
    // first element is judged as the name's value.
    const PLURALS: &[(&[u8], &[&[u8]])] = &[
        (b"tokens", &[b"token"]),
        (b"passwords", &[b"password"]),
        (b"api_keys", &[b"api", b"key"]),
        (b"apikeys", &[b"api", b"key"]),
        (b"api-keys", &[b"api", b"key"]),
        (b"secret_keys", &[b"secret", b"key"]),
    ];
    let plural = hay[name.clone()].to_ascii_lowercase();
    let (suffix, words) = PLURALS.iter().find(|(w, _)| plural.ends_with(w))?;
    // `device_tokens`, `page_tokens`: the qualifiers that make a single one no credential.
    let rest = &plural[..plural.len() - suffix.len()];
    let qualifier = rest
        .split(|b| !b.is_ascii_alphanumeric())
        .rfind(|w| !w.is_empty())
        .unwrap_or(b"");
    if denied_qualifier(words[words.len() - 1], qualifier) {
        return None;
    }
    let mut a = Assignment::new(name, v, quoted);
    a.implied = Some(words);
    Some(a)
}

/// Verbs that make a call read or derive a credential rather than set one (`getPassword("db")`,
/// `hash_password("x")`): their string argument is a key or an input, not a secret.
const READ_VERBS: &[&[u8]] = &[
    b"get",
    b"fetch",
    b"load",
    b"read",
    b"lookup",
    b"find",
    b"resolve",
    b"retrieve",
    b"require",
    b"has",
    b"is",
    b"check",
    b"validate",
    b"verify",
    b"compare",
    b"hash",
    b"encrypt",
    b"decrypt",
    b"mask",
    b"redact",
    b"generate",
    b"create",
    b"parse",
    b"decode",
    b"encode",
    b"sign",
    b"remove",
    b"delete",
    b"revoke",
    b"rotate",
    b"refresh",
    b"clear",
    b"reset",
    b"print",
    b"log",
    b"assert",
    b"expect",
    b"mock",
    b"stub",
    b"fake",
    b"test",
    b"on",
    b"handle",
    b"render",
    b"format",
    b"to",
    b"from",
    b"new",
    b"make",
    b"build",
    b"update",
    b"send",
    b"request",
    b"add",
];

/// `setPassword("x")`, `.adminPassword("x")`, `withApiKey("x")` (one literal: the value),
/// `NetworkCredential("user", "password")`, `HTTPBasicAuth("u", "p")` (constructors: the last
/// literal), `smtp.login("user", "password")` and `getConnection(url, "user", "password")`.
fn call_value(hay: &[u8], name: Range<usize>, raw_s: usize, open: usize) -> Option<Assignment> {
    let callee = &hay[name.clone()];
    let last = callee.rsplit(|b| *b == b'.').next().unwrap_or(callee);
    let login = last.eq_ignore_ascii_case(b"login") || last.eq_ignore_ascii_case(b"getconnection");
    let mut words = Words::default();
    if !words.split(last) || words.len() == 0 {
        return None;
    }
    let first = words.get(0);
    if !login && READ_VERBS.contains(&first) && first != b"add" {
        return None;
    }
    let mut lits = Vec::new();
    literals(hay, open, &mut lits)?;
    let v = lits.pop()?;
    if login {
        // A user and a password: the password is the last of at least two literals, or the
        // only literal after a non-literal user.
        if lits.is_empty() && !call_has_other_args(hay, open, &v) {
            return None;
        }
        let mut a = Assignment::new(name, v, true);
        a.implied = Some(&[b"password"]);
        a.human = true;
        return Some(a);
    }
    let setter = matches!(first, b"set" | b"with" | b"use" | b"put" | b"configure");
    let method = (raw_s > 0 && hay[raw_s - 1] == b'.') || callee.contains(&b'.');
    let constructor = last.first().is_some_and(u8::is_ascii_uppercase) && !method;
    if !(setter || method || constructor) {
        return None;
    }
    // MQTTnet's `.WithCredentials("user", "password")`: a setter of a login pair.
    let pair_setter = setter
        && lits.len() == 1
        && (1..words.len()).any(|w| matches!(words.get(w), b"credentials" | b"credential"));
    if !constructor && !pair_setter && !lits.is_empty() {
        // A setter takes one value; several literals are a lookup or a message.
        return None;
    }
    let mut a = Assignment::new(name, v, true);
    a.call = true;
    // `NetworkCredential("user", "password")`: a user and a human-chosen password.
    a.human = (constructor || pair_setter) && !lits.is_empty();
    if pair_setter {
        a.implied = Some(&[b"password"]);
    }
    Some(a)
}

/// Standard base64 of 30 to 75 bytes, padded or holding `+` or `/`, in both cases and with
/// digits: random key material (an Azure storage key is 64 bytes, `...==`). Hex digests and
/// identifiers have no such characters; an npm integrity string starts `sha512-`.
fn base64_key_material(v: &[u8]) -> bool {
    // A public key in DER or OpenSSH form (a browser extension manifest's `"key": "MIIBIj..."`)
    // is longer and starts with its header.
    (40..=100).contains(&v.len())
        && !v.starts_with(b"MII")
        && !v.starts_with(b"AAAA")
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        && (v.ends_with(b"=") || v.iter().any(|b| b"+/".contains(b)))
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && v.iter().any(u8::is_ascii_digit)
        && crate::filters::shannon_entropy(v) >= 4.5
}

/// Whether a call has arguments other than the literal `v` (`login(user, "pw")`).
fn call_has_other_args(hay: &[u8], open: usize, v: &Range<usize>) -> bool {
    hay[open + 1..v.start].contains(&b',')
}

/// Where the `=` of a C# auto-property's initializer is, when `{ get; set; }` (or `{ get;
/// init; }`, `{ get; }`) is at `open`.
fn property_initializer(hay: &[u8], open: usize) -> Option<usize> {
    let lim = (open + 40).min(hay.len());
    let close = open + memchr::memchr(b'}', &hay[open..lim])?;
    let body = &hay[open + 1..close];
    if !body.trim_ascii_start().starts_with(b"get")
        || !body
            .iter()
            .all(|b| b.is_ascii_alphabetic() || matches!(b, b';' | b' ' | b'\t'))
    {
        return None;
    }
    let eq = skip_blanks(hay, close + 1, 8);
    (hay.get(eq) == Some(&b'=') && !matches!(hay.get(eq + 1), Some(b'=' | b'>'))).then_some(eq)
}

/// Calls that turn an encoded literal into the value: `base64decode("...")` (Terraform),
/// `atob("...")`, `b64decode("...")`, `Base64.getDecoder().decode("...")`,
/// `Convert.FromBase64String("...")`, `bytes.fromhex("...")`, `Buffer.from("...", "hex")`.
fn decode_call(hay: &[u8], name: Range<usize>, p: usize) -> Option<Assignment> {
    use super::decode::Encoding;
    const BASE64_CALLS: &[&[u8]] = &[
        b"base64decode",
        b"b64decode",
        b"urlsafe_b64decode",
        b"standard_b64decode",
        b"atob",
        b"frombase64string",
        b"decode64",
        b"base64_decode",
        // Perl's MIME::Base64.
        b"decode_base64",
        b"decodebytes",
        b"decodestring",
        b"decode",
        b"from",
    ];
    // Java 17's `HexFormat.of().parseHex("...")` too.
    const HEX_CALLS: &[&[u8]] = &[
        b"fromhex",
        b"unhexlify",
        b"hex2bin",
        b"parsehex",
        b"parsehexbinary",
    ];
    let end = (p + 300).min(line_end(hay, p));
    let stmt = &hay[p..end];
    // Every decoding call above names base64 (`64`), hex or `atob`; most code values do not.
    if memchr::memmem::find(stmt, b"64").is_none()
        && memchr::memmem::find(stmt, b"hex").is_none()
        && memchr::memmem::find(stmt, b"Hex").is_none()
        && memchr::memmem::find(stmt, b"atob").is_none()
        && memchr::memmem::find(stmt, b"\"H*\"").is_none()
        && memchr::memmem::find(stmt, b"'H*'").is_none()
    {
        return None;
    }
    // Each `(` of the statement, with the name before it (one pass, no search per name).
    let mut found = None;
    for open in memchr::memchr_iter(b'(', stmt) {
        let mut k = open;
        while k > 0 && (stmt[k - 1].is_ascii_alphanumeric() || stmt[k - 1] == b'_') {
            k -= 1;
        }
        let callee = &stmt[k..open];
        let before = &stmt[..k];
        let is = |list: &[&[u8]]| list.iter().any(|c| c.eq_ignore_ascii_case(callee));
        // Perl `pack("H*", "...")`: the template says hex; so does Go's `hex.DecodeString`.
        let encoding = if is(HEX_CALLS)
            || callee == b"pack"
            || callee == b"DecodeString" && before.ends_with(b"hex.")
        {
            Encoding::Hex
        } else if is(BASE64_CALLS) {
            // `decode(`/`from(` only on a base64 object: `Base64.getDecoder().decode(`,
            // `Buffer.from(`.
            if callee.eq_ignore_ascii_case(b"decode") {
                let lb = before.to_ascii_lowercase();
                if memchr::memmem::find(&lb, b"base64").is_none()
                    && memchr::memmem::find(&lb, b"decoder").is_none()
                {
                    continue;
                }
            }
            if callee.eq_ignore_ascii_case(b"from") && !before.ends_with(b"Buffer.") {
                continue;
            }
            Encoding::Base64
        } else {
            continue;
        };
        found = Some((p + open, encoding));
        break;
    }
    let (open, mut encoding) = found?;
    let mut lits = Vec::new();
    literals(hay, open, &mut lits)?;
    let mut lit = lits.first()?.clone();
    if lits.len() > 1 && hay[lits[1].clone()].eq_ignore_ascii_case(b"hex") {
        encoding = Encoding::Hex;
    }
    if matches!(&hay[lit.clone()], b"H*" | b"H") {
        lit = lits.get(1)?.clone();
    }
    let mut out = Vec::new();
    if !super::encoded::decode_run(encoding, &hay[lit.clone()], &mut out) {
        // A key written in hex (`AES_KEY = bytes.fromhex("c41f...")`) decodes to random
        // bytes: the hex is the key.
        let raw = &hay[lit.clone()];
        return (matches!(encoding, Encoding::Hex)
            && raw.len() >= 32
            && raw.iter().all(u8::is_ascii_hexdigit))
        .then(|| Assignment::new(name, lit, true));
    }
    let mut a = Assignment::new(name, lit, true);
    a.decoded = Some((out, encoding));
    Some(a)
}

/// The literal a settings wrapper holds: Pydantic `Field(default="...")` and `Field("...")`,
/// `SecretStr("...")`, `Secret("...")`, Rust's `SecretString::new("...")`, `String::from("...")`
/// and `Some("...")`, Puppet's `Sensitive('...')`, Go's `[]byte("...")`: the declared name is
/// what the literal is for.
/// Only these wrappers, whose first argument (or `default=`) is the field's value; other
/// calls' first literal is often a name to look up (`os.getenv("API_KEY")`).
fn wrapper_literal(hay: &[u8], p: usize) -> Option<Range<usize>> {
    const WRAPPERS: &[&[u8]] = &[
        b"Field(",
        b"SecretStr(",
        b"SecretBytes(",
        b"Secret(",
        b"Secret::new(",
        b"SecretString::new(",
        b"SecretString::from(",
        b"String::from(",
        b"Some(",
        b"Sensitive(",
        b"[]byte(",
    ];
    let w = WRAPPERS.iter().find(|w| hay[p..].starts_with(w))?;
    let mut q = skip_blanks(hay, p + w.len(), 8);
    if hay[q..].starts_with(b"default") {
        q = skip_blanks(hay, q + 7, 4);
        if hay.get(q) != Some(&b'=') {
            return None;
        }
        q = skip_blanks(hay, q + 1, 4);
    }
    quote_at(hay, q)?;
    match parse_value(hay, q)? {
        (v, true) => Some(v),
        _ => None,
    }
}

/// `API_KEY: &str = "..."`, `var apiKey string = "..."`, `val token: String = "..."`: a type
/// between the name and `=`, with a quoted value.
/// The length of a C array declarator after a name (`char pass[] = "..."`,
/// `const char key[33] PROGMEM = "..."`, the classic Arduino sketch), or 0. Only when a string
/// literal or a list of 16 bytes or more (`uint8_t hmac_key[] = { 0x.., ... }`) is what is
/// assigned: `keys[i] = x` and short tables are code.
fn c_array_suffix(hay: &[u8], p: usize) -> usize {
    // Nim's export marker (`ScraperApiKey* = "..."`): no other language puts `*` between a
    // name and its `=` with a string after it.
    if hay.get(p) == Some(&b'*') {
        let r = skip_blanks(hay, p + 1, 4);
        if r > p + 1 && hay.get(r) == Some(&b'=') && hay.get(r + 1) != Some(&b'=') {
            let v = skip_blanks(hay, r + 1, 4);
            if hay.get(v) == Some(&b'"') {
                return 1;
            }
        }
        return 0;
    }
    if hay.get(p) != Some(&b'[') {
        return 0;
    }
    let mut q = p + 1;
    while q < hay.len() && q - p < 6 && hay[q].is_ascii_digit() {
        q += 1;
    }
    if hay.get(q) != Some(&b']') {
        return 0;
    }
    let end = q + 1;
    let mut r = skip_blanks(hay, end, 4);
    if hay[r..].starts_with(b"PROGMEM") {
        r = skip_blanks(hay, r + 7, 4);
    }
    if hay.get(r) != Some(&b'=') || hay.get(r + 1) == Some(&b'=') {
        return 0;
    }
    r = skip_blanks(hay, r + 1, 4);
    if hay.get(r) == Some(&b'"') || hay.get(r) == Some(&b'{') && byte_list(hay, r).is_some() {
        end - p
    } else {
        0
    }
}

fn typed_declaration(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let lim = (p + 48).min(hay.len());
    let mut i = p;
    while i < lim {
        match hay[i] {
            b'=' => {
                if matches!(hay.get(i + 1), Some(b'=' | b'>'))
                    || matches!(hay[i - 1], b'!' | b'<' | b'>' | b'=')
                {
                    return None;
                }
                let q = skip_blanks(hay, i + 1, 8);
                if let Some(v) = wrapper_literal(hay, q) {
                    return Some(Assignment::new(s..e, v, true));
                }
                // A literal, with a string prefix allowed (Rust `b"..."`, C# `@"..."`).
                let (v, quoted) = parse_value(hay, q)?;
                if !quoted {
                    return None;
                }
                return Some(Assignment::new(s..e, v, quoted));
            }
            b'\n' | b';' | b'(' | b'{' | b'"' | b'\'' => return None,
            _ => i += 1,
        }
    }
    None
}

/// A bare value that reads as a type name (`&str`, `String`, `Option<String>`, `u32`).
/// Values that name something rather than hold a secret, seen as noise in dependency trees:
/// a PascalCase name (`"result_key": "PublicIpv4Pools"`), a TypeScript union
/// (`Key: Buffer|Uint8Array|Blob|string`), a format template (`"{email}/{date}/goog4_request"`),
/// a terminal colour code (`"\x1B[0;32m"`), and punctuation test vectors that are mostly
/// percent escapes (`%20!%22$%&'()*+,-.%3A`).
fn reads_as_code_or_name(v: &[u8]) -> bool {
    // Three or more PascalCase words: letters and digits only, starting upper case, every
    // word two lower-case letters or more with digits only at its end (`Ipv4`), or a short
    // acronym (`HTTPServer`, `S3`); random tokens change case every two characters.
    if v[0].is_ascii_uppercase() && v.iter().all(u8::is_ascii_alphanumeric) {
        let mut words = 0;
        let mut start = 0;
        let all_words = (1..=v.len()).all(|i| {
            // A word ends before an upper-case letter that follows a non-upper-case one.
            let boundary =
                i == v.len() || v[i].is_ascii_uppercase() && !v[i - 1].is_ascii_uppercase();
            if !boundary {
                return true;
            }
            let w = &v[start..i];
            start = i;
            words += 1;
            let digits = w.iter().rev().take_while(|b| b.is_ascii_digit()).count();
            let letters = &w[..w.len() - digits];
            let upper = letters
                .iter()
                .take_while(|b| b.is_ascii_uppercase())
                .count();
            let lower = &letters[upper..];
            lower.iter().all(u8::is_ascii_lowercase)
                && (lower.len() >= 2 || lower.is_empty() && upper <= 5)
        });
        let lower = v.iter().filter(|b| b.is_ascii_lowercase()).count();
        // Words have vowels; letters drawn at random (`OpftvZKlkxkYlwJMhtvB`) have few.
        let vowels = v.iter().filter(|b| b"aeiouy".contains(b)).count();
        let drawn = drawn_letters(v) && vowels * 5 < lower;
        if all_words && words >= 3 && lower * 10 >= v.len() * 6 && !drawn {
            return true;
        }
    }
    let ident = |p: &[u8]| {
        !p.is_empty()
            && p[0].is_ascii_alphabetic()
            && p.iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
    };
    if v.contains(&b'|') && v.split(|b| *b == b'|').all(ident) {
        return true;
    }
    // `{name}` placeholders of a format string.
    let mut rest = v;
    while let Some(o) = memchr::memchr(b'{', rest) {
        let Some(c) = memchr::memchr(b'}', &rest[o..]) else {
            break;
        };
        // `{nn7Y}` inside a generated secret is no placeholder name.
        let inner = &rest[o + 1..o + c];
        if c > 1
            && ident(inner)
            && !(inner.iter().any(u8::is_ascii_digit) && inner.iter().any(u8::is_ascii_uppercase))
        {
            return true;
        }
        rest = &rest[o + c..];
    }
    let lv = v.to_ascii_lowercase();
    if lv.starts_with(b"\\x1b[") || lv.starts_with(b"\\033[") || lv.starts_with(b"\\e[") {
        return true;
    }
    // A qualified name of words (`ec2:ResourceTag/elasticbeanstalk:environment-name`, an IAM
    // condition key): a `:` and a `/`, and every part a word (PascalCase allowed, digits only
    // at its end).
    if v.contains(&b':') && v.contains(&b'/') {
        let word = |p: &[u8]| {
            let body = p
                .iter()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(&p[..0], |k| &p[..=k]);
            !body.is_empty()
                && body[0].is_ascii_alphabetic()
                && body
                    .windows(2)
                    .all(|w| !(w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase()))
                && body.iter().all(u8::is_ascii_alphabetic)
                && body.iter().filter(|b| b.is_ascii_lowercase()).count()
                    >= 2 * body.iter().filter(|b| b.is_ascii_uppercase()).count()
        };
        if v.split(|b| !b.is_ascii_alphanumeric())
            .all(|p| p.is_empty() || word(p))
        {
            return true;
        }
    }
    crate::filters::punctuation_only(v)
}

fn looks_like_type(v: &[u8]) -> bool {
    // `*string`, `&'static str`, `*sql.DB`; not a random secret that starts with `*`
    // (`SECRET_KEY=*BEOd...=DAo!7R...`).
    v.first().is_some_and(|b| *b == b'&' || *b == b'*')
        && v[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_'<>[]:., &*()".contains(b))
        || matches!(
            v,
            b"str"
                | b"string"
                | b"String"
                | b"bool"
                | b"int"
                | b"u32"
                | b"u64"
                | b"usize"
                | b"i32"
                | b"i64"
                | b"Option"
                | b"Vec"
                | b"SecretString"
                | b"Secret"
                | b"number"
                | b"any"
        )
}

/// Whether the quote `form` closes a string between `from` and the line's end (or `lim`): an
/// occurrence not followed by a letter or digit.
fn closes_later(hay: &[u8], from: usize, lim: usize, form: &[u8]) -> bool {
    let eol = line_end(hay, from).min(lim);
    let mut at = from;
    while let Some(k) = memchr::memmem::find(&hay[at..eol], form) {
        let j = at + k;
        if !hay
            .get(j + form.len())
            .is_some_and(u8::is_ascii_alphanumeric)
        {
            return true;
        }
        at = j + form.len();
    }
    false
}

/// Parses a value at `p`: a quoted string (any quote form of [`quote_at`], with Python/C#
/// prefixes; doubled quotes and shell `'\''` inside are escapes) or a bare word. Returns the
/// value (without quotes) and whether it was quoted.
///
/// Spring Security's `{noop}` says the password after it is stored as plain text
/// (`spring.security.user.password={noop}x`): the value is what follows, where `{bcrypt}` and
/// the other encoder ids keep a hash that the stored-hash filter judges.
pub(super) fn parse_value(hay: &[u8], p: usize) -> Option<(Range<usize>, bool)> {
    const NOOP: &[u8] = b"{noop}";
    if hay[p.min(hay.len())..].starts_with(NOOP) {
        return parse_value_at(hay, p + NOOP.len());
    }
    let (mut v, quoted) = parse_value_at(hay, p)?;
    if hay[v.clone()].starts_with(NOOP) && v.len() > NOOP.len() {
        v.start += NOOP.len();
    }
    Some((v, quoted))
}

fn parse_value_at(hay: &[u8], mut p: usize) -> Option<(Range<usize>, bool)> {
    let c = *hay.get(p)?;
    // String prefixes: b"", r"", u"", f"", rb"", @"", $"", L"", and T-SQL's N'' (Unicode).
    if matches!(
        c,
        b'b' | b'r' | b'u' | b'f' | b'B' | b'R' | b'U' | b'F' | b'@' | b'$' | b'L' | b'N'
    ) {
        let mut k = p + 1;
        if matches!(hay.get(k), Some(b'b' | b'r' | b'B' | b'R')) {
            k += 1;
        }
        if matches!(hay.get(k), Some(b'"' | b'\'')) {
            if matches!(c, b'f' | b'F' | b'$') {
                // Interpolated strings are references unless they hold no braces.
                let end = (k + MAX_VALUE).min(hay.len());
                let line = &hay[k..end];
                let stop = memchr::memchr(b'\n', line).unwrap_or(line.len());
                if memchr::memchr(b'{', &line[..stop]).is_some() {
                    return None;
                }
            }
            p = k;
        }
    }
    // An Erlang or Elixir binary, `<<"x">>`: the string inside.
    if hay[p..].starts_with(b"<<\"")
        && let Some((v, true)) = parse_value(hay, p + 2)
        && hay[v.end..].starts_with(b"\">>")
    {
        return Some((v, true));
    }
    // Perl's `q{...}` (and `q(...)`, `q[...]`): a single-quoted string.
    if hay[p..].starts_with(b"q{") || hay[p..].starts_with(b"q(") || hay[p..].starts_with(b"q[") {
        let close = match hay[p + 1] {
            b'{' => b'}',
            b'(' => b')',
            _ => b']',
        };
        let start = p + 2;
        let eol = line_end(hay, start).min(start + MAX_VALUE);
        let e = start + memchr::memchr(close, &hay[start..eol])?;
        return (e > start).then_some((start..e, true));
    }
    if let Some(q) = quote_at(hay, p) {
        let form = &hay[p..p + q];
        let qc = form[form.len() - 1];
        if q == 1 && hay[p + q..].starts_with(&[qc, qc]) {
            // `"""` / `'''`: a docstring, unless it closes on its own line, as Grafana's ini
            // quotes a password holding `#` or `;` (`password = """Db#Harbor2025#1"""`).
            let start = p + 3;
            let eol = line_end(hay, start).min(start + MAX_VALUE);
            let close = memchr::memmem::find(&hay[start..eol], &[qc, qc, qc])?;
            return (close > 0).then_some((start..start + close, true));
        }
        let start = p + q;
        let lim = (start + MAX_VALUE).min(hay.len());
        let mut i = start;
        while i < lim {
            let b = hay[i];
            if b == b'\n' {
                return (q == 1 && matches!(qc, b'"' | b'\''))
                    .then(|| unclosed_quote(hay, start, i, qc))
                    .flatten()
                    .map(|v| (v, true));
            }
            if q == 1 && b == b'\\' {
                i += 2;
                continue;
            }
            // One-byte quotes skip their escapes in pairs above, so the byte before a quote
            // here may be the second half of `\\` (`"C:\\dir\\"`) and the quote closes.
            if hay[i..].starts_with(form) && (q == 1 || i == start || hay[i - 1] != b'\\') {
                if i == start {
                    return None;
                }
                // A quote written into the secret and escaped as the string escapes its own
                // quotes (`\"Ca\"rrier60*\"` in a JSON string, `""Quill_Ro""tor646""` in a CSV
                // cell, `&quot;K&quot;estrel88.&quot;`): a quote with a letter or digit right
                // after it, and the string closing later on the line, is inside the value.
                // Inside `'\''...'\''` any character but a blank or `;` goes on (`'\''Ro'\''.x'\''`).
                let next = hay.get(i + q);
                let inner = next.is_some_and(u8::is_ascii_alphanumeric)
                    || form == b"'\\''" && inner_word_goes_on(next);
                if q > 1 && inner && closes_later(hay, i + q, lim, form) {
                    i += q;
                    continue;
                }
                if q == 1 && (qc == b'\'' || qc == b'"') {
                    // `''` / `""` inside (YAML, SQL, CSV, C# verbatim) and shell `'\''`.
                    if hay.get(i + 1) == Some(&qc) {
                        i += 2;
                        continue;
                    }
                    if qc == b'\'' && hay[i + 1..].starts_with(b"\\''") {
                        i += 4;
                        continue;
                    }
                }
                return Some((start..i, true));
            }
            i += 1;
        }
        return None;
    }
    if let Some(v) = inline_element(hay, p) {
        return Some((v, true));
    }
    // ODBC quotes a value holding `;` in braces, doubling a `}` inside: `PWD={x;y}`.
    if c == b'{' && p > 0 && hay[p - 1] == b'=' && hay.get(p + 1) != Some(&b'{') {
        let lim = (p + 1 + MAX_VALUE).min(line_end(hay, p));
        let mut i = p + 1;
        while i < lim {
            if hay[i] == b'}' {
                if hay.get(i + 1) == Some(&b'}') {
                    i += 2;
                    continue;
                }
                let ends = hay
                    .get(i + 1)
                    .is_none_or(|b| matches!(b, b';' | b'"' | b'\'' | b' ' | b'\r' | b'\n'));
                // Maven and Jenkins write their ciphertexts in braces too (`{base64}`), padded or
                // as long as an IV and a block make them; a password quoted in braces
                // (`Pwd={aB5gKs3nI3X8wgRY8oBXBBFq}`) is neither.
                let inner = &hay[p + 1..i];
                let envelope = i - p > 24
                    && (inner.ends_with(b"=") || inner.len() >= 32)
                    && crate::filters::is_ciphertext_envelope(&hay[p..=i]);
                return (ends && i > p + 1 && !envelope).then_some((p + 1..i, true));
            }
            i += 1;
        }
        return None;
    }
    // Bare value: up to blanks, quotes, brackets, separators or a backslash; an HTML/XML
    // entity (`&amp;`, `&#39;`) is one character of it, its `;` no separator.
    let lim = (p + MAX_VALUE).min(hay.len());
    let mut i = p;
    while i < lim {
        if hay[i] == b'&'
            && let Some(n) = entity_len(&hay[i..lim])
        {
            // A quote's entity ends a bare value as the quote would (`&quot;X-Api-Key: v&quot;`),
            // unless the value goes on right after it (`Gyj&#x27;l&quot;UISq`, a quote inside).
            if quote_at(hay, i).is_some()
                && !(i > p && hay.get(i + n).is_some_and(u8::is_ascii_alphanumeric))
            {
                break;
            }
            i += n;
            continue;
        }
        // A Java properties file writes non-ASCII characters as `\u00fc`: one character.
        if hay[i] == b'\\'
            && hay.get(i + 1) == Some(&b'u')
            && hay.len() >= i + 6
            && hay[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
        {
            i += 6;
            continue;
        }
        // ... and escapes its separators (`pa\:ss\=word`).
        if hay[i] == b'\\' && matches!(hay.get(i + 1), Some(b':' | b'=' | b'#' | b'!')) {
            i += 2;
            continue;
        }
        // A quote escaped inside the value, a letter or digit after it (`Pump-Win\"ch_385` in a
        // JSON string's text, `abc\"def` in a shell word).
        if hay[i] == b'\\'
            && i > p
            && hay.get(i + 1) == Some(&b'"')
            && hay.get(i + 2).is_some_and(u8::is_ascii_alphanumeric)
        {
            i += 2;
            continue;
        }
        // ... and so is a backslash (`y1\\rNZa` in a JSON string is `y1\rNZa`).
        if hay[i..].starts_with(b"\\\\")
            && i > p
            && hay.get(i + 2).is_some_and(u8::is_ascii_alphanumeric)
        {
            i += 2;
            continue;
        }
        // Inside a shell's single-quoted word (`echo 'PASS=it'\''s'`, `'-pit'\''s'`), `'\''`
        // closes the quote, writes a quote and reopens: the value goes on.
        if hay[i..].starts_with(b"'\\''")
            && i > p
            && hay.get(i + 4).is_some_and(|b| !b" \t\r\n'".contains(b))
            && memchr::memchr(b'\'', &hay[line_start(hay, p)..p]).is_some()
        {
            i += 4;
            continue;
        }
        // ... and inside a YAML or PowerShell single-quoted scalar (`- 'TOKEN=Coupl''er.88'`),
        // `''` writes a quote.
        if hay[i..].starts_with(b"''")
            && i > p
            && hay.get(i + 2).is_some_and(|b| !b" \t\r\n'".contains(b))
            && memchr::memchr(b'\'', &hay[line_start(hay, p)..p]).is_some()
        {
            i += 2;
            continue;
        }
        match hay[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'`' | b'<' | b'>' | b';' | b','
            | b')' | b'}' | b']' | b'\\' => break,
            _ => i += 1,
        }
    }
    if i == p || (i == lim && lim < hay.len()) {
        return None;
    }
    Some((p..i, false))
}

/// `password: "gBQUa6XkYNjg.G5R13` with the closing quote lost (a hand edit, a truncated
/// paste): a value that is one word to the line's end (`eol`), when the next line does not
/// close the string (a YAML or shell string may span lines): it holds no such quote, or it
/// starts an entry of its own (`  githubUserToken: "...`).
fn unclosed_quote(hay: &[u8], start: usize, eol: usize, qc: u8) -> Option<Range<usize>> {
    let mut e = eol;
    while e > start && matches!(hay[e - 1], b'\r' | b' ' | b'\t') {
        e -= 1;
    }
    let v = &hay[start..e];
    let next = &hay[eol + 1..line_end(hay, eol + 1)];
    (v.len() >= 8
        && !v
            .iter()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`'))
        && (!next.contains(&qc) || starts_entry(next)))
    .then_some(start..e)
}

/// Whether a line starts a key's entry: indentation, an optional list dash, a name (quoted or
/// not) and `:` or `=`.
fn starts_entry(line: &[u8]) -> bool {
    let mut t = line.trim_ascii_start();
    if let Some(r) = t.strip_prefix(b"- ") {
        t = r.trim_ascii_start();
    }
    let q = usize::from(matches!(t.first(), Some(b'"' | b'\'')));
    let n = t[q..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    let mut r = &t[q + n..];
    if q == 1 {
        r = r.strip_prefix(&t[..1]).unwrap_or(b"");
    }
    n > 0 && matches!(r.trim_ascii_start().first(), Some(b':' | b'='))
}

/// Whether `value` holds the name's head word `head`, other than inside an English word that
/// happens to contain it (`DB_PASS = 'acorn-compass-fjord-80'`, `api_key = "Monkey-Tide-84"`).
fn holds_head(value: &[u8], head: &[u8]) -> bool {
    const HOSTS: &[&[u8]] = &[
        b"compass",
        b"passage",
        b"passenger",
        b"passion",
        b"monkey",
        b"turkey",
        b"donkey",
        b"whiskey",
        b"jockey",
        b"hockey",
        b"keystone",
        b"author",
    ];
    let lower = value.to_ascii_lowercase();
    // The host word whole: `author` does not excuse `authorization`.
    memchr::memmem::find_iter(&lower, head).any(|at| {
        !HOSTS.iter().any(|w| {
            memchr::memmem::find(w, head).is_some_and(|k| {
                at >= k
                    && lower[at - k..].starts_with(w)
                    && lower
                        .get(at - k + w.len())
                        .is_none_or(|b| !b.is_ascii_alphabetic())
            })
        })
    })
}

/// A value as people choose one for a password, under a name that does not say password
/// (`AUTH_TOKEN=Kettleember7005!`, `credentialSecret: "kiwi1968?"`): a password's composition
/// and lower-case letters (dates and times, `2024-11-06T22:47:58`, have the composition too),
/// and either both cases in twelve or more characters or, shorter, a word and a number
/// followed by a symbol (`tundra1985-`), or a symbol no version or identifier holds.
fn chosen_password(v: &[u8], quoted: bool) -> bool {
    // All lower case, letters and digits (and one separator), so no composition rule admits it.
    if word_number_word(v) || words_number(v) {
        return true;
    }
    // Brackets and backslashes are a pattern's or a type's (`[^\W\d]\w*`, `Map<K, V>`).
    if v.len() < 8
        || !password_composition(v)
        || !v.iter().any(u8::is_ascii_lowercase)
        || v.iter().any(|b| b"[](){}<>".contains(b))
        || v.windows(2)
            .any(|w| w[0] == b'\\' && matches!(w[1], b'w' | b'd' | b's' | b'b'))
    {
        return false;
    }
    // Bare, an identifier is letters and digits (`OAuth2Client`) or snake case.
    let symbol = v.iter().any(|b| !b.is_ascii_alphanumeric() && *b != b'_');
    if v.len() >= 12
        && v.iter().any(u8::is_ascii_uppercase)
        && (quoted || symbol || inner_number(v))
    {
        return true;
    }
    let letters = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    // `Dwell_2005_`: one separator may stand between the word and the number.
    let sep = usize::from(digits_after_sep(v, letters));
    let digits = v[letters + sep..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let word_number_symbol = letters >= 3
        && digits >= 2
        && v.len() - letters - sep - digits == 1
        && v.last().is_some_and(|b| b.is_ascii_punctuation());
    word_number_symbol
        || v.iter().any(|b| b"!@#$%^&*?~+=".contains(b))
        || capitalised_words_number(v)
        || pascal_words_number(v)
        || digit_joined_words(v)
}

/// Whether `v[at]` is a separator (`_`, `-`, `.`) with a digit after it.
fn digits_after_sep(v: &[u8], at: usize) -> bool {
    matches!(v.get(at), Some(b'_' | b'-' | b'.')) && v.get(at + 1).is_some_and(u8::is_ascii_digit)
}

/// Two to four spelled lower-case words, then a number of two to four digits, joined by one
/// separator or by `-` and `_` mixed (`pump_anemometer_887`, `river-granite-635`,
/// `hadron-halo_68`), or glued to the last word (`thistle-sidings-eastgate68`, three words
/// or more then, and no bit width: `ubuntu-jammy-arm64`): the passphrase people make for a
/// token or a secret. No word marks a placeholder ([`PASSPHRASE_MARKS`]: `test`, `key`,
/// `secret`), prose or an identifier (`foo_bar_123`).
fn words_number(v: &[u8]) -> bool {
    if v.len() < 10 || v.len() > 64 {
        return false;
    }
    let Some(&sep) = v.iter().find(|b| matches!(b, b'-' | b'_' | b'.')) else {
        return false;
    };
    let dash_underscore = |b: &u8| matches!(b, b'-' | b'_');
    let parts: Vec<&[u8]> = if dash_underscore(&sep) && !v.contains(&b'.') {
        v.split(dash_underscore).collect()
    } else {
        v.split(|b| *b == sep).collect()
    };
    let Some((&last, rest)) = parts.split_last() else {
        return false;
    };
    let digits = last.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let (glued, number) = last.split_at(last.len() - digits);
    let mut words = rest.to_vec();
    if !glued.is_empty() {
        words.push(glued);
        // `ubuntu-jammy-arm64`, `rsa-oaep-sha256`: a bit width glued to a name.
        if words.len() < 3 || BIT_WIDTHS.contains(&number) {
            return false;
        }
    }
    (2..=4).contains(&words.len())
        && (2..=4).contains(&number.len())
        && words.iter().all(|w| {
            (3..=12).contains(&w.len())
                && w.iter().all(u8::is_ascii_lowercase)
                && w.iter().any(|b| b"aeiouy".contains(b))
                && !PASSPHRASE_MARKS.contains(w)
                && !PROSE_WORDS.contains(w)
                && !IDENTIFIER_WORDS.contains(w)
        })
}

/// Words of identifiers and fixtures (`foo_bar_123`, `user_cart_2024`, `mobile_app_01`), which
/// a passphrase of dictionary words joined to a number does not hold.
const IDENTIFIER_WORDS: &[&[u8]] = &[
    b"foo", b"bar", b"baz", b"qux", b"hello", b"world", b"user", b"users", b"data", b"app", b"web",
    b"client", b"service", b"prod", b"dev", b"stage", b"staging", b"local", b"demo", b"last",
    b"sync", b"cart", b"mobile", b"item", b"order", b"cache", b"temp", b"tmp",
];

/// Letters, a number of three to six digits, and a lower-case word to the end
/// (`ZEPH71114cactus`, `PEPP52776river`), as people put a number in a password; type names
/// go on with a capital (`NFCISO15693CustomCommand`) and carry bit widths
/// (`Sha256digest`), which are left out.
fn inner_number(v: &[u8]) -> bool {
    let letters = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = v[letters..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let number = &v[letters..letters + digits];
    let word = &v[letters + digits..];
    // Standards and code pages (`RFC3339timestamp`, `ISO8601format`, `UTF16string`).
    const STANDARDS: &[&[u8]] = &[b"rfc", b"iso", b"ieee", b"ecma", b"ansi", b"utf", b"cp"];
    let lower = v[..letters].to_ascii_lowercase();
    letters >= 3
        && (3..=6).contains(&digits)
        && word.len() >= 3
        && word.iter().all(u8::is_ascii_lowercase)
        && !BIT_WIDTHS.contains(&number)
        && !STANDARDS.iter().any(|p| lower.ends_with(p))
}

/// Bit widths and key sizes, which identifiers carry between words (`uint64value`,
/// `Sha256digest`) where a password has a number of its own.
const BIT_WIDTHS: &[&[u8]] = &[
    b"16", b"32", b"64", b"128", b"256", b"384", b"512", b"1024", b"2048", b"4096",
];

/// Two spelled lower-case words around a number of two to four digits (`kerning369pepper`,
/// `lobster737lagoon`): a chosen password. Identifiers of this shape carry a bit width or an
/// encoding's base (`base64encode`, `uint64value`, `float32array`), which are left out.
fn word_number_word(v: &[u8]) -> bool {
    let first = v.iter().take_while(|b| b.is_ascii_lowercase()).count();
    let digits = v[first..].iter().take_while(|b| b.is_ascii_digit()).count();
    let second = &v[first + digits..];
    let spelled = |w: &[u8]| {
        (4..=12).contains(&w.len())
            && w.iter().all(u8::is_ascii_lowercase)
            && w.iter().any(|b| b"aeiou".contains(b))
    };
    let number = &v[first..first + digits];
    // Encodings, runtimes and image tags (`ascii85encode`, `python311slim`, `node18alpine`).
    const NAMES: &[&[u8]] = &[
        b"base",
        b"ascii",
        b"latin",
        b"python",
        b"node",
        b"ruby",
        b"golang",
        b"java",
        b"openjdk",
        b"php",
        b"perl",
        b"debian",
        b"ubuntu",
        b"alpine",
        b"centos",
        b"fedora",
        b"rhel",
        b"windows",
        b"slim",
        b"buster",
        b"bullseye",
        b"bookworm",
        b"jammy",
        b"focal",
        b"encode",
        b"decode",
        b"check",
        b"array",
        b"value",
        b"float",
        b"uint",
        b"int",
    ];
    (2..=4).contains(&digits)
        && spelled(&v[..first])
        && spelled(second)
        && !BIT_WIDTHS.contains(&number)
        && !NAMES.contains(&&v[..first])
        && !NAMES.iter().any(|n| second.starts_with(n))
}

/// Capitalised words run together and a number of two to four digits (`RadonCondor768`), or
/// one word of four letters or more and four digits (`Piston2016`). Type names do not end in a
/// number so long, constants are upper case.
fn pascal_words_number(v: &[u8]) -> bool {
    let digits = v.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let letters = &v[..v.len() - digits];
    if !(2..=4).contains(&digits) || letters.len() < 4 || !letters[0].is_ascii_uppercase() {
        return false;
    }
    let mut words = 0;
    let mut run = 0;
    for (i, b) in letters.iter().enumerate() {
        if b.is_ascii_uppercase() {
            if i > 0 && run < 3 {
                return false;
            }
            words += 1;
            run = 1;
        } else if b.is_ascii_lowercase() {
            run += 1;
        } else {
            return false;
        }
    }
    // One word takes a four-digit number (`Piston2016`); `Postgres14`, `Redis7` are versions.
    run >= 3 && (words >= 2 || digits == 4)
}

/// Capitalised words joined by `_`, `-` or `.` and a number of two or more digits at the end
/// (`Nimbus_Lima19`, `Saturn_Carrier368`): what people type to satisfy a password policy.
/// After a capitalised first word the others may be lower case (`Sparrow.heron6118`,
/// `Deice_tug2012`), as a person capitalises only the start. Constants are upper case and
/// identifiers lower or camel case; neither ends so.
fn capitalised_words_number(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|b| b"_-.".contains(b)).collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    let word = |w: &[u8]| {
        w.len() >= 3 && w[0].is_ascii_uppercase() && w[1..].iter().all(u8::is_ascii_lowercase)
    };
    let later = |w: &[u8]| {
        word(w)
            || w.len() >= 3
                && w.iter().all(u8::is_ascii_lowercase)
                && w.iter().any(|b| b"aeiouy".contains(b))
    };
    let digits = last.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    // The number may stand apart (`Canyon.Raven_959`) after two words.
    !words.is_empty()
        && word(words[0])
        && words[1..].iter().all(|w| later(w))
        && digits >= 2
        && (later(&last[..last.len() - digits]) || digits == last.len() && words.len() >= 2)
}

/// A password that starts with a word said twice (`Monsoon-Monsoon-743`, `Rhubarbrhubarb77$`),
/// with the repeat (and a separator before it) left out: `Monsoon-743`.
pub(crate) fn said_once(v: &[u8]) -> Option<Vec<u8>> {
    let word = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    (4..=word.min(v.len() / 2)).rev().find_map(|n| {
        let sep = usize::from(matches!(v.get(n), Some(b'-' | b'_' | b'.')));
        let again = v.get(n + sep..n + sep + n)?;
        again.eq_ignore_ascii_case(&v[..n]).then(|| {
            let mut once = v[..n].to_vec();
            once.extend_from_slice(&v[n + sep + n..]);
            once
        })
    })
}

/// Decoded text that is a whole `login:password` pair and nothing else (`svc_alpha:Rosemary72*`):
/// a login of name characters (an e-mail or `DOMAIN\user` too) and a password as people or
/// generators make them. Prose and data with a colon (`note: see below`, `12:30:00`) fail it.
pub(super) fn login_pair(text: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', text) else {
        return false;
    };
    let (user, pw) = (&text[..colon], &text[colon + 1..]);
    (2..=64).contains(&user.len())
        && user[0].is_ascii_alphanumeric()
        && user
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._@\\-".contains(b))
        && user.iter().any(u8::is_ascii_alphabetic)
        && pw.len() <= 128
        && pw.iter().all(u8::is_ascii_graphic)
        && !pw.starts_with(b"//")
        && !crate::filters::is_stored_hash(pw)
        && (chosen_password(pw, false) || strong_password(pw) || generated_code(pw))
}

/// `and app key 8bd65a26...`, `token 40d0d3a3...` in a message: a key's or token's noun, then
/// a word of key characters with nothing between. Only a provider rule's value shape may make it
/// a credential ([`Assignment::shaped`]).
fn bare_key(hay: &[u8], s: usize, e: usize, p: usize) -> Option<Assignment> {
    let name = hay[s..e].to_ascii_lowercase();
    if !matches!(name.as_slice(), b"key" | b"token" | b"secret")
        || !(s == line_start(hay, s) || matches!(hay[s - 1], b' ' | b'\t' | b'`' | b'*'))
    {
        return None;
    }
    let mut q = p;
    if hay.get(q) == Some(&b'`') {
        q += 1;
    }
    let (mut v, quoted) = parse_value(hay, q)?;
    if quoted {
        return None;
    }
    while v.end > v.start && matches!(hay[v.end - 1], b'.' | b',' | b')' | b'`') {
        v.end -= 1;
    }
    let val = &hay[v.clone()];
    if val.len() < 16
        || !val
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_+/=.".contains(b))
        || !val.iter().any(u8::is_ascii_digit)
    {
        return None;
    }
    // The words before the head say whose key it is (`Fastly purge token x`).
    let mut a = Assignment::new(qualified_start(hay, s)..e, v, false);
    a.shaped = true;
    Some(a)
}

/// The literal of a Jinja expression that only base64-decodes it: `{{ 'x' | b64decode }}`.
fn jinja_b64decode(hay: &[u8], v: Range<usize>) -> Option<Range<usize>> {
    let body = hay[v.clone()].strip_prefix(b"{{")?.strip_suffix(b"}}")?;
    let at = v.start + 2 + (body.len() - trim_start(body).len());
    let (lit, true) = parse_value(hay, at)? else {
        return None;
    };
    let rest = hay.get(value_end(hay, &lit, true)..v.end - 2)?;
    let rest: Vec<u8> = rest.iter().copied().filter(|b| *b != b' ').collect();
    (rest == b"|b64decode").then_some(lit)
}

/// A key drawn from letters, digits and many symbols (Django's generator,
/// `*BEOdGIDgVq7x_NSN=DAo!7RoQ2...`): 24 or more characters with three kinds of symbols,
/// where code starting with a sigil (`*ptr`, `&x`, `$var`) has at most one.
fn generated_symbols(v: &[u8]) -> bool {
    let kinds = b"!@#$%^&*+=~?".iter().filter(|s| v.contains(s)).count();
    v.len() >= 24
        && kinds >= 3
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
}

/// A random value holding one or two blanks, as a generator that draws from every printable
/// character writes them (`FfW1I QNvOE-Sv8rGT7ZiU_VrAT6b2-ocaQmbKj3Ed4M`, percent-decoded from a
/// form body): 16 or more characters, pieces of four or more, both cases and digits, no URL,
/// and the kind of character (lower, upper, digit, symbol) changing at every other character or
/// more often, where prose (`Invalid OAuth2 token`) changes at word edges only.
fn spaced_random(v: &[u8]) -> bool {
    let blanks = v.iter().filter(|b| **b == b' ').count();
    (16..=128).contains(&v.len())
        && (1..=2).contains(&blanks)
        && v.split(|b| *b == b' ')
            .all(|p| p.len() >= 4 && p.iter().all(u8::is_ascii_graphic))
        && three_kinds(v)
        && kind_switches(v) * 2 >= v.len()
        && memchr::memmem::find(v, b"://").is_none()
}

/// Whether `v` holds lower-case and upper-case letters and digits.
fn three_kinds(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_lowercase)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_digit)
}

/// How often the kind of character (lower, upper, digit, other) changes along `v`.
fn kind_switches(v: &[u8]) -> usize {
    let kind = |b: u8| match b {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    v.windows(2).filter(|w| kind(w[0]) != kind(w[1])).count()
}

/// A key drawn from every printable character, brackets and quotes too (WordPress's
/// `AUTH_KEY` and `LOGGED_IN_SALT`, `x.)[gr>U}a:P2%qB@FyL...`): 40 or more characters, a fifth
/// of them symbols of six kinds or more, and no character class (`a-z`, `\d`) that would make
/// it a pattern.
fn printable_key(v: &[u8]) -> bool {
    // Every quoted value passes here: the length test first, then one pass over the symbols.
    if !(40..=128).contains(&v.len()) {
        return false;
    }
    let mut kinds = [false; 128];
    let mut symbols = 0;
    for &b in v.iter().filter(|b| b.is_ascii_punctuation()) {
        kinds[usize::from(b)] = true;
        symbols += 1;
    }
    symbols * 5 >= v.len()
        && kinds.iter().filter(|k| **k).count() >= 6
        && v.iter().all(u8::is_ascii_graphic)
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && ![&b"a-z"[..], b"A-Z", b"0-9", b"\\d", b"\\w", b"\\s", b"\\."]
            .iter()
            .any(|c| memchr::memmem::find(v, c).is_some())
}

/// A COBOL data item's literal, at its picture clause `p`: `01 WS-DB-PASSWORD PIC X(8)
/// VALUE 'NCX4536M'.` (`PICTURE`, `VALUE IS` and double quotes too).
fn cobol_value(hay: &[u8], p: usize) -> Option<Range<usize>> {
    let line = &hay[p..line_end(hay, p)];
    let word = |w: &[u8], kw: &[u8]| w.eq_ignore_ascii_case(kw);
    let mut parts = line
        .split(|b| *b == b' ')
        .filter(|w| !w.is_empty())
        .peekable();
    if !parts
        .next()
        .is_some_and(|w| word(w, b"PIC") || word(w, b"PICTURE"))
    {
        return None;
    }
    // The picture string itself (`X(8)`), then `VALUE`.
    parts.next()?;
    if !parts.next().is_some_and(|w| word(w, b"VALUE")) {
        return None;
    }
    let rest = memchr::memmem::find(&line.to_ascii_uppercase(), b" VALUE ")? + 7;
    let mut at = p + rest;
    at = skip_blanks(hay, at, 8);
    if hay.get(at..at + 3).is_some_and(|w| word(w, b"IS ")) {
        at = skip_blanks(hay, at + 3, 8);
    }
    match parse_value(hay, at)? {
        (v, true) => Some(v),
        _ => None,
    }
}

/// The length of a `.reg` export's hex value at the start of `line`: `hex:` or `hex(N):` and
/// comma-separated bytes, eight at least.
fn reg_hex_len(line: &[u8]) -> Option<usize> {
    let body = if line.starts_with(b"hex:") {
        4
    } else if line.len() > 7 && line.starts_with(b"hex(") && &line[5..7] == b"):" {
        7
    } else {
        return None;
    };
    let mut n = body;
    let mut bytes = 0;
    while line.len() >= n + 2 && line[n..n + 2].iter().all(u8::is_ascii_hexdigit) {
        bytes += 1;
        n += 2;
        if line.get(n) != Some(&b',') || !line.get(n + 1).is_some_and(u8::is_ascii_hexdigit) {
            break;
        }
        n += 1;
    }
    (bytes >= 8).then_some(n)
}

/// A bare value written as hex bytes that spell text: a SQL dump's `0x677E3067...` (MySQL
/// writes binary columns so) or a `.reg` export's `hex:4f,61,...` (UTF-16 for `hex(1):`
/// strings). The value is judged and reported as that text.
fn hex_literal(hay: &[u8], a: &mut Assignment) {
    let v = &hay[a.value.clone()];
    let mut digits: Vec<u8> = if let Some(n) = reg_hex_len(v) {
        let at = if v[3] == b':' { 4 } else { 7 };
        v[at..n].iter().copied().filter(|b| *b != b',').collect()
    } else if v.len() >= 18
        && v.len() % 2 == 0
        && (v.starts_with(b"0x") || v.starts_with(b"0X"))
        && v[2..].iter().all(u8::is_ascii_hexdigit)
    {
        v[2..].to_vec()
    } else {
        return;
    };
    // `hex(1):` strings are UTF-16 and end in a zero character: keep the low bytes.
    while digits.ends_with(b"0000") {
        digits.truncate(digits.len() - 4);
    }
    if digits.len() >= 32 && digits.len() % 4 == 0 && digits.chunks(4).all(|c| &c[2..] == b"00") {
        digits = digits.chunks(4).flat_map(|c| [c[0], c[1]]).collect();
    }
    let mut out = Vec::new();
    if !super::encoded::decode_run(super::decode::Encoding::Hex, &digits, &mut out) {
        return;
    }
    a.decoded = Some((out, super::decode::Encoding::Hex));
}

/// The quoted value `v` with each doubled quote of the kind that opened it (`''` in `'...'`,
/// `""` in `"..."`) made one; `None` when it holds none, or when `v` is not between two quotes
/// of one kind (a CSV cell's quotes are not a string literal's, so its value is not `quoted`).
fn undouble_quotes(hay: &[u8], v: &Range<usize>) -> Option<Vec<u8>> {
    let qc = *hay.get(v.start.checked_sub(1)?)?;
    if hay.get(v.end) != Some(&qc) {
        return None;
    }
    let text = &hay[v.clone()];
    // A shell's `'\''` is an escape of its own (see `unescape_literal`).
    if !matches!(qc, b'\'' | b'"')
        || memchr::memmem::find(text, &[qc, qc]).is_none()
        || memchr::memmem::find(text, b"'\\''").is_some()
    {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        out.push(text[i]);
        i += if text[i] == qc && text.get(i + 1) == Some(&qc) {
            2
        } else {
            1
        };
    }
    Some(out)
}

/// The text of a value written with escapes: in a string literal `\\`, `\"`, `\'`, `\$`,
/// `\/`, `\xHH` and `\uHHHH` (C-family languages, JavaScript, Go, JSON) and PowerShell's
/// backtick escapes (`` `$ ``); in a bare value the escapes of a Java properties file (`\:`,
/// `\=`, `\#`, `\!`, `\\`). None when there is no escape, when one is unknown (a regular
/// expression's `\d`), or when the text would hold a control character (`\t`, `\n`), which
/// no typed secret holds.
fn unescape_literal(v: &[u8], quoted: bool) -> Option<Vec<u8>> {
    memchr::memchr3(b'\\', b'`', b'&', v)?;
    let hex = |d: &[u8]| -> Option<u32> {
        d.iter().try_fold(0u32, |n, &b| {
            super::encoded::hex_val(b).map(|x| n * 16 + u32::from(x))
        })
    };
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        let next = v.get(i + 1).copied();
        match (b, next) {
            // A shell's `'it'\''s'`: the quote closed, an escaped quote, the quote reopened.
            (b'\'', Some(b'\\')) if v[i..].starts_with(b"'\\''") => {
                out.push(b'\'');
                i += 4;
            }
            (b'\\', Some(c @ (b'\\' | b'"' | b'\'' | b'$' | b'/' | b'`'))) if quoted => {
                out.push(c);
                i += 2;
            }
            (b'\\', Some(b'x')) if quoted => {
                let n = hex(v.get(i + 2..i + 4)?)?;
                out.push(u8::try_from(n).ok()?);
                i += 4;
            }
            (b'\\', Some(b'u')) if quoted => {
                let c = char::from_u32(hex(v.get(i + 2..i + 6)?)?)?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i += 6;
            }
            (b'`', Some(c @ (b'$' | b'"' | b'`'))) if quoted => {
                out.push(c);
                i += 2;
            }
            (b'\\', Some(c @ (b':' | b'=' | b'#' | b'!' | b'\\'))) if !quoted => {
                out.push(c);
                i += 2;
            }
            (b'\\', _) => return None,
            // HTML and XML write `&`, `<`, `>` and quotes as entities (`Tr&amp;Fm4&lt;9&gt;`);
            // HTML inside XML escapes them twice (`&amp;quot;` in an RSS description).
            (b'&', _) if let Some(n) = entity_len(&v[i..]) => {
                let body = &v[i + 1..i + n - 1];
                let mut c = entity_char(body)?;
                let mut used = n;
                if body == b"amp" {
                    let mut inner = vec![b'&'];
                    inner.extend_from_slice(&v[i + n..(i + n + 8).min(v.len())]);
                    if let Some(m) = entity_len(&inner) {
                        c = entity_char(&inner[1..m - 1])?;
                        used += m - 1;
                    }
                }
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i += used;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // A backslash left over means more than one level of quoting (a Python literal inside a
    // notebook's JSON string): which level the secret lives at is not known, so it stays as
    // written, where the escaped-text pass finds it unescaped once.
    (out.len() < v.len() && out.iter().all(|b| *b >= 0x20 && *b != 0x7f && *b != b'\\'))
        .then_some(out)
}

/// Inline HTML elements that set a value apart in prose, the way quotes do: a wiki's
/// `password: <code>x</code>`, a chat message's `<strong>x</strong>`.
const INLINE_TAGS: &[&[u8]] = &[
    b"code", b"tt", b"kbd", b"samp", b"strong", b"b", b"em", b"i", b"mark", b"pre",
];

/// The text of an inline element at `p` (`<code>x</code>`, or entity-escaped
/// `&lt;tt&gt;x&lt;/tt&gt;` in a ticket's HTML field): one word, no blanks, closed by the same
/// tag.
fn inline_element(hay: &[u8], p: usize) -> Option<Range<usize>> {
    let (lt, gt): (&[u8], &[u8]) = match hay.get(p)? {
        b'<' => (b"<", b">"),
        b'&' if hay[p..].starts_with(b"&lt;") => (b"&lt;", b"&gt;"),
        _ => return None,
    };
    let t = p + lt.len();
    let tag = INLINE_TAGS.iter().find(|tag| {
        hay.get(t..t + tag.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(tag))
            && hay[t + tag.len()..].starts_with(gt)
    })?;
    let start = t + tag.len() + gt.len();
    let lim = (start + MAX_VALUE).min(hay.len());
    let mut close = start;
    while close < lim && !hay[close..].starts_with(lt) {
        if matches!(hay[close], b' ' | b'\t' | b'\r' | b'\n') {
            return None;
        }
        close += 1;
    }
    let c = close + lt.len();
    let closed = hay[close..].starts_with(lt)
        && hay.get(c) == Some(&b'/')
        && hay
            .get(c + 1..c + 1 + tag.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(tag))
        && hay[c + 1 + tag.len()..].starts_with(gt);
    (closed && close > start).then_some(start..close)
}

/// The character an entity's body (`amp`, `#39`, `#x27`) stands for.
fn entity_char(body: &[u8]) -> Option<char> {
    match body {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x' | b'X', h @ ..] => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?)
        }
        [b'#', d @ ..] => char::from_u32(std::str::from_utf8(d).ok()?.parse().ok()?),
        _ => None,
    }
}

/// The length of an HTML/XML character entity at the start of `s` (`&amp;`, `&lt;`, `&#39;`,
/// `&#x27;`).
fn entity_len(s: &[u8]) -> Option<usize> {
    let semi = memchr::memchr(b';', &s[..s.len().min(8)])?;
    let body = &s[1..semi];
    let ok = match body {
        b"amp" | b"lt" | b"gt" | b"quot" | b"apos" => true,
        [b'#', b'x' | b'X', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
        [b'#', dec @ ..] => !dec.is_empty() && dec.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    ok.then_some(semi + 1)
}

/// A placeholder with a default: `${NAME:default}` (Spring), `${NAME:-default}`,
/// `${NAME:=default}`, `${NAME-default}`, `${NAME=default}` (shell, compose). Returns the
/// variable's name and the default, when the default is a literal (not empty, not another
/// reference); `${NAME}`, `${NAME:?error}` and `${NAME:+alternate}` have none.
fn placeholder_default(hay: &[u8], dollar: usize) -> Option<(Range<usize>, Range<usize>)> {
    if !hay[dollar..].starts_with(b"${") {
        return None;
    }
    let ns = dollar + 2;
    let lim = (ns + MAX_IDENT).min(hay.len());
    let name_end = |with: &[u8]| {
        let mut i = ns;
        while i < lim
            && (hay[i].is_ascii_alphanumeric() || hay[i] == b'_' || with.contains(&hay[i]))
        {
            i += 1;
        }
        i
    };
    // Spring names may hold `.` and `-` (`${my-app.db-password:x}`); a shell name may not, so
    // `${DB_PASS-x}` is a default after `DB_PASS`.
    let mut ne = name_end(b".-");
    let ds = match hay.get(ne) {
        Some(b':') => match hay.get(ne + 1) {
            Some(b'-' | b'=') => ne + 2,
            Some(b'?' | b'+') => return None,
            _ => ne + 1,
        },
        _ => {
            ne = name_end(b"");
            match hay.get(ne) {
                Some(b'-' | b'=') => ne + 1,
                _ => return None,
            }
        }
    };
    if ne == ns {
        return None;
    }
    let dl = (ds + MAX_VALUE).min(hay.len());
    let close = ds + memchr::memchr(b'}', &hay[ds..dl])?;
    let mut d = ds..close;
    if hay[d.clone()]
        .iter()
        .any(|b| matches!(b, b'$' | b'{' | b'\n' | b'`' | b'%'))
    {
        return None;
    }
    // Shell `${DB_PASS:-"x"}`.
    if d.len() >= 2 && matches!(hay[d.start], b'"' | b'\'') && hay[d.end - 1] == hay[d.start] {
        d = d.start + 1..d.end - 1;
    }
    if d.is_empty() {
        return None;
    }
    Some((ns..ne, d))
}

/// The placeholder whose variable name holds the hit (`${DB_PASSWORD:-x}`,
/// `@Value("${api.token:x}")`), as an assignment of its default to the variable.
fn placeholder_at(hay: &[u8], hit: Range<usize>) -> Option<Assignment> {
    let floor = hit.start.saturating_sub(MAX_IDENT);
    let mut s = hit.start;
    while s > floor
        && (hay[s - 1].is_ascii_alphanumeric() || matches!(hay[s - 1], b'_' | b'.' | b'-'))
    {
        s -= 1;
    }
    if s < 2 || &hay[s - 2..s] != b"${" {
        return None;
    }
    let (name, d) = placeholder_default(hay, s - 2)?;
    if name.end < hit.end {
        return None;
    }
    Some(Assignment::new(name, d, false))
}

/// Whether `v` is, as a whole, a reference to a value kept elsewhere: `$VAR`, `${X}`, `$(cmd)`,
/// `%VAR%`, `%(x)s`, `{{ x }}`, `<x>`, `((x))`, `#{x}`.
pub(super) fn is_reference(v: &[u8]) -> bool {
    let ident = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
    };
    match v {
        [b'$', b'{' | b'(', ..] => true,
        [b'$', rest @ ..] => ident(rest),
        [b'%', rest @ .., b'%'] => ident(rest),
        [b'<', .., b'>'] => true,
        [b'(', b'(', .., b')', b')'] => true,
        _ => false,
    }
}

/// `Authorization: Bearer $T` or `value: Bearer x`, an unquoted value cut at the space after
/// the scheme: the value is the token after it (a variable is resolved to its literal in
/// `finish`).
fn scheme_variable(hay: &[u8], name: Range<usize>, v: &Range<usize>) -> Option<Assignment> {
    if !auth_scheme(&hay[v.clone()]) || hay.get(v.end) != Some(&b' ') {
        return None;
    }
    let start = v.end + 1;
    let len = if hay.get(start) == Some(&b'$') {
        1 + hay[start + 1..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'{' | b'}')))
            .unwrap_or(hay.len() - start - 1)
    } else {
        // A literal token must end its line (YAML `value: Bearer x`) or the string that holds
        // the whole header (`curl -H 'Authorization: App x' https://...`).
        let len = hay[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`'))
            .unwrap_or(hay.len() - start);
        let closes_header = name.start > 0
            && matches!(hay[name.start - 1], b'"' | b'\'')
            && hay.get(start + len) == Some(&hay[name.start - 1]);
        if len == 0 || !(closes_header || rest_of_line_empty(hay, start + len)) {
            return None;
        }
        len
    };
    let mut a = Assignment::new(name, start..start + len, false);
    a.scheme = true;
    Some(a)
}

/// How far back a script's variable definition is looked for.
const VARIABLE_BACK: usize = 16 * 1024;

/// The literal a shell or PowerShell variable was given, for a credential slot that names the
/// variable (`$T`, `${T}`, `$K`): the last `T=...` (`export`, `local`, `readonly` allowed) or
/// `$T = "..."` line before the slot. Scripts give a token a short name (`T`, `K`, `TOKEN2`)
/// and use it in a header; the name says nothing, the slot says what it is. Only a literal is
/// taken: a definition that reads another variable or runs a command is no secret in the text.
fn resolve_variable(hay: &[u8], value: Range<usize>) -> Option<(Range<usize>, bool)> {
    let v = &hay[value.clone()];
    let name = match v {
        [b'$', b'{', rest @ .., b'}'] => rest,
        [b'$', rest @ ..] => rest,
        _ => return None,
    };
    if name.is_empty()
        || name[0].is_ascii_digit()
        || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return None;
    }
    let floor = value.start.saturating_sub(VARIABLE_BACK);
    let mut end = line_start(hay, value.start);
    while end > floor {
        let start = line_start(hay, end - 1);
        let line = &hay[start..end - 1];
        end = start;
        let mut rest = trim_start(line);
        for kw in [
            &b"export "[..],
            b"local ",
            b"readonly ",
            b"declare -x ",
            b"declare ",
        ] {
            if let Some(r) = rest.strip_prefix(kw) {
                rest = trim_start(r);
            }
        }
        // PowerShell: `$T = "..."`; shell: `T=...` with no space.
        let powershell = rest.first() == Some(&b'$');
        let body = if powershell { &rest[1..] } else { rest };
        let Some(after) = body.strip_prefix(name) else {
            continue;
        };
        let after = if powershell { trim_start(after) } else { after };
        let Some(after) = after.strip_prefix(b"=") else {
            continue;
        };
        let after = if powershell { trim_start(after) } else { after };
        let at = start + (line.len() - after.len());
        return match after.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let close = memchr::memchr(q, &after[1..])?;
                let lit = &after[1..1 + close];
                (!lit.is_empty() && !lit.contains(&b'$') && !lit.contains(&b'`'))
                    .then_some((at + 1..at + 1 + close, true))
            }
            Some(_) => {
                let len = after
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|'))
                    .unwrap_or(after.len());
                let lit = &after[..len];
                (!lit.is_empty() && !lit.contains(&b'$') && !lit.contains(&b'`'))
                    .then_some((at..at + len, false))
            }
            None => None,
        };
    }
    None
}

/// Runs of backslashes followed by a name character: the segment separators of a Windows or
/// registry path.
fn path_separators(v: &[u8]) -> usize {
    v.windows(2)
        .filter(|w| w[0] == b'\\' && (w[1].is_ascii_alphanumeric() || w[1] == b'_'))
        .count()
}

/// A base64 value (a Kubernetes Secret's `data:`, a CI variable) is judged by what it holds: a
/// path, a reference or a placeholder (`L3Zhci9zZWNyZXRz...` is `/var/secrets/...`) stays one
/// when encoded. Values decoding to several lines (a whole `.env`) are left to the decoders
/// that rescan them, and values decoding to binary are random keys.
fn encodes_no_secret(v: &[u8]) -> bool {
    if v.len() < 12
        || v.len() % 4 != 0
        || !v
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return false;
    }
    let mut d = Vec::new();
    if !super::decode::decode(super::decode::Encoding::Base64, v, &mut d)
        || d.len() < 6
        || !d.iter().all(|b| (0x21..0x7f).contains(b))
    {
        return false;
    }
    // An htpasswd line (`admin:$apr1$...`, a Kubernetes secret's `.htpasswd`) holds a hash.
    !value_plausible(&d, true)
        || crate::filters::is_placeholder(&d)
        || crate::filters::is_stored_hash(&d)
}

/// An RSA ciphertext in base64: exactly 256, 384 or 512 bytes of binary (a 2048-, 3072- or
/// 4096-bit modulus), as Travis CI's `secure:` values and other public-key sealed settings are
/// committed on purpose. No credential is that long and that exact.
fn rsa_ciphertext(v: &[u8]) -> bool {
    if !matches!(v.len(), 344 | 512 | 684) {
        return false;
    }
    use base64::Engine as _;
    let body = v
        .strip_suffix(b"==")
        .or_else(|| v.strip_suffix(b"="))
        .unwrap_or(v);
    let mut d = Vec::new();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode_vec(body, &mut d)
        .is_ok()
        && matches!(d.len(), 256 | 384 | 512)
        && d.iter().filter(|b| !(0x20..0x7f).contains(*b)).count() > d.len() / 4
}

/// Cheap checks every value must pass, whatever rule reports it: not a reference, an
/// expression, a URL, a path, an e-mail address, a ciphertext or a word.
fn value_plausible(v: &[u8], quoted: bool) -> bool {
    if v.len() < 6 || v.len() > MAX_VALUE {
        return false;
    }
    if app_password(v) || spaced_passphrase(v) || quoted && (printable_key(v) || spaced_random(v)) {
        return true;
    }
    if v.iter().any(|b| b.is_ascii_whitespace() || *b < 0x20) || is_reference(v) {
        return false;
    }
    // Bare values starting with a sigil are code (`&x`, `*p`, `!x`, `(a, b)`, `[1]`, `@attr`);
    // YAML tags (`!Ref x`, `!!binary`, `!vault |`) start with `!` and a tag name. A `!` followed
    // by a digit or a symbol is neither: a plain value (`password: !+0Qjd++&cW`).
    if !quoted && b"$%{#<!&*([@".contains(&v[0]) && !bang_plain_value(v) && !generated_symbols(v) {
        return false;
    }
    if !quoted && minified_code(v) {
        return false;
    }
    if crate::filters::templated(v) || memchr::memmem::find(v, b"://").is_some() {
        return false;
    }
    let lv = v.to_ascii_lowercase();
    for pre in [
        &b"env:"[..],
        b"env.",
        b"vault:",
        b"secret:",
        b"ref:",
        b"ref+",
        b"arn:",
        b"op:",
        b"file:",
        b"process.env",
        b"os.environ",
        b"os.getenv",
        b"system.getenv",
        b"settings.",
        b"config.",
        b"self.",
        b"this.",
        b"args.",
        b"params.",
        b"request.",
        b"req.",
        // Ciphertexts: SOPS, jasypt, Spring Cloud Config, Ansible Vault, Windows DPAPI.
        b"enc[",
        b"enc(",
        b"{cipher}",
        b"$ansible_vault",
        b"aqaaancmnd8bfderjhoawe/cl+sbaaaa",
        // The same DPAPI blob in hex, as a Remote Desktop file's `password 51:b:` holds it.
        b"01000000d08c9ddf0115d1118c7a00c04fc297eb",
        b"51:b:01000000d08c9ddf0115d1118c7a00c04fc297eb",
    ] {
        if lv.starts_with(pre) {
            return false;
        }
    }
    if reads_as_code_or_name(v) {
        return false;
    }
    // `{PinVerificationKeyIndex=1,...}` (an AWS CLI shorthand, its braces kept or already taken
    // off by the parser): settings' names and values, not one value.
    let fields = v.strip_prefix(b"{").unwrap_or(v);
    if let Some(eq) = memchr::memchr(b'=', fields)
        && eq >= 8
        && reads_as_code_or_name(&fields[..eq])
    {
        return false;
    }
    // Paths, and secret-store names such as `prod/orders/db-x1Y2z3`.
    if v.starts_with(b"./")
        || v.starts_with(b"../")
        || v.starts_with(b"~/")
        || v.get(1..3) == Some(b":\\")
    {
        return false;
    }
    let segments: Vec<&[u8]> = v.split(|b| *b == b'/').collect();
    // Padded base64 (`w/s8/SMk0...=`) may start like a path; no path ends in `=`.
    let padded_base64 = v.len() % 4 == 0
        && v.last() == Some(&b'=')
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b));
    if segments.len() >= 3 && !padded_base64 {
        let wordy_seg = |s: &&[u8]| {
            !s.is_empty()
                && s.iter().any(u8::is_ascii_lowercase)
                && s.iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(b))
        };
        let inner = &segments[..segments.len() - 1];
        let start = usize::from(segments[0].is_empty());
        if inner.len() > start && inner[start..].iter().all(wordy_seg) {
            return false;
        }
    }
    // Windows and registry paths (`SOFTWARE\Microsoft\...`, JSON `C:\\Users\\x`), and object
    // keys that end in a file name (`uploads/2024/report.txt.gz`). A separator is a run of
    // backslashes before a name character; `\$` and a lone JSON-escaped `\\` in a password are not,
    // nor are backslashes between characters no file name holds (`\\Comet+rhubarb\\31`).
    if path_separators(v) >= 2
        && !v.iter().any(|b| b"+!#*@^~=".contains(b))
        && !v
            .windows(2)
            .any(|w| w[0] == b'\\' && matches!(w[1], b'"' | b'\'' | b'n' | b'u'))
    {
        return false;
    }
    if let Some(slash) = memchr::memrchr(b'/', v) {
        let last = &v[slash + 1..];
        if let Some(dot) = memchr::memrchr(b'.', last)
            && (1..=5).contains(&(last.len() - dot - 1))
            && last[dot + 1..].iter().all(u8::is_ascii_lowercase)
        {
            return false;
        }
    }
    if let Some(dot) = memchr::memrchr(b'.', v) {
        let ext = &lv[dot + 1..];
        if [
            &b"pem"[..],
            b"key",
            b"json",
            b"p12",
            b"pfx",
            b"crt",
            b"cer",
            b"jks",
            b"txt",
            b"yml",
            b"yaml",
            b"env",
            b"der",
            b"gpg",
            b"asc",
            b"keystore",
            b"ppk",
            b"pub",
            b"html",
            b"js",
            b"py",
            b"rs",
            b"go",
            b"md",
            b"xml",
            b"properties",
            b"conf",
            b"cfg",
            b"ini",
            b"toml",
            b"sh",
        ]
        .contains(&ext)
            && v[..dot]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"_-./".contains(b))
        {
            return false;
        }
    }
    // E-mail addresses, whose domain ends in a name (`M@rbl3.539` is a password) and starts
    // with a label (`SN@.jNkLBNc` is a password too), its top level in one case (`.Com` too).
    // Its local part is what mail systems hand out: letters, digits and `._%+-'`
    // (`ELf1*Do5N+j@El57n.Zpf` is a password), after a `mailto:`.
    let mail = v.strip_prefix(b"mailto:").unwrap_or(v);
    let off = v.len() - mail.len();
    if let Some(at) = memchr::memchr(b'@', mail).map(|a| a + off)
        && at > off
        && v[off..at]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-'".contains(b))
        && memchr::memchr(b'.', &v[at..]).is_some()
        && v.get(at + 1).is_some_and(u8::is_ascii_alphanumeric)
        && v[at + 1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-')
        && (v.rsplit(|b| *b == b'.').next().is_some_and(|tld| {
            tld.len() >= 2
                && tld.iter().all(u8::is_ascii_alphabetic)
                && (tld[1..].iter().all(u8::is_ascii_lowercase)
                    || tld.iter().all(u8::is_ascii_uppercase))
        })
            // `root@10.0.0.12`: a login at an address.
            || v[at + 1..].iter().filter(|b| **b == b'.').count() == 3
                && v[at + 1..].iter().all(|b| b.is_ascii_digit() || *b == b'.'))
    {
        return false;
    }
    // A property name, quoted or not (`"persist.sys.language\0"`, `"spring.datasource.url"`):
    // three or more lower-case words joined by dots.
    let name = v.strip_suffix(b"\\0").unwrap_or(v);
    if name.split(|b| *b == b'.').count() >= 3
        && name
            .split(|b| *b == b'.')
            .all(|seg| seg.len() >= 2 && seg.iter().all(|b| b.is_ascii_lowercase() || *b == b'_'))
    {
        return false;
    }
    if !quoted {
        // Expressions and identifiers in code: calls, indexing, member paths, constants. A
        // generated key drawn from symbols as well (Django's `...^!9vk@5by+r(3n`) has three
        // or more kinds of them, where code has brackets and a dot or an operator.
        let symbols = b"!@#$%^&*+=~?";
        let symbol_kinds = symbols.iter().filter(|s| v.contains(s)).count();
        if (v.iter().any(|b| b"()[]{}".contains(b)) && symbol_kinds < 3)
            || [&b"::"[..], b"->", b"||", b"&&", b"?."]
                .iter()
                .any(|op| memchr::memmem::find(v, op).is_some())
        {
            return false;
        }
        let ident_chars = v
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.');
        if ident_chars
            && v.contains(&b'.')
            && v.split(|b| *b == b'.').all(|seg| {
                seg.first()
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            })
            && !dotted_secret(v)
        {
            return false;
        }
        if ident_chars && v.contains(&b'_') && v.iter().all(|b| !b.is_ascii_lowercase()) {
            return false;
        }
    }
    true
}

/// An app password as shown to its user: four groups of four lower-case letters separated by
/// single spaces (Google, `bhjd pwnl iyyf kyiv`) or dashes (Apple, `knci-rhrw-kdjs-gpkd`).
/// Random letters, so some group has three consonants in a row, which prose of four-letter
/// words (`must have more than`) lacks.
fn app_password(v: &[u8]) -> bool {
    wordpress_app_password(v) || four_by_four(v)
}

/// A WordPress application password as shown to its user: six groups of four random letters
/// and digits separated by single spaces (`O6d2 ekhi cam7 waQA 1Mlj tDGU`). Random, so it mixes
/// digits and both cases, which six words of prose do not.
fn wordpress_app_password(v: &[u8]) -> bool {
    v.len() == 29
        && v.chunks(5)
            .all(|g| g[..4].iter().all(u8::is_ascii_alphanumeric) && (g.len() == 4 || g[4] == b' '))
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
}

fn four_by_four(v: &[u8]) -> bool {
    // Four groups of four lower-case letters, separated by blanks (Google) or dashes (Apple
    // app-specific passwords).
    let sep = v.get(4).copied().unwrap_or(b' ');
    if v.len() != 19
        || !matches!(sep, b' ' | b'-')
        || !v
            .chunks(5)
            .all(|g| g[..4].iter().all(u8::is_ascii_lowercase) && (g.len() == 4 || g[4] == sep))
    {
        return false;
    }
    let consonant = |b: &u8| !b"aeiouy".contains(b);
    v.chunks(5)
        .any(|g| g[..4].windows(3).any(|w| w.iter().all(consonant)))
}

/// A bare value that starts with `!` but is neither a YAML tag nor a negation: `!` then a
/// digit or one of `+@#%^=~`, long enough to be a password; or `!` then a password's mix of
/// upper and lower case, digits and a symbol no expression has (`!mX_rz%dVn3%Mvq3`), where
/// a negated expression (`!user.isActive2`) has only names and `._()`.
fn bang_plain_value(v: &[u8]) -> bool {
    if v.len() < 8 || v[0] != b'!' {
        return false;
    }
    let rest = &v[1..];
    ((rest[0].is_ascii_digit() || b"+@#%^=~".contains(&rest[0])) && !rest.starts_with(b"=="))
        || (char_classes(rest) == 4
            && rest.iter().any(|b| b"%@#^~+=$*".contains(b))
            && !rest.iter().any(|b| b"()[]{}<>!&|\"'".contains(b)))
}

/// A bare word made of dictionary-like camel/snake words (`Opaque2dBinKey`,
/// `MI_UserCredentials_0`), as identifiers are; random tokens split into many 1-2 letter pieces.
fn reads_as_identifier(v: &[u8]) -> bool {
    if !v
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        || !v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return false;
    }
    wordy(v)
}

/// True when at least 75% of the letters of `v` are in alphabetic pieces of 3+ letters (after
/// splitting at case changes, digits and punctuation).
/// Whether text decoded from a literal with no name (`echo ... | base64 -d`) reads as a
/// credential: a `login:password` pair, or one random-looking word. Decoded names, versions and
/// hosts (`Ubuntu-22.04-amd64`, `node-01.prod.internal`) are made of words.
pub(super) fn decoded_credential(v: &[u8]) -> bool {
    login_pair(v)
        || v.len() >= 12
            && !v.iter().any(u8::is_ascii_whitespace)
            && crate::filters::shannon_entropy(v) >= 3.8
            && !wordy(v)
}

/// Whether the name starting at `s` is the `token` parameter of an SVG image's URL
/// (`codecov.io/.../graph/badge.svg?token=3KA3R2D9fV`): a badge's token only shows the badge,
/// and its owner publishes it in the README.
fn badge_query(hay: &[u8], s: usize) -> bool {
    if s == 0
        || !matches!(hay[s - 1], b'?' | b'&')
        || !hay[s..]
            .get(..6)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"token="))
    {
        return false;
    }
    let url = &hay[s.saturating_sub(512)..s - 1];
    let start = url
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || b"(\"'<".contains(b))
        .map_or(0, |i| i + 1);
    let url = &url[start..];
    let path = url.split(|b| *b == b'?').next().unwrap_or(url);
    path.len() > 4 && path[path.len() - 4..].eq_ignore_ascii_case(b".svg")
}

/// [`wordy`] for a value that may be long: more pieces than a name holds
/// (`7c1e0a9b4d2f...`, letters and digits alternating) are drawn at random, not words.
fn made_of_words(v: &[u8]) -> bool {
    Words::default().split(v) && wordy(v)
}

fn wordy(v: &[u8]) -> bool {
    let mut words = Words::default();
    if !words.split(v) {
        return true;
    }
    let (mut letters, mut in_words) = (0usize, 0usize);
    for i in 0..words.len() {
        let w = words.get(i);
        if w.iter().all(u8::is_ascii_alphabetic) {
            letters += w.len();
            if w.len() >= 3 {
                in_words += w.len();
            }
        }
    }
    letters > 0 && in_words * 4 >= letters * 3
}

/// Whether the line holding a bare value is code: the value is followed by `,`, `;`, `)` or `}`,
/// or the line starts with a declaration keyword.
fn code_line(hay: &[u8], name_start: usize, value_end: usize) -> bool {
    let q = skip_blanks(hay, value_end, 16);
    if matches!(
        hay.get(q),
        Some(b',' | b';' | b')' | b'}' | b'>' | b'{' | b'<')
    ) {
        return true;
    }
    let ls = line_start(hay, name_start);
    let line = trim_start(&hay[ls..name_start]);
    // A key-value string inside a literal (`var cs = "host=db password=x";`) is data, whatever
    // declares the literal.
    if memchr::memchr_iter(b'"', line).count() % 2 == 1 {
        return false;
    }
    [
        &b"pub "[..],
        b"pub(",
        b"let ",
        b"var ",
        b"val ",
        b"const ",
        b"private ",
        b"public ",
        b"protected ",
        b"static ",
        b"readonly ",
        b"fn ",
        b"func ",
        b"def ",
    ]
    .iter()
    .any(|k| line.starts_with(k))
}

/// Words in a value that make it a name or a description rather than a secret (`"X-Amz-
/// Security-Token"`, `"my-secret-key"`), or an AWS credential scope.
fn names_itself(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    // A token whose prefix is the word (Lambda Cloud's `secret_<name>_<32 hex>`): the random
    // run after it says it is a credential, not a setting's name.
    if (lower.starts_with(b"secret_") || lower.starts_with(b"token_"))
        && lower
            .split(|b| !b.is_ascii_hexdigit())
            .any(|run| run.len() >= 32)
    {
        return false;
    }
    [
        &b"password"[..],
        b"passwd",
        b"secret",
        b"token",
        b"credential",
        b"apikey",
        b"api_key",
        b"api-key",
        b"aws4_request",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&lower, w).is_some())
}

/// Generic rules need a value that looks made to be secret: at least 8 characters, and a digit
/// (random tokens of 12+ characters almost always have one) or three character classes.
fn credential_like(v: &[u8]) -> bool {
    if v.len() < 8 || v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if app_password(v) {
        return true;
    }
    let digit = v.iter().any(u8::is_ascii_digit);
    let lower = v.iter().any(u8::is_ascii_lowercase);
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let other = v.iter().any(|b| !b.is_ascii_alphanumeric());
    digit || (lower && upper && other && (!wordy(v) || base64_letters(v))) || random_letters(v)
}

/// Standard base64 with no digit that holds `+` or `/` (`SbzniZAZFBwsyVkPgwejYngoem/sG+ep`):
/// random, though its case changes split it into what read as words.
fn base64_letters(v: &[u8]) -> bool {
    v.len() >= 20
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        && v.iter().any(|b| b"+/".contains(b))
        && crate::filters::shannon_entropy(v) >= 4.0
}

/// Whether the name's last meaningful words (`end`) name a password, however written:
/// `password`, `passwd`, `pass`, `pwd`, `passphrase` and `pass_phrase` (OCI's config),
/// `psk` and `pre-shared-key` (MikroTik, strongSwan).
fn password_name(words: &Words, end: usize) -> bool {
    if end == 0 {
        return false;
    }
    let word = |k: usize| if k < end { words.get(end - 1 - k) } else { b"" };
    let head = word(0);
    super::words::password_word(head)
        || head == b"psk"
        || head == b"phrase" && word(1) == b"pass"
        || head == b"key" && (word(1) == b"preshared" || word(1) == b"shared" && word(2) == b"pre")
        // A Windows WLAN profile's `<keyMaterial>` (and `netsh ... keyMaterial=`): the Wi-Fi
        // passphrase.
        || head == b"material" && word(1) == b"key"
}

/// Names under which people keep a passphrase of words besides a password's: a secret's
/// (`COOKIE_SECRET`, a session middleware's `secret`) and a key's named for what it encrypts or
/// unlocks (`BACKUP_KEY`, `WIFI_KEY`). Other keys hold words as labels (`LABEL_KEY`).
fn phrase_name(words: &Words, end: usize) -> bool {
    if password_name(words, end) {
        return true;
    }
    let head = if end > 0 { words.get(end - 1) } else { b"" };
    head == b"secret"
        || head == b"key"
            && end >= 2
            && matches!(
                words.get(end - 2),
                b"secret"
                    | b"backup"
                    | b"encryption"
                    | b"master"
                    | b"wifi"
                    | b"wpa"
                    | b"wireless"
                    | b"vault"
                    | b"archive"
                    | b"restic"
                    | b"borg"
            )
}

/// A passphrase of four or more words, as [`passphrase`] or [`spaced_passphrase`] judge them,
/// lower-case but for the first letter: under a name that is not a password's, fewer words or
/// capitalised words read as ids and labels (`my-app-session`, `Order Summary Title Text`).
fn phrase_of_words(v: &[u8]) -> bool {
    if v.len() < 16 || v[1..].iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let count = |seps: &[u8]| v.split(|b| seps.contains(b)).count();
    spaced_passphrase(v) && count(b" ") >= 4
        || !v.contains(&b'_') && passphrase(v) && count(b"-.") >= 4
}

/// A password of words as people make them meet a policy (`Beacon_RVQJCg^`, `Gecko.rdlRRB+`):
/// upper and lower case and a symbol that no identifier, path or member name holds. Only under
/// a password's name, where its words would otherwise make it read as a name.
fn symbol_password(v: &[u8], quoted: bool) -> bool {
    v.len() >= 8
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && v.iter().enumerate().any(|(i, b)| {
            b"!#%^&*+=?~@".contains(b)
                // `Quince$sEYlig` in a properties file, where nothing expands `$`; never a
                // `${template}` or a leading `$VAR`, nor in a string literal, where Kotlin,
                // Groovy and PHP expand `"Welcome$suffix"`.
                || *b == b'$'
                    && !quoted
                    && i > 0
                    && !matches!(v.get(i + 1), Some(b'{' | b'(' | b'$'))
        })
        && password_composition(v)
}

/// A bare value that minified JavaScript writes: a chained assignment's next target
/// (`e.HEX=e.URL_CHAR=...`, `didScheduleRenderPhaseUpdate=!0`) or a bundler's renamed variable
/// (`propValue$204`).
fn minified_code(v: &[u8]) -> bool {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$');
    if let Some(eq) = memchr::memchr(b'=', v) {
        let target = &v[..eq];
        let member = target.len() >= 3
            && target
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && target.iter().all(|b| ident(b) || *b == b'.')
            && target.contains(&b'.')
            && !target.ends_with(b".");
        let camel = target.len() >= 10
            && target.first().is_some_and(u8::is_ascii_lowercase)
            && target.iter().all(u8::is_ascii_alphabetic)
            && target.iter().any(u8::is_ascii_uppercase);
        let rest = &v[eq + 1..];
        if (member || camel)
            && rest
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'!' | b'_' | b'$'))
        {
            return true;
        }
    }
    if let Some(d) = memchr::memrchr(b'$', v) {
        let (name, num) = (&v[..d], &v[d + 1..]);
        // A camelCase name (`Spruc3$207` is a password).
        return name.len() >= 4
            && name.first().is_some_and(u8::is_ascii_lowercase)
            && name.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_')
            && name.iter().any(u8::is_ascii_uppercase)
            && !num.is_empty()
            && num.iter().all(u8::is_ascii_digit);
    }
    false
}

/// Dotted words, then a number and a trailing `_` (`lantern.Falcon15_`), as people close a
/// password with a symbol: no member path ends in digits and an underscore.
fn words_number_underscore(v: &[u8]) -> bool {
    let Some(v) = v.strip_suffix(b"_") else {
        return false;
    };
    let digits = v.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let words = &v[..v.len() - digits];
    (2..=4).contains(&digits)
        && words.contains(&b'.')
        && words.iter().any(u8::is_ascii_uppercase)
        && words.iter().any(u8::is_ascii_lowercase)
        && words.split(|b| *b == b'.').all(|w| {
            (3..=12).contains(&w.len())
                && w.iter().all(u8::is_ascii_alphabetic)
                && w.iter().any(|b| b"aeiouyAEIOUY".contains(b))
        })
}

/// A dotted bare value that is a secret, not a member path: a random segment, random text
/// across the segments (`rtc7XVCJ6J.G77jrMvj.oInElirz6o4`: digits, both cases, not made of
/// words), or a passphrase of words ending in digits (`cypress.quarry.tussock36`, and of two
/// capitalised words, `Birch.Salmon92`, as people write them, or closed by `_`,
/// [`words_number_underscore`]).
fn dotted_secret(v: &[u8]) -> bool {
    let segments = v.split(|b| *b == b'.').count();
    v.split(|b| *b == b'.')
        .any(|seg| random_segment(seg) || random_lower_segment(seg) || random_case_segment(seg))
        || (v.iter().filter(|b| b.is_ascii_digit()).count() >= 2
            && v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
            && !wordy(v))
        || (segments >= 3
            && v.last().is_some_and(u8::is_ascii_digit)
            && v.iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.')
            && passphrase(v))
        || (segments >= 2
            && v.last().is_some_and(u8::is_ascii_digit)
            && v.split(|b| *b == b'.')
                .all(|seg| seg.first().is_some_and(u8::is_ascii_uppercase))
            && passphrase(v))
        || (v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
            && v.split(|b| *b == b'.').any(digits_inside_words))
        || words_number_underscore(v)
        || v.split(|b| *b == b'.').next().is_some_and(code_number_word)
            // A type's member after it (`HS256Algorithm.Instance`, `ES384Signer.Create`).
            && !v.split(|b| *b == b'.').skip(1).any(|m| {
                [
                    &b"Instance"[..], b"Create", b"Default", b"Value", b"Empty", b"Parse", b"New",
                    b"Builder", b"Shared", b"Current", b"None", b"Block", b"Type", b"Util",
                    b"Class", b"Name", b"Init", b"Load",
                ]
                .contains(&m)
            })
}

/// A first segment made of a short capital code, three or more digits and a capitalised word
/// (`BIR558Onyx.Gran`, `CAM296Mango.Cond`): an asset tag or a site code turned into a
/// password. Type names of this shape mostly start with an algorithm's or a standard's name
/// (`SHA256Managed`, `ISO8601Date`, `HS256Algorithm`), which [`dotted_secret`] leaves to be
/// member paths, as it does a known member after the code (`.Instance`, `.Create`).
fn code_number_word(seg: &[u8]) -> bool {
    const STANDARDS: &[&[u8]] = &[
        b"SHA", b"AES", b"RSA", b"ISO", b"RFC", b"UTF", b"DES", b"HMAC", b"CRC", b"MD", b"ECDSA",
        b"ECC", b"UCS", b"WIN", b"INT", b"UINT", b"FP", b"IEEE", b"ANSI", b"EAN", b"HTTP", b"HS",
        b"RS", b"ES", b"PS", b"GCM", b"CBC", b"CTR", b"EC", b"ED",
    ];
    let caps = seg.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = seg[caps..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let rest = &seg[caps + digits..];
    let lower = rest
        .iter()
        .skip(1)
        .take_while(|b| b.is_ascii_lowercase())
        .count();
    (2..=5).contains(&caps)
        && digits >= 3
        && rest.first().is_some_and(u8::is_ascii_uppercase)
        && lower >= 2
        && !STANDARDS.contains(&&seg[..caps])
}

/// A segment with four or more digits between letters (`Orbit7366nimbus`): a password made of
/// a word, a number and a word. Names keep their digits at the end or in short runs
/// (`http2client`, `sha256sum`, `utf8proc`).
fn digits_inside_words(seg: &[u8]) -> bool {
    if !seg.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let mut i = 0;
    while i < seg.len() {
        if !seg[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < seg.len() && seg[i].is_ascii_digit() {
            i += 1;
        }
        if i - start >= 4 && start > 0 && i < seg.len() {
            return true;
        }
    }
    false
}

/// A dotted value's segment that no identifier looks like (`o.cbtgonUnW9Zig6pX7rLXxcnjIh1dWuUC`,
/// a Pushbullet token): 20 or more letters and digits, upper and lower case, two digits or more
/// and no `_`, where member paths (`settings.AWS_SECRET_KEY`, `config.apiKey2`) have words.
fn random_segment(seg: &[u8]) -> bool {
    seg.len() >= 20
        && seg.iter().all(u8::is_ascii_alphanumeric)
        && seg.iter().any(u8::is_ascii_uppercase)
        && seg.iter().any(u8::is_ascii_lowercase)
        && seg.iter().filter(|b| b.is_ascii_digit()).count() >= 2
}

/// A segment of 12 or more letters and digits whose case changes at every second letter or more
/// often (`T.Ki7ywKpNaBRUCoeH`, an IPMI password), where a CamelCase member
/// (`PyCredHandle`, `XMLHttpRequest`) changes case twice per word.
fn random_case_segment(seg: &[u8]) -> bool {
    if seg.len() < 12 || !seg.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    // Counted in one pass, digits skipped (no allocation: this runs on dotted values in code).
    let (mut letters, mut upper, mut changes, mut prev) = (0, 0, 0, None);
    for b in seg.iter().filter(|b| b.is_ascii_alphabetic()) {
        let up = b.is_ascii_uppercase();
        letters += 1;
        upper += usize::from(up);
        changes += usize::from(prev.is_some_and(|p| p != up));
        prev = Some(up);
    }
    letters >= 10 && upper < letters && upper >= 3 && changes * 2 >= letters
}

/// A lower-case random segment (`uprq1exfpu6j8l1g`, the secret half of a Kubernetes bootstrap
/// token): 16 or more letters and digits that switch between the two four times or more, where
/// a member path's segment (`http2client`, `sha256sum`) has a digit or two inside words.
fn random_lower_segment(seg: &[u8]) -> bool {
    seg.len() >= 16
        && seg
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && seg
            .windows(2)
            .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
            .count()
            >= 4
}

/// A random token of 16 or more mixed-case letters (`EwdaFmozOVEnlrYQ...`: one in a few
/// hundred random base62 tokens has no digit): a third to two thirds of its letters are upper
/// case and the case changes every third letter or more often, where a CamelCase name
/// (`ConfigurationManagerFactory`) has a capital per word.
fn random_letters(v: &[u8]) -> bool {
    if v.len() < 16 || !v.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let upper = v.iter().filter(|b| b.is_ascii_uppercase()).count();
    let changes = v
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase())
        .count();
    upper * 3 >= v.len() && upper * 3 <= v.len() * 2 && changes * 3 >= v.len()
}

/// A password drawn from letters alone (`QDtdRNQRzNPQbJyUA`, `rpIursCLJtsMLsE`): twelve or more,
/// both cases, and not a name of capitalised words (`ConnectionString`, `getPasswordFromEnv`),
/// whose capitals start words. Only under a password's
/// name, since [`random_letters`] asks more of other names.
fn mixed_case_letters(v: &[u8]) -> bool {
    if v.len() < 8
        || !v.iter().all(u8::is_ascii_alphabetic)
        || !v.iter().any(u8::is_ascii_lowercase)
        || !v.iter().any(u8::is_ascii_uppercase)
    {
        return false;
    }
    let changes = v
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase())
        .count();
    // Under twelve letters (`ryYolFYR`, `HsuZFCwc`), three of each case and three changes:
    // `McDonald` and `setValue` have fewer.
    let upper = v.iter().filter(|b| b.is_ascii_uppercase()).count();
    if v.len() < 12 && (changes < 3 || upper < 3 || v.len() - upper < 3) {
        return false;
    }
    // Words run two lower-case letters or more after a capital; three capitals followed by
    // a single lower-case letter each (`AcUeQsCcrHZr`) were drawn (`McDonald` has one).
    // Short words are such runs too (`IsUpToDate`, `GoToMyPc`), so only pairs that spell none.
    const SHORT_WORDS: &[&[u8]] = &[
        b"is", b"up", b"to", b"of", b"in", b"on", b"at", b"by", b"my", b"no", b"or", b"as", b"be",
        b"do", b"go", b"he", b"if", b"it", b"me", b"so", b"we", b"an", b"am", b"us", b"id", b"ok",
        b"vs", b"pc", b"mr", b"ms", b"dr", b"tv", b"db", b"ui", b"io", b"ip", b"os", b"js",
    ];
    let single_runs = v
        .windows(3)
        .filter(|w| {
            w[0].is_ascii_uppercase()
                && w[1].is_ascii_lowercase()
                && w[2].is_ascii_uppercase()
                && !SHORT_WORDS.contains(&[w[0].to_ascii_lowercase(), w[1]].as_slice())
        })
        .count();
    let spelled = !drawn_letters(v) && single_runs < 3;
    // Every capital starts a word of lower-case letters, or is a one-letter word or an
    // acronym's letter before one (`IAmSensitive`).
    let word_at = |i: usize| v.get(i + 1).is_some_and(u8::is_ascii_lowercase);
    let name_of_words = v
        .iter()
        .enumerate()
        .all(|(i, b)| !b.is_ascii_uppercase() || word_at(i) || word_at(i + 1));
    // Drawn letters may keep one case for a long run (`yhJcLXLPJIEGAEZFAn`): four capitals
    // without a vowel in a row, which an acronym before a word (`PKPaymentRequest`) lacks.
    // Its lower-case runs are a letter or two (`HTTPBasicAuth` has words).
    let drawn_caps = v.windows(4).any(|w| {
        w.iter()
            .all(|b| b.is_ascii_uppercase() && !b"AEIOUY".contains(b))
    }) && v.split(u8::is_ascii_uppercase).all(|run| run.len() <= 2);
    (changes * 4 >= v.len()
        || (!spelled || drawn_caps) && v.len() >= 12 && changes >= 3 && v.len() - upper >= 3)
        && !(name_of_words && spelled)
}

/// Words that make a value of words a placeholder or a description, not a passphrase.
const PASSPHRASE_MARKS: &[&[u8]] = &[
    b"pass",
    b"password",
    b"passwd",
    b"secret",
    b"change",
    b"changeme",
    b"example",
    b"sample",
    b"dummy",
    b"default",
    b"placeholder",
    b"your",
    b"test",
    b"value",
    b"here",
    b"none",
    b"empty",
    b"not",
    b"set",
    b"fake",
    b"redacted",
    b"hidden",
    b"replace",
    b"todo",
    b"key",
    b"token",
    b"credentials",
    b"creds",
    b"auth",
    b"env",
    b"file",
    b"path",
    b"name",
    b"ref",
];

/// Short words of prose, which a passphrase of random dictionary words seldom holds.
const PROSE_WORDS: &[&[u8]] = &[
    b"the",
    b"and",
    b"for",
    b"with",
    b"from",
    b"this",
    b"that",
    b"you",
    b"are",
    b"was",
    b"will",
    b"can",
    b"must",
    b"have",
    b"has",
    b"use",
    b"used",
    b"when",
    b"all",
    b"any",
    b"one",
    b"its",
    b"our",
    b"per",
    b"via",
    b"into",
    b"only",
    b"also",
    b"than",
    b"then",
    b"more",
    b"each",
    b"least",
    b"enter",
    b"please",
    b"should",
    b"which",
    b"what",
    b"where",
    b"user",
    b"users",
    b"login",
    b"account",
    b"reset",
    b"new",
    b"old",
    b"current",
    b"confirm",
    b"required",
    b"invalid",
    b"incorrect",
    b"wrong",
    b"forgot",
    b"length",
    b"characters",
    b"minimum",
    b"maximum",
    b"field",
    b"input",
    b"type",
    b"string",
    b"none",
    b"null",
    b"pick",
    b"choose",
    b"random",
    b"word",
    b"words",
    b"some",
    b"three",
    b"four",
    b"five",
];

/// A passphrase of random words separated by single spaces (`salmon mint sparrow wombat`,
/// `copper walrus lizard78`, `Planet walnut thunder 74`), as diceware, password managers and
/// people make them: three to eight words of three to ten letters, lower-case but for a
/// leading capital, the last one perhaps followed by digits or followed by a group of up to
/// four digits; four words at least without the digits. Prose under a password's name (`must
/// be at least eight`, `enter your password`) has short or function words.
fn spaced_passphrase(v: &[u8]) -> bool {
    if v.len() < 12 || v.len() > 72 || memchr::memchr(b' ', v).is_none() {
        return false;
    }
    let mut n = v.iter().filter(|b| **b == b' ').count() + 1;
    let digits = v.last().is_some_and(u8::is_ascii_digit);
    // `... thunder 74`: a group of digits of its own ends the phrase.
    let tail = v.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let words = if tail > 0 && tail < v.len() && v[v.len() - tail - 1] == b' ' {
        if tail > 4 {
            return false;
        }
        n -= 1;
        &v[..v.len() - tail - 1]
    } else {
        v
    };
    if n > 8 || n < if digits { 3 } else { 4 } {
        return false;
    }
    words.split(|b| *b == b' ').enumerate().all(|(i, w)| {
        let letters = if i + 1 == n {
            let k = w
                .iter()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(0, |k| k + 1);
            if w.len() - k > 4 {
                return false;
            }
            &w[..k]
        } else {
            w
        };
        let lower = letters.to_ascii_lowercase();
        // Words have vowels; the random groups of an app password often lack one (`Bhjd`).
        (3..=10).contains(&letters.len())
            && letters[1..].iter().all(u8::is_ascii_lowercase)
            && letters[0].is_ascii_alphabetic()
            && lower.iter().any(|b| b"aeiouy".contains(b))
            && !PASSPHRASE_MARKS.contains(&lower.as_slice())
            && !PROSE_WORDS.contains(&lower.as_slice())
    })
}

/// A passphrase of words, as people choose them under a password's name: two to six
/// alphabetic words of three or more letters joined by `-`, `_` or `.` (the last may end in
/// digits), 12 characters or more, none of them a word that marks a placeholder or a reference
/// (`change-me-please`, `db-password`, `not-set`).
pub(super) fn passphrase(v: &[u8]) -> bool {
    if v.len() < 12 || v.len() > 64 {
        return false;
    }
    let parts: Vec<&[u8]> = v.split(|b| matches!(b, b'-' | b'_' | b'.')).collect();
    if !(2..=6).contains(&parts.len()) {
        return false;
    }
    parts.iter().enumerate().all(|(i, p)| {
        // A number of its own after three words (`fennel-waffle-denim-25`).
        if i + 1 == parts.len() && i >= 3 && p.len() >= 2 && p.iter().all(u8::is_ascii_digit) {
            return true;
        }
        let letters = if i + 1 == parts.len() {
            let k = p
                .iter()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(0, |k| k + 1);
            &p[..k]
        } else {
            p
        };
        let lower = letters.to_ascii_lowercase();
        letters.len() >= 3
            && letters.iter().all(u8::is_ascii_alphabetic)
            && letters[1..].iter().all(u8::is_ascii_lowercase)
            && !PASSPHRASE_MARKS.contains(&lower.as_slice())
    })
}

/// Three or more capitalised words run together with a number (`BadgerWinterFern37`), or joined
/// by single digits ([`digit_joined_words`], checked first): the
/// passphrase people make, and also the shape of a type name, so only under a password's name,
/// and only with the number that no enum value has (`InheritFromParent`,
/// `UseWindowsAuthentication`). The words are judged as [`passphrase`] judges them.
fn pascal_passphrase(v: &[u8]) -> bool {
    if digit_joined_words(v) {
        return true;
    }
    let digits = v.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if v.len() < 12 || v.len() > 64 || !v[0].is_ascii_uppercase() || !(2..=4).contains(&digits) {
        return false;
    }
    let mut dashed = Vec::with_capacity(v.len() + 8);
    let mut parts = 1;
    for (i, &b) in v.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            return false;
        }
        if i > 0 && b.is_ascii_uppercase() {
            dashed.push(b'-');
            parts += 1;
        }
        dashed.push(b);
    }
    parts >= 3 && passphrase(&dashed)
}

/// Three or more capitalised words joined by one digit each (`Capsule2Weber8Linen`,
/// `Provost6Moose7Cellar`), a number optionally at the end: a password generator's or a help
/// desk's passphrase. Type names put a digit between words rarely (`Utf8String`, `Vector3Int`,
/// `Base64Url`): the shape is admitted under a password's name (through [`pascal_passphrase`])
/// and where [`chosen_password`] judges a value (token, secret and salt names, decoded logins),
/// and the words are judged as [`passphrase`] judges them.
fn digit_joined_words(v: &[u8]) -> bool {
    if v.len() < 12 || v.len() > 64 || !v[0].is_ascii_uppercase() {
        return false;
    }
    // Word boundaries first; the dashed copy for `passphrase` only for values of the shape.
    let mut words: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = i;
        i += 1;
        while i < v.len() && v[i].is_ascii_lowercase() {
            i += 1;
        }
        if !v[start].is_ascii_uppercase() || i - start < 3 {
            return false;
        }
        let end = i;
        let digits = v[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += digits;
        // Between words one digit; after the last, up to four.
        if (i < v.len() && digits != 1) || digits > 4 {
            return false;
        }
        words.push(start..end);
    }
    if words.len() < 3 {
        return false;
    }
    let mut dashed = Vec::with_capacity(v.len());
    for (k, w) in words.into_iter().enumerate() {
        if k > 0 {
            dashed.push(b'-');
        }
        dashed.extend_from_slice(&v[w]);
    }
    passphrase(&dashed)
}

/// Keys whose own provider's name says they are public or an identifier: Amplitude's API key
/// is sent by every browser SDK (the secret key is the credential), as Mailjet's API key names
/// the account its secret key signs for; DocuSign's integration key
/// is the app's OAuth client id; a LiveKit API key (`API` and 12 characters) names the key whose
/// secret signs tokens. Checked before any rule, so a provider named nearby (a Bing key on the
/// next line) does not claim them.
fn named_public_key(words: &Words, end: usize, value: &[u8]) -> bool {
    let has = |w: &[u8]| (0..end).any(|i| words.get(i) == w);
    words.get(end - 1) == b"key"
        && (has(b"amplitude") && !has(b"secret")
            || has(b"mailjet") && !has(b"secret") && !has(b"private")
            || has(b"docusign") && has(b"integration")
            || has(b"livekit") && value.starts_with(b"API") && value.len() <= 16)
}

/// Values whose format says they check or name something, whatever the name above them:
/// a Go module checksum (`h1:` and a base64 SHA-256), a fingerprint written as colon-separated
/// hex bytes (`e3:41:64:...`, 16 to 32 of them), and a Google OAuth client ID
/// (`...apps.googleusercontent.com`), which ships in every sign-in page.
fn checksum_or_id_shape(value: &[u8]) -> bool {
    let go_sum = value.len() == 47
        && value.starts_with(b"h1:")
        && value.ends_with(b"=")
        && value[3..46]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/".contains(b));
    let fingerprint = (47..=95).contains(&value.len())
        && value.len() % 3 == 2
        && value.chunks(3).all(|c| {
            c[..2].iter().all(u8::is_ascii_hexdigit) && c.get(2).is_none_or(|b| *b == b':')
        });
    // An Oracle Cloud resource OCID (`ocid1.tenancy.oc1..aaaa...`) and an OPC UA node id
    // (`ns=2;s=Press07.Temp`) name things.
    let ocid = value.starts_with(b"ocid1.") && memchr::memmem::find(value, b".oc").is_some();
    let node_id = value.starts_with(b"ns=")
        && value[3..].iter().take_while(|b| b.is_ascii_digit()).count() >= 1
        && memchr::memmem::find(&value[..value.len().min(10)], b";s=").is_some();
    go_sum || fingerprint || ocid || node_id || value.ends_with(b".apps.googleusercontent.com")
}

/// Whether the text found after the name is not its value at all, whatever its shape: a
/// provider prefix cut before a placeholder (`sk-or-v1-<your-key>`; a closing tag,
/// `...L3=</KEY>`, ends a real value), or another attribute's value. `value_plausible` judges
/// the value's own bytes; these two need the text around it.
fn not_the_value(hay: &[u8], a: &Assignment) -> bool {
    let prefix_before_placeholder = hay.get(a.value.end) == Some(&b'<')
        && hay.get(a.value.end + 1) != Some(&b'/')
        && a.value.end > a.value.start
        && matches!(hay[a.value.end - 1], b'-' | b'_' | b':' | b'=' | b'.');
    prefix_before_placeholder || other_attribute(hay, a) || encrypted_element(hay, a)
}

/// `<connection ... passwordEncrypted="true" password="8a3d..."/>`: an element whose own
/// attribute says its password is stored encrypted (Ignition, Kepware, JBoss vaults).
fn encrypted_element(hay: &[u8], a: &Assignment) -> bool {
    let (s, e) = (a.value.start, a.value.end);
    if s == 0 || !matches!(hay[s - 1], b'"' | b'\'') {
        return false;
    }
    // The element around the value, on its line and at most a few hundred bytes each way (a
    // one-line dump's line is megabytes long).
    let ls = s.saturating_sub(512);
    let le = (e + 512).min(hay.len());
    let Some(open) = memchr::memrchr2(b'<', b'\n', &hay[ls..s]).map(|i| ls + i) else {
        return false;
    };
    if hay[open] != b'<' {
        return false;
    }
    let close = memchr::memchr2(b'>', b'\n', &hay[e..le]).map_or(le, |i| e + i);
    let element = hay[open..close].to_ascii_lowercase();
    // The password's own flag (`passwordEncrypted`, `encrypted`, `isEncrypted`), not another
    // part's (`sslEncrypted`).
    [&b"encrypted=\"true\""[..], b"encrypted='true'"]
        .iter()
        .any(|m| {
            memchr::memmem::find_iter(&element, m).any(|at| {
                let attr = element[..at]
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                matches!(
                    &element[at - attr..at],
                    b"" | b"password" | b"password_" | b"is" | b"secret" | b"value" | b"pwd"
                )
            })
        })
}

/// `<input type="password" class="form-control">`: the name is one attribute's value and the
/// value another attribute's, which holds no credential unless it is the element's value
/// (`<add key="Password" value="x"/>`).
fn other_attribute(hay: &[u8], a: &Assignment) -> bool {
    let s = a.name.start;
    if s < 2 || !matches!(hay[s - 1], b'"' | b'\'') || hay[s - 2] != b'=' {
        return false;
    }
    let Some(between) = hay.get(a.name.end + 1..a.value.start) else {
        return false;
    };
    // The value is another attribute's (`class="form-control"`), not the element's content
    // (`<string name="x" translatable="false">value</string>`).
    if between.len() > 64
        || between.contains(&b'\n')
        || between.contains(&b'>')
        || !between.ends_with(b"=\"") && !between.ends_with(b"='")
    {
        return false;
    }
    let Some(eq) = memchr::memrchr(b'=', between) else {
        return false;
    };
    let attr = between[..eq].trim_ascii_end();
    let n = attr
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'))
        .count();
    let attr = attr[attr.len() - n..].to_ascii_lowercase();
    // Without its namespace (`android:value`).
    let local = attr.rsplit(|b| *b == b':').next().unwrap_or(&[]);
    !local.is_empty() && !matches!(local, b"value" | b"content" | b"default" | b"val")
}

/// A UUID as written: `8-4-4-4-12` hex digits.
fn uuid_shape(v: &[u8]) -> bool {
    uuid_layout(v, u8::is_ascii_hexdigit)
}

/// 8-4-4-4-12 characters that each pass `digit`, joined by dashes.
fn uuid_layout(v: &[u8], digit: fn(&u8) -> bool) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                digit(b)
            }
        })
}

/// Keys that providers publish by design and that sit under credential-like names: publishable,
/// browser and mobile SDK keys, project tokens, a Pusher app key (20 hex; the app secret is the
/// credential).
fn public_identifier(words: &Words, end: usize, value: &[u8]) -> bool {
    let has = |w: &[u8]| (0..end).any(|i| words.get(i) == w);
    // Keys made to ship in web pages and apps: Stripe publishable keys, Mapbox public tokens,
    // PostHog project keys, New Relic browser keys, Intercom mobile SDK keys.
    const PUBLIC_PREFIXES: &[&[u8]] = &[
        b"pk_live_",
        b"pk_test_",
        b"pk.eyJ",
        b"phc_",
        b"NRJS-",
        b"ios_sdk-",
        b"android_sdk-",
    ];
    if PUBLIC_PREFIXES.iter().any(|p| value.starts_with(p)) || checksum_or_id_shape(value) {
        return true;
    }
    // The same keys base64-encoded, as Kubernetes `data:` holds them: the first 16 characters
    // decode to 12 bytes, enough for the longest prefix.
    let mut decoded = Vec::new();
    if let Some(head) = value.get(..16)
        && super::decode::decode(super::decode::Encoding::Base64, head, &mut decoded)
        && PUBLIC_PREFIXES.iter().any(|p| decoded.starts_with(p))
    {
        return true;
    }
    // Twilio's API key SID (`SK` and 32 hex digits) names a key as its account SID (`AC...`)
    // names an account; the key's secret is the credential (reported with the SID beside it).
    if value.len() == 34
        && (value.starts_with(b"SK") || value.starts_with(b"AC"))
        && value[2..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return true;
    }
    // A Confluent Cloud API key is the id of a key pair, 16 upper-case letters and digits; its
    // API secret is the credential.
    if (has(b"confluent") || has(b"ccloud") || has(b"kafka"))
        && words.get(end - 1) == b"key"
        && value.len() == 16
        && value
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return true;
    }
    // A Salesforce connected app's consumer key (`3MVG9...`, 85 characters) is its OAuth
    // client id; the consumer secret is the credential.
    if value.starts_with(b"3MVG9") && value.len() >= 60 {
        return true;
    }
    let head = words.get(end - 1);
    let qualifier = if end >= 2 { words.get(end - 2) } else { b"" };
    // A DocuSign integration key (a UUID) is the app's client id, and a GameAnalytics game key
    // (32 hex digits) ships in the game; their secret keys are the credentials.
    let hex = |n: usize| value.len() == n && value.iter().all(u8::is_ascii_hexdigit);
    if head == b"key"
        && (qualifier == b"integration" && uuid_shape(value) || qualifier == b"game" && hex(32))
    {
        return true;
    }
    // python-social-auth's `SOCIAL_AUTH_<BACKEND>_KEY` is the OAuth client id (its `_SECRET`
    // is the credential); an OVH application key names the application its secret signs for.
    if head == b"key"
        && (has(b"social") && has(b"auth") || has(b"ovh") && qualifier == b"application")
    {
        return true;
    }
    // A Mixpanel project token identifies the project to its client-side SDK (the API secret
    // is the credential).
    if has(b"mixpanel") && words.get(end - 1) == b"token" {
        return true;
    }
    has(b"pusher")
        && words.get(end - 1) == b"key"
        && value.len() == 20
        && value
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// A value with the composition people are asked for (three classes of characters), and none
/// of the marks of test data: percent-encoded bytes (URL parser tests) or the stock words of
/// fixtures (`pass`, `test`, `foo`, `admin`, ...).
/// Words of test fixtures and defaults (`Test1234!`, `MyPass2024`, `p4ssw0rd`).
const FIXTURE_WORDS: &[&[u8]] = &[
    b"pass", b"pwd", b"test", b"foo", b"bar", b"demo", b"user", b"admin", b"secret", b"qwerty",
];

fn password_composition(v: &[u8]) -> bool {
    if char_classes(v) < 3 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    // An encoder escapes only what a URL reserves (`%2F`, `%40`) and UTF-8 (`%C3%A9`);
    // `Tul1p%710` and `Coyote%886` hold a `%` but no escape, since no encoder writes `q` as
    // `%71` or a lone `%88`.
    let hex = super::encoded::hex_val;
    let escape = |w: &[u8]| {
        (w.len() >= 3 && w[0] == b'%')
            .then(|| hex(w[1]).zip(hex(w[2])))
            .flatten()
            .map(|(h, l)| h << 4 | l)
    };
    // One reserved escape is as likely a password's own `%` (`M4rbl3%266`); test vectors and
    // encoded values hold several, or a UTF-8 sequence.
    let escapes = (0..lower.len())
        .filter(|&i| match escape(&lower[i..]) {
            Some(b) if b < 0x80 => !crate::encode::is_unreserved(b),
            Some(b) => (0xc2..=0xf4).contains(&b) && escape(&lower[i + 3..]).is_some(),
            None => false,
        })
        .count();
    let percent_encoded = escapes >= 2
        || escapes == 1
            && lower
                .windows(3)
                .any(|w| w[0] == b'%' && escape(w).is_some_and(|b| b >= 0xc2));
    // A fixture word counts alone or at an edge of a word (`Test1234!`, `MyPass2024`), not
    // inside a longer one (`Rhubarbrhubarb77$` holds `bar`); nor does `bar` ending a word of
    // three letters or more before it, written in its case (`Gablerebar8391*`, `Crowbar`),
    // where `Rootpass1!` and `Topsecret1!` stay fixtures.
    let inside = |at: usize, n: usize| {
        at > 0
            && v[at - 1].is_ascii_alphabetic()
            && v[at - 1].is_ascii_lowercase() == v[at].is_ascii_lowercase()
            && (v.get(at + n).is_some_and(u8::is_ascii_alphabetic)
                || n == 3
                    && v[at..at + 3].eq_ignore_ascii_case(b"bar")
                    && at >= 3
                    && v[at - 3..at].iter().all(u8::is_ascii_alphabetic))
    };
    !percent_encoded
        && !FIXTURE_WORDS.iter().any(|w| {
            lower
                .windows(w.len())
                .enumerate()
                .any(|(at, x)| x == *w && !inside(at, w.len()))
        })
}

/// A short password drawn at random from one case and the digits, as mainframes (RACF's eight
/// characters) and password generators for them issue (`H0J5PAW2`): letters and digits
/// interleaved, no character twice. Words with a number (`hunter22`, `Release2024`) switch
/// once or twice and repeat letters.
fn generated_code(v: &[u8]) -> bool {
    if !(8..=16).contains(&v.len()) || !v.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let switches = v
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    let mut seen = [false; 128];
    let unique = v
        .iter()
        .all(|&b| !std::mem::replace(&mut seen[b as usize], true));
    // `A1B2C3D4`, `ABC123DEF456`: a placeholder counts up.
    let counts_up = |f: fn(&u8) -> bool| {
        let run: Vec<u8> = v.iter().copied().filter(&f).collect();
        run.len() >= 2 && run.windows(2).all(|w| w[1] == w[0] + 1)
    };
    // RACF's own shape: eight upper-case letters and digits, a digit between letters
    // (`W0KCYPZA`, `NCX4536M`), no character three times; `ADMIN123` ends in its number.
    let racf = v.len() == 8
        && v.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && v.windows(3).any(|w| {
            w[0].is_ascii_uppercase() && w[1].is_ascii_digit() && !w[2].is_ascii_lowercase()
        })
        && v.iter()
            .skip_while(|b| b.is_ascii_digit())
            .skip_while(|b| !b.is_ascii_digit())
            .any(u8::is_ascii_uppercase)
        && v.iter().filter(|b| b.is_ascii_uppercase()).count() >= 4
        && v.iter().all(|b| v.iter().filter(|c| *c == b).count() <= 2);
    // The same drawn by partner and mainframe tools up to twelve characters, digits anywhere
    // (`129EMKLE`, an OFTP2 password; `1OMJLZHWWS`): letters no word has, three consonants in
    // a row, where `ADMIN123` and `SYSTEM01` are spelled.
    let drawn_caps = (8..=12).contains(&v.len())
        && v.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && v.iter().filter(|b| b.is_ascii_uppercase()).count() >= 5
        && v.windows(3).any(|w| {
            w.iter()
                .all(|b| b.is_ascii_uppercase() && !b"AEIOUY".contains(b))
        })
        && v.iter().all(|b| v.iter().filter(|c| *c == b).count() <= 2);
    // A name and its number (`HTTPS443X`, `MSSQL2019`) are letters, then digits.
    let name_number = {
        let letters = v.iter().take_while(|b| b.is_ascii_uppercase()).count();
        let digits = v[letters..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        letters > 0 && letters + digits + 1 >= v.len()
    };
    let racf = racf || drawn_caps && !name_number;
    (switches >= 3 && unique || racf)
        && v.iter().filter(|b| b.is_ascii_digit()).count() >= (if racf { 1 } else { 2 })
        && !counts_up(u8::is_ascii_alphabetic)
        && !counts_up(u8::is_ascii_digit)
}

/// The letter a digit or symbol stands for in leetspeak (`3` for `e`, `@` for `a`).
fn leet_letter(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' => b't',
        _ => return None,
    })
}

/// A password spelled in leetspeak (`0tt3rsumm0ns60`, `3mb3rp3wt3r56`): digits (and `@`, `$`)
/// stand for letters inside words, at least twice, and the words read back are spelled, not
/// drawn: a vowel in three letters or more, no three consonants in a row. Hex is no word, and a
/// digit before a digit is a number (`summ0ns60` ends in `60`).
fn leet_password(v: &[u8]) -> bool {
    if !(8..=64).contains(&v.len()) || v.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let mut subs = 0;
    let mut read = Vec::with_capacity(v.len());
    for (i, &b) in v.iter().enumerate() {
        let inside = v.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
            && (i == 0 || v[i - 1].is_ascii_alphabetic());
        if inside && let Some(letter) = leet_letter(b) {
            subs += 1;
            read.push(letter);
        } else {
            read.push(b.to_ascii_lowercase());
        }
    }
    if subs < 2 {
        return false;
    }
    let vowel = |b: &u8| b"aeiouy".contains(b);
    let letters = read.iter().filter(|b| b.is_ascii_lowercase()).count();
    let vowels = read.iter().filter(|b| vowel(b)).count();
    letters >= 6
        && vowels * 10 >= letters * 3
        && !read
            .windows(3)
            .any(|w| w.iter().all(|b| b.is_ascii_lowercase() && !vowel(b)))
        && !FIXTURE_WORDS
            .iter()
            .any(|w| memchr::memmem::find(&read, w).is_some())
}

/// How many of lower case, upper case, digits and other printable bytes `v` contains.
fn char_classes(v: &[u8]) -> usize {
    let has = |f: fn(&u8) -> bool| usize::from(v.iter().any(f));
    has(u8::is_ascii_lowercase)
        + has(u8::is_ascii_uppercase)
        + has(u8::is_ascii_digit)
        + has(|b| b.is_ascii_graphic() && !b.is_ascii_alphanumeric())
}

/// The entropy a value found by context must reach, for a rule asking `min`: random values over
/// a small alphabet (hex tops out at 4 bits) cannot reach thresholds set for long base62 tokens,
/// nor can human-chosen passwords of short length (at most log2(len) bits), so the bar is capped
/// by what such a value can plausibly reach.
pub(crate) fn context_entropy_bar(min: f64, value: &[u8], human: bool) -> f64 {
    let hex = value.len() >= 16 && value.iter().all(u8::is_ascii_hexdigit);
    // Nor can decimal digits (log2 10 = 3.32): a salt drawn as a 128-bit integer, as
    // Flask-Security's documentation suggests, is 30 to 40 of them.
    let decimal = value.len() >= 24 && value.iter().all(u8::is_ascii_digit);
    let alphabet_cap = if hex || decimal { 3.0 } else { f64::INFINITY };
    // Only human-chosen secrets (passwords) are short and repetitive by nature. From 12
    // characters the bar follows the length; below that (where a 9-character password cannot
    // reach 3.3 bits even with no repeated character) it takes the composition people are asked
    // for as well: three of lower case, upper case, digits and symbols (`Summer2025$`), which
    // words, identifiers and numbers (`hunter22`, `localhost`, `20240101`) lack.
    // Under a password's name, that composition allows repeated groups (`Fall2022.`,
    // `Velvet_Comet_Velvet35_`).
    // Each shape a value has lowers the bar to what that shape reaches; the lowest applies
    // (`turret-rafter-kestrel-ember9` has a password's composition and is words as well).
    let len_log = (value.len() as f64).log2();
    let mut length_cap = f64::INFINITY;
    if human {
        if value.len() >= 8 && password_composition(value)
            || generated_code(value)
            || word_number_word(value)
        {
            length_cap = length_cap.min(len_log * 0.7);
        }
        if passphrase(value) && !value.contains(&b'_')
            || spaced_passphrase(value)
            || pascal_passphrase(value)
        {
            // Dictionary words repeat their letters (`lantern-maple-lemon-polar`, 3.24 bits);
            // the words themselves were checked for placeholders and prose. Words joined by
            // `_` are as often an identifier (`coherence_non_latin`).
            length_cap = length_cap.min(3.0);
        }
        if leet_password(value) {
            // Digits standing for letters repeat as the letters of the words do
            // (`0tt3r0tt3r86`, 2.42 bits).
            length_cap = length_cap.min(len_log * 0.6);
        }
        if value.len() >= 12 {
            length_cap = length_cap.min(len_log * 0.8);
        } else if mixed_case_letters(value) {
            // Eight random letters of both cases reach 3 bits at most.
            length_cap = length_cap.min(len_log * 0.7);
        }
    }
    let bar = min.min(alphabet_cap).min(length_cap);
    // The short-random bar only ever lowers a bar above it; skip its spelling test otherwise.
    if bar <= (value.len() as f64).log2() - SHORT_RANDOM_MARGIN {
        bar
    } else {
        bar.min(short_random_cap(value))
    }
}

/// How far under log2(len) the bar for a short random value sits (see [`short_random_cap`]).
const SHORT_RANDOM_MARGIN: f64 = 0.6;

/// Whether the lower-case letters of `v` were drawn rather than spelled: words have vowels, so
/// a run without one of three letters (`mqnl`, `cmw`), or two of two (`ph` ... `vf`), is
/// drawn; one short run may be an abbreviation (`FromEnv`).
fn drawn_letters(v: &[u8]) -> bool {
    let mut pairs = 0;
    for run in v.split(|b| !b.is_ascii_lowercase()) {
        if run.len() >= 2 && !run.iter().any(|b| b"aeiouy".contains(b)) {
            if run.len() >= 3 {
                return true;
            }
            pairs += 1;
        }
    }
    pairs >= 2
}

/// The bar for a short value drawn at random from letters of both cases and digits
/// (`0PsRnItD0mIY0vv7`, `qKVgvGqpzUUU7R`), under any credential's name: such a value repeats
/// characters by chance, so its entropy falls short of the 3.5 bits asked of tokens in one case
/// of three at 14 characters and two of three at 12. 0.6 bits under log2(len), about the
/// second percentile of drawn values, keeps 98% of them. Identifiers are kept out by the name
/// and value tests before this one, and here by their spelling ([`drawn_letters`], or no run of
/// three lower-case letters at all); a name of words has words.
fn short_random_cap(value: &[u8]) -> f64 {
    let random = (12..20).contains(&value.len())
        && value.iter().any(u8::is_ascii_lowercase)
        && value.iter().any(u8::is_ascii_uppercase)
        && value.iter().any(u8::is_ascii_digit)
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=!@#$%^&*?".contains(b))
        // No word of three letters at all (`0SIs1Ks4EET09m`), or letters drawn, not spelled.
        && (value
            .split(|b| !b.is_ascii_lowercase())
            .all(|run| run.len() <= 2)
            || drawn_letters(value));
    if random || short_drawn(value) {
        (value.len() as f64).log2() - SHORT_RANDOM_MARGIN
    } else {
        f64::INFINITY
    }
}

/// A secret of 8 to 11 characters drawn from letters of both cases and digits, as some travel
/// and hotel APIs issue them (`DxjHI6K2ny`, `j32yiZhU`): no run of three lower-case letters or
/// of three digits (`MyApp2023`, `Secret123`), and the kind of character changes at five
/// places or more, where a name or a word changes at two or three.
fn short_drawn(value: &[u8]) -> bool {
    if !(8..12).contains(&value.len()) || !value.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let changes = kind_switches(value);
    let runs_short = |f: fn(&u8) -> bool| value.split(|b| !f(b)).all(|run| run.len() <= 2);
    // `A1b2C3d4`: letters or digits counting up, with the other kind between them.
    let counts_up = |f: fn(&u8) -> bool| {
        let picked: Vec<u8> = value
            .iter()
            .filter(|b| f(b))
            .map(u8::to_ascii_lowercase)
            .collect();
        picked
            .windows(3)
            .any(|w| w[1] == w[0].wrapping_add(1) && w[2] == w[1].wrapping_add(1))
    };
    // `S3cr3tK3y`: a word spelled with digits for letters.
    let spelled: Vec<u8> = value
        .iter()
        .map(|&b| leet_letter(b).unwrap_or(b.to_ascii_lowercase()))
        .collect();
    const WORDS: &[&[u8]] = &[
        b"secret", b"passw", b"key", b"token", b"admin", b"test", b"demo", b"sample", b"change",
    ];
    char_classes(value) == 3
        && runs_short(u8::is_ascii_lowercase)
        && runs_short(u8::is_ascii_digit)
        && changes >= 5
        && !counts_up(u8::is_ascii_alphabetic)
        && !counts_up(u8::is_ascii_digit)
        && !WORDS
            .iter()
            .any(|w| memchr::memmem::find(&spelled, w).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, kw: &str) -> Option<(String, String, bool)> {
        let hay = text.as_bytes();
        let at = text.to_ascii_lowercase().find(kw)?;
        let id = ident_bounds(hay, at..at + kw.len())?;
        let a = parse(hay, &id)?;
        Some((
            text[a.name.clone()].to_string(),
            text[a.value.clone()].to_string(),
            a.quoted,
        ))
    }

    #[test]
    fn short_human_passwords_need_three_character_classes_and_no_fixture_words() {
        for p in ["Summer2025$", "Pi0n33r793!", "Copper2023S", "M@pl3939!"] {
            assert!(
                (8..12).contains(&p.len()) && password_composition(p.as_bytes()),
                "{p}"
            );
        }
        for p in [
            "hunter22",
            "localhost",
            "20240101",
            "foo(b%5Dc",
            "Test1234!",
            "Admin@123",
            "abc",
        ] {
            assert!(!password_composition(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn a_password_named_value_may_repeat_a_digit_group() {
        let v = b"Fall2022.";
        let h = crate::filters::shannon_entropy(v);
        assert!(h >= context_entropy_bar(3.5, v, true), "{h}");
        assert!(h < context_entropy_bar(3.5, v, false), "{h}");
    }

    #[test]
    fn script_variables_resolve_to_their_literal() {
        let resolved = |text: &str| -> Option<String> {
            let at = text.rfind('$')?;
            let end = text[at..].find(['"', '\n']).map_or(text.len(), |i| at + i);
            let (v, _) = resolve_variable(text.as_bytes(), at..end)?;
            Some(text[v].to_string())
        };
        assert_eq!(
            resolved("T=Qx8kLm2Zp9Vr\nH=\"Authorization: Bearer $T\"").as_deref(),
            Some("Qx8kLm2Zp9Vr")
        );
        assert_eq!(
            resolved("export K='a1b2c3d4e5'\ncurl -H \"X: ${K}\"").as_deref(),
            Some("a1b2c3d4e5")
        );
        assert_eq!(
            resolved("$tok = \"Zk29LmQ8\"\n$h = \"Bearer $tok\"").as_deref(),
            Some("Zk29LmQ8")
        );
        // Read from elsewhere: no literal in the text.
        assert_eq!(resolved("T=$(cat /run/t)\nx \"Bearer $T\""), None);
        assert_eq!(resolved("T=$1\nx \"Bearer $T\""), None);
        assert_eq!(resolved("x \"Bearer $T\""), None);
    }

    #[test]
    fn random_tokens_are_not_pascal_case_names() {
        for v in [
            "PublicIpv4Pools",
            "HTTPServerConfigName",
            "DefaultS3BucketName",
        ] {
            assert!(reads_as_code_or_name(v.as_bytes()), "{v}");
        }
        // Random: 60% lower case and three lower-case letters per word on average (which the
        // old aggregate test took for a name), and upper-case hex.
        for v in [
            "AUmiVzCR8kXXkYtuk5xmIztEXb7yr9sfyqRhrxde",
            "F46E5375AF47DFDD9166661C232A0420",
        ] {
            assert!(!reads_as_code_or_name(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn random_letter_tokens_are_not_camel_case_names() {
        assert!(random_letters(b"EwdaFmozOVEnlrYQXUyLkzUWlRjVCfnE"));
        for v in [
            "ConfigurationManagerFactory",
            "XMLHttpRequestUploadEventTarget",
            "abcdefghijklmnopqrst",
        ] {
            assert!(!random_letters(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn base64_values_are_judged_by_what_they_hold() {
        // `/var/secrets/google/key.json` and Stripe's documentation key, base64-encoded.
        assert!(encodes_no_secret(
            b"L3Zhci9zZWNyZXRzL2dvb2dsZS9rZXkuanNvbg=="
        ));
        assert!(encodes_no_secret(
            b"c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM="
        ));
        // A password, a random key (binary when decoded) and a multi-line `.env`.
        assert!(!encodes_no_secret(b"VjNsdmV0LUNvbWV0LTIwMjQh"));
        assert!(!encodes_no_secret(
            b"q8Zk2LmN0pXr7TvW4yBc9DfGh1Jk3Lm5Np7Qr9St"
        ));
        assert!(!encodes_no_secret(b"QT1iCkI9YzNmN2RkOTIx"));
    }

    #[test]
    fn assignment_syntaxes_are_parsed() {
        let v = "s3cr3tV4lue";
        let cases: Vec<(String, &str)> = vec![
            (format!("DB_PASSWORD={v}"), "DB_PASSWORD"),
            (format!("export DB_PASSWORD=\"{v}\""), "DB_PASSWORD"),
            (format!("  db_password: {v}"), "db_password"),
            (format!("      - DB_PASSWORD={v}"), "DB_PASSWORD"),
            (format!("  \"dbPassword\": \"{v}\","), "dbPassword"),
            (format!("db.password = {v}"), "db.password"),
            (format!("<password>{v}</password>"), "password"),
            (
                format!("<add key=\"Password\" value=\"{v}\" />"),
                "Password",
            ),
            (format!("<entry key=\"api.token\">{v}</entry>"), "api.token"),
            (
                format!("<add name=\"x\" key=\"ApiToken\" value=\"{v}\"/>"),
                "ApiToken",
            ),
            (
                format!("<setting name=\"DbPassword\" serializeAs=\"String\"><value>{v}</value>"),
                "DbPassword",
            ),
            (
                format!(
                    "<setting name=\"DbPassword\" serializeAs=\"String\">\n  <value>{v}</value>"
                ),
                "DbPassword",
            ),
            (
                format!("<key>MixpanelAPISecret</key><string>{v}</string>"),
                "MixpanelAPISecret",
            ),
            (
                format!("\t<key>ApiToken</key>\n\t<string>{v}</string>"),
                "ApiToken",
            ),
            (
                format!(
                    "<String><Key>Password</Key><Value ProtectInMemory=\"True\">{v}</Value></String>"
                ),
                "Password",
            ),
            (
                format!("  <name>fs.s3a.secret.key</name>\n  <value>{v}</value>"),
                "fs.s3a.secret.key",
            ),
            (
                format!("command: [\"redis-server\", \"--requirepass\", \"{v}\", \"--x\"]"),
                "requirepass",
            ),
            (format!("ENV API_TOKEN {v}"), "API_TOKEN"),
            (format!("ARG API_TOKEN={v}"), "API_TOKEN"),
            (
                format!("os.environ[\"DB_PASSWORD\"] = \"{v}\""),
                "DB_PASSWORD",
            ),
            (format!("process.env.DB_PASSWORD = '{v}';"), "DB_PASSWORD"),
            (
                format!("System.setProperty(\"db.password\", \"{v}\");"),
                "db.password",
            ),
            (format!("client = Client(api_key=\"{v}\")"), "api_key"),
            (format!("redis-server --requirepass {v}"), "requirepass"),
            (format!("cmd --token={v} --verbose"), "token"),
            (format!("cmd --password \"{v}\""), "password"),
            (format!("requirepass {v}"), "requirepass"),
            (
                format!("\"source\": [\"API_KEY = \\\"{v}\\\"\\n\"]"),
                "API_KEY",
            ),
            (format!("{{\\\"token\\\": \\\"{v}\\\"}}"), "token"),
            (
                format!("- name: DB_PASSWORD\n  value: \"{v}\""),
                "DB_PASSWORD",
            ),
            (
                format!("{{\"name\": \"DB_PASSWORD\", \"value\": \"{v}\"}}"),
                "DB_PASSWORD",
            ),
            (format!("const API_KEY: &str = \"{v}\";"), "API_KEY"),
            (format!("var apiKey string = \"{v}\""), "apiKey"),
            (format!("ALTER ROLE app WITH PASSWORD '{v}';"), "PASSWORD"),
            (format!("$env:API_KEY = \"{v}\""), "API_KEY"),
            (format!("'password' => '{v}',"), "password"),
            (format!("Map(\"password\" -> \"{v}\")"), "password"),
            (
                format!("\"es.net.http.auth.pass\" -> \"{v}\","),
                "es.net.http.auth.pass",
            ),
            (format!("config :app, password: \"{v}\""), "password"),
            (format!("NSString *apiKey = @\"{v}\";"), "apiKey"),
            (format!("token: \\u0022{v}\\u0022"), "token"),
            // A Zig slice type between the name and the value.
            (
                format!("pub const api_token: []const u8 = \"{v}\";"),
                "api_token",
            ),
            // Exec-form arrays one element per line, and YAML `args:` lists.
            (
                format!("  \"args\": [\n    \"--db-password\",\n    \"{v}\"\n  ]"),
                "db-password",
            ),
            (
                format!("      args:\n        - --db-password\n        - {v}\n"),
                "db-password",
            ),
            (
                format!("      args:\n        - \"--api-token\"\n        - \"{v}\"\n"),
                "api-token",
            ),
        ];
        for (text, name) in cases {
            let kw = ["pass", "token", "secret", "key"]
                .into_iter()
                .find(|k| name.to_ascii_lowercase().contains(k))
                .unwrap();
            let got = parsed(&text, kw);
            assert!(
                got.as_ref()
                    .is_some_and(|g| g.0.ends_with(name) && g.1 == v),
                "{text}: {got:?}"
            );
        }
    }

    #[test]
    fn non_assignments_are_not_parsed() {
        for text in [
            "if password == \"x1y2z3w4\" {",
            "let key = map.get(&key);",
            "fn token(&self) -> &str {",
            "pub password: String,",
            "The password is required",
            "password: ${DB_PASSWORD}",
            "$this->password->reset(\"x1y2z3w4\");",
            "case password -> \"x1y2z3w4\"",
            "<key>ApiToken</key><data>eDF5MnozdzQ=</data>",
            "<key>ApiToken</key><true/><string>x1y2z3w4</string>",
        ] {
            let kw = ["pass", "token", "key"]
                .into_iter()
                .find(|k| text.to_ascii_lowercase().contains(k))
                .unwrap();
            if let Some((_, v, q)) = parsed(text, kw) {
                assert!(!value_plausible(v.as_bytes(), q), "{text}: {v}");
            }
        }
    }
}

#[cfg(test)]
mod attribution_tests {
    use crate::RuleSet;
    use crate::engine::Scanner;

    fn found(s: &Scanner, text: &str) -> Vec<(String, String)> {
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        s.scan(text.as_bytes(), &mut scratch, &mut out);
        out.iter()
            .map(|m| {
                (
                    s.rule(m.rule).rule.id.clone(),
                    text[m.secret.clone()].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn one_finding_per_docker_auth_pair_and_prose_values() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // `auth` is base64 of `ci-bot:<password>`: the password is reported once.
        let cfg = r#"{"auths":{"r.example":{"username":"ci-bot","password":"oIblqUDyItxQCaSbJLMqw","auth":"Y2ktYm90Om9JYmxxVUR5SXR4UUNhU2JKTE1xdw=="}}}"#;
        let got = found(&s, cfg);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "oIblqUDyItxQCaSbJLMqw");
        let secrets = |t: &str| found(&s, t).into_iter().map(|(_, v)| v).collect::<Vec<_>>();
        let tok = "cYywYnUQq2CEI3yEgksas4nLxWKI4iMrbxNW3IVX";
        assert_eq!(
            secrets(&format!(
                "use the break-glass token:\n   `{tok}` (rotate)\n"
            )),
            [tok]
        );
        assert_eq!(
            secrets(&format!("the shared dev token `{tok}` (monthly)\n")),
            [tok]
        );
        assert!(secrets("Set the token `GITHUB_TOKEN_FOR_RELEASES` in settings.\n").is_empty());
        assert_eq!(
            secrets("const authHeader = \"Bearer kq8Z2vLmR4tWx9NpB7yHc3Jd\"\n"),
            ["kq8Z2vLmR4tWx9NpB7yHc3Jd"]
        );
        assert!(secrets("const tokenHeader = \"Authorization\"\n").is_empty());
        // A token people chose is judged as a password; a timestamp is none.
        assert_eq!(
            secrets("\"AUTH_TOKEN\": \"Kettleember7005!\"\n"),
            ["Kettleember7005!"]
        );
        assert!(secrets("\"api_token\": \"2024-11-06T22:47:58+00:00\"\n").is_empty());
    }

    #[test]
    fn provider_keys_without_prefix_need_the_provider_named() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        let hex = "9f3c2a7e1b8d4c3fa6e05d9b7c2e8f14";
        let id = |t: &str| {
            found(&s, t)
                .into_iter()
                .find(|(_, sec)| sec == hex)
                .map(|(r, _)| r)
        };
        let twilio = Some("twilio.auth-token".to_string());
        assert_eq!(id(&format!("TWILIO_AUTH_TOKEN={hex}")), twilio);
        assert_eq!(id(&format!("twilioAuthToken: '{hex}'")), twilio);
        assert_eq!(
            id(&format!(
                "{{\n  \"Twilio\": {{\n    \"AccountSid\": \"AC0\",\n    \"AuthToken\": \"{hex}\"\n  }}\n}}"
            )),
            twilio
        );
        assert_eq!(
            id(&format!("[twilio]\naccount = main\nauth_token = {hex}\n")),
            twilio
        );
        assert_eq!(
            id(&format!("# Twilio credentials\nAUTH_TOKEN={hex}\n")),
            twilio
        );
        assert_eq!(
            id(&format!("auth_token = \"{hex}\"")),
            Some("generic.token".to_string())
        );
        assert_eq!(id(&format!("checksum = \"{hex}\"")), None);
        assert_eq!(id(hex), None);
    }

    #[test]
    fn firebase_client_keys_are_allowed_under_every_name() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let key = "AIzaSyQ7hb2Xr4kLm9Vt3Wq8Zp1Nc6Dy5Fg0Hj2";
        for allowed in [
            format!("VITE_FIREBASE_API_KEY={key}\n"),
            format!(
                "const firebaseConfig = {{\n  apiKey: \"{key}\",\n  authDomain: \"a.firebaseapp.com\",\n}};\n"
            ),
            format!("  <key>API_KEY</key>\n  <string>{key}</string>\n  <key>GCM_SENDER_ID</key>\n"),
        ] {
            assert_eq!(found(&s, &allowed), vec![], "{allowed}");
        }
        // A server key beside a Firebase setting is still reported.
        let got = found(
            &s,
            &format!("FIREBASE_PROJECT=shop\nGEMINI_API_KEY={key}\n"),
        );
        assert_eq!(got, vec![("gcp.api-key".to_string(), key.to_string())]);
    }

    #[test]
    fn positional_passwords_and_aws_secret_keys_are_reported_never_the_user() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "$l = mysqli_connect('db.host', 'app', 'Q7v#kLp2Wz9r', 'shop');",
                "generic.password",
            ),
            (
                "my $dbh = DBI->connect($dsn, 'app', 'Pz4!vRt8Qm2K', {RaiseError => 1});",
                "generic.password",
            ),
            (
                "db, _ := sql.Open(\"mysql\", \"app:Gw5!zQr8Tv2L@tcp(db:3306)/shop\")",
                "database.go-mysql-dsn",
            ),
            (
                "Aws::Credentials.new('AKIAQ3VX7LZ2KPW4MNRT', 'ZWzwDFrlGXl/z1BVXBt7wRkl8OZfIa2AUk7z7gTq')",
                "aws.secret-access-key",
            ),
            (
                "var c = new BasicAWSCredentials(\"AKIAQ3VX7LZ2KPW4MNRT\", \"ZWzwDFrlGXl/z1BVXBt7wRkl8OZfIa2AUk7z7gTq\");",
                "aws.secret-access-key",
            ),
        ];
        for (text, rule) in cases {
            let got = found(&s, text);
            assert!(got.iter().any(|(r, _)| r == rule), "{text}: {got:?}");
            assert!(
                !got.iter().any(|(_, v)| v == "app" || v == "db.host"),
                "{got:?}"
            );
        }
        for text in [
            "$ok = mysqli_connect($host, $user, $password, $db);",
            "$e = mysqli_connect('localhost', 'root', '', 'test');",
            "$p = new PDO($dsn, 'app', 'password');",
        ] {
            assert_eq!(found(&s, text), vec![], "{text}");
        }
    }

    #[test]
    fn map_entries_lone_members_tables_and_serialized_values() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // XStream's map entry with the value wrapped in its class element (Mirth Connect).
            (
                "<entry>\n  <string>fhir_password</string>\n  <com.mirth.connect.util.ConfigurationProperty>\n    <value>e8U+5FRSKIkLm2rUN</value>\n",
                "e8U+5FRSKIkLm2rUN",
            ),
            // Keycloak keeps every component setting in a list of one.
            (
                "\"bindCredential\": [\n  \"Winter2023!clov\"\n],\n",
                "Winter2023!clov",
            ),
            // A provider glued before a key compound, as a JSON name/value pair.
            (
                "{\"plugin\":\"local_o365\",\"name\":\"bingapikey\",\"value\":\"FrwRbAw1J202v1SMh1AkdEBwPzcgm1ywsZ6p8Gjuo4o\"}\n",
                "FrwRbAw1J202v1SMh1AkdEBwPzcgm1ywsZ6p8Gjuo4o",
            ),
            // PHP serialize() in a WordPress options dump.
            (
                "(7,'wc_x','a:1:{s:12:\"api_password\";s:16:\"Kq7!vLz2Tm9#Wp4x\";}','yes');\n",
                "Kq7!vLz2Tm9#Wp4x",
            ),
            // Positional passwords: ArcGIS, Mirth's JavaScript inside XML, VBScript without
            // parentheses (and its backslashes, which escape nothing).
            (
                "gis = GIS(PORTAL, \"portaladmin\", \"Thistlecobalt79!\")\n",
                "Thistlecobalt79!",
            ),
            (
                "DatabaseConnectionFactory.createDatabaseConnection(&apos;org.postgresql.Driver&apos;, &apos;jdbc:postgresql://db:5432/e&apos;, &apos;rd&apos;, &apos;Eeacon@Delta12&apos;);\n",
                "Eeacon@Delta12",
            ),
            (
                "objNetwork.MapNetworkDrive \"H:\", \"\\\\fs01\\home$\\\" & objNetwork.UserName, False, \"D\\svc\", \"Summer2018!jasp\"\n",
                "Summer2018!jasp",
            ),
            // A random secret that starts with `*` is no pointer type; one `%` escape is a
            // password's own `%`.
            (
                "SECRET_KEY=*BEOdGIDgVq7x_NSN=DAo!7RoQ2Gxc3vgJ@cNV\n",
                "*BEOdGIDgVq7x_NSN=DAo!7RoQ2Gxc3vgJ@cNV",
            ),
            ("    password: M4rbl3%266\n", "M4rbl3%266"),
            // Bash's ANSI-C string: the token after `\n` starts a line.
            (
                "databricks configure --token <<< $'https://adb-7.azuredatabricks.net\\ndapi3b9f53dbf9dd3c264f48fc32912a53e0'\n",
                "dapi3b9f53dbf9dd3c264f48fc32912a53e0",
            ),
        ];
        reports_each(&s, &cases);
        // Tables by column: DokuWiki's `^` header over `|` rows, an HTML export's `<th>` header.
        let wiki = "^ Host ^ User ^ Password ^\n| hv21 | root | otter-dune-orchid-walnut |\n| db11 | root | Autumn2014#YL |\n";
        assert_eq!(found(&s, wiki).len(), 2, "{:?}", ids(&s, wiki));
        let html = "<tr><th>User</th><th>Password</th></tr>\n<tr><td>SVC_LOADER</td><td>Clover&amp;beacon69</td></tr>\n";
        assert_eq!(ids(&s, html), ["generic.password:Clover&amp;beacon69"]);
        // Kafka JAAS: the module's own password, then one per `user_NAME` option.
        let jaas = "KafkaServer {\n  org.apache.kafka.common.security.plain.PlainLoginModule required\n  username=\"broker\"\n  password=\"Kk8xRjWybOsA2mOLjqgXXpxVQwcX\"\n  user_svc-connect=\"cactus-dahlia-juniper-8\"\n  user_svc-ksql=\"Cloverbeacon88$\";\n};\n";
        let got = found(&s, jaas);
        assert_eq!(got.len(), 3, "{got:?}");
        reports_none(
            &s,
            &[
                // Cargo features and code's lists are no JSON members.
                "Win32_Security_Authentication = [\"Win32_Security\"]\n",
                "toPropertyKey: [\"body.0.body.body.5.argument.expressions.4.right\"]\n",
                "var x *string\n",
                // A redaction helper's test input.
                "expect(redact('password=Summer2024!x')).toBe('password=[REDACTED]');\n",
            ],
        );
    }

    #[test]
    fn markdown_table_rows_are_assignments_but_prose_cells_are_not() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        for (text, want) in [
            ("| DB_PASSWORD | `Wz8!qLr3Tv6Kp2Mn` |", "Wz8!qLr3Tv6Kp2Mn"),
            ("| password | Tz3#qLw8Vr5KmN7p |", "Tz3#qLw8Vr5KmN7p"),
            (
                "  | `api_key` | `Zq7vLk2Rt9WmXp3Nb8Yc1Hd5Gf0Js` | prod |",
                "Zq7vLk2Rt9WmXp3Nb8Yc1Hd5Gf0Js",
            ),
        ] {
            let got = found(&s, text);
            assert_eq!(got.len(), 1, "{text}: {got:?}");
            assert_eq!(got[0].1, want);
        }
        for text in [
            "| password | The database password, at least 12 characters |",
            "| token | string | required |",
            "| `api_key` | `<your key>` |",
            "a | password | b9Xk2Lq7Vr4Tz8 |",
        ] {
            assert_eq!(found(&s, text), vec![], "{text}");
        }
    }

    #[test]
    fn ciphertext_envelopes_under_secret_names_are_not_reported() {
        use base64::Engine as _;
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        let b64 = |head: &[u8], len: usize| {
            let mut bytes = head.to_vec();
            bytes.extend((0..len).map(|i| (i * 53 + 7) as u8));
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        let kms = b64(&[1, 2, 2, 0, 0x78], 180);
        let sealed = b64(&[2, 0], 640);
        for text in [
            format!("db_password = \"{kms}\""),
            format!("SECRET_TOKEN: {}", b64(&[1, 2, 3, 0, 0x78], 200)),
            format!("spec:\n  encryptedData:\n    password: {sealed}\n"),
        ] {
            assert_eq!(found(&s, &text), vec![], "{text}");
        }
        // The same names with a plain random value still report.
        let plain = b64(&[0x9c, 0x41, 0x17], 30);
        assert_eq!(found(&s, &format!("db_password = \"{plain}\"")).len(), 1);
    }

    #[test]
    fn names_types_templates_and_escape_codes_are_not_values() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        for text in [
            "{\"result_key\": \"PublicIpv4Pools\", \"output_token\": \"NextToken\"}",
            "  Key: Buffer|Uint8Array|Blob|string;",
            "credential = f\"{email}/{datestamp}/auto/storage/goog4_request\"",
            "#define TEST_COLOR_PASS \"\\x1B[0;32m\"",
            "{\"Key\": \"ec2:ResourceTag/elasticbeanstalk:environment-name\", \"Value\": \"x\"}",
            "\"password\": \"%20!%22$%&'()*+,-.%3A%3B%3C%3D%3E%40%5B%5C%5D\"",
        ] {
            assert_eq!(found(&s, text), vec![], "{text}");
        }
        // A human password of two capitalised words is still one.
        assert_eq!(found(&s, "DB_PASSWORD=PepperFalcon42").len(), 1);
    }

    /// The secrets of each rule reported in `text`, as `rule:secret`.
    /// Each text reports exactly one finding, holding its value.
    fn reports_each(s: &Scanner, cases: &[(&str, &str)]) {
        for &(text, want) in cases {
            let got = found(s, text);
            assert!(
                got.len() == 1 && got[0].1 == want,
                "{text}: {:?}",
                ids(s, text)
            );
        }
    }

    /// No text reports anything.
    fn reports_none(s: &Scanner, texts: &[&str]) {
        for text in texts {
            assert_eq!(ids(s, text), Vec::<String>::new(), "{text}");
        }
    }

    fn ids(s: &Scanner, text: &str) -> Vec<String> {
        found(s, text)
            .into_iter()
            .map(|(r, v)| format!("{r}:{v}"))
            .collect()
    }

    #[test]
    fn ldap_and_redis_directives_name_passwords() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            ("bindpw Nl4!qRz8Tm2Wk\n", "Nl4!qRz8Tm2Wk"),
            ("ldap_bind_pw = Lb3!qTz7Rm2Wk\n", "Lb3!qTz7Rm2Wk"),
            ("bindpassword = Lb4!qTz7Rm2Wk\n", "Lb4!qTz7Rm2Wk"),
            ("rootpw Sl6!tQz3Rm8Lw\n", "Sl6!tQz3Rm8Lw"),
            (
                "[domain/corp]\nldap_default_authtok_type = password\nldap_default_authtok = Ss7!kQz2Rm9Lw\n",
                "Ss7!kQz2Rm9Lw",
            ),
            ("requirepass Rd5!kQz9Tm2Lw\n", "Rd5!kQz9Tm2Lw"),
            ("masterauth Rd6!kQz9Tm2Lw\n", "Rd6!kQz9Tm2Lw"),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "rootpw {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
                "ldap_default_authtok_type = obfuscated_password\n",
                "let pw_len = bindpw.len();\n",
                "bindpw $LDAP_BIND_PW\n",
            ],
        );
    }

    #[test]
    fn placeholder_defaults_are_literal_values() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "    password: ${RABBIT_PASSWORD:Harbor2023_PW4L}\n",
                "Harbor2023_PW4L",
            ),
            (
                "    password: ${SPRING_RABBIT_PW:Harbor2024_Qx7L}\n",
                "Harbor2024_Qx7L",
            ),
            (
                "  @Value(\"${legacy.api.token:tkwvQ7mZr2Lp9Xb4Nc8}\")\n",
                "tkwvQ7mZr2Lp9Xb4Nc8",
            ),
            ("psql -W \"${DB_PASS:-S3cretVq8Lm2Zr}\"\n", "S3cretVq8Lm2Zr"),
            ("export X=\"${DB_PASS-Kt7!mWq2Rz9Lp}\"\n", "Kt7!mWq2Rz9Lp"),
            (
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-Pg7!kLm2Qz9Wx}\n",
                "Pg7!kLm2Qz9Wx",
            ),
            (
                "      OTHER: ${API_TOKEN:-Tk9Lm2Qz7Wx4Vb}\n",
                "Tk9Lm2Qz7Wx4Vb",
            ),
            (
                "DB_PASSWORD=${DB_PASSWORD:=Rq4!vTz8Lm2Wx}\n",
                "Rq4!vTz8Lm2Wx",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "password: ${DB_PASSWORD}\n",
                "password: ${DB_PASSWORD:}\n",
                "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-changeme}\n",
                "password: ${DB_PASSWORD:-$FALLBACK_PASSWORD}\n",
                "password: ${DB_PASSWORD:${LEGACY_PASSWORD}}\n",
                "token=\"${API_TOKEN:?API_TOKEN is required}\"\n",
                "args=\"${API_TOKEN:+--token=$API_TOKEN}\"\n",
                "echo \"${TOKEN:0:8}\"\n",
                "const url = `${tokenUrl}/${token-offset}`;\n",
                "timeout: ${HTTP_TIMEOUT:30000}\n",
            ],
        );
    }

    #[test]
    fn yaml_values_starting_with_a_bang_are_tags_only_before_a_tag_name() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "    password: !+0Qjd++&cW*q^%h&7S#%7-CpB\n",
                "!+0Qjd++&cW*q^%h&7S#%7-CpB",
            ),
            ("db_password: !7hQz@Lm2#Wk9vR\n", "!7hQz@Lm2#Wk9vR"),
            ("password: \"!Kx7#Lm2@Wq9vR\"\n", "!Kx7#Lm2@Wq9vR"),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "DbPassword: !Ref DbPasswordParam\n",
                "MasterUserPassword: !Sub '{{resolve:secretsmanager:${Secret}}}'\n",
                "db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n",
                "api_token: !!binary dGhpcyBpcyBub3QgYSB0b2tlbg==\n",
                "let token = !is_valid_token_here;\n",
                "password: !password_required_flag\n",
            ],
        );
    }

    #[test]
    fn basic_auth_lists_report_the_password_of_a_user_password_pair() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            ("    basic_auth: [\"svcadmin:M@pl3939!\"]\n", "M@pl3939!"),
            (
                "basic_auth:\n  - \"svcadmin:Kq7#Lz2mRd9!Wx\"\n",
                "Kq7#Lz2mRd9!Wx",
            ),
            ("basic_auth:\n- svcadmin:Rq4!vTz8Lm2Wx\n", "Rq4!vTz8Lm2Wx"),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "basic_auth: [\"${NGROK_BASIC_AUTH}\"]\n",
                "basic_auth:\n  - \"http://proxy.internal:3128\"\n",
                "basic_auth:\n  - \"svcadmin:changeme\"\n",
                "users: [\"svcadmin:$apr1$psxz7vwi$2sKxkNc4yQUCFRPP2zKyCW\"]\n",
                "auth_methods: [\"basic:digest\"]\n",
                "credentials: [\"user name:with spaces\"]\n",
            ],
        );
    }

    #[test]
    fn google_app_passwords_keep_their_blanks_under_password_names() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "SMTP_PASSWORD=\"bhjd pwnl iyyf kyiv\"\n",
                "bhjd pwnl iyyf kyiv",
            ),
            (
                "EMAIL_HOST_PASSWORD = 'qzrt wmkx ovbn hplc'\n",
                "qzrt wmkx ovbn hplc",
            ),
            (
                "gmail_app_password: xkcd vbnm qwrt zplk\n",
                "xkcd vbnm qwrt zplk",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "password: must have more than\n",
                "PASSWORD_HINT=\"your name here okay\"\n",
                "api_token = \"bhjd pwnl iyyf kyiv\"\n",
                // Not four groups of four, nor a passphrase of words (a two-letter word).
                "password: \"bhjd pwnl iyyf kyiv ex\"\n",
                "password: \"Bhjd pwnl iyyf kyiv\"\n",
            ],
        );
    }

    #[test]
    fn prose_and_chat_state_values_after_a_connector_word() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "{\"text\": \"fwiw prod db pw is `Tiger.summer#6600` if you need psql\"}\n",
                "Tiger.summer#6600",
            ),
            (
                "vpn admin pw changed to o&amp;RiI8hpW4Iw0Xxx-A&amp;tHC (old one in 1pass)\n",
                "o&amp;RiI8hpW4Iw0Xxx-A&amp;tHC",
            ),
            (
                "Tom: is the datadog key still 96ff3a73556302d8dbf5bb6ad6d36a10?\n",
                "96ff3a73556302d8dbf5bb6ad6d36a10",
            ),
            ("DB_PW=Xk29fjq81Lmz\n", "Xk29fjq81Lmz"),
            (
                "DJANGO_SECRET_KEY=^f8ie!hip8s&t7y-y#*^7+jb*a^!9vkfsxzrp47hs@5by+r(3n\n",
                "^f8ie!hip8s&t7y-y#*^7+jb*a^!9vkfsxzrp47hs@5by+r(3n",
            ),
            (
                "set apiToken to \"Xq8vLz2Tr9WpXm4Nb7Yc1Hd5Gf0Js2\"\n",
                "Xq8vLz2Tr9WpXm4Nb7Yc1Hd5Gf0Js2",
            ),
            (
                "<p>DB password for the replica is <tt>o&quot;H0RANc&lt;V9RTE67</tt>.</p>\n",
                "o&quot;H0RANc&lt;V9RTE67",
            ),
            (
                "\"content\": \"<div>svc-report password: <strong>gaECuIpUvmB3we3&amp;gg</strong></div>\"\n",
                "gaECuIpUvmB3we3&amp;gg",
            ),
            (
                "| Dana | Share DB break-glass password `AutumnQuartz25@` with on-call |\n",
                "AutumnQuartz25@",
            ),
            (
                "FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD=knci-rhrw-kdjs-gpkd\n",
                "knci-rhrw-kdjs-gpkd",
            ),
            ("adminPw: \"Rt8vQ2mz71\"\n", "Rt8vQ2mz71"),
            // A label of two words in a mail or notes; the password named in other languages.
            (
                "  API key:    c6baebe3adb2c5345bc4b837dbb1f4baa4381b82\n",
                "c6baebe3adb2c5345bc4b837dbb1f4baa4381b82",
            ),
            (
                "18:06 - Jonas: WLAN heisst jetzt \"Gast\", Passwort: Spruc3$207\n",
                "Spruc3$207",
            ),
            ("Initialpasswort: Juniper_Cactus31\n", "Juniper_Cactus31"),
            // Four kinds of characters make a value of words a password mid-sentence too.
            (
                "btw the vps root pw is still Reef-Marble43 we should switch to keys\n",
                "Reef-Marble43",
            ),
            (
                "Updated svc_scan password to Indigo!Silver73 on device.\n",
                "Indigo!Silver73",
            ),
            // An aside in parentheses; a new password stated in a sentence.
            (
                "\"fastly key (prod): 0IbSkXvJlHnq2nQC716xY5xZzY4-xSqe\",dev1@x.example.org\n",
                "0IbSkXvJlHnq2nQC716xY5xZzY4-xSqe",
            ),
            (
                "# svc_gpo password (b64): Uml2ZXIyMDI0IVdJTA==\n",
                "Uml2ZXIyMDI0IVdJTA==",
            ),
            (
                "Your new password is: Llacier_Nectar67\n",
                "Llacier_Nectar67",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "the password is required for login, and the token is None until refresh\n",
                "the api key is stored in vault under kv/prod/api2 now\n",
                "Constrain it with a Condition element. The key is swf:tagList.member.4.\n",
                "pw = pwd.getpwnam(user)\n",
                "LOG('guessed container type (pass `asn1Spec` to guide the decoder)')\n",
                "Set the password `Type::Secret2` in the constructor.\n",
                "if token is None:\n    return\n",
                "the secret key is rotated2024 every quarter\n",
                "/// Raw structure used to pass to `cabi::wasip3_task_set`\n",
                "sort key: Qs2clZLDfSsu3rZh4f4FCkKwc1OjmXHg\n",
                "set the password to something2 secure\n",
                "api key (required): the key of the account2 you use\n",
                "New password: ______________\n",
            ],
        );
    }

    #[test]
    fn short_drawn_secrets_and_provider_words_before_a_bare_token() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            ("TRAVELPORT_SECRET=Qm7tRx2KpZ\n", "Qm7tRx2KpZ"),
            ("const GDS_SECRET = \"vB4nWq8Ls\";\n", "vB4nWq8Ls"),
            ("partner.rest.client-secret=hT5kQw2Z\n", "hT5kQw2Z"),
            (
                "Fastly purge token Xq7_Lm2VbN9KdR4TzW8YpC3HsJ6Fa1Ge\n",
                "Xq7_Lm2VbN9KdR4TzW8YpC3HsJ6Fa1Ge",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "APP_SECRET=MyApp2023\n",
                "CLIENT_SECRET=Secret123\n",
                "API_KEY=A1b2C3d4\n",
                "SECRET_KEY=S3cr3tK3y\n",
                "[![codecov](https://codecov.io/gh/o/r/branch/main/graph/badge.svg?token=Q7mR2xKp9L)](https://codecov.io/gh/o/r)\n",
            ],
        );
    }

    #[test]
    fn lowest_bar_of_each_shape_destructuring_and_lost_quotes() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // Words and a digit: a password's composition and a passphrase; the lower bar holds.
            (
                "password: lantern-osprey-quarry-thistle7\n",
                "lantern-osprey-quarry-thistle7",
            ),
            // Letters drawn at random, each capital followed by one lower-case letter.
            ("ua_password: KeTnWoBuQzPx\n", "KeTnWoBuQzPx"),
            // A `*` no mail system puts in a local part: a password, not an address.
            (
                "{\"DbPassword\": \"Qm4*Tz7+w@Rk2vP.Lxe\"}\n",
                "Qm4*Tz7+w@Rk2vP.Lxe",
            ),
            (
                "galaxy:\n  id_secret: 7be3c0a98f2d41e6b5c7a9d0e3f21b8c4d6e9a0f1b2c3d4e\n",
                "7be3c0a98f2d41e6b5c7a9d0e3f21b8c4d6e9a0f1b2c3d4e",
            ),
            // Each target of a destructuring assignment takes its own literal.
            (
                "STORE_KEY, STORE_SECRET = \"K8QW2ZP4N6TR1YV3XL5M\", \"vT9qLm2Xw7Rk4Zp8Nc3Bd6Hs1Jf5Gy0Ue\"\n",
                "vT9qLm2Xw7Rk4Zp8Nc3Bd6Hs1Jf5Gy0Ue",
            ),
            // A call's arguments across lines are no destructuring targets.
            (
                "c = Client(\n    host, user, password=\"Wq7Lm2Rx9Tz4Kv8N\",\n)\n",
                "Wq7Lm2Rx9Tz4Kv8N",
            ),
            // A closing quote lost at the line's end, the next line an entry of its own.
            (
                "feeds:\n  portalPassword: \"Rv7kQ2.Lm9TxWz\n  region: \"us-east-2\"\n",
                "Rv7kQ2.Lm9TxWz",
            ),
            (
                "resp = requests.get(URL, auth=(\"svc_export\", \"Chapel7Cobalt3Tundra\"), timeout=120)\n",
                "Chapel7Cobalt3Tundra",
            ),
            (
                "curl -s -H \"Authorization: OAApiKey k4575j5o.WzbUPV5WNfBtUrdbdtodmpCn7wQhlFn4nkqv\" https://x\n",
                "k4575j5o.WzbUPV5WNfBtUrdbdtodmpCn7wQhlFn4nkqv",
            ),
            // A vendor no rule knows, named in a message before `key:`.
            (
                "They also issued a fresh tenantcloud key: Zq8Lm3Rt7XwK2pVn9cBd4HsJ6fGy1Ue5\n",
                "Zq8Lm3Rt7XwK2pVn9cBd4HsJ6fGy1Ue5",
            ),
        ];
        reports_each(&s, &cases);
        // cloud-init's `chpasswd` list: every `user:password` line of the block.
        let cloud = "#cloud-config\nchpasswd:\n  list: |\n    root:Tq8vLm2Rz7Xk\n    ubuntu:Harbor-Lintel-4471\n  expire: false\nruncmd:\n  - echo done\n";
        let got: Vec<String> = found(&s, cloud).into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, ["Tq8vLm2Rz7Xk", "Harbor-Lintel-4471"]);
        // Tables of credentials keyed by partner: a plural credential noun or an enum.
        let tables = [
            "const PARTNER_SECRETS: Record<string, string> = {\n  \"partner-north\": \"8f2c61d0b94e7a35c1d8e60f2b7a94c3d5e1f08a6b2c49d7e3f10a8b5c6d7e2f\",\n  \"partner-test\": process.env.TEST_SECRET ?? \"\",\n};\n",
            "public enum VendorKey {\n    REVIEWCO(\"5c0d8e2b7a94f13e6d2c8b0a4f7e91d3\"),\n    NONE(\"\");\n    private final String key;\n}\n",
            "API_KEYS = {\n    # production\n    'prod': 'Wq7Lm2Rx9Tz4Kv8Np3Bd6Hs1Jf5Gy0Ue',\n}\n",
            "webhooks:\n  partner_secrets:\n    nimbus: Zq8Lm3Rt7XwK2pVn9cBd4HsJ6fGy1Ue5\n  timeout: 30\n",
        ];
        for (text, want) in tables.iter().zip([
            "8f2c61d0b94e7a35c1d8e60f2b7a94c3d5e1f08a6b2c49d7e3f10a8b5c6d7e2f",
            "5c0d8e2b7a94f13e6d2c8b0a4f7e91d3",
            "Wq7Lm2Rx9Tz4Kv8Np3Bd6Hs1Jf5Gy0Ue",
            "Zq8Lm3Rt7XwK2pVn9cBd4HsJ6fGy1Ue5",
        ]) {
            let got: Vec<String> = found(&s, text).into_iter().map(|(_, v)| v).collect();
            assert_eq!(got, [want], "{text}");
        }
        reports_none(
            &s,
            &[
                "const KEYS = {\n  up: \"ArrowUp\",\n  down: \"ArrowDown\",\n};\n",
                "PUBLIC_KEYS = {\n  'k1': 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=',\n}\n",
                "enum TokenKind {\n    PLUS(\"+\"),\n    MINUS(\"-\");\n}\n",
            ],
        );
        reports_none(
            &s,
            &[
                // The string goes on and closes on the next line.
                "notes: \"Rv7kQ2.Lm9TxWz\n  and more\"\n",
                "Primary key: Zq8Lm3Rt7XwK2pVn9cBd4HsJ6fGy1Ue5\n",
                "Cache key: 0b3f9833629a6e537815707b629157f1\n",
                "Site key: 6LdQx8TmAAAAAGk3Zq9Rw2Lp7Vn4Xc1Bd6Hs\n",
                "const TOKENS = {\n  USDC: \"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\",\n};\n",
                "chpasswd:\n  list: |\n    root:RANDOM\n    ops:$6$rounds=4096$saltsalt$Zk3x9Q\n  expire: false\n",
                "def connect(host, password=\"\"):\n",
                "r = requests.get(URL, auth=(\"user\", \"password_field\"))\n",
                "contact: ops.team+alerts@example.com\n",
            ],
        );
    }

    #[test]
    fn prose_pastes_a_key_after_what_it_is_for() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "{\"text\": \"Pipedrive api token for the weekly digest mailer 7c1e0a9b4d2f6e8a3b5c9d0e1f2a4b6c3d5e7f9a\"}\n",
                "7c1e0a9b4d2f6e8a3b5c9d0e1f2a4b6c3d5e7f9a",
            ),
            (
                "Okta API token for the contractor SSO sync 00qWx7Rt2LmN9pZs4KvB8cYd1HfJ6gTe3UaXo5iEw\n",
                "00qWx7Rt2LmN9pZs4KvB8cYd1HfJ6gTe3UaXo5iEw",
            ),
            (
                "Sendinblue server token (order receipts) 5b0e7a21-93cd-4f6e-8b1a-2d4c6e8f0a13\n",
                "5b0e7a21-93cd-4f6e-8b1a-2d4c6e8f0a13",
            ),
            (
                "new client secret from the vendor: q7zt3kd9-x2mv-8hpl-wq4r-n6cy0b5f1sja\n",
                "q7zt3kd9-x2mv-8hpl-wq4r-n6cy0b5f1sja",
            ),
            (
                "Retired webhook secret, still honoured by the relay until 2026-01-31: 0b7d4f2a9c1e8b3d5f6a0c2e4b7d9f1a3c5e8b0d\n",
                "0b7d4f2a9c1e8b3d5f6a0c2e4b7d9f1a3c5e8b0d",
            ),
            (
                "Braze REST key (eu) ............ Kq8vT2mLx9RzW4pYn7cB3dHf\n",
                "Kq8vT2mLx9RzW4pYn7cB3dHf",
            ),
            (
                "<tr><td>Priya</td><td>Channex password for the XYZ mapping: harbor-7731-lantern</td></tr>\n",
                "harbor-7731-lantern",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "the token for the build step is computed from the commit sha\n",
                "Rotate the key for each tenant 2024-11-03T10:00:00Z\n",
                "see the secret for staging docs/secrets/2024-rotation-plan.md\n",
                "key, value: ConfigEntry\n",
                "token for the release v2.14.3-rc1 build\n",
                "INFO Issued session token for user 5b0e7a21-93cd-4f6e-8b1a-2d4c6e8f0a13\n",
                "DEBUG Fetched signing key for kid 3f9a2c1d8e7b6a5f4c3d2e1f0a9b8c7d\n",
                "ERROR Invalid API key, request ID: 5b0e7a21-93cd-4f6e-8b1a-2d4c6e8f0a13\n",
                "Set your API key, for example: 3f9a2c1d8e7b6a5f4c3d2e1f0a9b8c7d\n",
            ],
        );
    }

    #[test]
    fn escaped_characters_stay_inside_values() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A JSON-escaped backslash, and shell/Dockerfile `\$`, are one character of the value.
            (
                "{\"Password\": \"qv5vgNBIi\\\\6GR5j\"}\n",
                "qv5vgNBIi\\\\6GR5j",
            ),
            (
                "ENV DB_PASSWORD=\"xHwz5fv9B\\$wK8\\$9W\"\n",
                "xHwz5fv9B\\$wK8\\$9W",
            ),
            // An XML entity's `;` does not end a connection string's password.
            (
                "<add connectionString=\"Data Source=erp;User ID=web;Password=b2C&amp;a&lt;N3pn71YHBa\" />\n",
                "b2C&amp;a&lt;N3pn71YHBa",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &["{\"ImportPassword\": \"C:\\\\Secure\\\\Import\\\\pw24.txt\"}\n"],
        );
    }

    #[test]
    fn symbol_keys_binaries_backtick_quotes_and_backslashed_passwords() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A Ruby symbol as a hash key.
            (
                "knife[:vsphere_pass]          = 'Delta.Nimbus.Fjord.3184'\n",
                "Delta.Nimbus.Fjord.3184",
            ),
            // An Erlang/Elixir binary after `=>`.
            (
                "x = #{api_key => <<\"Kq7Lz2Rd9Wx4Tq8mZ2vK5nX9pL3w\">>}\n",
                "Kq7Lz2Rd9Wx4Tq8mZ2vK5nX9pL3w",
            ),
            // PowerShell's backtick-escaped quotes around JSON keys and values.
            (
                "$body = \"{`\"user`\":`\"svc`\",`\"password`\":`\"Pylon`$Ridge77`\"}\"\n",
                "Pylon`$Ridge77",
            ),
            // Backslashes between characters no file name holds are no Windows path.
            (
                "partnerPassword = \"\\\\Comet+rhubarb\\\\31\"\n",
                "\\\\Comet+rhubarb\\\\31",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "knife[:vsphere_pass] = ENV['VSPHERE_PASS']\n",
                "x = #{api_key => <<\"${API_KEY}\">>}\n",
                "{\"ImportPassword\": \"C:\\\\Secure\\\\Import\\\\pw24\"}\n",
            ],
        );
    }

    #[test]
    fn digit_joined_words_are_passphrases_not_type_names() {
        for v in [
            "Capsule2Weber8Linen",
            "Hangar9Quarry3Violet12",
            "Moose8Valley8Quarry",
        ] {
            assert!(super::digit_joined_words(v.as_bytes()), "{v}");
        }
        for v in [
            "Base64UrlEncoder",
            "CapsuleWeberLinen",
            "Capsule2weber8linen",
            "Vector3Int",
            "Capsule123Weber8Linen",
        ] {
            assert!(!super::digit_joined_words(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn passphrases_under_password_names_and_published_keys() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            ("password: \"dragon-staging\"\n", "dragon-staging"),
            ("db_password: desert-nickel-coral\n", "desert-nickel-coral"),
            ("unifi_password: Birch.Salmon92\n", "Birch.Salmon92"),
            // Words joined by digits, as a generator writes them.
            ("  password: Provost6Moose7Cellar\n", "Provost6Moose7Cellar"),
            ("sf.password=Capsule2Weber8Linen\n", "Capsule2Weber8Linen"),
            (
                "ops.sftp.password=Z\\u00fcrich-S=dKIF#gOzWZ@-_\n",
                "Z\\u00fcrich-S=dKIF#gOzWZ@-_",
            ),
            (
                "password = \"\"\"Db#Harbor2025#1\"\"\"\n",
                "Db#Harbor2025#1",
            ),
            // Words repeat their letters: the entropy bar is the words' own.
            (
                "body=grant_type=password&password=lantern-maple-lemon-polar\n",
                "lantern-maple-lemon-polar",
            ),
            // Words separated by blanks, quoted or to the end of the line.
            (
                "export RESTIC_PASSWORD='parrot bison planet nebula blossom15'\n",
                "parrot bison planet nebula blossom15",
            ),
            (
                "gpg_passphrase = copper walrus lizard78\n",
                "copper walrus lizard78",
            ),
            (
                "passphrase = 'salmon mint sparrow wombat'\n",
                "salmon mint sparrow wombat",
            ),
            // A leading capital and a group of digits of their own, as people write them.
            (
                "POSTGRES_PASSWORD: Summit tundra bronze 80\n",
                "Summit tundra bronze 80",
            ),
            (
                "'password' => 'Shadow badger cedar 47',\n",
                "Shadow badger cedar 47",
            ),
            (
                "url=postgresql://app_user:5JXRz62K6J@db-primary.internal:5432/appdb\n",
                "5JXRz62K6J",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "password: change-me-please\n",
                "password: not-set-yet\n",
                "password = Config.Password2\n",
                "password: Settings.Version2\n",
                "password_hint: \"must contain eight characters at least\"\n",
                "password: \"enter your password here\"\n",
                "api_key: \"salmon mint sparrow wombat\"\n",
                "password_help: \"the login password for admin users\"\n",
                "password = pick four random words\n",
                "password_policy: \"Minimum Twelve Characters 2024\"\n",
                "api_key: dragon-staging-area\n",
                "DATABASE_URL=postgres://postgres:postgres@db:5432/app\n",
                "export const MIXPANEL_TOKEN = '8caf33bb5d3c8a31d3ee965269266870';\n",
                "stripeKey: \"pk_live_51neFEoIK1q4lZMst19CnO1907HtbdZZiPV0pY7pVQmV4nLMLz\",\n",
                "<component publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\">\n",
                "\"ConnectionString\": \"InstrumentationKey=87aa83a1-02ab-47a9-af1c-d39f7299312a;IngestionEndpoint=https://in.example.com/\"\n",
                "md5_cred=9e8064d6c506c7d57c9bf02ff780da2a\n",
                "SMTP_PASSWORD_ENCRYPTED=AQICAHhKZZurszK4tPmgOpKTvqjj/iDGcN2CRiADwJyB64dR3ZuM8z4U7j0yat28K0RbqDuQlmSkiIO49HHCNY5IOfBvJOppvb+igm6YLFtxtFsvwJouZ/0OeK480QOVHku6oFDhq05mXRyp7zLN3suPMY3+wxIVVr1X14lFs6DIispW\n",
            ],
        );
    }

    #[test]
    fn phrases_under_secret_names_escapes_hex_bytes_and_defaults() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // Four words or more under a secret's name, or an encryption key's.
            (
                "process.env.COOKIE_SECRET = \"ember.jasper.comet.cricket\";\n",
                "ember.jasper.comet.cricket",
            ),
            (
                "app.use(session({\n  secret: 'badger-coral-amber-fennel-river',\n}));\n",
                "badger-coral-amber-fennel-river",
            ),
            (
                "REVALIDATE_SECRET=Ember pebble fjord garnet island\n",
                "Ember pebble fjord garnet island",
            ),
            (
                "0 2 * * * BACKUP_KEY='Amber rocket canyon harbor plasma' /usr/local/bin/backup.sh\n",
                "Amber rocket canyon harbor plasma",
            ),
            // Four bare words under a password's name.
            (
                "pass_phrase=Yonder otter tiger heron\n",
                "Yonder otter tiger heron",
            ),
            // Ruby's `||=` and `??=` set a default.
            (
                "ENV['PAYMENTS_API_KEY'] ||= 'Qx7Lm2Wr8NbXd3vT9aKc5Jz1'\n",
                "Qx7Lm2Wr8NbXd3vT9aKc5Jz1",
            ),
            (
                "options.ApiKey ??= \"Qx7Lm2Wr8NbXd3vT9aKc5Jz4\";\n",
                "Qx7Lm2Wr8NbXd3vT9aKc5Jz4",
            ),
            // A salt drawn as a 128-bit integer.
            (
                "app.config[\"SECURITY_PASSWORD_SALT\"] = \"933891496704271700420907560027\"\n",
                "933891496704271700420907560027",
            ),
        ];
        reports_each(&s, &cases);
        // Values written with escapes or as hex bytes are judged and reported as their text.
        let decoded = |text: &str| -> Vec<String> {
            let mut scratch = s.scratch();
            let mut out = Vec::new();
            s.scan(text.as_bytes(), &mut scratch, &mut out);
            out.iter()
                .filter_map(|m| m.decoded.as_ref())
                .map(|d| String::from_utf8_lossy(&d.secret).into_owned())
                .collect()
        };
        // A backslash left over: two levels of quoting, left as written.
        assert_eq!(
            decoded("\" 'metabase_password': 'Tq\\\\\\\\nMo3VH1K-HqaYxi'}\"\n"),
            Vec::<String>::new()
        );
        // nhi-scan:allow-next-line (fakes)
        let escaped = [
            (
                "const ADMIN_PASS = \"PkefR2mK\\x40GchisR\\x22387\";\n",
                "PkefR2mK@GchisR\"387",
            ),
            ("ldap.bindPassword=pa\\:ss\\=RfY9UQg1\n", "pa:ss=RfY9UQg1"),
            (
                "mongo -u report --password='it'\\''s-maple-7203' --eval 'db.stats()'\n",
                "it's-maple-7203",
            ),
            (
                "\"ApiPassword\"=hex:4f,61,73,69,73,7e,43,61,63,74,75,73,31,36,33,37\n",
                "Oasis~Cactus1637",
            ),
            (
                "\"DefaultPassword\"=hex(1):4f,00,61,00,73,00,69,00,73,00,7e,00,43,00,61,00,63,00,74,00,75,00,73,00,31,00,36,00,00,00\n",
                "Oasis~Cactus16",
            ),
            (
                "INSERT INTO `settings` VALUES ('site_title',0x41636D65),('smtp_password',0x677E306765366935254D7A456333586933486354);\n",
                "g~0ge6i5%MzEc3Xi3HcT",
            ),
            (
                "  credentialsB64: YnJpZGdlOkJyYW1ibGUlR2V5c2VyODIy\n",
                "bridge:Bramble%Geyser822",
            ),
        ];
        for (text, want) in escaped {
            assert_eq!(decoded(text), [want], "{text}");
        }
        reports_none(
            &s,
            &[
                "secret: my-app-secret-store\n",
                "SORT_KEY='first name last name'\n",
                "LABEL_KEY: 'Order summary title text'\n",
                "session_key: 'user-profile-cache-entry'\n",
                "password_hint: Pick four random words\n",
                "api_key: \"salmon mint sparrow wombat\"\n",
                "SECRET_PATTERN = \"\\\\d+\\\\w+\"\n",
                "app.config[\"SECURITY_PASSWORD_SALT\"] = \"1234\"\n",
                "\"Flags\"=hex:00,00,00,01,00,00,00,02,00,00,00,03\n",
            ],
        );
    }

    #[test]
    fn policy_passwords_psk_nim_exports_and_names_that_say_the_encoding() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // Words with a policy symbol, or a number between words, under a password's name.
            (
                "server.ssl.key-store-password=Beacon_RVQJCg^\n",
                "Beacon_RVQJCg^",
            ),
            (
                "profile::mysql::root_password: \"Gecko.rdlRRB+\"\n",
                "Gecko.rdlRRB+",
            ),
            (
                "  admin_password: Orbit7366nimbus.qA2\n",
                "Orbit7366nimbus.qA2",
            ),
            // `psk` is a password's name, in code, in a keyfile and in prose.
            (
                "PSK = \"tulip-olive-dahlia-tapir\"\n",
                "tulip-olive-dahlia-tapir",
            ),
            (
                "psk=marble-lemur-zinnia-blossom\n",
                "marble-lemur-zinnia-blossom",
            ),
            (
                "Network: IOT   Pre-shared key: HeronPilot5675#\n",
                "HeronPilot5675#",
            ),
            // Nim's export marker between the name and `=`.
            (
                "  ScraperApiKey* = \"nLfS2fYwty08TLiqj3htsGYQm3xTBeEE\"\n",
                "nLfS2fYwty08TLiqj3htsGYQm3xTBeEE",
            ),
            // A noun before a signing key names what it signs.
            (
                "pub const url_signing_key = \"2540dfc9bf425cc4a1483995c390779dc66e1355a907654dc857d7784715686e\";\n",
                "2540dfc9bf425cc4a1483995c390779dc66e1355a907654dc857d7784715686e",
            ),
            // A token whose prefix is a secret word.
            (
                "export LAMBDA_API_KEY=secret_s5tbbptcccxnhqcx_38df525d04947a6d05fbff04cb41a60e\n",
                "secret_s5tbbptcccxnhqcx_38df525d04947a6d05fbff04cb41a60e",
            ),
            // A key qualified by what it permits is no key id.
            (
                "THINGSPEAK_WRITE_KEY = \"56F8SUXQ779NMDTP\"\n",
                "56F8SUXQ779NMDTP",
            ),
        ];
        reports_each(&s, &cases);
        // The hex the name announces is decoded: the password is the text.
        let mut scratch = s.scratch();
        let mut out = Vec::new();
        s.scan(
            b"admin_password_hex = 4f617369734261646765723437333640\n",
            &mut scratch,
            &mut out,
        );
        let decoded = out
            .first()
            .and_then(|m| m.decoded.as_ref())
            .map(|d| d.secret.clone());
        assert_eq!(decoded.as_deref(), Some(&b"OasisBadger4736@"[..]));
        reports_none(
            &s,
            &[
                "    offered_psk: client_hello\n",
                "password = Config.Password2\n",
                "AWS_KEY = \"AKIAZZZZZZZZZZZZZZZZ\"\n",
                "url_key = \"2540dfc9bf425cc4a1483995c390779dc66e1355a907654dc857d7784715686e\"\n",
                "x * = \"nLfS2fYwty08TLiqj3htsGYQm3xTBeEE\"\n",
            ],
        );
    }

    #[test]
    fn passwords_people_and_generators_make_and_the_places_they_sit() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A `%` that no URL encoder wrote (`%71` would be `q`).
            ("EARTHDATA_PASS=Tulip%710\n", "Tulip%710"),
            (
                "<add name=\"Db\" connectionString=\"Server=sql02;User Id=web;Password=C0y0t3%590;\" />\n",
                "C0y0t3%590",
            ),
            // A mainframe's eight characters: one case and digits, interleaved.
            ("PASSWD = 'H0J5PAW2'\n", "H0J5PAW2"),
            // `@` before a number is no e-mail address.
            ("PWD         = M@rbl3.539\n", "M@rbl3.539"),
            // `$` in a properties file expands nothing.
            ("ssl.keystore.password=Quince$sEYlig\n", "Quince$sEYlig"),
            // OCI's `pass_phrase`, and a MikroTik pre-shared key of words.
            (
                "pass_phrase=ginger raven magnet 763\n",
                "ginger raven magnet 763",
            ),
            (
                "add name=staff wpa2-pre-shared-key=\"cinder-lilac-savanna-oyster\"\n",
                "cinder-lilac-savanna-oyster",
            ),
            // An encryption key whose last qualifier is `primary`.
            (
                "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=52QKNGCwTbOWLJ4kJLITvoBqfASJXhQZ\n",
                "52QKNGCwTbOWLJ4kJLITvoBqfASJXhQZ",
            ),
            // Capitalised words under a password's name.
            ("  password: \"BadgerWinterFern37\"\n", "BadgerWinterFern37"),
            (
                "  \"POSTGRES_PASSWORD=OysterKiwiPlum42\",\n",
                "OysterKiwiPlum42",
            ),
            // Wrappers: Go, Puppet, Rust.
            (
                "\tSessionKey: []byte(\"tt4yyXyAfK5DdDf6BBkCdKovqN2flhZW\"),\n",
                "tt4yyXyAfK5DdDf6BBkCdKovqN2flhZW",
            ),
            (
                "    password => Sensitive('Husky!Mohawk44'),\n",
                "Husky!Mohawk44",
            ),
            // A random key that happens to spell its name's head.
            (
                "\"SigningKey\": \"aK1CCQQBgcbfnhY6WUDR992PyMmcpmOL/X7wWSQN1aVw6LSep/kg9wKfwUKeyPWb\"\n",
                "aK1CCQQBgcbfnhY6WUDR992PyMmcpmOL/X7wWSQN1aVw6LSep/kg9wKfwUKeyPWb",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "redirect = https://x.io/a%2Fb%3Fc\n",
                "password = hunter22\n",
                "contact_email = ops@example.com\n",
                "token_type: \"BearerTokenV2\"\n",
                "the pass sets (`Prepass`, `MainPass`, `EarlyPostProcess`)\n",
                "MLKEM768X25519PrivateKey = rust_openssl.hpke.MLKEM768X25519PrivateKey\n",
                "password = \"${DB_PASS}\"\n",
                "ENCRYPTION_KMS_KEY=7f3e9a21-4c8b-4d2e-9f1a-6b5c3d8e2a47\n",
                "password: InheritFromParent\n",
                "val password3 = \"Welcome$suffix\"\n",
                "PASSWORD=A1B2C3D4\n",
                "SSH_PASSWORD=root@10.0.0.12\n",
            ],
        );
    }

    #[test]
    fn every_secret_argument_of_one_command_is_reported() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let text = "snmpwalk -v3 -l authPriv -u nms -a SHA -A 'Qv7#rTe2Lm9p' -x AES -X 'Harbor2024$' sw01 IF-MIB::ifHCInOctets\n\
                    snmpget -v2c -c Kx8vTq2mWz5r ups01 UPS-MIB::upsBatteryStatus.0\n\
                    snmpwalk -v2c -c public localhost system\n";
        assert_eq!(
            ids(&s, text),
            [
                "generic.password:Qv7#rTe2Lm9p",
                "generic.password:Harbor2024$",
                "generic.password.unquoted:Kx8vTq2mWz5r",
            ]
        );
    }

    #[test]
    fn spreadsheet_columns_named_by_their_header() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let text = "service,url,username,password,owner\n\
                    saas,https://app.example.com,ops@example.com,IslandFennel96.,ops\n\
                    wiki,https://wiki.example.com,sso,(SSO),it\n\
                    mail,https://mail.example.com,inv@example.com,letmein-staging,ops\n";
        assert_eq!(
            ids(&s, text),
            [
                "generic.password.unquoted:IslandFennel96.",
                "generic.password.unquoted:letmein-staging"
            ]
        );
        // A Markdown table read the same way; a vault reference is no value.
        let md = "| vendor | used for | credential | notes |\n\
                  |---|---|---|---|\n\
                  | typesense | admin API key | `Kdjd8uLywh4oXr14BWzfJ4g21TWhsNiC` | rotate |\n\
                  | square | app secret | `vault:secret/data/square#app_secret` | moved |\n";
        // (The `admin API key` label of the row's own cells names the provider's key.)
        assert_eq!(
            ids(&s, md),
            ["typesense.api-key:Kdjd8uLywh4oXr14BWzfJ4g21TWhsNiC"]
        );
        reports_none(
            &s,
            &[
                "id,name,password_hash,created\n1,alice,$2b$12$abcdefghijklmnopqrstuv,2024\n",
                "let (a, b, password, c) = row;\nlet x = 1;\n",
            ],
        );
    }

    #[test]
    fn environment_reads_with_a_literal_fallback() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "$apiKey = getenv('PAYMENT_API_KEY') ?: 'wkQZazfu52PRYG8cdjROpHzzgkQ8IEjh';\n",
                "wkQZazfu52PRYG8cdjROpHzzgkQ8IEjh",
            ),
            (
                "api_key = os.environ.get(\"PAYMENT_API_KEY\") or \"wkQZazfu52PRYG8cdjROpHz2gkQ8IEjh\"\n",
                "wkQZazfu52PRYG8cdjROpHz2gkQ8IEjh",
            ),
            (
                "const apiKey = process.env.PAYMENT_API_KEY ?? 'wkQZazfu52PRYG8cdjROpHz5gkQ8IEjh';\n",
                "wkQZazfu52PRYG8cdjROpHz5gkQ8IEjh",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "const token = req.headers.token || \"\";\n",
                "const key = cache.key || \"default-cache-key-2024\";\n",
                "const apiKey = process.env.PAYMENT_API_KEY ?? '';\n",
            ],
        );
    }

    #[test]
    fn values_one_step_from_their_name() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // HAR header object, a scheme-less key under `Authorization`.
            (
                "{ \"name\": \"Authorization\", \"value\": \"5da958f7694f4b0162bf7ee87f701126b84a40ad\" },\n",
                "5da958f7694f4b0162bf7ee87f701126b84a40ad",
            ),
            // A vendor scheme inside a quoted curl header.
            (
                "curl -H 'Authorization: App Zu8cJ2kd9QmPz4LrWx7NvB3s' https://api.example.com/x\n",
                "Zu8cJ2kd9QmPz4LrWx7NvB3s",
            ),
            // Dotted values that are no member path.
            (
                "upstream:\n  token: o.cbtgonUnW9Zig6pX7rLXxcnjIh1dWuUC\n",
                "o.cbtgonUnW9Zig6pX7rLXxcnjIh1dWuUC",
            ),
            (
                "redis:\n  password: rtc7XVCJ6J.G77jrMvj.oInElirz6o4\n",
                "rtc7XVCJ6J.G77jrMvj.oInElirz6o4",
            ),
            // A percent-encoded form field, judged on its decoded text.
            (
                "\"text\": \"email=a%40example.org&password=6j6F%26I2%23M%256yMy%23U&remember=1\"\n",
                "6j6F%26I2%23M%256yMy%23U",
            ),
            // Members of a block named by a plural credential word.
            (
                "acl {\n  tokens {\n    agent = \"1801220e-60dd-4b29-a13c-188b15c1add6\"\n  }\n}\n",
                "1801220e-60dd-4b29-a13c-188b15c1add6",
            ),
            (
                "users:\n- name: bootstrap\n  user:\n    token: zg8ufi.uprq1exfpu6j8l1g\n",
                "zg8ufi.uprq1exfpu6j8l1g",
            ),
            (
                "pass: cypress.quarry.tussock36\n",
                "cypress.quarry.tussock36",
            ),
            // Pydantic settings and Rust byte strings.
            (
                "    other_secret: SecretStr = Field(\"Zu8cJ2kd9QmPz4LrWx7NvB3t\", description=\"x\")\n",
                "Zu8cJ2kd9QmPz4LrWx7NvB3t",
            ),
            (
                "    const SECRET: &[u8] = b\"k2gVAzF0HyRnhri4lVtduimMMQIsbP4Ldoc1s3oL\";\n",
                "k2gVAzF0HyRnhri4lVtduimMMQIsbP4Ldoc1s3oL",
            ),
            // A log line and a chat message.
            (
                "\"NIGHTFALL_API_KEY loaded: NF-NtoInMfUK1xT7Q2CRGw5R8rzCXGiZ9mm\\n\"\n",
                "NF-NtoInMfUK1xT7Q2CRGw5R8rzCXGiZ9mm",
            ),
            (
                "11/07/2024, 11:13 - Ana: the shared ops account pw is SHMPsapphire8798$\n",
                "SHMPsapphire8798$",
            ),
            // A password element's value in a clear-text child.
            (
                "<password>\n  <clearValue>Marten7Quarry!</clearValue>\n</password>\n",
                "Marten7Quarry!",
            ),
            // Elements with attributes; a KeePass value starting with `!`.
            (
                "<Pass encoding=\"base64\">Q1BSU21lYWRvdzQ0NDMk</Pass>\n",
                "Q1BSU21lYWRvdzQ0NDMk",
            ),
            (
                "<String><Key>Password</Key><Value ProtectInMemory=\"True\">!mX_rz%dVn3%Mvq3</Value></String>\n",
                "!mX_rz%dVn3%Mvq3",
            ),
            // A one-line YAML block scalar; a requests auth tuple.
            (
                "partner_token: |\n  live_uVy2ZHaNuXylA2mvTK3anZ4hl7lLgz\nregion: eu\n",
                "live_uVy2ZHaNuXylA2mvTK3anZ4hl7lLgz",
            ),
            (
                "auth = ('svc_reporting', 't9y-q3Xguq-!J7')\n",
                "t9y-q3Xguq-!J7",
            ),
            // A JSON object under the name; EDN and Erlang.
            (
                "{\n  \"db_password\": {\n    \"value\": \"tg#7#W%l#\\\\%#OBLH#\\\"xWB&!\",\n    \"type\": \"string\"\n  }\n}\n",
                "tg#7#W%l#\\\\%#OBLH#\\\"xWB&!",
            ),
            ("{:db {:password \"dArUqM4zi23XSkk\"}}\n", "dArUqM4zi23XSkk"),
            (
                "   {slack_signing_secret, <<\"ed18a5ae7c9c47f8c71daab35840a533\">>},\n",
                "ed18a5ae7c9c47f8c71daab35840a533",
            ),
            // Environment fallbacks; a PHP array's parent key.
            (
                "  password: <%= ENV.fetch(\"SHOP_DB_PASSWORD\") { \"6ZbdO*#%+yum%D*iIUJym5\" } %>\n",
                "6ZbdO*#%+yum%D*iIUJym5",
            ),
            (
                "API_TOKEN = os.getenv(\"SERVICE_API_TOKEN\", \"Kq7ZLm2Wr8NbXd3vT9\")\n",
                "Kq7ZLm2Wr8NbXd3vT9",
            ),
            (
                "    'crypt' => ['key' => '69cad9e79e6280a2e509ed3240af9e3c'],\n",
                "69cad9e79e6280a2e509ed3240af9e3c",
            ),
            // LDIF base64 values; a WordPress application password.
            (
                "userPassword:: Q2Fub3B5JUNsb3Zlcjcx\n",
                "Q2Fub3B5JUNsb3Zlcjcx",
            ),
            (
                "WP_APP_PASSWORD=O6d2 ekhi cam7 waQA 1Mlj tDGU\n",
                "O6d2 ekhi cam7 waQA 1Mlj tDGU",
            ),
            // A key named for what it encrypts.
            (
                "xpack.encryptedSavedObjects.encryptionKey: \"9xuopphpXIsAENZ5jZGiIH2LGmUmvPGq\"\n",
                "9xuopphpXIsAENZ5jZGiIH2LGmUmvPGq",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "auth = [\"base64\", \"validate-request\"]\n",
                "const PRODUCT_LANGUAGE_KEY: &[u8] = b\"ro.product.locale.language\\0\";\n",
                "names = env_list(\"SECRET_KEY\", \"DATABASE_URL\")\n",
                "token: self.config.apiToken\n",
                "api_key = os.getenv(\"OPENAI_API_KEY\")\n",
                "encrypted_password: \"9xuopphpXIsAENZ5jZGiIH2LGmUmvPGq\"\n",
                "{ \"name\": \"Authorization\", \"value\": \"required\" },\n",
            ],
        );
    }

    #[test]
    fn a_positional_call_wins_over_a_trigger_at_the_same_offset() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // Whatever the offset, `secret` (in `SecretValue`) must not claim the identifier first.
        for pad in 0..16 {
            let text = format!(
                "{}\nconst c = cdk.SecretValue.unsafePlainText('I#0!LGYuu1OkrBaeYf');\n",
                "x".repeat(pad)
            );
            // nhi-scan:allow-next-line (fake)
            reports_each(&s, &[(text.as_str(), "I#0!LGYuu1OkrBaeYf")]);
        }
    }
    #[test]
    fn tables_leaders_lists_byte_arrays_and_bare_passwords() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A Markdown table whose name is not the first cell.
            (
                "| Cloudflare | `CF_API_TOKEN` | `Yw7tTGrvODpzMEqXsKjIAQEJ9xexWZKwzCADKgmE` |\n",
                "Yw7tTGrvODpzMEqXsKjIAQEJ9xexWZKwzCADKgmE",
            ),
            // A tab-separated settings row (pg_dump COPY, a TSV export).
            (
                "118\tmailserver_pass\t5wf1Fdo4=pmv*xQI4kAtB\tyes\n",
                "5wf1Fdo4=pmv*xQI4kAtB",
            ),
            // An HTML table's label and value cells, the value entity-escaped.
            (
                "<tr><td>Password</td><td><code>Tr&amp;Fm4VgYuYNI&lt;9&gt;</code></td></tr>\n",
                "Tr&amp;Fm4VgYuYNI&lt;9&gt;",
            ),
            // A properties file's `key:value`.
            ("spring.rabbitmq.password:LotusSage340\n", "LotusSage340"),
            // A qualifier after the head word.
            (
                "chat.db-password.legacy=A8JEegZGAC3n12NK!\n",
                "A8JEegZGAC3n12NK!",
            ),
            // ARM parameters: the value in a one-line object.
            (
                "    \"adminPassword\": { \"value\": \"Forest*horizon*736\" },\n",
                "Forest*horizon*736",
            ),
            // A webhook endpoint's signing secret.
            (
                "    webhook-endpoint-secret: 4tpRwjtXHE2VDMlOJaB5Cvry6miEQzYrXuMusdu1\n",
                "4tpRwjtXHE2VDMlOJaB5Cvry6miEQzYrXuMusdu1",
            ),
            // A dot leader in a printed form.
            (
                "  Password .............. Zephyr#meteor#656\n",
                "Zephyr#meteor#656",
            ),
            // A list under a plural credential name.
            (
                "service_tokens:\n  - DFI8uyae0X7Tk6M6jtpnVsj3N7y9qLXNvSj3Gy7X\n",
                "DFI8uyae0X7Tk6M6jtpnVsj3N7y9qLXNvSj3Gy7X",
            ),
            // A key as a list of byte literals (reported as written).
            (
                "var encryptionKey = [32]byte{0x0f, 0x70, 0x8e, 0x37, 0x7c, 0x71, 0xb7, 0x7d, 0xde, 0x90, 0xe8, 0x3b, 0x10, 0xb4, 0xba, 0xbd, 0xbd, 0x00, 0x0a, 0x92}\n",
                "0x0f, 0x70, 0x8e, 0x37, 0x7c, 0x71, 0xb7, 0x7d, 0xde, 0x90, 0xe8, 0x3b, 0x10, 0xb4, 0xba, 0xbd, 0xbd, 0x00, 0x0a, 0x92",
            ),
            // A hex key passed to a decoding call: the hex is the key.
            (
                "AES_KEY = bytes.fromhex(\"c41f7b83dfe063857615a8aa6b482b4f6368ef1e68d403e01100446f2b90f09e\")\n",
                "c41f7b83dfe063857615a8aa6b482b4f6368ef1e68d403e01100446f2b90f09e",
            ),
            // Prose: a password's noun and the value, no operator; a commit message's arrow.
            (
                "08:16 - Ana: guest wifi is NW-Guest, pw NimbusRocket550\n",
                "NimbusRocket550",
            ),
            (
                "    rotate grafana admin pw -> Spring2020!tan\n",
                "Spring2020!tan",
            ),
            // A flag whose value is in escaped quotes inside a JSON string.
            (
                "\"OPTS=--label \\\"team=payments\\\" --api-key \\\"zqglwp0uyHGQj4iFi0iQ1VIqwVzSwCV0DwNy\\\"\",\n",
                "zqglwp0uyHGQj4iFi0iQ1VIqwVzSwCV0DwNy",
            ),
            // fetchmail: prose goes on after the quoted password.
            (
                "  user \"helpdesk@northwind.example\" there with password \"EZl0wP3HVrXA$\" is helpdesk here\n",
                "EZl0wP3HVrXA$",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                "| Variable | `DB_PASSWORD` | required |\n",
                "id\tpassword\tcreated\n",
                "Identity:Password:RequiredLength=8\n",
                "value: arn:aws:secretsmanager:eu-west-1:287218784452:secret:billing/api-yvCS6Z\n",
                "device_tokens:\n  - 8c1f7b83dfe063857615a8aa6b482b4f\n",
                "the password field is required, see section 4.2\n",
                "  password VARCHAR(64) NOT NULL,\n",
                "var table = [4]byte{0x01, 0x02, 0x03, 0x04}\n",
            ],
        );
    }
    #[test]
    fn labels_in_cells_chat_strings_escaped_ends_and_tool_names() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A label cell of several words, HTML and Markdown.
            (
                "<tr><td>elastic password</td><td><code>.FVfWE.7~-A0QHH&lt;i!yj~</code></td></tr>\n",
                ".FVfWE.7~-A0QHH&lt;i!yj~",
            ),
            (
                "| Api Secret | `O77eVQ3B6p!kqOW8LTjb82nJD` | rotated 2025-Q1 |\n",
                "O77eVQ3B6p!kqOW8LTjb82nJD",
            ),
            // A Postman collection's auth list.
            (
                "\"apikey\": [\n  {\"key\": \"key\", \"value\": \"X-Api-Key\"},\n  {\"key\": \"value\", \"value\": \"Zr8Tq2Wm5Xv9Lp3Kd7Nf4Hs\"}\n]\n",
                "Zr8Tq2Wm5Xv9Lp3Kd7Nf4Hs",
            ),
            // A JSON string that ends in an escaped backslash.
            (
                "\"PROXY_PASSWORD\": \"Birchember4689\\\\\",\n",
                "Birchember4689\\\\",
            ),
            // A chat export's message: a qualifying phrase and a colon, `\\` inside the value.
            (
                "\"text\": \"here is the superset secret key for staging: XuxO\\\\P8yTxzTi4SgqqIuvpKWmK+\",\n",
                "XuxO\\\\P8yTxzTi4SgqqIuvpKWmK+",
            ),
            // A tool's or a scheme's name before the password.
            (
                "salt_api_password = \"Summittundra6431\"\n",
                "Summittundra6431",
            ),
            (
                "ZK_DIGEST_PASSWORD=Saffronglacier268@\n",
                "Saffronglacier268@",
            ),
            (
                "cfg.setEncryptedDataBagSecret(\"ebhmMJXd4PTWO6aamOxorTat\");\n",
                "ebhmMJXd4PTWO6aamOxorTat",
            ),
            // HAProxy sets a header.
            (
                "    http-request set-header X-Api-Key ZPCoVByJ9rtOjbqWzuHXI9\n",
                "ZPCoVByJ9rtOjbqWzuHXI9",
            ),
            // A command's password with a capital, a dot and random case.
            (
                "ipmitool -I lanplus -H 10.0.4.21 -U admin -P T.Ki7ywKpNaBRUCoeH power status\n",
                "T.Ki7ywKpNaBRUCoeH",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // Masked displays, a salt after what it salts, published keys, CamelCase members.
                "ADMIN_PASSWORD = 'hf_***fA7v'\n",
                "password_salt = \"Summittundra6431\"\n",
                "ARG AMPLITUDE_API_KEY=81ef0be1758828de18b7c47b08ccce1d\n",
                "'docusign_integration_key' => '0971dde6-2520-493f-b39b-eeffe7017135',\n",
                "  livekitApiKey: \"APIGZ9KAPByfwzF\",\n",
                "    password = win32security.PyCredHandle\n",
                // Minified JavaScript.
                "e.TOKEN=e.HEX=e.URL_CHAR=e.USERINFO_CHARS=e.MARK=void 0;\n",
                "var password=didScheduleRenderPhaseUpdate=!0;\n",
                "          var secretKey = propValue$204;\n",
            ],
        );
    }

    #[test]
    fn chosen_passwords_formats_and_places_of_this_stop() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // People choose tokens and secrets too, quoted or not.
            ("auth_token: Q0ssilUrsa8!\n", "Q0ssilUrsa8!"),
            ("    credentialSecret: \"kiwi1968?\",\n", "kiwi1968?"),
            ("node_red_credential_secret = tundra1985-\n", "tundra1985-"),
            // Letters alone, both cases; a word said twice; RACF's eight characters.
            (
                "CLICKHOUSE_PASSWORD: \"QDtdRNQRzNPQbJyUA\"\n",
                "QDtdRNQRzNPQbJyUA",
            ),
            ("set P4PASSWD=rpIursCLJtsMLsE\n", "rpIursCLJtsMLsE"),
            (
                "machine ftp.example.net login jk password Monsoon-Monsoon-743\n",
                "Monsoon-Monsoon-743",
            ),
            (
                "  \"smtpPassword\": \"Rhubarbrhubarb77$\",\n",
                "Rhubarbrhubarb77$",
            ),
            (
                "//   NOTIFY=&SYSUID,USER=BOBATCH,PASSWORD=W0KCYPZA\n",
                "W0KCYPZA",
            ),
            // COBOL, ODBC braces, Tcl braces, Perl q{}, spark-defaults.conf, a here-string.
            (
                "       01  WS-DB-PASSWORD    PIC X(8)  VALUE 'NCX4536M'.\n",
                "NCX4536M",
            ),
            (
                "Driver={ODBC Driver 18};Server=db01;UID=app;PWD={DQjUAT5sREND3JY5wd};\n",
                "DQjUAT5sREND3JY5wd",
            ),
            ("set ::testpass {Winter2015#QB}\n", "Winter2015#QB"),
            ("set enablepw {Skilletpickle48?}\n", "Skilletpickle48?"),
            ("    hr_pass     => q{Pandawalnut42%},\n", "Pandawalnut42%"),
            (
                "spark.ssl.keyPassword                         L@mpmapl334\n",
                "L@mpmapl334",
            ),
            (
                "trino --server https://trino.example:8443 --user maya --password <<< 'Harvest.Mosaic.1693'\n",
                "Harvest.Mosaic.1693",
            ),
            // A provider's key named nearby with nothing between name and value.
            (
                "datadog api key is b8be4b2fa94a9b2959d4400d59072121, app key 8bd65a26b134402d25a602398750a4a33c644b41\n",
                "b8be4b2fa94a9b2959d4400d59072121",
            ),
            // A passphrase with its number apart; a file's password; a personal key.
            (
                "  minio_secret_key: fennel-waffle-denim-25\n",
                "fennel-waffle-denim-25",
            ),
            (
                "private_key_file_pwd = \"E2SWALGOUxwN1sChK6ECBoyQhp6GTK\"\n",
                "E2SWALGOUxwN1sChK6ECBoyQhp6GTK",
            ),
            (
                "REDASH_API_KEY_PERSONAL=mZ0XSucNVoWLRINIL1QSzdizvPlL5LnM9TrqMCcy\n",
                "mZ0XSucNVoWLRINIL1QSzdizvPlL5LnM9TrqMCcy",
            ),
        ];
        reports_each(&s, &cases[..cases.len() - 4]);
        reports_each(&s, &cases[cases.len() - 3..]);
        // Both keys of the message are the provider's.
        let both = found(&s, cases[cases.len() - 4].0);
        assert_eq!(both.len(), 2, "{both:?}");
        reports_none(
            &s,
            &[
                // A type, a snake-case member, a pattern, a name of words.
                "    googleCredentials: OAuth2Client\n",
                "  token: Pp_if_newline\n",
                "jsonnet_token = r'[^\\W\\d]\\w*'\n",
                "    password: IAmSensitive\n",
                // Maven's and SAS's encoded forms in braces.
                "password={MhAkH0QmuFHcmvScBr8bCJmMeLF4nEEf}\n",
                "libname x oracle password=\"{SAS002}BEDCA9406A21E9B14A203DDDFD98F9E41A53346E\";\n",
                // A bare word after `key` that no provider shape takes.
                "the cache key 8bd65a26b134402d25a602398750a4a3 expired\n",
                // A Jinja filter whose literal does not close inside the expression.
                "win_password: \"{{ 'VjEwbDN0IzMy}}\"' | b64decode\n",
            ],
        );
    }

    #[test]
    fn chosen_keys_abbreviated_secrets_notes_and_subscriber_exports() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // People choose API, signing, private and access keys too.
            ("DATALOGGER_API_KEY=\"Wil1ow2021*\",\n", "Wil1ow2021*"),
            ("fronius-auth-key=Spinn1ng2023!\n", "Spinn1ng2023!"),
            (
                "  <ignitionGatewayAccessKey>N@cel1e2019!</ignitionGatewayAccessKey>\n",
                "N@cel1e2019!",
            ),
            // Words and a number joined by one separator; a number inside a bare value.
            (
                "const weatherFeedClientSecret = \"pump_gearbox_887\"\n",
                "pump_gearbox_887",
            ),
            (
                "SMPP_BIND_SESSION_SECRET = \"river-quarry-635\";\n",
                "river-quarry-635",
            ),
            ("secret=ZEPH71443cactus\n", "ZEPH71443cactus"),
            // `sec` ending a name.
            (
                "  landis_gyr_sec: nJ6mbG_gQxb8IXfklKq\n",
                "nJ6mbG_gQxb8IXfklKq",
            ),
            (
                "        cfg.setChargerSec(\"6222bedae6014846520e3777992c431c\");\n",
                "6222bedae6014846520e3777992c431c",
            ),
            // A note of the encoding between the name and its value.
            (
                "# recorded fixture header X-Api-Key (base64): V3RDMm9EYnVzNExHMVhORkVXZWlfbUNjVlE4Ym5uZFc=\n",
                "V3RDMm9EYnVzNExHMVhORkVXZWlfbUNjVlE4Ym5uZFc=",
            ),
            // A sentence that ends with the value.
            (
                "The ops account password is Aquifer406Granite. Rotate it.\n",
                "Aquifer406Granite",
            ),
            // A long dotted TR-069 parameter name, its value in the next element.
            (
                "<Name>InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Password</Name>\n<Value xsi:type=\"xsd:string\">Lampuplink45!</Value>\n",
                "Lampuplink45!",
            ),
            // PowerShell's environment drive.
            (
                "Set-Item -Path Env:MMS_PRIVATE_KEY -Value 'Tr@cker2024!'\n",
                "Tr@cker2024!",
            ),
        ];
        reports_each(&s, &cases);
        // A SIM vendor's output file and a smart meter's key export: every key column.
        let sim = found(
            &s,
            "imsi,iccid,ki,opc\n001010000000018,8901000000000000018,5E1C0A9F3B7D24E6A8C1F0B3D5E7A9C3,1F3E5D7C9B0A28466A4C2E0F1D3B5A7A\n",
        );
        assert_eq!(
            sim,
            [
                (
                    "telecom.subscriber-key".to_string(),
                    "5E1C0A9F3B7D24E6A8C1F0B3D5E7A9C3".to_string()
                ),
                (
                    "telecom.subscriber-opc".to_string(),
                    "1F3E5D7C9B0A28466A4C2E0F1D3B5A7A".to_string()
                ),
            ]
        );
        let dlms = found(
            &s,
            "meter_serial,client_sap,guek,gak,hls_secret\nLGZ1444969024781,48,522833E17C9C94F0DEC4B0947FD62F41,A64939F81FF8B0767F00390D98B5F655,3LaD9Sl5uKUZSZlY\n",
        );
        assert_eq!(dlms.len(), 3, "{dlms:?}");
        reports_none(
            &s,
            &[
                // Keys that are no credentials; identifiers with a number; seconds.
                "routing_key = \"events.v2.#\"\n",
                "    NFCISO15693CustomCommandConfiguration,\n",
                "  timeout_sec: 30\n",
                "api_key = \"test_key_123\"\n",
                "imsi,iccid,ki,opc\n001010000000018,8901000000000000018,00000000000000000000000000000000,${OPC}\n",
            ],
        );
    }

    #[test]
    fn settings_rows_pins_property_initializers_and_encoded_headers() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A settings table's row: the name in one string, the value in another.
            (
                "UPDATE app_settings SET value = 'Qm7vXk2pLs9R4t' WHERE key = 'smtp_relay_token';\n",
                "Qm7vXk2pLs9R4t",
            ),
            (
                "UPDATE wp_options SET option_value = 'Harbor!mist42' WHERE option_name = 'mailer_password';\n",
                "Harbor!mist42",
            ),
            (
                "INSERT INTO integration_credentials (system, cred_name, cred_value) VALUES ('ops', 'signer_access_token', 'R4kq8ZtV1mWx7Pn2Lc5Y');\n",
                "R4kq8ZtV1mWx7Pn2Lc5Y",
            ),
            (
                "INSERT INTO settings VALUES ('relay_password', 'Quarry#lamp77');\n",
                "Quarry#lamp77",
            ),
            // A TOML inline table's `value`.
            (
                "api_secret = { value = \"T6fVq2NwX8mKz4Lr\", rotate_days = 90 }\n",
                "T6fVq2NwX8mKz4Lr",
            ),
            // `pw` ending an element's or a setter's name; `pin` ending a name.
            (
                "  <feedPw>Glacier-ridge4471</feedPw>\n",
                "Glacier-ridge4471",
            ),
            ("    cfg.setPortalPw(\"Topaz5598~Jet\");\n", "Topaz5598~Jet"),
            ("GATEWAY_PIN='Kx7!mPq2Zr'\n", "Kx7!mPq2Zr"),
            (
                "    <add key=\"cell7ApiPin\" value=\"MRZQcWdfPQOhclCfD8I7\" />\n",
                "MRZQcWdfPQOhclCfD8I7",
            ),
            // A C# auto-property's initializer; a login pair's setter; `.toCharArray()`.
            (
                "    public string ErpPasswd { get; set; } = \"Y~qv8r-1ce9tBJo\";\n",
                "Y~qv8r-1ce9tBJo",
            ),
            (
                "var o = new MqttClientOptionsBuilder().WithCredentials(\"mes-api\", \"pine940~Cobalt\").Build();\n",
                "pine940~Cobalt",
            ),
            (
                "o.setPassword(\"hydrant_ferric_557!\".toCharArray());\n",
                "hydrant_ferric_557!",
            ),
            (
                "client.ClientCredentials.UserName.Password = \"zephyr_hopper_713!\";\n",
                "zephyr_hopper_713!",
            ),
            // Capitalised first words, mixed separators, a neutral trailing word.
            (
                "pnr.cache.password = Sparrow.heron6118\n",
                "Sparrow.heron6118",
            ),
            ("POSTGRES_SHARED_SECRET=Deice_tug2012\n", "Deice_tug2012"),
            ("RADIUS_SECRET=hadron-halo_68\n", "hadron-halo_68"),
            (
                "wireguard_psk_ops = \"HCqzqN5+WEaubYNq9Gbi7kzD04UI0mRy+4kKFl1qJ6w=\"\n",
                "HCqzqN5+WEaubYNq9Gbi7kzD04UI0mRy+4kKFl1qJ6w=",
            ),
            // A connection string inside a literal of a declaration; base64 that starts like a
            // path; a bare `Key1` holding Azure-sized key material.
            (
                "var cs = \"host=db port=5432 password=Gxntry_p1tot8870\";\n",
                "Gxntry_p1tot8870",
            ),
            (
                "System.setProperty(\"feed.encryption.key\", \"w/s8/SMk0mqRbmVLibKZ4oAuDV90AAbCbLCzOWR1MSc=\");\n",
                "w/s8/SMk0mqRbmVLibKZ4oAuDV90AAbCbLCzOWR1MSc=",
            ),
            (
                "    Key1 = '0ZeIpy+EcVQOodTGgbEP2idHeHdWbSLjWBz9NPLeJiOeljxwwTsE+bZ3wmZ/TKOQrVkDjZRi2VM6kYPUrYZcAQ=='\n",
                "0ZeIpy+EcVQOodTGgbEP2idHeHdWbSLjWBz9NPLeJiOeljxwwTsE+bZ3wmZ/TKOQrVkDjZRi2VM6kYPUrYZcAQ==",
            ),
        ];
        reports_each(&s, &cases);
        // An authorization header kept encoded (base64 of a password, hex of one).
        for text in [
            "authHeader: \"R3Jhbml0ZS5Pc3ByZXkuTHVtZW4uNTEyNw==\"\n",
            "auth-header: '4b713532646d7a2b6f746e302a54555a'\n",
        ] {
            assert_eq!(found(&s, text).len(), 1, "{text}");
        }
        // A provider named on the line before does not claim a name that names another.
        assert_eq!(
            ids(
                &s,
                "cloudflare_api_token = 'q6X_THbS3QKhODYjHsQX8jWTSnzOPm1jszVUmxXf'\ngithub_token = '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'\n"
            )[1],
            "github.pat.classic: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"
        );
        reports_none(
            &s,
            &[
                // A CLI shorthand of settings; a hardware pin; a value stored encrypted.
                "  --generation-attributes VisaPin=\"{PinVerificationKeyIndex=1,VerificationValue=5507}\"\n",
                "const LED_PIN = \"GPIO_NUM_4\";\n",
                "<connection username=\"gw\" passwordEncrypted=\"true\" password=\"8a3df6d45f8b12317cf5d3cad0e734e3de48c00106bf332bcf09f856803b1a7c\"/>\n",
                // A CSV header names the columns below it, not a value.
                "asset_id,username,password,firmware_sha256\nCNC-8837,maint,,366c17c0ed5a26674da22286c106a8f5\n",
                // A KMS ciphertext blob cut short; a Twilio key named as a SID.
                "CargosmartPass: \"AQICAHhe4C1oDQWBHYpQlf/u2tw/VpHvZtokH4FzeUFBGZsB0MI/KB69gm53UacNYH1k9UxT5q9hsRmF0VHKz7B\",\n",
                "TWILIO_API_KEY_SID=SK5b0e9a77c41d2f8e3a6b19d07c4e5f21\n",
                // Settings rows whose value is a reference or not a credential's.
                "UPDATE app_settings SET value = '${{ secrets.HMAC }}' WHERE key = 'plc_hmac_key';\n",
                "UPDATE app_settings SET value = 'B787-9' WHERE key = 'fleet_token_type';\n",
                "cache_key = \"3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7\"\n",
                // A browser extension's public key; pins that are digests.
                "  \"key\": \"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx7Jq2mVw9Lk3Pz8Rt5Yc1Nb4Hd6Gf0Js2Aq\",\n",
                "cert_sha256_pin: \"q3Vm9Lk2Pz8Rt5Yc1Nb4Hd6Gf0Js2AqXw7Ke3Tr1Ub=\"\n",
                "nixpkgs_pin = \"5e2a9f0c1d3b4a6e8f7091a2b3c4d5e6f7081920\"\n",
            ],
        );
        // Data rows whose cells look like labels stay rows; a password beside another part's
        // encryption flag is still clear text.
        for text in [
            "wifi_pass,data,string,Meadow7Osprey42\nwifi_ssid,data,string,plant-3\n",
            "Fiserv,production,password,Kestrel51Lotus,2024-01-25\nAcme,staging,token,none,2024-02-01\n",
            "<db sslEncrypted=\"true\" password=\"Qv7!kLm2Rz9wX\"/>\n",
        ] {
            assert_eq!(found(&s, text).len(), 1, "{text}");
        }
    }

    #[test]
    fn free_text_columns_string_constructors_and_glued_numbers() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A CSV whose last column is a note written with unquoted commas.
            (
                "unit,ip,admin_password,notes\nR-01,10.1.1.4,Quarry^Lintel38,north gate, locked\n",
                "Quarry^Lintel38",
            ),
            // Rust's `String::from` and `Some`.
            (
                "    let ftp_pass = String::from(\"Marble417QUAY+\");\n",
                "Marble417QUAY+",
            ),
            (
                "    let relay_password = Some(\"vT8qLm2Zx4RkWp6N\");\n",
                "vT8qLm2Zx4RkWp6N",
            ),
            // A fixture word ending a longer word (`rebar`) is no fixture.
            ("API_SECRET=\"Gantryrebar5127*\"\n", "Gantryrebar5127*"),
            // Dotted words closed by digits and `_`; a word, `_`, a year and `_`.
            (
                "ENV PORTAL_CLIENT_SECRET=harbor.Falcon82_\n",
                "harbor.Falcon82_",
            ),
            (
                "props.put(\"logger.webhook.secret\", \"Ferry_2011_\");\n",
                "Ferry_2011_",
            ),
            // Words with the number glued to the last.
            (
                "  asset-secret: 'quarry-sidings-larkspur47'\n",
                "quarry-sidings-larkspur47",
            ),
            // A form body's percent-encoded password holding a blank.
            (
                "body=grant_type=password&username=ops&password=Tz7Q%20mVw2-Lr9XkP4_bN8cJd3&client_id=x\n",
                "Tz7Q%20mVw2-Lr9XkP4_bN8cJd3",
            ),
            // A quote doubled inside a single-quoted compose list item.
            (
                "      - 'BROKER_ACCESS_TOKEN=Pylon.Gant''ry.Lumen.5821'\n",
                "Pylon.Gant''ry.Lumen.5821",
            ),
            // `blob` and `data` end a name without changing what it holds.
            ("station.auth.blob=Rk2vQ8mZx7LpW4tN\n", "Rk2vQ8mZx7LpW4tN"),
            // A JSON document inside a log line's JSON string.
            (
                "{\"msg\":\"{\\\"deviceId\\\": \\\"D-17\\\", \\\"primaryKey\\\": \\\"Wq3nZ8vK1pLx7RtY2mBc9dFg4HjS6aQe0uIoP5lVwXs=\\\"}\"}\n",
                "Wq3nZ8vK1pLx7RtY2mBc9dFg4HjS6aQe0uIoP5lVwXs=",
            ),
            // An ODBC value in braces, shorter than a Maven ciphertext.
            (
                "cs = \"Driver={ODBC Driver 18};Server=tcp:db01,1433;Uid=rd;Pwd={Hq8vLm2pXw9zRt4kYc3NbQ5w};Encrypt=yes\"\n",
                "Hq8vLm2pXw9zRt4kYc3NbQ5w",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // Base64 of a word too short to be a credential.
                "SMTP_AUTH_TOKEN_B64=\"dGVzdA==\"\n",
                // Identifiers and digests in a table of secrets.
                "secrets:\n  kobo-form-uid: \"aQ3vZ9kLm2Xp8RtW4nBc6D\"\n  form-xml-hash: \"3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7\"\n",
                // A ConfigMap after a Secret in one manifest.
                "kind: Secret\ndata:\n  X: eA==\n---\nkind: ConfigMap\ndata:\n  FEATURE_FLAGS: cG9ydGFsLXYyPXRydWU=\n",
                // xkcd's passphrase.
                "password: 'correct horse battery staple'\n",
                // A Maven ciphertext in braces.
                "<password>{Jq8vLm2pXw9zRt4kYc3NbV7dF1gH6sA0}</password>\n",
            ],
        );
    }

    #[test]
    fn shell_and_doubled_quotes_flag_named_values_and_prose_remarks() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A shell's `'\''` inside a single-quoted word, and YAML's doubled quote.
            (
                "+ echo 'SFTP_PASS=Q7mk'\\''_tundra41' >> deploy.env\n",
                "Q7mk'\\''_tundra41",
            ),
            (
                "  EXPORT_FTP_PASSWORD_QX: 'Birch''lantern''58'\n",
                "Birch''lantern''58",
            ),
            // A secret stored under a name given to another flag of the same command.
            (
                "gh secret set LINEAR_API_TOKEN --body 'Wq3vT8kPz2Lm9Xr4Bn7Yc1Hd5Gf0Js6A'\n",
                "Wq3vT8kPz2Lm9Xr4Bn7Yc1Hd5Gf0Js6A",
            ),
            (
                "aws ssm put-parameter --name /acme/prod/portal_password --type SecureString --value 'Ravine!Otter82'\n",
                "Ravine!Otter82",
            ),
            (
                "Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Acme' -Name ApiSecret -Value 'T4kR8vLq2Wz7Xm3Nb9Yc5Hd1Gf6Js0Pq'\n",
                "T4kR8vLq2Wz7Xm3Nb9Yc5Hd1Gf6Js0Pq",
            ),
            // A remark after the value, and a sentence that goes on.
            (
                "api key = Vb7Nq2Xz8Lm4Tr9Wp3Kc6Yd1Hf5Gs0Ja (old one revoked)\n",
                "Vb7Nq2Xz8Lm4Tr9Wp3Kc6Yd1Hf5Gs0Ja",
            ),
            (
                "The temporary password is MarloWpine4471 and must be changed at first login.\n",
                "MarloWpine4471",
            ),
            (
                "temp pw for svc_lab_ro is quartz@dmin58! until Friday\n",
                "quartz@dmin58!",
            ),
            ("    \"Pw\": \"HarborComet!73\",\n", "HarborComet!73"),
            // Letters drawn at random are no PascalCase name.
            (
                "keystore.keypass = QrtvnZKpwxkYlmJHbtvC\n",
                "QrtvnZKpwxkYlmJHbtvC",
            ),
            // A login given first makes `pass` a noun; each side of a slash pair may be labelled.
            (
                "Admin login for the PBX: user admin, pass Heron.Quill.Basket.3318\n",
                "Heron.Quill.Basket.3318",
            ),
            (
                "Vendor portal login: user acme-ops / pass Cobalt7meadow215 - store in the vault\n",
                "Cobalt7meadow215",
            ),
            (
                "Customer set new WiFi key \"Plover_Gate719\" via app\n",
                "Plover_Gate719",
            ),
            // Commands and calls that take a secret by position.
            (
                "tabcmd login -s https://tableau.example.net -u svc_refresh -p Zk4Lq9Wm2Xr7Tb5Nc\n",
                "Zk4Lq9Wm2Xr7Tb5Nc",
            ),
            (
                "vault operator unseal Kp2+Vx8Lq4Tr6Wz1Nm9Yb3Hc7Gf5Jd0Sa2Qe4Ur6Ot8I\n",
                "Kp2+Vx8Lq4Tr6Wz1Nm9Yb3Hc7Gf5Jd0Sa2Qe4Ur6Ot8I",
            ),
            (
                "creds = pika.PlainCredentials('rotator', 'Fennel.Harbor.Quartz.4410')\n",
                "Fennel.Harbor.Quartz.4410",
            ),
            // A PHP array's key names its parent: Magento's `crypt` => `key`.
            (
                "    'crypt' => [\n        'key' => '7c1e4a9b2d8f6e3a5b0c9d7e1f4a2b8c'\n    ],\n",
                "7c1e4a9b2d8f6e3a5b0c9d7e1f4a2b8c",
            ),
            // A key drawn from every printable character (WordPress).
            (
                "define( 'LOGGED_IN_SALT', 'q.)[hr>V}b:P3%rC@GzMUmCSyR#{DAn]b;wbf<Q/e.!o]GI5>&z.k2Hg:+:&}lZq' );\n",
                "q.)[hr>V}b:P3%rC@GzMUmCSyR#{DAn]b;wbf<Q/e.!o]GI5>&z.k2Hg:+:&}lZq",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // A header row names the next column; a variable passed on is no value.
                "instrument,account,password,last_rotated,notes\n",
                "conn = connect(user=\"ETL\", password=pw, account=\"xy12345.us-east-1\")\n",
                // Checksums, fingerprints and client IDs under a password's name.
                "  dbPassword: 'h1:y05fEDGYTFwIf/4xcEgSS0zYgb59UNHHq2ZzgtWPWv0='\n",
                "  password: 'e3:41:64:34:17:d1:66:9f:4a:eb:98:aa:fb:ff:00:e7'\n",
                "admin_password = \"995745396288-mej04wo31zswvyide83jjybj389ig3qa.apps.googleusercontent.com\"\n",
                // An htpasswd line holds a hash.
                "  auth: YWRtaW46JGFwcjEka2V6VEVtSkgkTDR3Ty9NRmgubXVMVi9tcURtdWZCSg==\n",
                "  .htpasswd: YWRtaW46JGFwcjEka2V6VEVtSkgkTDR3Ty9NRmgubXVMVi9tcURtdWZCSg==\n",
                // `pass` as a verb, and a two-letter unit after a token's name.
                "# pass ctxValue2 to the handler\n",
                "TOKEN_MS=Qz8Lk3Vw7Xr2Tb9N\n",
            ],
        );
    }

    #[test]
    fn nested_shell_words_chosen_keys_key_value_tables_and_ids() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A word quoted inside a single-quoted one, a quote written into it.
            (
                "exec: sh -c 'mosquitto_pub -u line3 -P '\\''Quill'\\''.Harbor.Pump.7731'\\'' -t plant/x -m 1'\n",
                "Quill'\\''.Harbor.Pump.7731",
            ),
            (
                "psql \"$ADMIN_URL\" -c 'ALTER ROLE app PASSWORD '\\''Fall2024!Tundra'\\''x9'\\'';'\n",
                "Fall2024!Tundra'\\''x9",
            ),
            (
                "mosquitto_pub -u line3 -P 'Quill'\\''.Harbor.Pump.7731' -t plant/x -m 1\n",
                "Quill'\\''.Harbor.Pump.7731",
            ),
            // Passwords people choose under a secret's or an encryption key's name.
            ("    secret = Lantern2017\n", "Lantern2017"),
            ("    secret = HarborFalcon615\n", "HarborFalcon615"),
            ("PLC_ENCRYPTION_KEY='Bracket1994'\n", "Bracket1994"),
            ("    secretKey: \"Copper1987!\",\n", "Copper1987!"),
            (
                "keyence_plc_password = Walnut.Heron_418\n",
                "Walnut.Heron_418",
            ),
            // A name's head inside an English word of the value.
            ("ProfileInfluxDBPass=R1ver@Compass482\n", "R1ver@Compass482"),
            // Prose: who gave the password; a random one that no words make up.
            (
                "Hi, the temp password you gave me was Kestrel-Ridge471 and it says expired.\n",
                "Kestrel-Ridge471",
            ),
            (
                "Please unlock svc-batch. Its password Tq8ZmW3xKp7NvR2LcY9bHd4FsJ6GaE is in the old list.\n",
                "Tq8ZmW3xKp7NvR2LcY9bHd4FsJ6GaE",
            ),
            // An ESP-IDF NVS partition table: each row names its value.
            (
                "key,type,encoding,value\nwifi,namespace,,\nwifi_pass,data,string,Meadow7Osprey42!\n",
                "Meadow7Osprey42!",
            ),
            (
                "vendor,environment,owner,credential_type,value,last_rotated\nFiserv,production,ops,password,\"Kestrel51\"\"Lotus!\",2024-01-25\n",
                "Kestrel51\"\"Lotus!",
            ),
            // A quote escaped inside a JSON string's text; a network's key after its SSID.
            (
                "\"body\": \"DB user: hist\\nDB password: Pump-Win\\\"ch_385\\nThanks\"\n",
                "Pump-Win\\\"ch_385",
            ),
            (
                "\"Description\": \"Wi-Fi for the AV cart: SSID HF-AV, key \\\"Velvet@Fj0rd635\\\"ir\\\" (with the quote)\",\n",
                "Velvet@Fj0rd635\\\"ir",
            ),
            // A value marked as base64 is judged as what it decodes to.
            (
                "export WIDGET_API_TOKEN='base64:WHE4dlQzbUs3cFo5TGIyUno0V2M='\n",
                "WHE4dlQzbUs3cFo5TGIyUno0V2M=",
            ),
            // Logins on a command line or in a URL, passwords people chose.
            (
                "curl -u admin:Ridgeline47W http://10.0.0.5:8080/api\n",
                "Ridgeline47W",
            ),
            (
                "snapshot.url=http://root:Lantern1996x@10.40.7.31/cgi/jpg\n",
                "Lantern1996x",
            ),
        ];
        reports_each(&s, &cases);
        let rsa = {
            use base64::Engine as _;
            let bytes: Vec<u8> = (0..256u32).map(|i| (i * 167 + 13) as u8).collect();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        let travis = format!("export DEPLOY_PASSWORD='{rsa}'\n");
        reports_none(
            &s,
            &[
                // Identifiers under a credential's name, and in a `credentials` block.
                "client_secret: \"ocid1.tenancy.oc1..aaaaaaaaiinj8lryou5ufrkhiuaqln26dxyqvfvh6l90csjxgffrzuob6b63\"\n",
                "clientSecret = \"ns=2;s=Press07.K0D3D7HI\"\n",
                "{\n  \"credentials\": {\n    \"clientid\": \"sb-mes-bridge!t31290\",\n    \"xsappname\": \"mes-bridge!t12345\"\n  }\n}\n",
                // An RSA ciphertext (Travis CI `secure:`) is committed on purpose.
                travis.as_str(),
                // A key/value table's header names no value.
                "key,type,encoding,value\n",
            ],
        );
    }

    #[test]
    fn short_random_values_escaped_quotes_and_rows() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // Short random values under any credential's name fall under 3.5 bits by chance.
            ("secret_key = 0PsRnItD0mIY0vv7\n", "0PsRnItD0mIY0vv7"),
            ("secret=qKVgvGqpzUUU7R\n", "qKVgvGqpzUUU7R"),
            ("radius.shared.secret: 0SIs1Ks4EET09m\n", "0SIs1Ks4EET09m"),
            // Letters of both cases drawn at random, short or with capitals inside.
            ("    \"password\": \"ryYolFYR\",\n", "ryYolFYR"),
            (
                "\tCdrSftpPassword: \"SphNGfacqVmOAvf\",\n",
                "SphNGfacqVmOAvf",
            ),
            // Capitalised words and a number under a secret's name; a rotation's old one.
            ("secret = Nimbus_Lima19\n", "Nimbus_Lima19"),
            (
                "EOS_CLIENT_SECRET_OLD=O1SrrJMrb571DPAFJcxswXXwuTDxGVSnkk58mALUoR0\n",
                "O1SrrJMrb571DPAFJcxswXXwuTDxGVSnkk58mALUoR0",
            ),
            // TCP-MD5's password is no digest; a WLAN profile's key material.
            (
                "    bgp-md5-password: lima-pumpkin-iris-inlet\n",
                "lima-pumpkin-iris-inlet",
            ),
            (
                "    <keyMaterial>Noodlebanshee55?</keyMaterial>\n",
                "Noodlebanshee55?",
            ),
            // A quote inside the value, escaped as its string escapes quotes.
            (
                "\"description\": \"config: password=\\\"Ca\\\"rrierjetty60*\\\" and asked why\",\n",
                "Ca\\\"rrierjetty60*",
            ),
            (
                "{\"message\": \"AMI login: user crm-click2dial secret \\\"Trunk\\\"nova51.\\\"\"}\n",
                "Trunk\\\"nova51.",
            ),
            (
                "    bind password: &quot;K&quot;estrel88Jasmine.&quot; (service account)\n",
                "K&quot;estrel88Jasmine.",
            ),
            // A row whose cell names the credential's kind, the next cell its value.
            (
                "Fiserv,production,treasury-ops,password,\"Kestrel51\"\"Lotus!\",2024-01-25,\n",
                "Kestrel51\"\"Lotus!",
            ),
            // Prose: an adverb before the verb, a verb before the connector, an aside.
            (
                "R. Sato: integration user password also rotated: Indigo2Gecko7?\n",
                "Indigo2Gecko7",
            ),
            (
                "<petra> kannel admin pw got reset to 8W3mLZ5c^YDcDmP, pls update the wiki\n",
                "8W3mLZ5c^YDcDmP",
            ),
            (
                "  # pppoe password (base64url, no padding): RW42YnBIdVZsb2t2ZHI\n",
                "RW42YnBIdVZsb2t2ZHI",
            ),
            // A fixture's `.env` line in a data URI.
            (
                "{\"uri\": \"data:text/plain;base64,UkVESVNfUEFTU1dPUkQ9RGVsdGEyMDE5JAo=\"}\n",
                "UkVESVNfUEFTU1dPUkQ9RGVsdGEyMDE5JAo=",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // Identifiers: a Confluent key id, a SHA digest's base64. (Twilio's API key
                // SID is reported under an API key's name: `twilio.api-key-sid`.)
                "confluent.api.key: I8UDR4S3SNWYD325\n",
                "kind: Secret\ndata:\n  CA_BUNDLE_SHA256: MGNlZjE3YWJiZmE1MzU2YTU1ZmM4MWQ0Y2ZjMTRiM2U4ZDk3OTRiZjFjMTYxZjVkMTM5ZjllZjMzYzQzMTU2Yg==\n",
                // Keyboard runs; names of spelled words; a CSV header.
                "MailPassword = \"abcdef123456\",\n",
                "password = \"McDonald\"\n",
                "key = \"AppConfigV2Beta\"\n",
                "id,name,password,created_at,updated_at\n",
                // An MD5 digest under an MD5 name.
                "md5_password = \"5f4dcc3b5aa765d61d8327deb882cf99\"\n",
            ],
        );
    }

    #[test]
    fn leet_logins_ids_attributes_and_site_codes() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // Leetspeak passwords repeat letters as their words do.
            ("svc_password = \"0tt3rl4nt3rn71\"\n", "0tt3rl4nt3rn71"),
            (
                "url: snowflake://billing_rw:h4wk0h4wk052@acct-1/DB/PUBLIC?warehouse=WH\n",
                "h4wk0h4wk052",
            ),
            // `@` with no domain label after it is no e-mail address.
            (
                "DEPLOY_SFTP_PASS = \"q7Rtuv=+HWmZ4PK@.nXbMLQc\"\n",
                "q7Rtuv=+HWmZ4PK@.nXbMLQc",
            ),
            // An Apple ID's password; a key named run together with `encrypt`.
            (
                "    appleIdPassword: 'wqzt-hmkr-tbvn-plcx',\n",
                "wqzt-hmkr-tbvn-plcx",
            ),
            (
                "  mmSqlsettingsAtrestencryptkey: 5d0e3c7a9b21f4e68d0c2a7f3e915b46c8d1f0a2e7b4c9d35f6a0e1b2c3d4e5f\n",
                "5d0e3c7a9b21f4e68d0c2a7f3e915b46c8d1f0a2e7b4c9d35f6a0e1b2c3d4e5f",
            ),
            // A site code of three consonants after the secret's word.
            ("  RADIUS_SECRET_BNG: Kq7vTz2mWx9Lp4\n", "Kq7vTz2mWx9Lp4"),
            // A login made into a Basic header by hand, and an ftplib / Mechanize login.
            (
                "echo -n 'qa:Vb7Lq2Nz9Wx4Kt8Rm3Py' | base64\n",
                "Vb7Lq2Nz9Wx4Kt8Rm3Py",
            ),
            (
                "ftp = ftplib.FTP('ftp.partner.example', 'feed', 'Cobalt-Lantern-Heron-58')\n",
                "Cobalt-Lantern-Heron-58",
            ),
            (
                "m.add_auth('https://portal.example', 'sync@example.org', 'Qr7!vLz2Tm9x')\n",
                "Qr7!vLz2Tm9x",
            ),
            (
                "sipp -sf uac.xml -au 3000 -ap Hk4#Lm9Vq2Zt -r 20 sbc.example\n",
                "Hk4#Lm9Vq2Zt",
            ),
            (
                "& signtool.exe sign /f certs\\ev.pfx /p \"Amber_Kestrel^318\" $Artifact\n",
                "Amber_Kestrel^318",
            ),
            (
                "DEVICE_PASSWORD = base64.urlsafe_b64decode('TW9zc2Zlcm4yOC4=').decode()\n",
                "TW9zc2Zlcm4yOC4=",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // Another attribute's value, a prefix before a placeholder, an NT hash.
                "<input asp-for=\"Password\" type=\"password\" class=\"form-control\" />\n",
                "SMPP_PASSWORD=sk-or-v1-<your-key>\n",
                "\"lab1@test.example\"\tNT-Password := 0x274E0779374221EDC49937DEFA029BF2\n",
                "SESSION_SECRET=replace-with-64-random-chars\n",
                // Client ids: Salesforce consumer keys, DocuSign integration keys, game keys,
                // python-social-auth keys, OVH application keys, Mailjet API keys.
                "SFDC_CONSUMER_KEY=3MVG9Kq2pLr7ZtXvNw4Ys8Hb1Jc5Fd0Gm6Qe3Ua9Ro2Ti7Wp4Xs1Yz8Vn5Mk0Lb3Ch6Dj9Ef2Gh5Ik8\n",
                "integrationKey: 0f4e2a6c-8b1d-4c3e-9a7f-5d2b8e1c6a94\n",
                "GameKey=7c2e9a4f1b8d3e6a0c5f9b2d4e7a1c38\n",
                "SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_KEY = '4b9e2c7a-1d3f-4e8b-a6c5-9f2d7e1b3a80'\n",
                "ovh_application_key = pQ7rT2vX9zK4mN8w\n",
                "MailjetApiKey = \"9e1c4a7f2b6d3e8a0c5f1b9d2e7a4c63\";\n",
                // A Remote Desktop file's DPAPI-encrypted password.
                "password 51:b:01000000D08C9DDF0115D1118C7A00C04FC297EB0100000012AB34CD56EF7890\n",
                // A Secret's host name is no credential.
                "kind: Secret\ndata:\n  DB_HOST: cGctb3NzLTAxLmRiLmludGVybmFs\n",
            ],
        );
        assert!(super::leet_password(b"3mb3rp3wt3r56"));
        assert!(!super::leet_password(b"p4ssw0rd2024"));
        assert!(!super::leet_password(b"ba6s52lqg2f3"));
        assert!(!super::leet_password(b"3f4a0b1c9d8e"));
    }

    #[test]
    fn helper_shapes() {
        use super::{login_pair, mixed_case_letters, said_once};
        assert_eq!(
            said_once(b"Monsoon-Monsoon-743").as_deref(),
            Some(&b"Monsoon-743"[..])
        );
        assert_eq!(
            said_once(b"Rhubarbrhubarb77$").as_deref(),
            Some(&b"Rhubarb77$"[..])
        );
        assert_eq!(said_once(b"Harbor-Velvet-42"), None);
        for yes in [&b"QDtdRNQRzNPQbJyUA"[..], b"rpIursCLJtsMLsE"] {
            assert!(mixed_case_letters(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"ConnectionString"[..],
            b"getPasswordFromEnv",
            b"IAmSensitive",
        ] {
            assert!(!mixed_case_letters(no), "{}", String::from_utf8_lossy(no));
        }
        assert!(login_pair(b"svc_alpha:Rosemarypelican72*"));
        assert!(!login_pair(b"note:see below"));
        assert!(!login_pair(b"8http://crl.example.net/crl/root_ca.crl"));
    }
    #[test]
    fn element_pairs_typed_declarations_and_drawn_shapes() {
        let (s, _) = Scanner::new(RuleSet::builtin().rules);
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            // A name element and its value element (SoapUI, JMeter, SSIS configurations).
            (
                "<con:property><con:name>gwSuPassword</con:name><con:value>Willow.Kestrel.Harness.9842</con:value></con:property>\n",
                "Willow.Kestrel.Harness.9842",
            ),
            (
                "<stringProp name=\"Argument.name\">broker_password</stringProp>\n<stringProp name=\"Argument.value\">beacon-quartz-nimbus-zephyr7</stringProp>\n",
                "beacon-quartz-nimbus-zephyr7",
            ),
            (
                "<Configuration ConfiguredType=\"Property\" Path=\"\\Package.Connections[FTP].Properties[ServerPassword]\" ValueType=\"String\">\n    <ConfiguredValue>beacon-saffron-rivet-thistle2</ConfiguredValue>\n",
                "beacon-saffron-rivet-thistle2",
            ),
            // A header's name in a field, its value beside it.
            (
                "  return { { field = 'X-Agency-Key', value = 'kUlpLXAwst94kq4u9n6X3IPAaeJfhpV2' } }\n",
                "kUlpLXAwst94kq4u9n6X3IPAaeJfhpV2",
            ),
            // Spring's `{noop}` prefix; a capital code, a number and a word, dotted.
            (
                "spring.security.user.password={noop}Meteor_muffin32@4\n",
                "Meteor_muffin32@4",
            ),
            ("ssl.keystore.password=BIR558Onyx.Gran\n", "BIR558Onyx.Gran"),
            (
                "<Pswd>Jasper.Lagoon.Copper.6991</Pswd>\n",
                "Jasper.Lagoon.Copper.6991",
            ),
            // An instance's name after the credential's (Azure IoT Edge).
            (
                "CONTAINER_REGISTRY_PASSWORD_plantacr=WEL179Spindle#Harv\n",
                "WEL179Spindle#Harv",
            ),
            // Drawn upper-case codes, words around a number, letters in long runs of a case.
            ("    <Ssid password=\"129EMKLE\"/>\n", "129EMKLE"),
            (
                "keystore_password: \"kerning369pepper\"\n",
                "kerning369pepper",
            ),
            (
                "CMD [\"redis-server\", \"--requirepass\", \"yhJcLXLPJIEGAEZFAn\"]\n",
                "yhJcLXLPJIEGAEZFAn",
            ),
            // Rust's fallback after an environment read; Go's discarded error; Java's wrapped line.
            (
                "let db_pass = env::var(\"DB_PASSWORD\").unwrap_or_else(|_| \"Kx9mQ2vLp7Zt\".to_string());\n",
                "Kx9mQ2vLp7Zt",
            ),
            (
                "static final String PARTNER_PASSWORD =\n        new String(HexFormat.of().parseHex(\"416d746f32557a624f70774f764b5047\"));\n",
                "416d746f32557a624f70774f764b5047",
            ),
            // Positional secrets of more clients.
            (
                "client.username_pw_set(MQTT_USER, \"WAL621Welder+Waff\")\n",
                "WAL621Welder+Waff",
            ),
            (
                "  new UserIdentity(\"mes-writer\", \"s57V=#J8I0ajGLH\");\n",
                "s57V=#J8I0ajGLH",
            ),
            (
                "$imap = imap_open('{imap.example.net:993/imap/ssl}INBOX', 'ads@example.net', 'Ember.Sidebar.Dateline.2565');\n",
                "Ember.Sidebar.Dateline.2565",
            ),
            (
                "legacy = pymssql.connect(\"erp01\", \"report_ro\", \"Heron.Gazette.Maple.5821\", \"ERP\")\n",
                "Heron.Gazette.Maple.5821",
            ),
            // Commands: conan's and influx's flags, openssl's raw key.
            (
                "conan remote login plant ci -p Walrus.Mesa.Aurora.9835\n",
                "Walrus.Mesa.Aurora.9835",
            ),
            // Prose: an `in` phrase, a bold value, drawn letters ending the message.
            (
                "Gateway token in staging is `5mvn3rlagpkedghdemfel7rz4z03iyxv`.\n",
                "5mvn3rlagpkedghdemfel7rz4z03iyxv",
            ),
            (
                "its passphrase for the staging HSM slot is **c2qncpMb5PbB7tKwLLt9I2TR2** (rotated monthly).\n",
                "c2qncpMb5PbB7tKwLLt9I2TR2",
            ),
            // A literal piped into a decoder.
            (
                "echo YWN0dWFyeTAxOkJhZGdlcmhlcm9uNzdf | base64 -d\n",
                "YWN0dWFyeTAxOkJhZGdlcmhlcm9uNzdf",
            ),
            (
                "export TOKEN=$(xxd -r -p <<< '7849306e5a3f3f582d6f403856693d3f71535464')\n",
                "7849306e5a3f3f582d6f403856693d3f71535464",
            ),
            // An escaped backslash inside a JSON string's `NAME=value`.
            (
                "        \"DB_PASSWORD=y1\\\\rNZaR6Zp\\\"8Zaa\",\n",
                "y1\\\\rNZaR6Zp\\\"8Zaa",
            ),
        ];
        reports_each(&s, &cases);
        reports_none(
            &s,
            &[
                // Type names of the dotted shape, bit widths between words, prose of words.
                "hash.password=SHA256Managed.Create\n",
                "password_codec = base64encode\n",
                "dbPassword: 'uint64value'\n",
                "COCOA = {'PKPaymentPass', 'PKPaymentRequest', 'PKPaymentSummaryItem'}\n",
                // A name element followed by anything but a value element.
                "<con:name>gwSuPassword</con:name><con:description>the gateway password</con:description>\n",
                "    <Ssid password=\"ADMIN123\"/>\n",
                "echo \"aGVsbG8gd29ybGQgZnJvbSB0aGUgZG9jcw==\" | base64 -d\n",
            ],
        );
    }
}
