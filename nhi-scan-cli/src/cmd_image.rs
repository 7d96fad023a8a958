//! `nhi-scan image`: container images from tarballs, OCI layouts, standard input or a registry.

use std::io::BufRead;
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail};
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::image::{
    Credentials, ImageOptions, ImageSummary, ImageTarget, Images, PlatformSpec,
    default_docker_config,
};
use nhi_scan_core::{Scan, Source};

use crate::args::ScanFlags;
use crate::outcome;

#[derive(Args)]
pub(crate) struct ImageArgs {
    /// Images: a `docker save` tarball, an OCI layout directory or tarball, a single layer
    /// tarball, `-` for standard input, or a registry reference (`host[:port]/name:tag`,
    /// `name@sha256:...`).
    #[arg(value_name = "IMAGE", required = true)]
    images: Vec<String>,
    /// Platform to pick from multi-platform images (`os/arch[/variant]`).
    #[arg(long, value_name = "OS/ARCH", default_value = "linux/amd64")]
    platform: String,
    /// Scan every platform of a multi-platform image.
    #[arg(long, conflicts_with = "platform")]
    all_platforms: bool,
    /// Allow plain HTTP to loopback registries (127.0.0.0/8, ::1, localhost); refused for any
    /// other host.
    #[arg(long)]
    insecure_registry: bool,
    /// Send registry credentials to the bearer-token service even when it is on another host
    /// than the registry (by default a token is then asked for anonymously).
    #[arg(long)]
    trust_token_service: bool,
    /// Registry user (default: credentials from ~/.docker/config.json, else anonymous).
    #[arg(long, value_name = "USER")]
    registry_user: Option<String>,
    /// Read the registry password or token from standard input (one line).
    #[arg(long, requires = "registry_user")]
    registry_password_stdin: bool,
    #[command(flatten)]
    flags: ScanFlags,
}

pub(crate) fn run(args: ImageArgs) -> Result<u8> {
    let Some(platform) = PlatformSpec::parse(&args.platform) else {
        bail!("--platform {:?}: expected os/arch[/variant]", args.platform);
    };
    let stdin_images = args.images.iter().filter(|i| *i == "-").count();
    if stdin_images > 1 || (stdin_images == 1 && args.registry_password_stdin) {
        bail!(
            "standard input can be read once: one `-` image, and not with --registry-password-stdin"
        );
    }
    // The library reads neither standard input nor the working directory by itself: `-` and
    // relative paths are resolved here.
    let cwd = std::env::current_dir()?;
    let targets = args
        .images
        .iter()
        .map(|i| {
            if i == "-" {
                return Ok(ImageTarget::Reader {
                    name: "-".into(),
                    reader: Box::new(std::io::stdin()),
                });
            }
            ImageTarget::parse(i, &cwd).map_err(|e| anyhow::anyhow!("{i}: {e}"))
        })
        .collect::<Result<Vec<_>>>()?;
    if args.insecure_registry {
        for t in &targets {
            if let ImageTarget::Registry(r) = t
                && !r.is_loopback()
            {
                bail!(
                    "{r}: --insecure-registry (plain HTTP) is allowed only for loopback registries (127.0.0.0/8, ::1, localhost), not {}",
                    r.registry
                );
            }
        }
    }
    let credentials = match &args.registry_user {
        Some(user) => {
            let mut password = String::new();
            if args.registry_password_stdin {
                std::io::stdin().lock().read_line(&mut password)?;
            }
            Some(Credentials {
                username: user.clone(),
                password: password.trim_end_matches(['\r', '\n']).to_string(),
            })
        }
        None => None,
    };
    let options = ImageOptions {
        platform,
        all_platforms: args.all_platforms,
        insecure_registry: args.insecure_registry,
        credentials,
        docker_config: default_docker_config(),
        credentials_to_any_realm: args.trust_token_service,
        ..ImageOptions::default()
    };
    let progress = Arc::new(Progress::default());
    let builder = args.flags.apply(Scan::builder());
    let scan = outcome::build(builder, &args.flags.output.common, &progress)?;
    let summary = Arc::new(Mutex::new(ImageSummary::default()));
    let source = Source::Image(
        Images::new(targets)
            .options(options)
            .summary(Arc::clone(&summary)),
    );
    let code = outcome::run(
        &scan,
        vec![source],
        &args.flags.output,
        &args.flags.validate,
        &progress,
        "distinct layer files",
    )?;
    if !args.flags.output.common.quiet {
        let s = summary.lock().unwrap_or_else(|e| e.into_inner()).clone();
        eprintln!(
            "images: {} ({} layers read, {} reused; {} layer files, {} distinct; {} config items)",
            s.images,
            s.layers_read,
            s.layers_reused,
            s.layer_files,
            s.distinct_contents,
            s.config_items
        );
    }
    Ok(code)
}
