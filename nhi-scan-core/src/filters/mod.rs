//! Checks applied to a candidate secret after its regex matched: they turn "looks like" into
//! "is likely", dropping placeholders, low-entropy strings and tokens whose checksum fails.

mod allow;
mod checksum;
mod entropy;
mod envelope;
mod placeholder;
mod stored_hash;

pub(crate) use allow::{ALLOW_MARKER, GITLEAKS_ALLOW_MARKER, inline_allowed};
pub(crate) use checksum::verify;
pub(crate) use entropy::shannon_entropy;
pub(crate) use envelope::is_ciphertext_envelope;
pub(crate) use placeholder::{is_placeholder, punctuation_only, templated};
pub(crate) use stored_hash::is_stored_hash;
