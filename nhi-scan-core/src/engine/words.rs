//! Identifier words: `DB_PASSWORD`, `dbPassword`, `DbPassword`, `db-password`, `db.password` and
//! `dbpassword` all become `[db, password]`, so the assignment engine decides on words, never on
//! spellings. Splitting happens once per candidate name, into a reused buffer.

/// Lower-case words of one identifier, stored back to back.
#[derive(Default)]
pub(crate) struct Words {
    buf: Vec<u8>,
    ends: Vec<usize>,
    /// The name is upper case but for a lower-case last segment (`REGISTRY_PASSWORD_plantacr`).
    lower_tail: bool,
}

/// More words than this and the name is prose or a path, not a setting.
const MAX_WORDS: usize = 24;

/// Words that are the head of a credential name: the last word of `DB_PASSWORD`, `apiKey`,
/// `AUTH_TOKEN`. A lower-case compound that ends in one of them (`dbpassword`, `requirepass`,
/// `authtoken`) is split in two, unless it is an ordinary English word (see [`compound_split`]).
pub(crate) const HEADS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "pass",
    "pwd",
    "secret",
    "secrets",
    "token",
    "key",
    "credential",
    "credentials",
    "creds",
    "cred",
    "auth",
    "authorization",
];

/// The password in other languages (German, Dutch, Spanish, Portuguese, Norwegian, Finnish,
/// Polish, Czech, Swedish; ASCII spellings): read as `password`, so every rule and check that
/// knows the English word knows these. A compound ending in one is split like one ending in a
/// head (`Initialpasswort`).
const PASSWORD_WORDS: &[&str] = &[
    "passwort",
    "kennwort",
    "wachtwoord",
    "contrasena",
    "senha",
    "passord",
    "salasana",
    "haslo",
    "heslo",
    "losenord",
    // An abbreviation, as ACORD's `<CustPswd><Pswd>` and mainframe fields write it.
    "pswd",
];

/// Whether `w` (a lower-case word) is a password's: `password` (the other languages' words are
/// read as it), `passwd`, `pass`, `pwd`, `passphrase`.
pub(crate) fn password_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"password" | b"passwd" | b"pass" | b"pwd" | b"passphrase"
    )
}

/// Trailing words that do not change what a name holds: `PASSWORD_VALUE`, `API_KEY_PROD`,
/// `token_b64`, `SECRET_2`, `AUTH_BLOB`.
const NEUTRAL: &[&str] = &[
    "value",
    "val",
    // `DMI_AUTH_BLOB`: the stored form of what the words before it name. (Not `data`:
    // AWS's `PasswordData` is the encrypted password, and examples print it decrypted.)
    "blob",
    "str",
    "string",
    "b64",
    "base64",
    "b64url",
    "base64url",
    "hex",
    "raw",
    "plain",
    "plaintext",
    "literal",
    "encoded",
    "prod",
    "production",
    "dev",
    "development",
    "staging",
    "stage",
    "stg",
    "live",
    "test",
    "qa",
    "uat",
    "local",
    "default",
    "current",
    "main",
    "backup",
    "legacy",
    "fallback",
    "override",
    "env",
    // `REDASH_API_KEY_PERSONAL`: whose key it is.
    "personal",
    // `apiKeyPrivate`, `API_KEY_PRIV`: the private half of a key pair.
    "private",
    "priv",
    // `EOS_CLIENT_SECRET_OLD`, `STORAGE_KEY_SECONDARY`: which of a rotation's two it is.
    "old",
    "new",
    "previous",
    "prev",
    "primary",
    "secondary",
    // `WIREGUARD_PSK_OPS`, `TOKEN_ALT`: which team's or which copy it is.
    "ops",
    "alt",
    "internal",
    "external",
];

/// Compounds ending in a head word that are ordinary words or other things: `bypass`,
/// `renderpass` (graphics), `monkey`, `hotkey`.
const COMPOUND_DENY: &[&str] = &[
    "bypass",
    "compass",
    "surpass",
    "trespass",
    "overpass",
    "underpass",
    "encompass",
    "renderpass",
    "subpass",
    "multipass",
    "firstpass",
    "secondpass",
    "onepass",
    "twopass",
    "singlepass",
    "highpass",
    "lowpass",
    "bandpass",
    "allpass",
    "monkey",
    "turkey",
    "donkey",
    "hockey",
    "jockey",
    "whiskey",
    "hotkey",
    "passkey",
    "keykey",
    "leaky",
    "unauth",
    "oauth",
    "deauth",
    "reauth",
    "preauth",
    "noauth",
    "detokenize",
    "untoken",
    "sacred",
];

/// Words before `key` that make `<word>key` a credential compound (`apikey`, `secretkey`):
/// `key` itself is too common to split after anything else.
const KEY_COMPOUND_PREFIXES: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "app",
    "auth",
    "master",
    "encryption",
    "signing",
    "sign",
    "hmac",
    "license",
    "licence",
    "account",
    "storage",
    "client",
    "admin",
    "service",
    "subscription",
    "shared",
    "preshared",
    "consumer",
    "ingest",
    "server",
    "deploy",
    "root",
    "session",
    "sdk",
    "write",
    "rest",
    "enc",
    "encrypt",
    "crypt",
    "crypto",
    "cipher",
    "aes",
    "jwt",
    "webhook",
];

/// Of [`KEY_COMPOUND_PREFIXES`], those that also split a longer lower-case run glued before
/// them (`bingapikey` -> `bing api key`, `awsaccesskey`): long or distinctive enough that no
/// English word ends in them before `key` (`design` ends in `sign`, `forest` in `rest`).
const GLUED_KEY_PREFIXES: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "license",
    "licence",
    "subscription",
    "ingest",
    "encryption",
    "encrypt",
    "signing",
    "webhook",
    "hmac",
    "storage",
    "client",
    "consumer",
];

/// The length of a [`GLUED_KEY_PREFIXES`] word that `prefix` (a lower-case run before `key`)
/// ends in after at least two more letters.
fn glued_key_prefix(prefix: &[u8]) -> Option<usize> {
    GLUED_KEY_PREFIXES
        .iter()
        .find(|p| {
            prefix.len() >= p.len() + 2
                && prefix[prefix.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
        })
        .map(|p| p.len())
}

/// Qualifiers that turn a credential head into something that is not one: `next_token`
/// (pagination), `CancellationToken`, `public_key`, `primary_key`, `confirm_password`.
pub(crate) fn denied_qualifier(head: &[u8], qualifier: &[u8]) -> bool {
    let list: &[&str] = match head {
        b"token" => &[
            "next",
            "page",
            "continuation",
            "pagination",
            "cancellation",
            "cancel",
            "request",
            "idempotency",
            "client",
            "sync",
            "lexer",
            "parser",
            "syntax",
            "csrf",
            "xsrf",
            "antiforgery",
            "device",
            "push",
            "max",
            "num",
            "total",
            "input",
            "output",
            "prompt",
            "completion",
            "pad",
            "eos",
            "bos",
            "unk",
            "sep",
            "cls",
            "mask",
            "start",
            "end",
            "eof",
            "special",
            "marker",
            "cursor",
            "resume",
            "state",
            "nonce",
            "unicode",
            "word",
            "reset",
            "invite",
            "fake",
            "dummy",
            "mock",
            "test",
            "sample",
            "example",
        ],
        b"key" => &[
            "public",
            "publishable",
            "pub",
            "primary",
            "foreign",
            "sort",
            "partition",
            "hash",
            "range",
            "row",
            "unique",
            "composite",
            "cache",
            "map",
            "dict",
            "object",
            "lookup",
            "translation",
            "i18n",
            "locale",
            "message",
            "item",
            "entry",
            "index",
            "idempotency",
            "dedup",
            "deduplication",
            "routing",
            "shard",
            "group",
            "s3",
            "bucket",
            "blob",
            "file",
            "kms",
            "lock",
            "event",
            "config",
            "settings",
            "field",
            "column",
            "table",
            "parent",
            "child",
            "next",
            "prev",
            "start",
            "end",
            "last",
            "first",
            "mod",
            "meta",
            "alt",
            "ctrl",
            "shift",
            "sequence",
            "cursor",
            "search",
            "query",
            "site",
            "recaptcha",
            "turnstile",
            "fake",
            "dummy",
            "mock",
            "sample",
            "example",
            "host",
            "known",
            "authorized",
            "ssh",
            "gpg",
            "pgp",
            "verify",
            "verification",
            "jwks",
            "test",
            "project",
            "anon",
            "measurement",
            "tracking",
        ],
        b"password" | b"passwd" | b"pass" | b"pwd" => &[
            // FreeRADIUS's `NT-Password` / `LM-Password` hold the password's hash.
            "nt",
            "lm",
            "forgot",
            "confirm",
            "confirmation",
            "repeat",
            "retype",
            "new",
            "old",
            "hash",
            "hashed",
            "encrypted",
            "min",
            "max",
            "show",
            "hide",
            "reset",
            "change",
            "fake",
            "dummy",
            "mock",
            "sample",
            "example",
            "wrong",
            "invalid",
            "bad",
            "incorrect",
            "weak",
            "expected",
            "render",
            "first",
            "second",
            "by",
            "no",
        ],
        b"secret" | b"secrets" => &[
            "top",
            "fake",
            "dummy",
            "mock",
            "sample",
            "example",
            "kubernetes",
            "k8s",
        ],
        b"auth" => &["o", "no", "skip", "require", "required", "use", "basic"],
        _ => &[],
    };
    list.iter().any(|w| w.as_bytes() == qualifier)
}

/// Last words of a name that say its value is an address, a login name or an identifier, not
/// a credential (`DB_HOST`, `SMTP_USER`, `TWITCH_CLIENT_ID`). Shared by the places that judge a
/// name by its last word; each adds the words only its own inputs need.
pub(crate) const NAMES_NO_SECRET: &[&[u8]] = &[
    b"id",
    b"user",
    b"username",
    b"email",
    b"url",
    b"uri",
    b"host",
    b"hostname",
    b"endpoint",
    b"region",
    b"domain",
    b"port",
];

impl Words {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Word `i`, lower-case.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    /// Replaces the words with `words` (already lower-case).
    pub fn set(&mut self, words: &[&[u8]]) {
        self.buf.clear();
        self.ends.clear();
        self.lower_tail = false;
        for w in words {
            self.push(w);
        }
    }

    /// Keeps the first `n` words.
    pub fn truncate(&mut self, n: usize) {
        if n < self.ends.len() {
            self.lower_tail = false;
            self.ends.truncate(n);
            self.buf.truncate(self.ends.last().copied().unwrap_or(0));
        }
    }

    fn push(&mut self, w: &[u8]) {
        self.buf.extend(w.iter().map(|b| b.to_ascii_lowercase()));
        self.ends.push(self.buf.len());
    }

    /// Splits `ident` into words: at any byte that is not a letter or digit, at lower-to-upper
    /// (`dbPassword`), before the last capital of a capital run followed by lower case
    /// (`HTMLParser` -> `HTML`, `Parser`), and between letters and digits. Lower-case compounds
    /// ending in a head word are split too. False when the name has too many words.
    pub fn split(&mut self, ident: &[u8]) -> bool {
        self.buf.clear();
        self.ends.clear();
        self.lower_tail = ident.iter().rposition(|b| *b == b'_').is_some_and(|k| {
            let (head, tail) = (&ident[..k], &ident[k + 1..]);
            tail.iter().any(u8::is_ascii_lowercase)
                && tail
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && head.iter().any(u8::is_ascii_uppercase)
                && !head.iter().any(u8::is_ascii_lowercase)
        });
        let n = ident.len();
        let mut start = None::<usize>;
        let mut forced = None::<usize>;
        for i in 0..=n {
            let c = ident.get(i).copied().unwrap_or(b' ');
            if !c.is_ascii_alphanumeric() {
                if let Some(s) = start.take()
                    && !self.push_word(&ident[s..i])
                {
                    return false;
                }
                continue;
            }
            let Some(s) = start else {
                start = Some(i);
                continue;
            };
            let p = ident[i - 1];
            let run_end = p.is_ascii_uppercase()
                && c.is_ascii_uppercase()
                && ident.get(i + 1).is_some_and(|b| b.is_ascii_lowercase());
            // `DBpassword`, `$wgDBpassword`: an acronym run straight into a lower-case head
            // word keeps its last capital, and the head starts after it.
            let glued = run_end && starts_with_head(&ident[i + 1..]);
            let boundary = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (run_end && !glued)
                || (p.is_ascii_uppercase() && c.is_ascii_lowercase() && forced == Some(i))
                || (p.is_ascii_digit() != c.is_ascii_digit());
            if glued {
                forced = Some(i + 1);
            }
            if boundary {
                if !self.push_word(&ident[s..i]) {
                    return false;
                }
                start = Some(i);
            }
        }
        // `sec` ending a name after another word is a secret (`sftpSec`, `landis_gyr_sec`,
        // `setChargerSec`); alone, or inside a name (`sec_group`), it is as often seconds or
        // security, and so it is after a word of time or of security (`tv_sec`,
        // `TimeoutStopSec`, `bytes_per_sec`, IPsec, `AppSec`).
        const NOT_SECRET: &[&[u8]] = &[
            b"ip",
            b"tv",
            b"ts",
            b"timeout",
            b"interval",
            b"delay",
            b"ttl",
            b"per",
            b"max",
            b"min",
            b"elapsed",
            b"restart",
            b"watchdog",
            b"age",
            b"lease",
            b"wait",
            b"retry",
            b"expire",
            b"expires",
            b"time",
            b"epoch",
            b"dns",
            b"app",
            b"info",
            b"net",
            b"dev",
            b"ops",
            b"mod",
            b"stop",
            b"start",
            b"sleep",
            b"idle",
            b"grace",
            b"duration",
        ];
        self.expand_last(b"sec", NOT_SECRET, false, b"secret");
        // `pin` ending a name after another word (`GATEWAY_PIN`, `hmiPin`, `edge_pin`) is a
        // passcode; a hardware pin (`LED_PIN`, `gpio_pin`) or a certificate pin (`cert_pin`,
        // `spki_pin`) is not, and neither holds a passcode's value.
        const NOT_PASSCODE: &[&[u8]] = &[
            b"gpio",
            b"led",
            b"reset",
            b"rst",
            b"irq",
            b"cs",
            b"dc",
            b"en",
            b"ce",
            b"rx",
            b"tx",
            b"sda",
            b"scl",
            b"sck",
            b"sclk",
            b"mosi",
            b"miso",
            b"pwm",
            b"adc",
            b"analog",
            b"digital",
            b"input",
            b"output",
            b"button",
            b"relay",
            b"sensor",
            b"servo",
            b"motor",
            b"trigger",
            b"echo",
            b"interrupt",
            b"select",
            b"power",
            b"enable",
            b"data",
            b"clock",
            b"io",
            b"cert",
            b"certificate",
            b"ssl",
            b"tls",
            b"public",
            b"key",
            b"spki",
            b"sha",
            b"hash",
            b"version",
            b"thread",
            b"cpu",
            b"memory",
            b"dependency",
            b"step",
            b"dir",
            b"busy",
            b"ready",
            b"chip",
            b"pin",
            b"map",
            b"hot",
            b"bobby",
            b"safety",
            b"hair",
            b"hpkp",
            b"root",
            b"ca",
            b"leaf",
            b"commit",
            b"rev",
            b"revision",
            b"nix",
            b"nixpkgs",
            b"git",
            b"trig",
            b"buzzer",
            b"tag",
            b"mux",
            b"spi",
            b"uart",
        ];
        // Past a number: `cert_sha256_pin` splits its number off (`sha`, `256`).
        self.expand_last(b"pin", NOT_PASSCODE, true, b"passcode");
        true
    }

    /// Replaces a last word `short` (after another word, which is not in `not_after`; with
    /// `past_numbers`, the last word before it that is not a number) by the word it abbreviates.
    fn expand_last(&mut self, short: &[u8], not_after: &[&[u8]], past_numbers: bool, full: &[u8]) {
        let n = self.len();
        let before = (0..n.saturating_sub(1))
            .rev()
            .find(|&w| !past_numbers || !self.get(w).iter().all(u8::is_ascii_digit));
        if n >= 2
            && self.last() == Some(short)
            && before.is_none_or(|w| !not_after.contains(&self.get(w)))
        {
            self.ends.pop();
            self.buf.truncate(self.ends.last().copied().unwrap_or(0));
            self.push(full);
        }
    }

    fn push_word(&mut self, w: &[u8]) -> bool {
        if self.ends.len() >= MAX_WORDS {
            return false;
        }
        // Directive spellings of a password: LDAP `bindpw` / `bind_pw`, slapd `rootpw`, sssd
        // `authtok` (authentication token, a password).
        let alias: Option<[&[u8]; 2]> = if w.eq_ignore_ascii_case(b"bindpw") {
            Some([b"bind", b"password"])
        } else if w.eq_ignore_ascii_case(b"rootpw") {
            Some([b"root", b"password"])
        } else if w.eq_ignore_ascii_case(b"authtok") {
            Some([b"auth", b"password"])
        } else {
            None
        };
        if let Some(ws) = alias {
            ws.iter().for_each(|w| self.push(w));
            return true;
        }
        // `pw` after another word (`DB_PW`, `adminPw`, `vpn pw`) is a password; alone it is too
        // short to trust (see `Assign::finish` for where the syntax says it is one).
        if w.eq_ignore_ascii_case(b"pw") && self.last().is_some() {
            self.push(b"password");
            return true;
        }
        // Glued to a word of three letters or more (`enablepw`, `oldpw`, Tcl and Perl style).
        if w.len() >= 5
            && w[w.len() - 2..].eq_ignore_ascii_case(b"pw")
            && w.iter().all(u8::is_ascii_alphabetic)
        {
            self.push_word_of(&w[..w.len() - 2]);
            self.push(b"password");
            return true;
        }
        // `GITHUB_PAT`, `azdoPat`, `CLARIFAI_PAT`: a personal access token after the name of a
        // service that issues them. After other words `pat` is a pattern (`IPV4_PAT`,
        // `longopt_pat`).
        const PAT_ISSUERS: &[&[u8]] = &[
            b"github",
            b"gh",
            b"gitlab",
            b"gl",
            b"azdo",
            b"ado",
            b"azure",
            b"devops",
            b"vsts",
            // A NuGet feed's PAT is an Azure Artifacts (Azure DevOps) token.
            b"nuget",
            b"feed",
            b"bitbucket",
            b"gitea",
            b"forgejo",
            b"clarifai",
            b"huggingface",
            b"hf",
            b"databricks",
            b"dbx",
            b"figma",
            b"airtable",
            b"atlassian",
            b"jira",
            b"confluence",
            b"asana",
            b"notion",
            b"sonar",
            b"sonarqube",
            b"sonarcloud",
            b"npm",
            b"docker",
            b"dockerhub",
            b"quay",
            b"jfrog",
            b"artifactory",
            b"nexus",
            b"terraform",
            b"tfc",
            b"pulumi",
            b"hubspot",
            b"dremio",
            b"snowflake",
            b"tableau",
            b"looker",
            b"grafana",
            b"sourcegraph",
            b"codeberg",
            b"gogs",
            b"travis",
            b"circleci",
            b"buildkite",
            b"harness",
            b"octopus",
            b"splunk",
            b"rancher",
            b"postman",
            b"clickup",
            b"miro",
            b"webex",
            b"canva",
            b"harbor",
            b"gitpod",
            b"coder",
            b"linear",
            b"monday",
            b"zeplin",
            b"personal",
            b"access",
            b"git",
            b"repo",
            b"ci",
            b"bot",
            b"admin",
        ];
        if w.eq_ignore_ascii_case(b"pat") && self.last().is_some_and(|l| PAT_ISSUERS.contains(&l)) {
            self.push(b"token");
            return true;
        }
        // `SMTP_PASSWORD_B64`, `tokenBase64Url`: the split between letters and digits would
        // leave a head word `b`; the encoding is one word, which names no credential.
        let joined: Option<&[u8]> = match (self.last(), w.to_ascii_lowercase().as_slice()) {
            (Some(b"b"), b"64") => Some(b"b64"),
            (Some(b"base"), b"64") => Some(b"base64"),
            (Some(b"b64"), b"url") => Some(b"b64url"),
            (Some(b"base64"), b"url") => Some(b"base64url"),
            _ => None,
        };
        if let Some(j) = joined {
            self.ends.pop();
            self.buf.truncate(self.ends.last().copied().unwrap_or(0));
            self.push(j);
            return true;
        }
        match compound_split(w) {
            Some(at) => {
                let prefix = &w[..at];
                match glued_key_prefix(prefix) {
                    Some(n)
                        if !key_compound_prefix(prefix) && w[at..].eq_ignore_ascii_case(b"key") =>
                    {
                        self.push_word_of(&prefix[..at - n]);
                        self.push_word_of(&prefix[at - n..]);
                    }
                    _ => self.push_word_of(prefix),
                }
                self.push_word_of(&w[at..]);
            }
            None => self.push_word_of(w),
        }
        true
    }

    fn push_word_of(&mut self, w: &[u8]) {
        if PASSWORD_WORDS
            .iter()
            .any(|p| w.eq_ignore_ascii_case(p.as_bytes()))
        {
            self.push(b"password");
        } else {
            self.push(w);
        }
    }

    fn last(&self) -> Option<&[u8]> {
        self.len().checked_sub(1).map(|i| self.get(i))
    }

    /// Whether the last meaningful word is a credential's head word (`DB_PASSWORD`, `apiKey`).
    pub fn ends_in_head(&self) -> bool {
        let end = self.meaningful_end();
        end > 0 && HEADS.iter().any(|h| h.as_bytes() == self.get(end - 1))
    }

    /// Whether word `i` says which of several credentials a name holds: two letters after a
    /// password, secret, token or credential word (`SFTP_PASSWORD_RO`, `API_TOKEN_EU`,
    /// `PORTAL_PASSWORD_ZV`), or three consonants after a password, secret, token, psk or key
    /// word (`RADIUS_SECRET_BNG`, `VPN_PSK_NYC`): a role, region or site code, unless it is a
    /// word, a unit or a format (`token_ms`, `key_id`, `password_re`, `token_ttl`).
    fn site_code_qualifier(&self, i: usize) -> bool {
        const NOT_CODES: &[&[u8]] = &[
            b"ttl", b"len", b"cnt", b"str", b"sig", b"msg", b"url", b"src", b"dst", b"tmp", b"pwd",
            b"txt", b"xml", b"csv", b"crt", b"cfg", b"pgp", b"gpg", b"jwt", b"ssh", b"tls", b"ssl",
            b"rsa", b"dsa", b"hmc", b"chk", b"sha", b"md",
        ];
        let w = self.get(i);
        if i > 0
            && w.len() == 3
            && w.iter()
                .all(|b| b.is_ascii_lowercase() && !b"aeiouy".contains(b))
            && !NOT_CODES.contains(&w)
            && matches!(
                self.get(i - 1),
                b"password" | b"passwd" | b"secret" | b"token" | b"psk" | b"key"
            )
        {
            return true;
        }
        const WORDS: &[&[u8]] = &[
            b"id", b"ms", b"ns", b"us", b"re", b"rx", b"fn", b"cb", b"ts", b"ok", b"no", b"is",
            b"by", b"to", b"in", b"of", b"at", b"on", b"or", b"up", b"db", b"io", b"md", b"op",
            b"ui", b"js", b"py", b"rs", b"go", b"sh", b"pb", b"gz", b"dt", b"tm", b"ex", b"ix",
            b"if", b"as", b"do", b"be", b"it", b"an", b"my", b"me", b"we",
        ];
        i > 0
            && w.len() == 2
            && w.iter().all(u8::is_ascii_lowercase)
            && !WORDS.contains(&w)
            && (password_word(self.get(i - 1))
                || matches!(
                    self.get(i - 1),
                    b"secret" | b"token" | b"credential" | b"credentials"
                ))
    }

    /// Index one past the last word that is not a neutral qualifier (`PASSWORD_PROD_2` -> 1).
    pub fn meaningful_end(&self) -> usize {
        let mut end = self.len();
        // An instance's name after an upper-case credential name, as Azure IoT Edge writes
        // its registries (`CONTAINER_REGISTRY_PASSWORD_plantacr`): the head is before it.
        // A tail that says what the value is (`SECRET_KEY_name`, `API_TOKEN_type`) is no
        // instance's name.
        if self.lower_tail
            && end > 2
            && HEADS.iter().any(|h| h.as_bytes() == self.get(end - 2))
            && !NAMES_NO_SECRET.contains(&self.get(end - 1))
            && ![
                &b"id"[..],
                b"name",
                b"type",
                b"hint",
                b"file",
                b"ref",
                b"len",
                b"length",
            ]
            .contains(&self.get(end - 1))
        {
            end -= 1;
        }
        while end > 1 {
            let w = self.get(end - 1);
            if w.iter().all(u8::is_ascii_digit)
                || NEUTRAL.iter().any(|n| n.as_bytes() == w)
                || self.site_code_qualifier(end - 1)
            {
                end -= 1;
                // `password_v2`: a version's `v` goes with its number.
                if w[0].is_ascii_digit() && end > 1 && self.get(end - 1) == b"v" {
                    end -= 1;
                }
            } else {
                break;
            }
        }
        end
    }
}

/// Whether `rest` starts with a lower-case head word that ends there (`password`, `passHash`),
/// not a longer word that begins like one (`passage`).
fn starts_with_head(rest: &[u8]) -> bool {
    HEADS.iter().any(|h| {
        rest.starts_with(h.as_bytes()) && !rest.get(h.len()).is_some_and(u8::is_ascii_lowercase)
    })
}

/// Whether `w` (any case) is a word that makes `<w>key` a credential compound.
pub(crate) fn key_compound_prefix(w: &[u8]) -> bool {
    KEY_COMPOUND_PREFIXES
        .iter()
        .any(|p| w.eq_ignore_ascii_case(p.as_bytes()))
}

/// Where to split a compound word that ends in a head word (`dbpassword` -> 2, `apikey` -> 3),
/// or `None`. Only all-lower-case or all-upper-case words reach here as compounds (mixed case was
/// split already).
fn compound_split(w: &[u8]) -> Option<usize> {
    if w.len() < 4 || w.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let lower = |b: &u8| b.to_ascii_lowercase();
    let eq = |a: &[u8], b: &str| {
        a.len() == b.len() && a.iter().map(lower).zip(b.bytes()).all(|(x, y)| x == y)
    };
    let heads = || HEADS.iter().chain(PASSWORD_WORDS);
    if heads().any(|h| eq(w, h)) || COMPOUND_DENY.iter().any(|d| eq(w, d)) {
        return None;
    }
    for h in heads() {
        if w.len() <= h.len() + 1 {
            continue;
        }
        let at = w.len() - h.len();
        if !eq(&w[at..], h) {
            continue;
        }
        let prefix = &w[..at];
        if *h == "key"
            && !KEY_COMPOUND_PREFIXES.iter().any(|p| eq(prefix, p))
            && glued_key_prefix(prefix).is_none()
        {
            return None;
        }
        // `passwd` ends in `wd`, `password` in `word`: only split on the longest head.
        return Some(at);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut w = Words::default();
        assert!(w.split(s.as_bytes()));
        (0..w.len())
            .map(|i| String::from_utf8(w.get(i).to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn every_naming_style_gives_the_same_words() {
        for s in [
            "DB_PASSWORD",
            "dbPassword",
            "DbPassword",
            "db-password",
            "db.password",
            "dbpassword",
            "DBPASSWORD",
        ] {
            assert_eq!(words(s), ["db", "password"], "{s}");
        }
        assert_eq!(words("twilioAuthToken"), ["twilio", "auth", "token"]);
        assert_eq!(words("HTMLParser"), ["html", "parser"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(words("apikey"), ["api", "key"]);
        assert_eq!(words("requirepass"), ["require", "pass"]);
        assert_eq!(words("password2"), ["password", "2"]);
        assert_eq!(words("monkey"), ["monkey"]);
        assert_eq!(words("bypass"), ["bypass"]);
        assert_eq!(words("hotkey"), ["hotkey"]);
        // A provider's name glued before a distinctive key compound.
        assert_eq!(words("bingapikey"), ["bing", "api", "key"]);
        assert_eq!(words("awsaccesskey"), ["aws", "access", "key"]);
        assert_eq!(words("designkey"), ["designkey"]);
        assert_eq!(words("turnkey"), ["turnkey"]);
        assert_eq!(words("bindpw"), ["bind", "password"]);
        assert_eq!(words("ldap_bind_pw"), ["ldap", "bind", "password"]);
        assert_eq!(words("rootpw"), ["root", "password"]);
        assert_eq!(
            words("ldap_default_authtok"),
            ["ldap", "default", "auth", "password"]
        );
        assert_eq!(words("pw_len"), ["pw", "len"]);
        assert_eq!(words("sftpSec"), ["sftp", "secret"]);
        assert_eq!(words("landis_gyr_sec"), ["landis", "gyr", "secret"]);
        assert_eq!(words("sec_group"), ["sec", "group"]);
        assert_eq!(words("sec"), ["sec"]);
        assert_eq!(
            words("NEVPNProtocolIPSec"),
            ["nevpn", "protocol", "ip", "sec"]
        );
        assert_eq!(words("tv_sec"), ["tv", "sec"]);
        assert_eq!(words("TimeoutStopSec"), ["timeout", "stop", "sec"]);
        // An acronym glued to a lower-case head (MediaWiki's `$wgDBpassword`).
        assert_eq!(words("wgDBpassword"), ["wg", "db", "password"]);
        assert_eq!(words("DBpassHash"), ["db", "pass", "hash"]);
        assert_eq!(words("IOpassage"), ["i", "opassage"]);
        assert_eq!(words("Initialpasswort"), ["initial", "password"]);
        assert_eq!(words("admin-wachtwoord"), ["admin", "password"]);
        // An encoding is one word, whatever the separators.
        assert_eq!(words("SMTP_PASSWORD_B64"), ["smtp", "password", "b64"]);
        assert_eq!(words("sessionKeyBase64"), ["session", "key", "base64"]);
        assert_eq!(words("gitlabTokenB64url"), ["gitlab", "token", "b64url"]);
        assert_eq!(words("base_64"), ["base64"]);
    }

    #[test]
    fn neutral_trailing_words_are_skipped() {
        let mut w = Words::default();
        w.split(b"API_KEY_PROD_2");
        assert_eq!(w.meaningful_end(), 2);
        w.split(b"password");
        assert_eq!(w.meaningful_end(), 1);
        w.split(b"ses_smtp_password_v4");
        assert_eq!(w.meaningful_end(), 3);
    }
}
