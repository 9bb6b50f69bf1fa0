//! What the app remembers between runs (eframe storage), each number checked when it is
//! read back. Runtime state lives in [`super::LensApp`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Language;
use crate::engine::scan::GamePicture;
use crate::engine::{DeviceChoice, Prediction, Recipe};

/// What is remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub language: Language,
    /// Global hotkey that freezes the live frame, e.g. "Ctrl+Shift+F8".
    pub hotkey: String,
    /// Hotkey that scans the frame for every item (also a key in the window), e.g. "F9".
    pub scan_hotkey: String,
    /// Global hotkey that begins a new run (empty: none), e.g. "Ctrl+Shift+F10".
    pub new_run_hotkey: String,
    pub device: DeviceChoice,
    /// libtorch threads; 0 picks all cores.
    pub torch_threads: usize,
    /// Overrides the platform data folder (applies after a restart).
    pub data_folder: Option<PathBuf>,
    pub panel_enabled: bool,
    pub panel_opacity: f32,
    pub panel_compact: bool,
    pub panel_position: Option<[f32; 2]>,
    /// The floating panel lists unsure finds too (off: only what is surely in the room).
    pub panel_show_unsure: bool,
    pub live_fps: f32,
    pub recipe: Recipe,
    /// New training starts from the current model's weights (when its architecture and input
    /// size match the recipe) instead of from scratch.
    pub start_from_current: bool,
    /// The checkpoint in use (default: the data folder's model).
    pub active_model: Option<PathBuf>,
    /// Recent lookups: best item and scores, newest first.
    pub history: Vec<HistoryEntry>,
    /// Where the game's picture is in each live source the player marked it for, by the
    /// source's name: scans look there only.
    pub game_pictures: std::collections::BTreeMap<String, GamePicture>,
    /// The stream overlay page on 127.0.0.1 (opt-in: nothing listens unless asked).
    pub overlay_enabled: bool,
    pub overlay_port: u16,
    /// The overlay shows names below the sprites.
    pub overlay_names: bool,
    /// The run's taken items are kept one a line in a text file, for OBS text sources.
    pub overlay_text_file: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: Language::English,
            hotkey: "Ctrl+Shift+F8".into(),
            scan_hotkey: "F9".into(),
            new_run_hotkey: "Ctrl+Shift+F10".into(),
            device: DeviceChoice::Auto,
            torch_threads: 0,
            data_folder: None,
            panel_enabled: true,
            panel_opacity: 0.95,
            panel_compact: false,
            panel_show_unsure: false,
            panel_position: None,
            live_fps: 4.0,
            recipe: Recipe::default(),
            start_from_current: true,
            active_model: None,
            history: Vec::new(),
            game_pictures: std::collections::BTreeMap::new(),
            overlay_enabled: false,
            overlay_port: crate::overlay::DEFAULT_PORT,
            overlay_names: true,
            overlay_text_file: false,
        }
    }
}

/// libtorch threads (0: all cores); the settings file and the Settings tab share it.
pub const TORCH_THREADS: std::ops::RangeInclusive<usize> = 0..=256;

/// Sources a game picture is remembered for, at most.
pub const MAX_GAME_PICTURES: usize = 200;

/// How opaque the floating panel may be made.
pub const PANEL_OPACITY: std::ops::RangeInclusive<f32> = 0.3..=1.0;

impl Settings {
    /// Puts every number back in its range: a field outside it falls back to its default
    /// and is named in the returned notes (the rest of the file is kept).
    pub fn sanitize(&mut self) -> Vec<String> {
        use crate::engine::recipe::check_range;
        let default = Settings::default();
        let mut notes = Vec::new();
        let mut fix = |problem: Result<(), String>, reset: &mut dyn FnMut()| {
            if let Err(e) = problem {
                notes.push(format!("settings: {e}; using the default"));
                reset();
            }
        };
        fix(
            check_range("torch_threads", self.torch_threads, TORCH_THREADS),
            &mut || self.torch_threads = default.torch_threads,
        );
        fix(
            check_range("live_fps", self.live_fps, crate::capture::LIVE_FPS),
            &mut || self.live_fps = default.live_fps,
        );
        fix(
            check_range("panel_opacity", self.panel_opacity, PANEL_OPACITY),
            &mut || self.panel_opacity = default.panel_opacity,
        );
        fix(
            check_range("overlay_port", self.overlay_port, crate::overlay::PORTS),
            &mut || self.overlay_port = default.overlay_port,
        );
        let position_ok = self
            .panel_position
            .is_none_or(|p| p.iter().all(|v| v.is_finite() && v.abs() < 100_000.0));
        fix(
            if position_ok {
                Ok(())
            } else {
                Err("panel_position is not on any screen".into())
            },
            &mut || self.panel_position = None,
        );
        fix(
            self.recipe.check().map_err(|e| format!("recipe: {e}")),
            &mut || self.recipe = default.recipe.clone(),
        );
        // A marked picture that is not one is forgotten; the others are kept.
        let bad: Vec<String> = self
            .game_pictures
            .iter()
            .filter_map(|(source, p)| p.check().err().map(|e| format!("{e} (for {source})")))
            .collect();
        if !bad.is_empty() {
            self.game_pictures.retain(|_, p| p.check().is_ok());
            for e in bad {
                notes.push(format!("settings: {e}; forgotten"));
            }
        }
        if self.game_pictures.len() > MAX_GAME_PICTURES {
            notes.push(format!(
                "settings: {} marked game pictures, more than {MAX_GAME_PICTURES}; only the first are kept",
                self.game_pictures.len()
            ));
            while self.game_pictures.len() > MAX_GAME_PICTURES {
                self.game_pictures.pop_last();
            }
        }
        notes
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub predictions: Vec<Prediction>,
    pub unix_time: u64,
}
