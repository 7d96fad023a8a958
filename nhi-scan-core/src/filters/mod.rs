//! Checks applied to a candidate secret after its regex matched: they turn "looks like" into
//! "is likely", dropping placeholders, low-entropy strings and tokens whose checksum fails.

mod allow;
mod checksum;
mod entropy;
mod placeholder;

pub use allow::{ALLOW_MARKER, GITLEAKS_ALLOW_MARKER, inline_allowed};
pub use checksum::{base62_crc32_ok, jwt_ok, verify};
pub use entropy::shannon_entropy;
pub use placeholder::{is_placeholder, templated};
