//! Passwords passed to command-line tools by a flag or a position that names no credential:
//! `ipmitool -P x`, `7z a -px`, `plink -pw x`, `xfreerdp /p:x`, `rabbitmqctl add_user u x`,
//! `net use \\fs\share x /user:u`. Long flags that say what they hold (`--password x`,
//! `-storepass x`) are ordinary assignments; here only the command says what the argument is,
//! so each command is listed with where its secret goes.
//!
//! Scripts, Dockerfiles, CI files, runbooks, shell history and logs all hold these lines. The
//! command names are the gate keywords; a hit is read only when the name stands as a command
//! (at a word start, followed by a blank, a quote or `.exe`), and only the rest of its line,
//! up to the next pipe, `;` or `&&`, is split into shell words.

use std::ops::Range;

/// What the argument is called, for attribution (the generic password rules).
const PASSWORD: &[&[u8]] = &[b"password"];
/// An object store's secret key (`mc alias set NAME URL ACCESS SECRET`).
const SECRET_KEY: &[&[u8]] = &[b"secret", b"key"];
/// A value a deployment tool stores as a secret (`wrangler secret put NAME`).
const SECRET: &[&[u8]] = &[b"secret"];
/// Hex's organization key (`mix hex.organization auth ORG --key KEY`).
const API_KEY: &[&[u8]] = &[b"api", b"key"];
/// Codecov's upload token (`codecov -t <uuid>`, `codecovcli upload-process -t <uuid>`).
const CODECOV_TOKEN: &[&[u8]] = &[b"codecov", b"token"];
/// W&B's API key (`wandb login <key>`).
const WANDB_KEY: &[&[u8]] = &[b"wandb", b"api", b"key"];
/// A raw symmetric key (`openssl enc -aes-256-cbc -K <hex>`).
const ENCRYPTION_KEY: &[&[u8]] = &[b"encryption", b"key"];
/// An InfluxDB API token (`influx restore DIR -t <token>`).
const INFLUX_TOKEN: &[&[u8]] = &[b"influx", b"token"];
/// A Confluent Cloud API secret (`confluent api-key store <key> <secret>`).
const CONFLUENT_SECRET: &[&[u8]] = &[b"confluent", b"api", b"secret"];

/// Where a command's secret is.
#[derive(Clone, Copy)]
enum Arg {
    /// After this flag, as the next word or glued to it (`-P x`, `-Px`).
    Flag(&'static str),
    /// After this flag as the next word only (`-pw x`: `-pwd` is another flag).
    Apart(&'static str),
    /// Glued to this flag only (`7z -px`: `-p` alone asks at the prompt).
    Glued(&'static str),
    /// After this prefix within one word (`/p:x`, `/pass:x`).
    Prefix(&'static str),
    /// The n-th word (0-based) that is not a flag, after the subcommand.
    Position(usize),
    /// The part after `sep` of the word following this flag (`lftp -u user,pw`,
    /// `jenkins-cli -auth user:token`).
    UserPass(&'static str, u8),
    /// The word `n` places after this flag (`steamcmd +login user pw`: 1).
    Follows(&'static str, usize),
    /// `net use [X:] [\\host\share] [password] [/user:u]`.
    NetUse,
    /// Echoed into the command's standard input: `echo 'x' | sudo -S ...`.
    Piped,
    /// Echoed or printed into the command's standard input, or given as a here-string
    /// (`printf '%s\n' 'x' | kinit u@R`, `wrangler secret put NAME <<< x`): the command reads
    /// its secret there whatever the flags.
    Stdin,
    /// Echoed into the command's standard input when this flag says it reads it there:
    /// `echo "x" | docker login -u ci --password-stdin`.
    PipedWith(&'static str),
    /// The rest of the word after this flag when it starts with the tag:
    /// `openssl pkcs12 -passout pass:x` (not `env:VAR` or `file:path`).
    Tagged(&'static str, &'static str),
    /// The password of a `user:password` pair echoed into the command: `echo -n 'ci:x' |
    /// base64` makes a Basic authorization header; any other echoed text is no login.
    PipedLogin,
}

struct Command {
    /// Gate keyword, lower case: the command name (with a blank after a name shorter than the
    /// gate's three bytes).
    keyword: &'static str,
    /// Words that must follow the name, in order, before the arguments (lower case).
    sub: &'static [&'static str],
    args: &'static [Arg],
    words: &'static [&'static [u8]],
}

const fn cmd(keyword: &'static str, sub: &'static [&'static str], args: &'static [Arg]) -> Command {
    Command {
        keyword,
        sub,
        args,
        words: PASSWORD,
    }
}

use Arg::*;

/// A deployment tool that stores the value it reads from standard input as a secret.
const fn stored(keyword: &'static str, sub: &'static [&'static str]) -> Command {
    Command {
        keyword,
        sub,
        args: &[Stdin],
        words: SECRET,
    }
}

const COMMANDS: &[Command] = &[
    // Archives.
    cmd("7z ", &[], &[Glued("-p")]),
    cmd("7za", &[], &[Glued("-p")]),
    cmd("7zz", &[], &[Glued("-p")]),
    cmd("zip", &[], &[Flag("-P")]),
    cmd("unzip", &[], &[Flag("-P")]),
    cmd("openssl", &["enc"], &[Apart("-k")]),
    // `openssl enc -K <hex>`: the raw key itself.
    Command {
        keyword: "openssl",
        sub: &["enc"],
        args: &[Apart("-K")],
        words: ENCRYPTION_KEY,
    },
    cmd(
        "openssl",
        &[],
        &[
            Tagged("-passout", "pass:"),
            Tagged("-passin", "pass:"),
            Tagged("-pass", "pass:"),
        ],
    ),
    // Out-of-band management, remote shells and desktops.
    cmd("ipmitool", &[], &[Flag("-P")]),
    cmd("racadm", &[], &[Apart("-p")]),
    cmd("plink", &[], &[Apart("-pw")]),
    cmd("pscp", &[], &[Apart("-pw")]),
    cmd("psftp", &[], &[Apart("-pw")]),
    cmd("psexec", &[], &[Apart("-p")]),
    cmd("psexec64", &[], &[Apart("-p")]),
    cmd("xfreerdp", &[], &[Prefix("/p:")]),
    cmd("wlfreerdp", &[], &[Prefix("/p:")]),
    cmd("rdesktop", &[], &[Apart("-p")]),
    cmd("cmdkey", &[], &[Prefix("/pass:")]),
    cmd("schtasks", &[], &[Apart("/rp")]),
    cmd("net", &["use"], &[NetUse]),
    cmd("net", &["user"], &[Position(1)]),
    cmd("lftp", &[], &[UserPass("-u", b',')]),
    cmd("ncftp", &[], &[Apart("-p")]),
    cmd("ncftpput", &[], &[Apart("-p")]),
    cmd("ncftpget", &[], &[Apart("-p")]),
    cmd("ssh-keygen", &[], &[Apart("-N"), Apart("-P")]),
    // Databases and brokers.
    cmd("cqlsh", &[], &[Apart("-p")]),
    cmd("mongo", &[], &[Apart("-p")]),
    cmd("mongosh", &[], &[Apart("-p")]),
    cmd("hdbsql", &[], &[Apart("-p")]),
    cmd("vsql", &[], &[Apart("-w")]),
    cmd("bcp", &[], &[Apart("-P")]),
    cmd("osql", &[], &[Apart("-P")]),
    cmd("isql", &[], &[Apart("-P")]),
    cmd("rabbitmqctl", &["add_user"], &[Position(1)]),
    cmd("rabbitmqctl", &["change_password"], &[Position(1)]),
    cmd("mosquitto_passwd", &[], &[Position(2)]),
    cmd("mosquitto_pub", &[], &[Apart("-P")]),
    cmd("mosquitto_sub", &[], &[Apart("-P")]),
    cmd("mosquitto_rr", &[], &[Apart("-P")]),
    // Object stores, clouds and CI.
    cmd("mc ", &["admin", "user", "add"], &[Position(2)]),
    Command {
        keyword: "mc ",
        sub: &["alias", "set"],
        args: &[Position(3)],
        words: SECRET_KEY,
    },
    Command {
        keyword: "mc ",
        sub: &["config", "host", "add"],
        args: &[Position(3)],
        words: SECRET_KEY,
    },
    cmd("az ", &["login"], &[Apart("-p")]),
    cmd("nuget", &["sources", "add"], &[Apart("-p")]),
    cmd("dotnet", &["nuget", "add", "source"], &[Apart("-p")]),
    cmd("jenkins-cli.jar", &[], &[UserPass("-auth", b':')]),
    cmd("jenkins-cli.sh", &[], &[UserPass("-auth", b':')]),
    // Tableau Server's CLI: `tabcmd login -s URL -u user -p x`.
    cmd("tabcmd", &["login"], &[Apart("-p"), Apart("--password")]),
    // VNC's password file from standard input: `vncpasswd -f <<< 'x' > ~/.vnc/passwd`.
    cmd("vncpasswd", &[], &[Stdin]),
    // Consul's gossip encryption key: `consul agent -encrypt=KEY`, `consul keyring -install KEY`.
    Command {
        keyword: "consul",
        sub: &[],
        args: &[Prefix("-encrypt="), Apart("-encrypt"), Apart("-install")],
        words: SECRET_KEY,
    },
    // An unseal key share: `vault operator unseal KEY`.
    Command {
        keyword: "vault",
        sub: &["operator", "unseal"],
        args: &[Position(0)],
        words: SECRET_KEY,
    },
    // HTTPie: `http -a user:pw POST url` (`https` is the same tool).
    cmd(
        "http ",
        &[],
        &[UserPass("-a", b':'), UserPass("--auth", b':')],
    ),
    cmd(
        "https ",
        &[],
        &[UserPass("-a", b':'), UserPass("--auth", b':')],
    ),
    // Drupal's shell: `drush user:password admin "x"` (alias `upwd`).
    cmd("drush", &["user:password"], &[Position(1)]),
    cmd("drush", &["upwd"], &[Position(1)]),
    // SNMP v3 authentication and privacy passphrases; `createUser` in snmpd.conf.
    // v1/v2c: the community string (`-c`), which is the password.
    cmd("snmpwalk", &[], &[Apart("-A"), Apart("-X"), Apart("-c")]),
    Command {
        keyword: "codecov",
        sub: &[],
        args: &[Apart("-t")],
        words: CODECOV_TOKEN,
    },
    Command {
        keyword: "codecovcli",
        sub: &[],
        args: &[Apart("-t")],
        words: CODECOV_TOKEN,
    },
    cmd(
        "snmpbulkwalk",
        &[],
        &[Apart("-A"), Apart("-X"), Apart("-c")],
    ),
    cmd("snmpget", &[], &[Apart("-A"), Apart("-X"), Apart("-c")]),
    cmd("snmpset", &[], &[Apart("-A"), Apart("-X"), Apart("-c")]),
    cmd("snmptrap", &[], &[Apart("-A"), Apart("-X"), Apart("-c")]),
    cmd("createuser", &[], &[Position(2)]),
    cmd("wpa_passphrase", &[], &[Position(1)]),
    // `netsh wlan set profileparameter name=X keyMaterial=<passphrase>`.
    cmd("netsh", &["wlan"], &[Prefix("keymaterial=")]),
    // FreeRADIUS's test client: `radtest user password server nas-port secret`.
    cmd("radtest", &[], &[Position(1), Position(4)]),
    // OpenLDAP's password change: `ldappasswd ... -a old -s new DN` (the bind password, `-w`,
    // is the `cli.ldap-bind-password` rule's).
    cmd("ldappasswd", &[], &[Apart("-s"), Apart("-a")]),
    // SIPp's digest authentication: `sipp -au user -ap password ...`.
    cmd("sipp", &[], &[Apart("-ap")]),
    // Authenticode signing with a PFX file's password: `signtool sign /f cert.pfx /p x file`.
    cmd("signtool", &[], &[Apart("/p")]),
    // A Basic authorization header made by hand: `echo -n 'user:x' | base64`.
    cmd("base64", &[], &[PipedLogin]),
    // Perforce: `p4 -u user -P password sync ...` (`-p` is the port).
    cmd("p4 ", &[], &[Apart("-P")]),
    // Xcode's uploader: `xcrun altool --upload-app -u id -p app-specific-password`.
    cmd("altool", &[], &[Apart("-p"), Apart("--password")]),
    // `echo 'x' | sudo -S cmd` (`-S` reads the password from standard input).
    cmd("sudo -s", &[], &[Piped]),
    // Kerberos and deployment tools that read a password or a secret's value from standard
    // input.
    cmd("kinit", &[], &[Stdin]),
    // FreeIPA: `echo 'x' | ipa passwd alice` sets the password read from standard input;
    // `ipa user-add ... --password` reads it there too.
    cmd("ipa ", &["passwd"], &[Stdin]),
    cmd("ipa ", &["user-add"], &[PipedWith("--password")]),
    cmd("ipa ", &["user-mod"], &[PipedWith("--password")]),
    cmd("passwd", &[], &[PipedWith("--stdin")]),
    stored("wrangler", &["secret", "put"]),
    stored("vercel", &["env", "add"]),
    stored("gh ", &["secret", "set"]),
    // Oracle wallets and SAP HANA's secure user store: `mkstore -wrl DIR -createCredential
    // ALIAS USER PASSWORD`, `hdbuserstore SET KEY HOST:PORT USER PASSWORD`.
    cmd("mkstore", &[], &[Position(3)]),
    cmd("hdbuserstore", &["set"], &[Position(3)]),
    // Windows domain tools: `netdom resetpwd /s:dc /ud:DOM\u /pd:x`.
    cmd(
        "netdom",
        &[],
        &[
            Prefix("/pd:"),
            Prefix("/po:"),
            Prefix("/passwordd:"),
            Prefix("/passwordo:"),
        ],
    ),
    cmd("splunk", &[], &[UserPass("-auth", b':')]),
    // Mirth Connect's CLI: `mccommand -a https://host:8443 -u admin -p x`.
    cmd("mccommand", &[], &[Apart("-p")]),
    Command {
        keyword: "wandb",
        sub: &["login"],
        args: &[Position(0)],
        words: WANDB_KEY,
    },
    Command {
        keyword: "confluent",
        sub: &["api-key", "store"],
        args: &[Position(1)],
        words: CONFLUENT_SECRET,
    },
    // Databricks secret scopes: `databricks secrets put-secret SCOPE KEY --string-value x`
    // (`put` in the legacy CLI).
    Command {
        keyword: "databricks",
        sub: &["secrets"],
        args: &[Apart("--string-value")],
        words: SECRET,
    },
    // Nagios and Icinga plugins, as command definitions and cron checks write them.
    cmd("check_pgsql", &[], &[Apart("-p"), Apart("--password")]),
    cmd("check_mysql", &[], &[Apart("-p"), Apart("--password")]),
    cmd("check_ldap", &[], &[Apart("-P"), Apart("--pass")]),
    cmd("check_ldaps", &[], &[Apart("-P"), Apart("--pass")]),
    cmd("check_ipmi_sensor", &[], &[Apart("-P")]),
    cmd("check_smtp", &[], &[Apart("-P"), Apart("--authpass")]),
    cmd(
        "check_http",
        &[],
        &[UserPass("-a", b':'), UserPass("--authorization", b':')],
    ),
    cmd(
        "check_curl",
        &[],
        &[UserPass("-a", b':'), UserPass("--authorization", b':')],
    ),
    // Samba: `smbpasswd -w x` stores the LDAP admin password; `net ads join -U user%pw`,
    // `smbclient -U user%pw`.
    cmd("smbpasswd", &[], &[Apart("-w")]),
    cmd("net", &["ads"], &[UserPass("-U", b'%')]),
    cmd("net", &["rpc"], &[UserPass("-U", b'%')]),
    cmd("smbclient", &[], &[UserPass("-U", b'%')]),
    cmd("rpcclient", &[], &[UserPass("-U", b'%')]),
    // Kerberos principals created with a password: `kadmin -q "addprinc -pw x user"`.
    cmd("addprinc", &[], &[Apart("-pw")]),
    cmd("add_principal", &[], &[Apart("-pw")]),
    // Steam's build uploader: `steamcmd +login user pw +run_app_build ...`.
    cmd("steamcmd", &[], &[Follows("+login", 1)]),
    // Db2's CLP: `db2 connect to DB user U using PW` (also `db2 "connect to ..."`).
    cmd("db2", &["connect"], &[Follows("using", 0)]),
    // Yocto's `extrausers` class takes a clear-text password (`usermod -P 'x' root`), where
    // shadow's own `-P` is a directory that no password check accepts.
    cmd("usermod", &[], &[Apart("-P")]),
    // Conan 2 and 1 remote logins: `conan remote login REMOTE USER -p x`, `conan user -p x`.
    cmd("conan", &["remote", "login"], &[Apart("-p")]),
    cmd("conan", &["user"], &[Apart("-p")]),
    // The InfluxDB 2 CLI takes its token with `-t` (`--token` names itself).
    Command {
        keyword: "influx ",
        sub: &[],
        args: &[Apart("-t")],
        words: INFLUX_TOKEN,
    },
    cmd("useradd", &[], &[Apart("-P")]),
    Command {
        keyword: "mix",
        sub: &["hex.organization", "auth"],
        args: &[Apart("--key")],
        words: API_KEY,
    },
    // Registry logins that read the password or token from standard input.
    cmd("docker", &["login"], &[PipedWith("--password-stdin")]),
    cmd("podman", &["login"], &[PipedWith("--password-stdin")]),
    cmd("nerdctl", &["login"], &[PipedWith("--password-stdin")]),
    cmd("buildah", &["login"], &[PipedWith("--password-stdin")]),
    cmd("skopeo", &["login"], &[PipedWith("--password-stdin")]),
    cmd("oras", &["login"], &[PipedWith("--password-stdin")]),
    cmd(
        "helm",
        &["registry", "login"],
        &[PipedWith("--password-stdin")],
    ),
];

/// Gate keywords of this pass (lower case).
pub(crate) fn keywords() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.keyword)
}

/// A secret passed to a command: the command name, the argument, and the words that name it.
pub(crate) struct Found {
    pub name: Range<usize>,
    pub value: Range<usize>,
    /// Whether the argument is written in quotes.
    pub quoted: bool,
    pub words: &'static [&'static [u8]],
}

/// Longest command line read after the name.
const MAX_LINE: usize = 1024;

/// The secret arguments of the command whose name is at `hit` (`snmpwalk -A x -X y` has two),
/// appended to `out`, if the name is one of ours, it stands as a command, and an argument is a
/// literal (not `$VAR`, `%VAR%`, `*` or `<pw>`).
pub(crate) fn find(hay: &[u8], hit: Range<usize>, out: &mut Vec<Found>) {
    find_into(hay, hit, out);
}

fn find_into(hay: &[u8], hit: Range<usize>, out: &mut Vec<Found>) -> Option<()> {
    let kw = &hay[hit.clone()];
    let mut cmds = COMMANDS
        .iter()
        .filter(|c| kw.eq_ignore_ascii_case(c.keyword.as_bytes()))
        .peekable();
    cmds.peek()?;
    // A command name: after a blank, a quote, a path separator, `(`, `$`-prompt or the line
    // start; before a blank, a quote or `.exe`.
    if hit.start > 0
        && !matches!(
            hay[hit.start - 1],
            b' ' | b'\t'
                | b'\n'
                | b'\r'
                | b'"'
                | b'\''
                | b'`'
                | b'/'
                | b'\\'
                | b'('
                | b'['
                | b'|'
                | b';'
                | b'&'
                | b'%'
        )
    {
        return None;
    }
    let mut p = hit.end - usize::from(kw.ends_with(b" "));
    // A batch file's variable for the tool's path: `%STEAMCMD% +login ...`.
    if hit.start > 0 && hay[hit.start - 1] == b'%' && hay.get(p) == Some(&b'%') {
        p += 1;
    }
    if hay.len() >= p + 4 && hay[p..p + 4].eq_ignore_ascii_case(b".exe") {
        p += 4;
    }
    // A command fed through a pipe may end its line or a substitution (`echo -n 'u:x' |
    // base64`, `$(echo -n 'u:x' | base64)`).
    if hay
        .get(p)
        .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'\n' | b'\r' | b')' | b'`'))
    {
        return None;
    }
    if hay.get(p).is_some_and(|b| matches!(b, b'"' | b'\'')) {
        // A JSON or YAML command array (`["ipmitool", "-P", "x"]`).
        p += 1;
    }
    let words = shell_words(hay, p);
    for c in cmds {
        let Some(rest) = after_sub(hay, &words, c.sub) else {
            continue;
        };
        for arg in c.args {
            let value = match arg {
                // `-S` (read the password from standard input), not `-s` (a shell).
                Piped if kw.ends_with(b"S") => piped(hay, hit.start),
                Piped => None,
                Stdin => piped(hay, hit.start).or_else(|| here_string(hay, p)),
                PipedWith(f) if rest.iter().any(|w| &hay[w.clone()] == f.as_bytes()) => {
                    piped(hay, hit.start)
                }
                PipedWith(_) => None,
                PipedLogin => piped(hay, hit.start).and_then(|v| {
                    let pair = &hay[v.clone()];
                    let colon = memchr::memchr(b':', pair)?;
                    super::assign::login_pair(pair).then(|| v.start + colon + 1..v.end)
                }),
                _ => argument(hay, rest, *arg).map(|r| unquote(hay, r)),
            };
            if let Some(value) = value
                && literal(&hay[value.clone()])
                && !out.iter().any(|f| f.value == value)
            {
                out.push(Found {
                    name: hit.clone(),
                    quoted: matches!(hay[value.start - 1], b'"' | b'\''),
                    value,
                    words: c.words,
                });
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    None
}

/// The words after the subcommand, if the line has it.
fn after_sub<'w>(
    hay: &[u8],
    words: &'w [Range<usize>],
    sub: &[&str],
) -> Option<&'w [Range<usize>]> {
    if sub.is_empty() {
        return Some(words);
    }
    // The subcommand may follow global flags (`mc --insecure alias set`), but not other words.
    let mut i = 0;
    while i < words.len() && hay[words[i].start] == b'-' {
        i += 1;
    }
    for s in sub {
        let w = words.get(i)?;
        if !hay[w.clone()].eq_ignore_ascii_case(s.as_bytes()) {
            return None;
        }
        i += 1;
    }
    Some(&words[i..])
}

/// The argument `arg` of a command's words.
fn argument(hay: &[u8], words: &[Range<usize>], arg: Arg) -> Option<Range<usize>> {
    let word = |r: &Range<usize>| &hay[r.clone()];
    match arg {
        Flag(f) | Apart(f) | Glued(f) => {
            let f = f.as_bytes();
            for (i, w) in words.iter().enumerate() {
                let b = word(w);
                // Flags are case-sensitive (`-p` and `-P` differ) except Windows `/rp`.
                let same = |x: &[u8]| {
                    if f[0] == b'/' {
                        x.eq_ignore_ascii_case(f)
                    } else {
                        x == f
                    }
                };
                if !matches!(arg, Glued(_)) && same(b) {
                    return words.get(i + 1).cloned();
                }
                if !matches!(arg, Apart(_)) && b.len() > f.len() && same(&b[..f.len()]) {
                    return Some(w.start + f.len()..w.end);
                }
            }
            None
        }
        Prefix(f) => words.iter().find_map(|w| {
            let b = word(w);
            (b.len() > f.len() && b[..f.len()].eq_ignore_ascii_case(f.as_bytes()))
                .then(|| w.start + f.len()..w.end)
        }),
        Position(n) => {
            let mut k = 0;
            for w in words {
                let b = word(w);
                // `-b`, or a Windows switch (`/add`, `/user:x`; a path has more slashes).
                let switch = b[0] == b'/'
                    && b.len() > 1
                    && b[1].is_ascii_alphabetic()
                    && memchr::memchr(b'/', &b[1..]).is_none();
                if b[0] == b'-' || switch {
                    continue;
                }
                if k == n {
                    return Some(w.clone());
                }
                k += 1;
            }
            None
        }
        UserPass(f, sep) => {
            let i = words.iter().position(|w| word(w) == f.as_bytes())?;
            let w = words.get(i + 1)?;
            let at = memchr::memchr(sep, word(w))?;
            Some(w.start + at + 1..w.end)
        }
        Follows(f, n) => {
            let i = words.iter().position(|w| word(w) == f.as_bytes())?;
            words.get(i + 1 + n).cloned()
        }
        Tagged(f, tag) => {
            let i = words.iter().position(|w| word(w) == f.as_bytes())?;
            let w = unquote(hay, words.get(i + 1)?.clone());
            hay[w.clone()]
                .starts_with(tag.as_bytes())
                .then(|| w.start + tag.len()..w.end)
        }
        // Read before the command, by `piped`.
        Piped | Stdin | PipedWith(_) | PipedLogin => None,
        NetUse => {
            // Skip a drive (`Z:`) and the share (`\\fs01\deploy`); the next plain word is
            // the password. Or the word right after `/user:name`.
            let mut after_user = false;
            for w in words {
                let b = word(w);
                if b.len() > 6 && b[..6].eq_ignore_ascii_case(b"/user:") {
                    after_user = true;
                    continue;
                }
                if b[0] == b'/' {
                    after_user = false;
                    continue;
                }
                let drive = b.len() == 2 && b[1] == b':';
                if !drive && !b.starts_with(b"\\\\") && !b.starts_with(b"//") {
                    return Some(w.clone());
                }
                if after_user {
                    return Some(w.clone());
                }
            }
            None
        }
    }
}

/// Whether an argument is a written value rather than a reference or a prompt.
fn literal(v: &[u8]) -> bool {
    v.len() >= 4
        && !matches!(v[0], b'$' | b'%' | b'<' | b'{' | b'*' | b'[' | b'-')
        && !v.starts_with(b"@")
}

/// The shell words of the rest of the line from `p`, each without its quotes, up to a pipe,
/// `;`, `&&`, `>` or the end of the line. Quotes group words; a backslash-newline continues
/// the line.
fn shell_words(hay: &[u8], mut p: usize) -> Vec<Range<usize>> {
    let lim = (p + MAX_LINE).min(hay.len());
    let mut out = Vec::new();
    while p < lim && out.len() < 32 {
        match hay[p] {
            b' ' | b'\t' | b',' => p += 1,
            b'\\' if matches!(hay.get(p + 1), Some(b'\n' | b'\r')) => {
                p += 1;
                while p < lim && matches!(hay[p], b'\n' | b'\r' | b' ' | b'\t') {
                    p += 1;
                }
            }
            b'\n' | b'\r' | b'|' | b';' | b'&' | b'>' | b']' => break,
            // A word quoted inside a single-quoted one (`sh -c '... -P '\''v'\'' ...'`): up to
            // the `'\''` that a blank, `;` or the outer quote follows.
            b'\''
                if hay[p..lim].starts_with(b"'\\''")
                    && super::assign::inner_word_goes_on(hay.get(p + 4)) =>
            {
                let s = p + 4;
                let eol = super::assign::line_end(hay, s).min(lim);
                let mut i = s;
                let mut end = None;
                while let Some(k) = memchr::memmem::find(&hay[i..eol], b"'\\''") {
                    let j = i + k;
                    if !super::assign::inner_word_goes_on(hay.get(j + 4)) {
                        end = Some(j);
                        break;
                    }
                    i = j + 4;
                }
                let Some(e) = end else {
                    break;
                };
                out.push(s..e);
                p = e + 4;
            }
            q @ (b'"' | b'\'') => {
                let s = p + 1;
                let Some(mut e) = memchr::memchr2(q, b'\n', &hay[s..lim]) else {
                    break;
                };
                // `'it'\''s'`: the quote closes, a quote is written, and the word goes on.
                while q == b'\''
                    && hay[s + e] == q
                    && hay[s + e + 1..lim].starts_with(b"\\''")
                    && let Some(k) = memchr::memchr2(q, b'\n', &hay[s + e + 4..lim])
                {
                    e += 4 + k;
                }
                if hay[s + e] != q {
                    break;
                }
                if e > 0 {
                    out.push(s..s + e);
                }
                p = s + e + 1;
            }
            _ => {
                let s = p;
                while p < lim
                    && !matches!(
                        hay[p],
                        b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'|' | b';'
                    )
                {
                    p += 1;
                }
                // `[ipmitool, -P, x]`: a YAML flow list's comma ends the word; `-u user,pw`
                // keeps its own.
                let end = if hay[p - 1] == b',' { p - 1 } else { p };
                // A glued quoted value (`-p'x'`, `/p:"x y"`) is one word, quotes and all;
                // [`unquote`] drops them from the argument taken out of it.
                if p < lim && matches!(hay[p], b'"' | b'\'') && p > s {
                    let q = hay[p];
                    if let Some(e) = memchr::memchr2(q, b'\n', &hay[p + 1..lim])
                        && hay[p + 1 + e] == q
                    {
                        p += e + 2;
                        out.push(s..p);
                        continue;
                    }
                }
                if end > s {
                    out.push(s..end);
                }
            }
        }
    }
    out
}

/// The word echoed into a pipe that ends at `at`: `echo 'x' | ` or `echo -n x |`.
fn piped(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let start = hay[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let mut before = &hay[start..at];
    while let [rest @ .., b' ' | b'\t'] = before {
        before = rest;
    }
    // A runner in front of the command (`| npx wrangler ...`, `| sudo passwd ...`).
    for runner in [&b"npx"[..], b"bunx", b"pnpm exec", b"sudo"] {
        if let Some(rest) = before.strip_suffix(runner) {
            before = rest.trim_ascii_end();
            break;
        }
    }
    let [rest @ .., b'|'] = before else {
        return None;
    };
    let cut = rest.len();
    let feeder = &hay[start..start + cut];
    // `printf '%s\n' 'x'` prints its argument as `echo 'x'` does; its format is no value.
    let (echo, len) = match memchr::memmem::rfind(feeder, b"echo ") {
        Some(i) => (i, 5),
        None => (memchr::memmem::rfind(feeder, b"printf ")?, 7),
    };
    // The echo must be what feeds the pipe: `echo step; cat f | docker login` is not.
    let between = &hay[start + echo..start + cut];
    if memchr::memchr(b';', between).is_some()
        || memchr::memmem::find(between, b"&&").is_some()
        || memchr::memmem::find(between, b"||").is_some()
    {
        return None;
    }
    let words = shell_words(hay, start + echo + len);
    let w = words.iter().find(|w| {
        hay[w.start] != b'-' && w.end <= start + cut && !hay[w.start..w.end].contains(&b'%')
    })?;
    if words.iter().filter(|w| w.end <= start + cut).count() > 3 {
        return None;
    }
    Some(unquote(hay, w.clone()))
}

/// The word after a here-string operator on the command's line (`<<< x`, `<<<"x"`).
fn here_string(hay: &[u8], from: usize) -> Option<Range<usize>> {
    let end = memchr::memchr(b'\n', &hay[from..]).map_or(hay.len(), |i| from + i);
    let at = from + memchr::memmem::find(&hay[from..end], b"<<<")? + 3;
    shell_words(hay, at)
        .first()
        .map(|w| unquote(hay, w.clone()))
}

/// An argument without the quotes around it (`'x y'` glued to its flag).
fn unquote(hay: &[u8], r: Range<usize>) -> Range<usize> {
    if r.len() >= 2 && matches!(hay[r.start], b'"' | b'\'') && hay[r.end - 1] == hay[r.start] {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> Option<String> {
        let lower = text.to_ascii_lowercase();
        keywords().find_map(|k| {
            lower.match_indices(k).find_map(|(at, _)| {
                let mut found = Vec::new();
                find(text.as_bytes(), at..at + k.len(), &mut found);
                let f = found.into_iter().next()?;
                Some(text[f.value].to_string())
            })
        })
    }

    #[test]
    fn a_commands_secret_argument_is_taken_from_its_flag_or_position() {
        // nhi-scan:allow-next-line (fakes)
        let cases = [
            ("7z a -p'Qz8#mLv2' -mhe=on out.7z in/", "Qz8#mLv2"),
            // `'\''` goes on inside a single-quoted word, and opens one inside another.
            (
                "db2 connect to CORE user db2batch using 'Oyster61'\\''Cricket!'",
                "Oyster61'\\''Cricket!",
            ),
            (
                "sh -c 'mosquitto_pub -u l3 -P '\\''Quill'\\''.Pump.7731'\\'' -t x -m 1'",
                "Quill'\\''.Pump.7731",
            ),
            ("7za x -pKq7Lz2Rd9Wx backup.7z", "Kq7Lz2Rd9Wx"),
            ("zip -r -P wV0uR9NCmDZl hr.zip exports/", "wV0uR9NCmDZl"),
            (
                "openssl enc -aes-256-cbc -in k.tar -out k.enc -k \"PuXJw78qqju6\"",
                "PuXJw78qqju6",
            ),
            (
                "ipmitool -I lanplus -H bmc01 -U ADMIN -P 'Cedar5026=' power cycle",
                "Cedar5026=",
            ),
            (
                "racadm -r idrac01 -u root -p vQpsDQ0tl2TL serveraction",
                "vQpsDQ0tl2TL",
            ),
            (
                "plink.exe -ssh -pw Oasis=Hickory144 admin@pdu \"reboot\"",
                "Oasis=Hickory144",
            ),
            (
                "rabbitmqctl add_user orders 'otterSparrow1581'",
                "otterSparrow1581",
            ),
            (
                "netsh wlan set profileparameter name=Corp keyMaterial=horizon_noodle#409",
                "horizon_noodle#409",
            ),
            (
                "radtest noc-probe Zinnia@Jasper811 radius-a.example.net 0 kT9-radSecret",
                "Zinnia@Jasper811",
            ),
            (
                "p4 -p ssl:perforce.example:1666 -u buildbot -P Rogue.Summit.7349 sync //depot/...",
                "Rogue.Summit.7349",
            ),
            (
                "xcrun altool --upload-app -f App.ipa -u rel@example.test -p hqin-mfzv-evwg-umfh",
                "hqin-mfzv-evwg-umfh",
            ),
            (
                "mc admin user add local backup-writer r1CDqQ3I6XfBdZlI",
                "r1CDqQ3I6XfBdZlI",
            ),
            (
                "mc alias set prod https://s3.io AKIAXQ3T5PL9 kV8xQ2mRz7Lw9Tn4",
                "kV8xQ2mRz7Lw9Tn4",
            ),
            (
                "net use Z: \\\\fs01\\deploy /user:CORP\\svc nutmegIndigo2176",
                "nutmegIndigo2176",
            ),
            (
                "net use \\\\fs01\\ipc$ Wq7!rTz9Lp2 /user:admin",
                "Wq7!rTz9Lp2",
            ),
            ("net user svc_backup Wq7!rTz9Lp3 /add", "Wq7!rTz9Lp3"),
            (
                "createUser monitor SHA \"poppyMoose1371\" AES \"Oli=afco85W\"",
                "poppyMoose1371",
            ),
            (
                "mosquitto_passwd -b /mosquitto/passwd sensor01 Kx9vQm2Lz7",
                "Kx9vQm2Lz7",
            ),
            (
                "xfreerdp /v:10.0.0.5 /u:admin /p:'Summer2024!x' /cert:ignore",
                "Summer2024!x",
            ),
            (
                "cmdkey /generic:TERMSRV/srv01 /user:CORP\\admin /pass:Gx8!mQ2vLz",
                "Gx8!mQ2vLz",
            ),
            ("lftp -u deploy,Bq7Lm2Rz9 sftp://files.corp.io", "Bq7Lm2Rz9"),
            (
                "echo 'Pl4net#Orbit' | sudo -S apt-get update",
                "Pl4net#Orbit",
            ),
            ("echo 'Tundra#Lynx58' | ipa passwd alice", "Tundra#Lynx58"),
            (
                "echo Quill7Harbor | ipa user-add svc-ldap --first=Svc --last=Ldap --password",
                "Quill7Harbor",
            ),
            (
                "test: [\"CMD\", \"mongosh\", \"-u\", \"root\", \"-p\", \"Tz4Vq8Lm2Rx\"]",
                "Tz4Vq8Lm2Rx",
            ),
            (
                "sh \"sshpass -p x; ipmitool -U a -P Lv8#Qm2Rz7 sol\"",
                "Lv8#Qm2Rz7",
            ),
            (
                "openssl pkcs12 -export -in a.crt -inkey a.key -out a.p12 -passout pass:Kv7#mQ2zL9",
                "Kv7#mQ2zL9",
            ),
            (
                "openssl rsa -in enc.key -passin 'pass:Tq8=Lm3vR2' -out plain.key",
                "Tq8=Lm3vR2",
            ),
            (
                "mosquitto_pub -h mqtt -u ops -P 'Wr9&Lm2qZ' -t a/b -m x",
                "Wr9&Lm2qZ",
            ),
            (
                "  - echo \"Zq8-Lm3vRt7KpW2xNc\" | docker login -u ci --password-stdin reg.io",
                "Zq8-Lm3vRt7KpW2xNc",
            ),
            (
                "echo 'Hp4vLq9zRt2' | helm registry login reg.io -u ci --password-stdin",
                "Hp4vLq9zRt2",
            ),
            (
                "printf '%s\\n' \"Mistral.Nectar&895\" | kinit svc_sso@CORP.EXAMPLE.COM",
                "Mistral.Nectar&895",
            ),
            ("echo 'Lq7#vRt2Zp' | passwd --stdin svc_app", "Lq7#vRt2Zp"),
            (
                "vercel env add CRON_SECRET production <<< \"3VIo8XYfryrwW9RsvRins4KR\"",
                "3VIo8XYfryrwW9RsvRins4KR",
            ),
            (
                "echo Hk2Lm9Qx4Rt7Vz1Wb8Nc | npx wrangler secret put RESEND_API_KEY",
                "Hk2Lm9Qx4Rt7Vz1Wb8Nc",
            ),
            (
                "mkstore -wrl /u01/wallet -createCredential ERPPRD erp_batch lichen-ursa-jetty-42",
                "lichen-ursa-jetty-42",
            ),
            (
                "hdbuserstore SET BWLOADER hana01:30015 BW_LOADER violet-falcon-timber-7",
                "violet-falcon-timber-7",
            ),
            (
                "netdom.exe resetpwd /s:dc01 /ud:CORP\\svc_join /pd:4VD6v4V7uhN6hl36wjDC",
                "4VD6v4V7uhN6hl36wjDC",
            ),
            (
                "splunk add forward-server idx01:9997 -auth 'admin:bBYH1lkOJT7441Ll'",
                "bBYH1lkOJT7441Ll",
            ),
            (
                "# mix hex.organization auth contoso --key de5477e9f6c48e5d327da61e45383de4",
                "de5477e9f6c48e5d327da61e45383de4",
            ),
            (
                "%STEAMCMD% +login lh_builder Quartz.Ultra.Ember.2094 +run_app_build x.vdf +quit",
                "Quartz.Ultra.Ember.2094",
            ),
            (
                "EXTRA_USERS_PARAMS = \"usermod -P 'Irisdynamo78*' root;\"",
                "Irisdynamo78*",
            ),
            (
                "wandb login 6971704dcdd6be06070a47b38e9191b4750e2241",
                "6971704dcdd6be06070a47b38e9191b4750e2241",
            ),
            (
                "confluent api-key store 0PC55EU47JWJ3NNK zySBFThGh+7YCBkep70Wrlj5r6BMs0YfaKfR3WfF8M8O7RyqFdFS/zmxtkoVINT8",
                "zySBFThGh+7YCBkep70Wrlj5r6BMs0YfaKfR3WfF8M8O7RyqFdFS/zmxtkoVINT8",
            ),
            (
                "databricks secrets put-secret etl kafka-api-secret --string-value lv3L9LGA5JzvxuOFW5fW",
                "lv3L9LGA5JzvxuOFW5fW",
            ),
            (
                "  command_line $USER1$/check_pgsql -H $HOSTADDRESS$ -l nagios -p 'Puff1n%722' -d billing",
                "Puff1n%722",
            ),
            (
                "  command_line $USER1$/check_http -H intranet -S -a monitor:Basil.Pickle.Goblet.1507",
                "Basil.Pickle.Goblet.1507",
            ),
            (
                "net ads join -U Administrator%Walrus72Saucer=",
                "Walrus72Saucer=",
            ),
            (
                "kadmin.local -q \"addprinc -pw Sage.Tulip.Quill.5793 svc_legacyapp\"",
                "Sage.Tulip.Quill.5793",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(secret(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn references_prompts_and_other_commands_are_not_secrets() {
        for text in [
            "ipmitool -I lanplus -H bmc01 -U ADMIN -P \"$IPMI_PASSWORD\" power status",
            "7z a -p archive.7z dir/",
            "zip -r -p out.zip dir/",
            "net use Z: \\\\fs01\\deploy * /user:CORP\\svc",
            "net user svc_backup /delete",
            "net use Z: \\\\fs01\\deploy /persistent:no",
            "mc alias set prod https://s3.io $ACCESS $SECRET",
            "rabbitmqctl add_user orders %RABBIT_PW%",
            "gzip -P 4 big.log",
            "echo hi | sudo -s",
            "cat pw.txt | sudo -S true",
            "mongo --host db01 -u admin -p",
            "zipper -P Qz8mLv2Rt list",
            "xfreerdp /v:host /u:admin /p:<password>",
            "openssl pkcs12 -export -out a.p12 -passout env:P12_PASSWORD",
            "openssl rsa -in enc.key -passin file:/run/secrets/pw -out plain.key",
            "echo \"$CI_REGISTRY_PASSWORD\" | docker login -u ci --password-stdin reg.io",
            "echo 'Zq8-Lm3vRt7KpW2xNc' | docker login -u ci reg.io",
            "echo done | docker logout reg.io",
            "echo Step3-Registry-Login && cat /run/secrets/reg | podman login -u ci --password-stdin reg.io",
            "echo Kx9Lm2Qz7Wp4; cat ~/.reg | docker login -u ci --password-stdin reg.io",
            "echo \"$KRB_PASSWORD\" | kinit svc@CORP.EXAMPLE.COM",
            "vercel env add CRON_SECRET production <<< \"$CRON_SECRET\"",
            "kinit -kt /etc/krb5.keytab svc@CORP.EXAMPLE.COM",
            "mkstore -wrl /u01/wallet -listCredential",
            "passwd svc_app",
        ] {
            assert_eq!(secret(text), None, "{text}");
        }
    }
}
