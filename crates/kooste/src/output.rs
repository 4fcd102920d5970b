//! Printing that a closed pipe cannot stop: `kooste ingest DIR | head -1` ingests every file
//! though nobody reads the rest of what it prints. A write to a stream that went away marks
//! it gone; later writes to it are skipped, and the work goes on.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes to stdout, unless it went away.
pub(crate) fn stdout(args: std::fmt::Arguments<'_>) {
    write(&mut std::io::stdout().lock(), &STDOUT_GONE, args);
}

/// Writes to stderr, unless it went away.
pub(crate) fn stderr(args: std::fmt::Arguments<'_>) {
    write(&mut std::io::stderr().lock(), &STDERR_GONE, args);
}

fn write(w: &mut impl Write, gone: &AtomicBool, args: std::fmt::Arguments<'_>) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    if w.write_fmt(args).and_then(|()| w.flush()).is_err() {
        // Whatever the error (a closed pipe, a full disk under a redirect), printing more
        // would fail the same way; the command's work is what matters.
        gone.store(true, Ordering::Relaxed);
    }
}

/// `println!` that survives a closed stdout.
macro_rules! outln {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($t:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprintln!` that survives a closed stderr.
macro_rules! errln {
    ($($t:tt)*) => { $crate::output::stderr(format_args!("{}\n", format_args!($($t)*))) };
}
