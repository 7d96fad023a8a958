//! SIGINT and SIGTERM: the first one raises the library's cancel flag, so the scan stops at the
//! next input or chunk, temporary clones and partial reports are removed as their owners are
//! dropped, and the process exits 130 (SIGINT) or 143 (SIGTERM). A second signal of the same
//! kind ends the process at once with that code (for a scan blocked reading a silent stdin).
//!
//! Signals belong to the process, so this is the one piece of process-global state, and it
//! lives in the CLI: the library only sees the flag it was handed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

struct State {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

static STATE: OnceLock<State> = OnceLock::new();

/// Installs the handlers (once). Failure to install leaves the default behaviour (the process
/// dies on the signal), which is no worse than before.
pub(crate) fn install() {
    STATE.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(AtomicUsize::new(0));
        for sig in [SIGINT, SIGTERM] {
            // Registered first, so it sees the flag as it was before this signal set it.
            let _ =
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&flag));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        State { flag, signal }
    });
}

/// The flag a scan is built with.
pub(crate) fn flag() -> Arc<AtomicBool> {
    match STATE.get() {
        Some(s) => Arc::clone(&s.flag),
        None => Arc::new(AtomicBool::new(false)),
    }
}

/// The exit code for the signal received, if one was: 128 + its number.
pub(crate) fn exit_code() -> Option<u8> {
    let s = STATE.get()?;
    if !s.flag.load(Ordering::SeqCst) {
        return None;
    }
    let sig = s.signal.load(Ordering::SeqCst);
    Some(128u8.saturating_add(if sig == 0 { SIGINT as u8 } else { sig as u8 }))
}

/// An error for work abandoned because of a signal.
pub(crate) fn check() -> anyhow::Result<()> {
    match exit_code() {
        Some(_) => Err(anyhow::anyhow!("interrupted")),
        None => Ok(()),
    }
}
