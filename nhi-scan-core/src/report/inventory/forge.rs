//! Remote URLs: stripped of credentials before they go into a report, and turned into commit
//! links when the host is a forge whose URL scheme is known (github.com, gitlab.com,
//! bitbucket.org). A remote URL comes from the scanned repository's configuration, so nothing
//! from it reaches a link unless it is a plain `owner/repo` path.

/// A remote URL with any user name and password removed (`https://user:token@host/x` ->
/// `https://host/x`); scp-like `git@host:path` is kept (it carries no password).
pub fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        return format!("{scheme}://{host}{path}");
    }
    url.to_string()
}

/// A known forge and the repository path on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// `github`, `gitlab` or `bitbucket`.
    pub name: &'static str,
    /// `https://github.com/owner/repo`.
    pub base: String,
}

impl Forge {
    /// Recognises `https://host/owner/repo(.git)`, `ssh://git@host(:port)/owner/repo.git` and
    /// `git@host:owner/repo.git` for the known hosts.
    pub fn from_remote(url: &str) -> Option<Forge> {
        let url = url.trim();
        let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git") {
                return None;
            }
            let (authority, path) = rest.split_at(rest.find('/')?);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let host = host.split(':').next().unwrap_or(host);
            (host, path)
        } else {
            let (user_host, path) = url.split_once(':')?;
            let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
            (host, path)
        };
        let name = match host.to_ascii_lowercase().as_str() {
            "github.com" | "www.github.com" => "github",
            "gitlab.com" | "www.gitlab.com" => "gitlab",
            "bitbucket.org" | "www.bitbucket.org" => "bitbucket",
            _ => return None,
        };
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        let plain = |s: &&str| {
            !s.is_empty()
                && *s != "."
                && *s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        // GitLab groups nest; GitHub and Bitbucket are owner/repo.
        let ok = match name {
            "gitlab" => segments.len() >= 2 && segments.iter().all(plain),
            _ => segments.len() == 2 && segments.iter().all(plain),
        };
        if !ok {
            return None;
        }
        let host = match name {
            "github" => "github.com",
            "gitlab" => "gitlab.com",
            _ => "bitbucket.org",
        };
        Some(Forge {
            name,
            base: format!("https://{host}/{}", segments.join("/")),
        })
    }

    /// The web page of a commit, when `commit` is a full hexadecimal id.
    pub fn commit_url(&self, commit: &str) -> Option<String> {
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(match self.name {
            "gitlab" => format!("{}/-/commit/{commit}", self.base),
            "bitbucket" => format!("{}/commits/{commit}", self.base),
            _ => format!("{}/commit/{commit}", self.base),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped_from_remote_urls() {
        assert_eq!(
            strip_credentials("https://bot:s3cr3t@github.com/acme/app.git"),
            "https://github.com/acme/app.git"
        );
        assert_eq!(
            strip_credentials("https://github.com/acme/app"),
            "https://github.com/acme/app"
        );
        assert_eq!(
            strip_credentials("git@github.com:acme/app.git"),
            "git@github.com:acme/app.git"
        );
    }

    #[test]
    fn known_forges_give_commit_links() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        for (remote, link) in [
            (
                "https://github.com/acme/app.git",
                "https://github.com/acme/app/commit/",
            ),
            (
                "git@github.com:acme/app.git",
                "https://github.com/acme/app/commit/",
            ),
            (
                "ssh://git@github.com:22/acme/app",
                "https://github.com/acme/app/commit/",
            ),
            (
                "https://tok@gitlab.com/group/sub/app.git",
                "https://gitlab.com/group/sub/app/-/commit/",
            ),
            (
                "git@bitbucket.org:team/app.git",
                "https://bitbucket.org/team/app/commits/",
            ),
        ] {
            let f = Forge::from_remote(remote).unwrap_or_else(|| panic!("{remote}"));
            assert_eq!(f.commit_url(sha), Some(format!("{link}{sha}")), "{remote}");
        }
    }

    #[test]
    fn other_hosts_and_odd_paths_give_no_links() {
        assert_eq!(Forge::from_remote("https://git.example.com/a/b.git"), None);
        assert_eq!(Forge::from_remote("/srv/git/app.git"), None);
        assert_eq!(
            Forge::from_remote("https://github.com/a/b\"><script>/x"),
            None
        );
        assert_eq!(Forge::from_remote("https://github.com/a/b/c"), None);
        assert_eq!(
            Forge::from_remote("javascript:alert(1)//github.com/a/b"),
            None
        );
        let f = Forge::from_remote("https://github.com/a/b").unwrap();
        assert_eq!(f.commit_url("abc"), None);
        assert_eq!(f.commit_url(&"z".repeat(40)), None);
    }
}
