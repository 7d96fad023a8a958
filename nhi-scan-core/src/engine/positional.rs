//! Passwords passed by position: `mysqli_connect('host', 'user', 'pw', 'db')`,
//! `DBI->connect($dsn, 'user', 'pw')`, `smtp.PlainAuth("", user, "pw", host)`, and the Go
//! driver DSN `"user:pw@tcp(host)/db"`.
//!
//! No name sits next to these values: the callee alone says which argument is the password, so
//! each call is listed with that argument's position. Only a string literal there is a value
//! (a variable, an empty string or a placeholder is not); the user and host arguments around
//! it are never reported. The callees are long, distinctive literals, so they cost the keyword
//! gate nothing on ordinary code.

use std::ops::Range;

use super::assign::{parse_value, passphrase, quote_at, strong_password, trim_range, value_end};

/// What the password argument is called, for attribution (the generic password rules).
const PASSWORD: &[&[u8]] = &[b"password"];
/// An AWS secret key passed after its key id (`Aws::Credentials.new('AKIA..', '..')`).
const AWS_SECRET: &[&[u8]] = &[b"aws", b"secret", b"access", b"key"];

/// A signing or cookie secret (`jwt.sign(payload, "x")`, `cookieParser("x")`).
const SIGNING_SECRET: &[&[u8]] = &[b"signing", b"secret"];

/// A symmetric key (`Fernet(b"x")`).
const ENCRYPTION_KEY: &[&[u8]] = &[b"encryption", b"key"];

/// A call whose argument at `index` (0-based) is a password.
struct Call {
    /// Gate keyword, lower case, ending in `(`.
    keyword: &'static str,
    index: usize,
    words: &'static [&'static [u8]],
    /// The first argument must be an AWS access key id literal (the pair makes the second a
    /// secret key, not any string).
    aws_id_first: bool,
    /// VBScript's call syntax: arguments to the end of the line, no backslash escapes.
    vbscript: bool,
}

const fn call(keyword: &'static str, index: usize) -> Call {
    Call {
        keyword,
        index,
        words: PASSWORD,
        aws_id_first: false,
        vbscript: false,
    }
}

/// A Windows Script Host call read with VBScript's syntax ([`vb_argument`]).
const fn vb_call(keyword: &'static str, index: usize) -> Call {
    Call {
        vbscript: true,
        ..call(keyword, index)
    }
}

const fn signing(keyword: &'static str, index: usize) -> Call {
    Call {
        keyword,
        index,
        words: SIGNING_SECRET,
        aws_id_first: false,
        vbscript: false,
    }
}

const fn aws(keyword: &'static str) -> Call {
    Call {
        keyword,
        index: 1,
        words: AWS_SECRET,
        aws_id_first: true,
        vbscript: false,
    }
}

/// Callees with the position of their password argument.
const CALLS: &[Call] = &[
    // PHP: (host, user, password, db); PDO: (dsn, user, password).
    call("mysqli_connect(", 2),
    // (link, host, user, password, db).
    call("mysqli_real_connect(", 3),
    call("mysql_connect(", 2),
    call("mysql_pconnect(", 2),
    call("new mysqli(", 2),
    call("new pdo(", 2),
    // A namespaced class name (`new \\PDO(...)`) is the same class.
    call("new \\pdo(", 2),
    // Perl DBI: (dsn, user, password, \%attr).
    call("dbi->connect(", 2),
    call("dbi->connect_cached(", 2),
    // Python DB-API drivers: (host, user, password, db).
    call("pymysql.connect(", 2),
    call("mysqldb.connect(", 2),
    call("psycopg2.connect(", 2),
    // Redis AUTH from a client under its usual names: OpenResty's `r:auth("pw")`, node-redis's
    // `client.auth("pw")` (`red:auth` and `redis:auth` below).
    call("r:auth(", 0),
    call("conn:auth(", 0),
    call("client.auth(", 0),
    call("redis.auth(", 0),
    // phpredis: `$redis->auth('pw')`.
    call("redis->auth(", 0),
    // Arduino and ESP-IDF Wi-Fi: WiFi.begin(ssid, passphrase), WiFi.softAP(ssid, passphrase).
    call("wifi.begin(", 1),
    call("wifi.softap(", 1),
    // Tableau Server Client: PersonalAccessTokenAuth(token_name, token_secret, site_id).
    call("personalaccesstokenauth(", 1),
    // Rails and Rack: a constant-time comparison against a written secret,
    // `ActiveSupport::SecurityUtils.secure_compare(password, "x")`.
    call("secure_compare(", 1),
    // Go net/smtp: (identity, user, password, host).
    call("plainauth(", 2),
    // python-ldap: simple_bind_s(dn, password), bind_s(dn, password, method).
    call("bind_s(", 1),
    call("simple_bind_s(", 1),
    // AWS SDKs: (access key id, secret access key).
    // OpenResty lua-resty-redis: red:auth(password).
    call("red:auth(", 0),
    call("redis:auth(", 0),
    // redis-py: Redis(host, port, db, password); the keyword form is an assignment.
    call("redis.redis(", 3),
    call("redis.strictredis(", 3),
    // kafka-go SASL: scram.Mechanism(algo, user, password).
    call("scram.mechanism(", 2),
    // Perl LWP: $ua->credentials('host:443', 'realm', 'user', 'password') (or `'user' => 'pw'`).
    call("->credentials(", 3),
    // java.net: new PasswordAuthentication(user, "pw".toCharArray()).
    call("new passwordauthentication(", 1),
    // HTTP basic auth helpers: (user, password). Go `req.SetBasicAuth`, Spring
    // `headers.setBasicAuth`, requests `HTTPBasicAuth` / `HTTPDigestAuth`, Faraday and
    // HTTParty `basic_auth`.
    call("setbasicauth(", 1),
    call("httpbasicauth(", 1),
    call("httpdigestauth(", 1),
    call("basic_auth(", 1),
    // Eclipse Paho MQTT (Python): client.username_pw_set(user, password).
    call("username_pw_set(", 1),
    // OPC UA .NET: new UserIdentity(user, password).
    call("new useridentity(", 1),
    // A plaintext password handed to a hashing helper, as seeders and fixtures do: Laravel
    // `Hash::make` / `bcrypt`, PHP `password_hash`, Django `make_password`, Werkzeug
    // `generate_password_hash`.
    call("hash::make(", 0),
    call("bcrypt(", 0),
    call("password_hash(", 0),
    call("make_password(", 0),
    call("generate_password_hash(", 0),
    // MATLAB Database Toolbox: conn = database(datasource, user, password).
    call("= database(", 2),
    call("=database(", 2),
    // AWS CDK and Pulumi: a secret written into the program as plain text.
    call("secretvalue.unsafeplaintext(", 0),
    call("secretvalue.plaintext(", 0),
    call("pulumi.secret(", 0),
    // Signing and cookie secrets written into the call: jsonwebtoken and PyJWT
    // `jwt.sign/verify/encode/decode(payload_or_token, secret)`, Express `cookieParser(secret)`,
    // Node `crypto.createHmac(algorithm, secret)`, Python `hmac.new(key, ...)`, golang-jwt
    // `token.SignedString([]byte(secret))`.
    signing("jwt.sign(", 1),
    signing("jwt.verify(", 1),
    signing("jwt.encode(", 1),
    signing("jwt.decode(", 1),
    signing("cookieparser(", 0),
    signing("createhmac(", 1),
    signing("hmac.new(", 0),
    // PHP `hash_hmac(algo, data, key)`; Varnish's digest vmod `digest.hmac_sha256(key, data)`.
    signing("hash_hmac(", 2),
    signing("digest.hmac_sha256(", 0),
    signing("digest.hmac_sha1(", 0),
    signing("digest.hmac_md5(", 0),
    signing("signedstring([]byte(", 0),
    // Mirth Connect channel scripts: DatabaseConnectionFactory.createDatabaseConnection(driver,
    // url, user, password).
    call("createdatabaseconnection(", 3),
    // ArcGIS API for Python: GIS(url, username, password).
    call("gis(", 2),
    // Windows Script Host: MapNetworkDrive(local, remote, updateProfile, user, password),
    // called with or without parentheses in VBScript.
    vb_call("mapnetworkdrive(", 4),
    vb_call("mapnetworkdrive ", 4),
    // RabbitMQ's Python client: pika.PlainCredentials(user, password).
    call("plaincredentials(", 1),
    // ldap3: Connection(server, user, password, ...).
    call("ldap3.connection(", 2),
    // Python's ftplib: FTP(host, user, passwd) and FTP_TLS(host, user, passwd); a client's
    // login(user, password) (ftplib, smtplib, imaplib, poplib and their kind).
    call("ftplib.ftp(", 2),
    call("ftplib.ftp_tls(", 2),
    call("ftp_tls(", 2),
    call(".login(", 1),
    // Apache HttpClient: new UsernamePasswordCredentials(user, "pw".toCharArray()).
    call("usernamepasswordcredentials(", 1),
    // R httr: authenticate(user, password).
    call("httr::authenticate(", 1),
    // A PDO constructor in a PHP stack trace: `PDO->__construct('mysql:...', 'u', 'pw', Array)`.
    call("pdo->__construct(", 2),
    // PHP IMAP: imap_open(mailbox, user, password).
    call("imap_open(", 2),
    // pymssql (positional form): connect(server, user, password, database).
    call("pymssql.connect(", 2),
    call("pymssql._mssql.connect(", 2),
    // Mechanize: agent.add_auth(url, user, password).
    call(".add_auth(", 2),
    // pysnmp: CommunityData("community", mpModel=1), the SNMP v1/v2c password.
    call("communitydata(", 0),
    // Odoo's XML-RPC API: common.authenticate(db, user, password, {}) and
    // models.execute_kw(db, uid, password, model, method, args).
    call("common.authenticate(", 2),
    call("execute_kw(", 2),
    // cryptography's Fernet(key): the key encrypts and authenticates the tokens.
    Call {
        keyword: "fernet(",
        index: 0,
        words: ENCRYPTION_KEY,
        aws_id_first: false,
        vbscript: false,
    },
    aws("basicawscredentials("),
    aws("aws::credentials.new("),
];

/// The Go MySQL driver's DSN markers: `user:password@tcp(host:3306)/db`, `@unix(/run/mysqld.sock)`.
const GO_DSN: &[&str] = &["@tcp(", "@unix("];

/// Browser-test calls that type text into a form field: Cypress `cy.get('#password').type(x)`,
/// Playwright `page.fill('#password', x)` / `getByLabel('Password').fill(x)`, Selenium
/// `find_element(By.ID, "password").send_keys(x)`, WebdriverIO `setValue`.
const TYPED: &[&str] = &[".type(", ".fill(", "send_keys(", "sendkeys(", ".setvalue("];

/// The separator of a login written as `user / password` in notes, chats and manuals.
const SLASH_PAIR: &str = " / ";
/// The same in a JSON string whose writer escapes every slash (Slack's exports).
const SLASH_PAIR_ESCAPED: &str = " \\/ ";

/// Whether `kw` (a gate hit's bytes) is a call of [`CALLS`]: read even inside a name an
/// earlier hit claimed (`objNetwork.MapNetworkDrive(` holds `net`).
pub(crate) fn call_hit(kw: &[u8]) -> bool {
    matches!(kw.last(), Some(b'(' | b' '))
        && CALLS
            .iter()
            .any(|c| kw.eq_ignore_ascii_case(c.keyword.as_bytes()))
}

/// Gate keywords of this pass (lower case).
pub(crate) fn keywords() -> impl Iterator<Item = &'static str> {
    CALLS
        .iter()
        .map(|c| c.keyword)
        .chain(GO_DSN.iter().copied())
        .chain(TYPED.iter().copied())
        .chain([SLASH_PAIR, SLASH_PAIR_ESCAPED])
}

/// Words that say a line holds a login (`door controller admin login: admin / x`,
/// `Basic auth    edi-partner / x`, `user CORP\svc / x`).
const LOGIN_WORDS: &[&[u8]] = &[
    b"login",
    b"logon",
    b"creds",
    b"credential",
    b"password",
    b"passwort",
    b"pw",
    b"pwd",
    b"account",
    b"user",
    b"auth",
    b"sign in",
    // A network's name and its key (`wifi for the store: LumenGuest / x`).
    b"wifi",
    b"wi-fi",
    b"wlan",
];

/// `admin / redwood-galaxy-willow-raven` after a word that announces a login: a user name, a
/// slash between blanks, and a password. Only a strong password or a passphrase of four words
/// or more counts (`width / 2`, `reads / writes` are arithmetic and prose).
fn slash_pair(hay: &[u8], hit: Range<usize>) -> Option<Found> {
    // The user: a name, possibly `DOMAIN\\user` or an e-mail, possibly closed by an inline tag.
    let mut e = hit.start;
    for tag in [
        &b"</b>"[..],
        b"</code>",
        b"</strong>",
        b"</tt>",
        b"`",
        b"**",
    ] {
        if hay[..e].ends_with(tag) {
            e -= tag.len();
            break;
        }
    }
    let mut s = e;
    while s > 0
        && e - s < 64
        && (hay[s - 1].is_ascii_alphanumeric() || b"._@\\-".contains(&hay[s - 1]))
    {
        s -= 1;
    }
    if s == e || !hay[s..e].iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut ls = memchr::memrchr(b'\n', &hay[..s]).map_or(0, |i| i + 1);
    // A chat export's message is a JSON string: the sentence starts after its opening quote.
    if let Some(q) = memchr::memrchr(b'"', &hay[ls..s]) {
        ls += q + 1;
    }
    let lead = hay[ls.max(s.saturating_sub(120))..s].to_ascii_lowercase();
    // Code divides (`ratio = user_bytes / total2X;`); prose announces.
    if lead.iter().any(|b| matches!(b, b'=' | b'(' | b'{' | b';')) {
        return None;
    }
    if !LOGIN_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lead, w).is_some())
    {
        return None;
    }
    // An inline element around the password (`<code>x</code>`) is read by `parse_value`.
    let mut p = hit.end;
    while hay.get(p) == Some(&b' ') {
        p += 1;
    }
    // Each side may be labelled: `user nw-ops / pass x`, `login: u / password: x`.
    for label in [&b"password"[..], b"pass", b"pwd", b"pw"] {
        let n = label.len();
        if hay.len() > p + n
            && hay[p..p + n].eq_ignore_ascii_case(label)
            && matches!(hay[p + n], b' ' | b':')
        {
            p += n;
            while matches!(hay.get(p), Some(b' ' | b':')) {
                p += 1;
            }
            break;
        }
    }
    let (v, quoted) = parse_value(hay, p)?;
    let val = &hay[v.clone()];
    let words = val.iter().filter(|b| **b == b'-').count() + 1;
    if !(strong_password(val) || words >= 4 && passphrase(val)) {
        return None;
    }
    let end = value_end(hay, &v, quoted);
    if !matches!(
        hay.get(end),
        None | Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b'.' | b')' | b'<' | b'"')
    ) {
        return None;
    }
    Some(Found {
        name: s..e,
        value: v,
        words: PASSWORD,
    })
}

/// Whether a field selector or label names a password field (`#password`, `[name=passwd]`,
/// `Password`, `login-pwd`).
fn password_field(text: &[u8]) -> bool {
    let lower = text.to_ascii_lowercase();
    [&b"pass"[..], b"pwd"]
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some())
}

/// The text a browser test types into a password field: the call's second argument when its
/// first is the field's selector (`page.fill('#password', 'x')`), else its first when the
/// chain before it on the line selects the field (`cy.get('#password').type('x')`).
fn typed_password(hay: &[u8], hit: Range<usize>) -> Option<Found> {
    let (first, next) = argument(hay, hit.end)?;
    let value = match first {
        Some(sel) if password_field(&hay[sel.clone()]) => argument(hay, next)?.0?,
        Some(v) => {
            let ls = memchr::memrchr(b'\n', &hay[..hit.start]).map_or(0, |i| i + 1);
            let chain = &hay[ls.max(hit.start.saturating_sub(160))..hit.start];
            // The field is chosen by a string in the chain (`get('#password')`,
            // `getByLabel("Password")`), not by a variable's name.
            let quoted_field = chain
                .split(|b| matches!(b, b'"' | b'\'' | b'`'))
                .skip(1)
                .step_by(2)
                .any(password_field);
            if !quoted_field {
                return None;
            }
            v
        }
        None => return None,
    };
    Some(Found {
        name: hit.start..hit.end - 1,
        value,
        words: PASSWORD,
    })
}

/// A password found by position: the callee (or DSN user), the literal, and the words that
/// name it.
pub(crate) struct Found {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub words: &'static [&'static [u8]],
}

/// The password literal of the positional call (or DSN) whose keyword is at `hit`, if the
/// keyword is one of ours and the argument is a string literal.
pub(crate) fn find(hay: &[u8], hit: Range<usize>) -> Option<Found> {
    let kw = &hay[hit.clone()];
    if GO_DSN.iter().any(|d| kw.eq_ignore_ascii_case(d.as_bytes())) {
        return go_dsn(hay, hit.start);
    }
    if TYPED.iter().any(|d| kw.eq_ignore_ascii_case(d.as_bytes())) {
        return typed_password(hay, hit);
    }
    if kw == SLASH_PAIR.as_bytes() || kw == SLASH_PAIR_ESCAPED.as_bytes() {
        return slash_pair(hay, hit);
    }
    let c = CALLS
        .iter()
        .find(|c| kw.eq_ignore_ascii_case(c.keyword.as_bytes()))?;
    // `xmysqli_connect(`, `my_pdo(` are other functions (`$ua->credentials(` starts with `-`).
    if hit.start > 0
        && kw[0].is_ascii_alphabetic()
        && (hay[hit.start - 1].is_ascii_alphanumeric() || hay[hit.start - 1] == b'_')
    {
        return None;
    }
    if c.vbscript {
        return vb_argument(hay, hit.end, c.index).map(|value| Found {
            name: hit.start..hit.end - 1,
            value,
            words: c.words,
        });
    }
    let mut p = hit.end;
    for i in 0..c.index {
        let (lit, next) = argument(hay, p)?;
        if i == 0 && c.aws_id_first && !lit.is_some_and(|r| is_aws_key_id(&hay[r])) {
            return None;
        }
        p = next;
    }
    let (lit, _) = argument(hay, p)?;
    let value = lit?;
    Some(Found {
        name: hit.start..hit.end - 1,
        value,
        words: c.words,
    })
}

/// The string literal that is argument `index` of a VBScript call from `p` to the end of its
/// line. VBScript has no backslash escapes (`"\\fs01\home$\"` ends at its last quote) and
/// doubles a quote inside a string, so quotes simply toggle.
fn vb_argument(hay: &[u8], p: usize, index: usize) -> Option<Range<usize>> {
    let eol = p + memchr::memchr2(b'\n', b'\r', &hay[p..]).unwrap_or(hay.len() - p);
    let (mut arg, mut in_str, mut start) = (0, false, p);
    for i in p..=eol {
        let b = hay.get(i).copied().unwrap_or(b'\n');
        if b == b'"' {
            in_str = !in_str;
        } else if !in_str && matches!(b, b',' | b')' | b'\n' | b'\r') || i == eol {
            if arg == index {
                let t = trim_range(hay, start..i);
                let lit = &hay[t.clone()];
                let inner = t.start + 1..t.end - 1;
                return (lit.len() > 2
                    && lit[0] == b'"'
                    && lit[lit.len() - 1] == b'"'
                    && !hay[inner.clone()].contains(&b'"'))
                .then_some(inner);
            }
            if b != b',' {
                return None;
            }
            arg += 1;
            start = i + 1;
        }
    }
    None
}

/// One argument starting at `p`: its string literal if the whole argument is one, and where
/// the next argument starts (after the `,`). `None` at the closing `)` or when the argument
/// list runs past a few lines.
fn argument(hay: &[u8], mut p: usize) -> Option<(Option<Range<usize>>, usize)> {
    let lim = (p + 512).min(hay.len());
    while p < lim && hay[p].is_ascii_whitespace() {
        p += 1;
    }
    // A Python bytes literal (`b"..."`) is a literal too.
    let prefixed = hay.get(p) == Some(&b'b') && quote_at(hay, p + 1).is_some();
    if (quote_at(hay, p).is_some() || prefixed)
        && let Some((v, true)) = parse_value(hay, p)
    {
        let mut q = value_end(hay, &v, true);
        // Java `"pw".toCharArray()` is still the literal.
        if hay[q..].starts_with(b".toCharArray()") {
            q += b".toCharArray()".len();
        }
        while q < lim && hay[q].is_ascii_whitespace() {
            q += 1;
        }
        match hay.get(q) {
            Some(b',') => return Some((Some(v), q + 1)),
            // Perl's fat comma: `'user' => 'pw'`.
            Some(b'=') if hay.get(q + 1) == Some(&b'>') => return Some((Some(v), q + 2)),
            Some(b')') => return Some((Some(v), q)),
            _ => {}
        }
    } else if p < lim && hay[p] == b')' {
        return None;
    }
    // Not a lone literal: skip to the next top-level comma.
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    while p < lim {
        let b = hay[p];
        match quote {
            Some(_) if b == b'\\' => p += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => return None,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => return Some((None, p + 1)),
                b'=' if depth == 0 && hay.get(p + 1) == Some(&b'>') => {
                    return Some((None, p + 2));
                }
                _ => {}
            },
        }
        p += 1;
    }
    None
}

fn is_aws_key_id(v: &[u8]) -> bool {
    v.len() == 20
        && (v.starts_with(b"AKIA") || v.starts_with(b"ASIA"))
        && v[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
}

/// `"user:password@tcp(host)/db"`: the password between the DSN's first `:` and the `@`.
fn go_dsn(hay: &[u8], at: usize) -> Option<Found> {
    let floor = at.saturating_sub(128);
    let mut s = at;
    while s > floor
        && !matches!(
            hay[s - 1],
            b'"' | b'\'' | b'`' | b'\n' | b' ' | b'\t' | b'='
        )
    {
        s -= 1;
    }
    if s == 0 || !matches!(hay[s - 1], b'"' | b'\'' | b'`') {
        return None;
    }
    let colon = s + memchr::memchr(b':', &hay[s..at])?;
    if colon == s || colon + 1 == at {
        return None;
    }
    Some(Found {
        name: s..colon,
        value: colon + 1..at,
        words: PASSWORD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> Option<String> {
        let lower = text.to_ascii_lowercase();
        keywords().find_map(|k| {
            let at = lower.find(k)?;
            let f = find(text.as_bytes(), at..at + k.len())?;
            Some(text[f.value].to_string())
        })
    }

    #[test]
    fn password_argument_is_taken_by_position() {
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            (
                "$l = mysqli_connect('db.host', 'app', 'Q7v#kLp2Wz9r', 'shop');",
                "Q7v#kLp2Wz9r",
            ),
            (
                "$db = new mysqli(\"localhost\", \"u\", \"hT4mWq8Zr2x\", \"shop\");",
                "hT4mWq8Zr2x",
            ),
            (
                "$pdo = new PDO($dsn, 'report', 'Vb9!xKe3Lm7q');",
                "Vb9!xKe3Lm7q",
            ),
            (
                "return new \\PDO('mysql:host=db;dbname=t', 'ro', 'hY8X4q.LiP@+9rKc');",
                "hY8X4q.LiP@+9rKc",
            ),
            (
                "DBI->connect($dsn, 'appuser', 'Pz4!vRt8Qm2K', { RaiseError => 1 });",
                "Pz4!vRt8Qm2K",
            ),
            (
                "DBI->connect(\"dbi:Pg:dbname=app;host=db\", $u, \"Lw7#qTz3Vn9R\");",
                "Lw7#qTz3Vn9R",
            ),
            (
                "pymysql.connect(\"db\", \"app\", \"Tq9!mLz4Rv7X\", \"shop\")",
                "Tq9!mLz4Rv7X",
            ),
            (
                "smtp.PlainAuth(\"\", user, \"Pm7#xTq3Wz9K\", \"smtp.example.com\")",
                "Pm7#xTq3Wz9K",
            ),
            (
                "l.simple_bind_s(\"cn=admin,dc=example,dc=org\", \"Lb8!tQw3Rz6V\")",
                "Lb8!tQw3Rz6V",
            ),
            (
                "sql.Open(\"mysql\", \"app:Gw5!zQr8Tv2L@tcp(db:3306)/shop\")",
                "Gw5!zQr8Tv2L",
            ),
            (
                "return jwt.sign({ sub: user.id, role: user.role }, \"NUtD4g0xVCc21*n&1ndEI7Csc\", { expiresIn: '12h' });",
                "NUtD4g0xVCc21*n&1ndEI7Csc",
            ),
            (
                "app.use(cookieParser('rJpJl8RRPXiRpch5P2JqhYFXYKV6'));",
                "rJpJl8RRPXiRpch5P2JqhYFXYKV6",
            ),
            (
                "sig = hmac.new(b\"q8Vz2LmT4xKp9WdR\", body, hashlib.sha256)",
                "q8Vz2LmT4xKp9WdR",
            ),
            (
                "s, err := token.SignedString([]byte(\"Hq7vZ2mK9tLw4RxP\"))",
                "Hq7vZ2mK9tLw4RxP",
            ),
            (
                "08:19 - Ana: door controller admin login: admin / redwood-galaxy-willow-raven-planet",
                "redwood-galaxy-willow-raven-planet",
            ),
            (
                "   Basic auth    edi-partner / jJ5YKHgkx#v3&-Xd+P&5_",
                "jJ5YKHgkx#v3&-Xd+P&5_",
            ),
            (
                "<p>user <b>CORP\\\\svc-veeam</b> / <code>garnet-forest-lunar-cypress</code> (pls don't repost)</p>",
                "garnet-forest-lunar-cypress",
            ),
            (
                "    cy.get('#password').type('wD9f6Jw5snJzkdnwI-u*7D', { log: false });",
                "wD9f6Jw5snJzkdnwI-u*7D",
            ),
            (
                "  await page.fill('input[name=\"password\"]', 'Tz8#mQv4Lp2Wx');",
                "Tz8#mQv4Lp2Wx",
            ),
            (
                "driver.find_element(By.ID, \"pwd\").send_keys(\"Kv3!pLx9Qm7T\")",
                "Kv3!pLx9Qm7T",
            ),
            (
                "new BasicAWSCredentials(\"AKIAQ3VX7LZ2KPW4MNRT\", \"Rz7Tq2Lx8Vm3Kp9Wn4Bb6Yc1Hd5Gf0Js2Ae8Ru7\")",
                "Rz7Tq2Lx8Vm3Kp9Wn4Bb6Yc1Hd5Gf0Js2Ae8Ru7",
            ),
            (
                "local ok, err = red:auth(\"Lu4!zQm8Rt2Wk\")",
                "Lu4!zQm8Rt2Wk",
            ),
            ("redis:auth('Lu5!zQm8Rt2Wk')", "Lu5!zQm8Rt2Wk"),
            (
                "m, _ := scram.Mechanism(scram.SHA512, \"kafka\", \"Go8!kRz3Qm7Lw\")",
                "Go8!kRz3Qm7Lw",
            ),
            (
                "$ua->credentials('intranet:443', 'Staff', 'svc', 'Pl9!vQz2Rm6Tk');",
                "Pl9!vQz2Rm6Tk",
            ),
            (
                "$ua->credentials(\"$host:443\", 'Staff', 'svc' => 'Pl8!vQz2Rm6Tk');",
                "Pl8!vQz2Rm6Tk",
            ),
            (
                "r = redis.Redis(\"cache.internal\", 6379, 0, \"Py3!mQz8Rt5Lw\")",
                "Py3!mQz8Rt5Lw",
            ),
            (
                "return new PasswordAuthentication(\"svc\", \"Ju5#kWq9Rz2Mx6\".toCharArray());",
                "Ju5#kWq9Rz2Mx6",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(pw(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn variables_and_other_positions_are_not_passwords() {
        for text in [
            "$ok = mysqli_connect($host, $user, $password, $db);",
            "$pdo = new PDO($dsn, $user, $pass);",
            "my $dbh = DBI->connect($dsn, $user, $pass, {AutoCommit => 0});",
            "mysqli_connect('localhost', 'root')",
            "conn = psycopg2.connect(host, user, password)",
            "new BasicAWSCredentials(accessKey, \"Rz7Tq2Lx8Vm3Kp9Wn4Bb6Yc1Hd5Gf0Js2Ae8Ru7\")",
            "my_mysqli_connect('h', 'u', 'Q7v#kLp2Wz9r')",
            "sql.Open(\"mysql\", dsn+\"@tcp(\"+host+\")/db\")",
            "local ok, err = red:auth(password)",
            "r = redis.Redis(host=\"cache\", port=6379, db=0, password=pw)",
            "r = redis.Redis(\"cache\", 6379)",
            "m, _ := scram.Mechanism(scram.SHA512, user, pass)",
            "$ua->credentials($netloc, $realm, $user, $pass);",
            "$mech->credentials('svc', 'Pl7!vQz2Rm6Tk');",
            "new PasswordAuthentication(user, password.toCharArray())",
            "bored:auth(\"Lu4!zQm8Rt2Wk\")",
            "cy.get('#email').type('qa-admin7@northwind.example');",
            "cy.get(passwordField).type('Tz8#mQv4Lp2Wx');",
            "await page.fill('#username', 'Tz8#mQv4Lp2Wx');",
            "jwt.sign(payload, secret, { expiresIn: '1h' })",
            "let ratio = user_bytes / totalBytes2X;",
            "the account page shows reads / writes per second",
            "login: admin / admin",
        ] {
            assert_eq!(pw(text), None, "{text}");
        }
    }
}
