//! Keeps the stream overlay (the page on 127.0.0.1 and the text file) in step with the
//! Settings and the run: started, moved to another port or stopped as the Settings say,
//! and given the run's taken items whenever they change.

use std::path::PathBuf;

use super::Language;
use super::settings::Settings;
use crate::catalog::Catalog;
use crate::fsutil::FileWriter;
use crate::overlay::{Overlay, OverlayState};
use crate::run_log::Run;

/// The text file for OBS text sources, in the runs folder.
pub const TEXT_FILE: &str = "overlay.txt";

#[derive(Default)]
pub struct StreamOverlay {
    server: Option<Overlay>,
    /// The port that could not be listened on, and why (not tried again until it changes).
    failed: Option<(u16, String)>,
    /// What was last shown: the run's change count, names, text file, language, catalog.
    shown: Option<(u64, bool, bool, Language, usize)>,
    text_written: Option<String>,
    writer: FileWriter,
}

impl StreamOverlay {
    /// Follows `settings`, and shows `run` (its `changes` count says when it changed).
    /// Returns an error to show once: a port in use, a text file not written.
    pub fn sync(
        &mut self,
        settings: &Settings,
        run: &Run,
        changes: u64,
        catalog: &std::sync::Arc<Catalog>,
        text_file: PathBuf,
    ) -> Vec<String> {
        let mut errors = self.writer.errors();
        let port = settings.overlay_port;
        if !settings.overlay_enabled {
            self.server = None;
            self.failed = None;
        } else if self.server.as_ref().is_none_or(|s| s.port() != port)
            && self.failed.as_ref().is_none_or(|(p, _)| *p != port)
        {
            self.server = None;
            match Overlay::start(port) {
                Ok(server) => {
                    self.server = Some(server);
                    self.failed = None;
                    self.shown = None;
                }
                Err(e) => {
                    errors.push(e.to_string());
                    self.failed = Some((port, e.to_string()));
                }
            }
        }
        let now = (
            changes,
            settings.overlay_names,
            settings.overlay_text_file,
            settings.language,
            std::sync::Arc::as_ptr(catalog) as usize,
        );
        if self.shown == Some(now) {
            return errors;
        }
        self.shown = Some(now);
        let state = OverlayState::from_run(run, catalog, settings.overlay_names);
        if let Some(server) = &self.server {
            server.publish(&state);
        }
        if settings.overlay_text_file {
            let text = state.text(settings.language == Language::Chinese);
            if self.text_written.as_ref() != Some(&text) {
                self.writer.write(text_file, text.clone().into_bytes());
                self.text_written = Some(text);
            }
        } else {
            self.text_written = None;
        }
        errors
    }

    /// The page's address while it is served, or why it is not.
    pub fn status(&self) -> Option<Result<String, String>> {
        match (&self.server, &self.failed) {
            (Some(server), _) => Some(Ok(server.url())),
            (None, Some((_, e))) => Some(Err(e.clone())),
            (None, None) => None,
        }
    }
}
