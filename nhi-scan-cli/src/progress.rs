//! A progress line on standard error, shown only on a terminal and only once a scan has run for
//! a moment, so quick scans (the pre-commit case) print nothing extra.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use nhi_scan_core::source::Progress;

const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` while a scoped thread draws `progress` (when `enabled`).
pub fn with_progress<T>(enabled: bool, progress: &Progress, work: impl FnOnce() -> T) -> T {
    if !enabled {
        return work();
    }
    thread::scope(|s| {
        let (stop, rx) = mpsc::channel::<()>();
        s.spawn(move || draw(progress, rx));
        let result = work();
        drop(stop);
        result
    })
}

fn draw(progress: &Progress, rx: mpsc::Receiver<()>) {
    if !matches!(rx.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
        return;
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    loop {
        let files = progress.scanned.load(Ordering::Relaxed);
        let bytes = progress.bytes.load(Ordering::Relaxed);
        bar.set_message(format!(
            "scanned {files} files, {:.1} MB",
            bytes as f64 / 1e6
        ));
        bar.tick();
        if !matches!(rx.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
            break;
        }
    }
    bar.finish_and_clear();
}
