//! A window destroyed by another program (`xdotool windowclose`, a crashed window manager) is
//! a window closed, not a crash.
//!
//! winit 0.30 on X11 unwraps the reply of `XTranslateCoordinates` whenever egui asks where
//! the window is; once the window is gone that reply is `BadWindow` and winit panics inside
//! the event loop, where no event could tell the app first. The panic is caught at
//! `run_native`, reported as one line, and the app's state is dropped like on a normal close
//! (the engine stops and joins its workers). Any other panic goes on as before.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the panic hook when the panic came from winit's X11 window code.
static FROM_WINIT_X11: AtomicBool = AtomicBool::new(false);

/// Whether a panic at `file` is winit's X11 window code failing on a vanished window.
fn is_winit_x11(file: &str) -> bool {
    let file = file.replace('\\', "/");
    file.contains("/winit-") && file.contains("/x11/")
}

/// Runs the event loop `run`; Ok(None) when the window was destroyed from outside.
pub fn contain<T>(run: impl FnOnce() -> T) -> Option<T> {
    let previous = std::sync::Arc::new(panic::take_hook());
    let report = previous.clone();
    panic::set_hook(Box::new(move |info| {
        if info.location().is_some_and(|l| is_winit_x11(l.file())) {
            FROM_WINIT_X11.store(true, Ordering::SeqCst);
        } else {
            // The usual report (message and backtrace) for every other panic.
            report(info);
        }
    }));
    let outcome = panic::catch_unwind(AssertUnwindSafe(run));
    panic::set_hook(Box::new(move |info| previous(info)));
    match outcome {
        Ok(value) => Some(value),
        Err(_) if FROM_WINIT_X11.swap(false, Ordering::SeqCst) => None,
        Err(payload) => panic::resume_unwind(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_winit_x11_panics_count_as_a_closed_window() {
        assert!(is_winit_x11(
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/x11/window.rs"
        ));
        assert!(!is_winit_x11("src/app/mod.rs"));
        assert!(!is_winit_x11(
            "/x/winit-0.30.13/src/platform_impl/linux/wayland/window.rs"
        ));
    }

    #[test]
    fn other_panics_go_on() {
        let caught = std::panic::catch_unwind(|| contain(|| panic!("a bug of ours")));
        assert!(caught.is_err());
        assert_eq!(contain(|| 7), Some(7));
    }
}
