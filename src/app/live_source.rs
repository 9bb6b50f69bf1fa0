//! The Lookup tab's live source: the monitors and windows to choose from, the one captured,
//! and whether its picture is frozen.

use crate::capture::{self, LiveCapture, LiveFrame, SourceId};

#[derive(Default)]
pub struct LiveSource {
    /// The monitors and windows that can be captured (listed on a helper thread).
    pub sources: Vec<capture::SourceInfo>,
    pub selected: Option<SourceId>,
    live: Option<LiveCapture>,
    pub frozen: bool,
}

impl LiveSource {
    /// Whether a live feed runs (frozen or not).
    pub fn is_running(&self) -> bool {
        self.live.is_some()
    }

    /// Whether new frames are shown.
    pub fn is_live(&self) -> bool {
        self.live.is_some() && !self.frozen
    }

    /// Whether the source went away and the feed waits for it to come back.
    pub fn is_waiting(&self) -> bool {
        self.live.as_ref().is_some_and(LiveCapture::is_waiting)
    }

    pub fn toggle_freeze(&mut self) {
        if self.live.is_some() {
            self.frozen = !self.frozen;
        }
    }

    /// The label of the chosen source, or a dash.
    pub fn label(&self) -> String {
        self.selected
            .as_ref()
            .and_then(|s| self.sources.iter().find(|i| &i.id == s))
            .map_or_else(|| "—".into(), |i| i.label.clone())
    }

    /// Captures `source` live at `fps` frames a second; `waker` repaints for each frame.
    pub fn start(&mut self, source: &capture::SourceInfo, fps: f32, waker: super::Waker) {
        self.selected = Some(source.id.clone());
        self.live = Some(LiveCapture::start(source.clone(), fps, waker));
        self.frozen = false;
    }

    pub fn stop(&mut self) {
        self.live = None;
        self.frozen = false;
    }

    /// The newest frame unless frozen; an error when the capture stopped.
    pub fn latest(&self) -> Option<Result<LiveFrame, String>> {
        if self.frozen {
            return None;
        }
        self.live.as_ref()?.latest()
    }
}
