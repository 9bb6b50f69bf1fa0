//! The Lookup tab's answers: the lookup waiting for the engine, the current result, the
//! recent ones, and the correction search.

use std::sync::Arc;

use image::DynamicImage;

use super::command::Shell;
use super::i18n::Text;
use crate::engine::{Prediction, RequestId};

/// A finished lookup: the crop and what the engine made of it.
#[derive(Clone)]
pub struct LookupResult {
    pub crop: Arc<DynamicImage>,
    pub predictions: Vec<Prediction>,
    pub selected: usize,
    pub thumbnail: Option<egui::TextureHandle>,
}

/// How many lookups the recent strip keeps.
const RECENT: usize = 12;

#[derive(Default)]
pub struct Results {
    pending: Option<(RequestId, Arc<DynamicImage>)>,
    pub result: Option<LookupResult>,
    pub recent: Vec<LookupResult>,
    pub correction: super::panel::CorrectionSearch,
}

impl Results {
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Stops waiting (the engine cannot answer).
    pub fn cancel_pending(&mut self) {
        self.pending = None;
    }

    /// The lookup of `crop` is waiting for the answer to request `id`.
    pub fn waiting_for(&mut self, id: RequestId, crop: Arc<DynamicImage>) {
        self.pending = Some((id, crop));
    }

    /// Request `id` failed: the lookup stops waiting for it.
    pub fn forget(&mut self, id: RequestId) {
        if self.pending.as_ref().is_some_and(|(p, _)| *p == id) {
            self.pending = None;
        }
    }

    /// A prediction arrived: shown when it answers the newest request (then true).
    pub fn answered(&mut self, id: RequestId, predictions: Vec<Prediction>) -> bool {
        match self.pending.take() {
            Some((pending_id, crop)) if pending_id == id => {
                self.present(crop, predictions);
                true
            }
            other => {
                self.pending = other;
                false
            }
        }
    }

    /// Makes `predictions` of `crop` the current result; the one before goes to the recent
    /// strip. Whatever was waiting is dropped.
    pub fn present(&mut self, crop: Arc<DynamicImage>, predictions: Vec<Prediction>) {
        self.pending = None;
        if let Some(previous) = self.result.take() {
            self.recent.insert(0, previous);
            self.recent.truncate(RECENT);
        }
        self.result = Some(LookupResult {
            crop,
            predictions,
            selected: 0,
            thumbnail: None,
        });
    }

    /// The lookups before the current one, as sprites; a click brings one back.
    pub fn recent_ui(&mut self, ui: &mut egui::Ui, shell: &mut Shell) {
        if self.recent.is_empty() {
            return;
        }
        ui.separator();
        ui.label(egui::RichText::new(shell.t(Text::Recent)).strong());
        let mut reopen = None;
        ui.horizontal_wrapped(|ui| {
            for (i, r) in self.recent.iter().enumerate() {
                let Some(best) = r.predictions.first() else {
                    continue;
                };
                let texture = shell.sprite(ui.ctx(), best.key);
                let name = shell
                    .catalog
                    .get(best.key)
                    .map(|i| i.display_name())
                    .unwrap_or_default();
                let button = match &texture {
                    Some(t) => ui.add(egui::Button::image((t.id(), egui::vec2(32.0, 32.0)))),
                    None => ui.button(&name),
                };
                if button.on_hover_text(&name).clicked() {
                    reopen = Some(i);
                }
            }
        });
        if let Some(i) = reopen {
            let chosen = self.recent.remove(i);
            if let Some(current) = self.result.replace(chosen) {
                self.recent.insert(0, current);
            }
        }
    }
}
