//! `nhi-scan image`: container images from tarballs, OCI layouts, standard input or a registry.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;

use nhi_scan_core::source::Progress;
use nhi_scan_core::source::image::{
    Credentials, ImageOptions, ImageTarget, Images, PlatformSpec, default_docker_config,
};
use nhi_scan_core::{Scan, Source};

use crate::args::{ArchiveArgs, ConfigArgs, LimitArgs, OutputArgs, RuleArgs, ValidateArgs};
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
    /// Allow plain HTTP to registries (loopback and test registries).
    #[arg(long)]
    insecure_registry: bool,
    /// Registry user (default: credentials from ~/.docker/config.json, else anonymous).
    #[arg(long, value_name = "USER")]
    registry_user: Option<String>,
    /// Read the registry password or token from standard input (one line).
    #[arg(long, requires = "registry_user")]
    registry_password_stdin: bool,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    archives: ArchiveArgs,
    #[command(flatten)]
    validate: ValidateArgs,
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
    let targets = args
        .images
        .iter()
        .map(|i| ImageTarget::parse(i).map_err(|e| anyhow::anyhow!("{i}: {e}")))
        .collect::<Result<Vec<_>>>()?;
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
    };
    let progress = Arc::new(Progress::default());
    let builder = args.archives.apply(
        args.limits
            .apply(args.rules.apply(args.config.apply(Scan::builder()))),
    );
    let scan = outcome::build(builder, &args.output.common, &progress)?;
    let source = Source::Image(Images::new(targets).options(options));
    outcome::run(
        &scan,
        vec![source],
        &args.output,
        &args.validate,
        &progress,
        "distinct layer files",
    )
}
