//! What comes back to the app: helper jobs' results and the engine's events, each carried
//! into the tabs' state and messages.

use super::i18n::Text;

use super::{Job, LensApp};
use crate::engine::{Activity, Event, Prediction, Request, RequestId};

impl LensApp {
    pub(super) fn handle_job(&mut self, ctx: &egui::Context, job: Job) {
        match job {
            Job::Imported(Ok(c)) => {
                self.setup.importing = false;
                let n = c.len();
                self.set_catalog(c);
                self.notify(format!("catalog: {n} items"));
            }
            Job::Imported(Err(e)) => {
                self.setup.importing = false;
                self.notify_error(format!("import failed: {e}"));
            }
            Job::ImageOpened(Some(path)) => {
                if let Err(e) = self.lookup.open_path(&path) {
                    self.notify_error(e);
                }
            }
            Job::ImageOpened(None) => {
                self.notify_error("No file chosen (or no file dialog on this system): drop an image onto the window instead".into())
            }
            Job::FolderPicked(i, Some(path)) => self.setup.fields[i] = path.display().to_string(),
            Job::FolderPicked(_, None) => self.notify_error("No folder chosen (or no file dialog on this system): type the path".into()),
            Job::Sources(Ok(s)) => {
                self.lookup.source.sources = s;
                if let Some(text) = self.startup.0.take() {
                    match self.lookup.source.sources.iter().find(|s| s.label.contains(&text)).cloned() {
                        Some(source) => {
                            let waker = self.waker.clone();
                            self.lookup.start_live(source, self.settings.live_fps, waker);
                        }
                        None => self.notify_error(format!("no monitor or window matches {text:?}")),
                    }
                }
            }
            Job::Sources(Err(e)) => self.notify_error(e),
            Job::Preview(Ok(images)) => self.training.set_preview(ctx, &images),
            Job::Preview(Err(e)) => self.notify_error(e),
            Job::Pasted(Ok(image)) => self.lookup.show_picture(image, "clipboard".into()),
            Job::Pasted(Err(e)) => self.notify_error(e),
            Job::TrainingFiles(files) => self.training.files_read(files),
            Job::TrainingReady {
                recipe,
                out,
                captures,
                first,
            } => {
                let started =
                    self.training
                        .start(self.engine.as_ref(), *recipe, out, captures, first);
                if let Err(e) = started {
                    self.training.running = false;
                    self.notify_error(format!("training: {e}"));
                }
            }
        }
    }

    pub(super) fn handle_event(&mut self, event: Event) {
        match event {
            Event::ModelLoaded { dir, manifest } => {
                let unknown = self
                    .catalog
                    .as_ref()
                    .map(|c| crate::engine::checkpoint::unknown_items(&manifest, c))
                    .unwrap_or_default();
                if !unknown.is_empty() {
                    let names: Vec<String> =
                        unknown.iter().take(5).map(|k| k.to_string()).collect();
                    self.notify(format!(
                        "{} {} ({}{}) · {}",
                        self.t(Text::UnknownItems),
                        unknown.len(),
                        names.join(", "),
                        if unknown.len() > 5 { ", …" } else { "" },
                        self.t(Text::ExtendModel)
                    ));
                }
                self.model = Some((dir, *manifest));
            }
            Event::Predictions { id, results } => self.predictions_arrived(id, results),
            Event::Scanned { id, results } => match results {
                Ok(finds) => {
                    if self.lookup.scan.answered(id, finds)
                        && self.lookup.scan.companion
                        && let Err(e) = self.run_view.scanned(&self.lookup.scan)
                    {
                        self.notify_error(format!("the run could not be saved: {e}"));
                    }
                }
                Err(e) => {
                    self.lookup.scan.cancel_pending();
                    self.notify_error(format!("scan failed: {e}"));
                }
            },
            Event::TrainingStarted {
                device,
                torch_threads,
                synthesis,
            } => {
                self.training.device =
                    format!("{device}, {torch_threads} torch threads, {synthesis}");
            }
            Event::TrainingProgress(p) => self.training.push_progress(p),
            Event::TrainingFinished { dir, manifest } => {
                let first = self.training.is_first_model;
                self.training.finished(&manifest);
                if first || self.model.is_none() {
                    self.send(Request::LoadModel(dir.clone()));
                    self.settings.active_model = Some(dir.clone());
                }
                self.notify(format!("model saved: {}", dir.display()));
            }
            Event::TrainingKept { dir, reason } => {
                let text = format!(
                    "{} {} ({reason})",
                    self.t(Text::KeptModel),
                    crate::quote::path(&dir)
                );
                self.training.kept(text.clone());
                self.notify(text);
            }
            Event::TrainingCancelled => {
                self.training.running = false;
                self.notify("training cancelled".into());
            }
            Event::Error { during, error } => {
                match during {
                    Activity::Training => self.training.running = false,
                    // A lookup waiting for a model that failed to load will not be answered.
                    Activity::LoadingModel => {
                        self.lookup.cancel_pending();
                        self.active_slot_read = None;
                    }
                }
                self.notify_error(format!("{during}: {error}"));
            }
        }
    }

    /// The answer to a drawn box: shown and remembered, or an error that ends the wait.
    fn predictions_arrived(
        &mut self,
        id: RequestId,
        results: Result<Vec<Vec<Prediction>>, crate::engine::EngineError>,
    ) {
        if self.active_slot_read == Some(id) {
            self.active_slot_read = None;
            match results {
                Ok(lists) => {
                    let best = lists.into_iter().next().unwrap_or_default();
                    self.run_view.active_predicted(&best);
                }
                // The scan sent with it meets the same engine and says what went wrong.
                Err(e) => tracing::debug!("active slot not read: {e}"),
            }
            return;
        }
        // One list for the one box sent.
        let answer = results
            .map_err(|e| format!("recognition failed: {e}"))
            .and_then(|mut lists| {
                lists
                    .pop()
                    .ok_or_else(|| "recognition gave no answer for the box".to_string())
            });
        match answer {
            Ok(predictions) => {
                if self.lookup.answered(id, predictions.clone()) {
                    self.remember(predictions);
                }
            }
            Err(e) => {
                self.lookup.forget(id);
                self.notify_error(e);
            }
        }
    }
}
