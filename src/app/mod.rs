//! The desktop app: Lookup, Catalog, Training and Settings tabs plus the floating results
//! panel. It drives the same engine as the command line; work runs on other threads and
//! arrives through channels, so the window never waits.

mod canvas;
mod catalog_tab;
mod command;
mod events;
pub mod fonts;
mod hotkey;
pub mod i18n;
mod live_source;
mod lookup;
mod panel;
mod results;
mod run_tab;
mod scan_view;
mod settings;
mod settings_tab;
mod setup;
pub mod sprites;
mod stream_overlay;
mod training_tab;
mod window_gone;

use crate::app::i18n::Text;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::catalog::import::{ImportSources, import};
use crate::engine::{
    Engine, EngineConfig, Event, Manifest, Prediction, Recipe, Request, RequestId,
};
pub use catalog_tab::CatalogView;
pub use command::{Command, Shell, TabView, TrainingControl};
pub use i18n::{Language, tr};
pub use lookup::LookupState;
pub use settings::{HistoryEntry, Settings};
pub use training_tab::TrainingView;

/// Where the app reads and writes; fixed for a run.
#[derive(Clone, Debug)]
pub struct AppPaths {
    pub catalog: PathBuf,
    pub models: PathBuf,
    pub default_model: PathBuf,
    pub captures: PathBuf,
    /// Run logs: one file per run.
    pub runs: PathBuf,
    /// `shared/isaac`, for first-run import and training backgrounds.
    pub shared: Option<PathBuf>,
}

impl AppPaths {
    pub fn from_data_dir(data: &std::path::Path) -> Self {
        Self {
            catalog: data.join("catalog"),
            models: data.join("models"),
            default_model: data.join("models").join("default"),
            captures: data.join("captures"),
            runs: data.join("runs"),
            shared: crate::paths::shared_isaac_dir(),
        }
    }

    /// The training backgrounds of [`Self::shared`], when it has them.
    pub fn backgrounds(&self) -> Option<PathBuf> {
        self.shared
            .as_deref()
            .and_then(crate::paths::backgrounds_in)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    #[default]
    Lookup,
    Catalog,
    Training,
    Run,
    Settings,
}

/// A non-modal note at the top of the window.
#[derive(Clone, Debug)]
pub struct Message {
    pub text: String,
    pub error: bool,
    pub shown_at: Instant,
}

/// Results of work done on helper threads.
pub enum Job {
    Imported(Result<Catalog, String>),
    ImageOpened(Option<PathBuf>),
    FolderPicked(usize, Option<PathBuf>),
    Sources(Result<Vec<crate::capture::SourceInfo>, String>),
    Preview(Result<Vec<image::RgbImage>, String>),
    Pasted(Result<image::RgbaImage, String>),
    /// A training run whose captures are decoded, ready to send.
    TrainingReady {
        recipe: Box<Recipe>,
        out: PathBuf,
        captures: Vec<crate::engine::LabelledCapture>,
        first: bool,
    },
    TrainingFiles(training_tab::TrainingFiles),
}

pub use crate::engine::Waker;

/// The app: the persisted [`Settings`], each tab's own state, and what the tabs share
/// (catalog, engine, loaded model), which only [`LensApp::apply`] and the event handlers
/// change.
pub struct LensApp {
    settings: Settings,
    tab: Tab,
    paths: AppPaths,
    catalog: Option<Arc<Catalog>>,
    engine: Option<Engine>,
    /// The loaded checkpoint's folder and manifest.
    model: Option<(PathBuf, Manifest)>,
    lookup: LookupState,
    catalog_view: CatalogView,
    training: TrainingView,
    messages: Vec<Message>,
    sprites: sprites::SpriteCache,
    setup: setup::SetupView,
    settings_view: settings_tab::SettingsView,
    run_view: run_tab::RunView,
    stream_overlay: stream_overlay::StreamOverlay,
    /// The request reading the HUD's active slot for the run, while it is answered.
    active_slot_read: Option<RequestId>,
    jobs: (Sender<Job>, Receiver<Job>),
    waker: Waker,
    hotkeys: hotkey::Hotkeys,
    started: bool,
    /// From the command line: a source to capture live, an image to open.
    startup: (Option<String>, Option<PathBuf>),
    last_frame: Instant,
}

impl LensApp {
    /// Builds the app; nothing starts until the first frame gives it a context.
    pub fn new(settings: Settings, paths: AppPaths) -> Self {
        let setup = setup::SetupView::new(paths.shared.as_deref());
        let (run_view, run_error) = run_tab::RunView::open(&paths.runs);
        let mut app = Self {
            settings,
            tab: Tab::Lookup,
            paths,
            catalog: None,
            engine: None,
            model: None,
            lookup: LookupState::default(),
            catalog_view: Default::default(),
            training: TrainingView::default(),
            messages: Vec::new(),
            sprites: Default::default(),
            setup,
            settings_view: settings_tab::SettingsView::default(),
            run_view,
            stream_overlay: Default::default(),
            active_slot_read: None,
            jobs: crossbeam_channel::unbounded(),
            waker: Arc::new(|| {}),
            hotkeys: hotkey::Hotkeys::default(),
            started: false,
            startup: (None, None),
            last_frame: Instant::now(),
        };
        if let Some(e) = run_error {
            app.notify_error(e);
        }
        app
    }

    /// What the command line asks for at start: a tab, a live source (a name or part of
    /// one), an image to open, companion mode.
    pub fn with_startup(mut self, args: &AppArgs) -> Self {
        self.tab = args.tab.unwrap_or_default();
        self.startup = (args.source.clone(), args.open.clone());
        self.lookup.scan.companion = args.companion;
        self.settings.overlay_enabled |= args.overlay;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, for a host that changes them (the tabs' own edits go through `ui`).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn catalog_view(&mut self) -> &mut CatalogView {
        &mut self.catalog_view
    }

    /// The loaded checkpoint's folder and manifest.
    pub fn model(&self) -> Option<&(PathBuf, Manifest)> {
        self.model.as_ref()
    }

    /// The run companion mode keeps.
    pub fn run(&self) -> &crate::run_log::Run {
        self.run_view.run()
    }

    pub fn lookup(&self) -> &LookupState {
        &self.lookup
    }

    pub fn training(&self) -> &TrainingView {
        &self.training
    }

    /// The notes and errors on show, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// First frame: fonts, the waker that repaints this context, the hotkey, the catalog.
    fn ensure_started(&mut self, ctx: &egui::Context) {
        if self.started {
            return;
        }
        self.started = true;
        self.settings_view.cjk_font = fonts::install_cjk_font(ctx);
        if self.settings_view.cjk_font.is_none() {
            self.notify_error(
                "No Chinese font found: set ISAAC_LENS_CJK_FONT to a .ttf/.ttc file".into(),
            );
        }
        let repaint = ctx.clone();
        self.waker = Arc::new(move || repaint.request_repaint());
        self.register_hotkeys(false);
        self.open_catalog();
        if self.startup.0.is_some() {
            self.apply(Command::ListSources);
        }
        if let Some(path) = self.startup.1.take()
            && let Err(e) = self.lookup.open_path(&path)
        {
            self.notify_error(e);
        }
    }

    fn t(&self, key: Text) -> &'static str {
        tr(self.settings.language, key)
    }

    pub fn notify(&mut self, text: String) {
        self.messages.push(Message {
            text,
            error: false,
            shown_at: Instant::now(),
        });
    }

    /// Errors are shown once, here; nothing else logs them.
    pub fn notify_error(&mut self, text: String) {
        self.messages.push(Message {
            text,
            error: true,
            shown_at: Instant::now(),
        });
    }

    /// Runs `work` on a helper thread; its result comes back as a [`Job`].
    fn spawn_job(&self, work: impl FnOnce() -> Job + Send + 'static) {
        let tx = self.jobs.0.clone();
        let waker = self.waker.clone();
        let spawned = std::thread::Builder::new()
            .name("app-job".into())
            .spawn(move || {
                let _ = tx.send(work());
                waker();
            });
        if let Err(e) = spawned {
            let _ = self.jobs.0.send(Job::Preview(Err(format!(
                "cannot start a helper thread: {e}"
            ))));
        }
    }

    /// Loads the catalog, or imports it from `shared/isaac` on first run.
    fn open_catalog(&mut self) {
        if self
            .paths
            .catalog
            .join(crate::catalog::CATALOG_FILE)
            .is_file()
        {
            match Catalog::load(&self.paths.catalog) {
                Ok(c) => self.set_catalog(c),
                Err(e) => self.notify_error(format!("catalog: {e}")),
            }
        } else if let Some(shared) = self.paths.shared.clone() {
            self.start_import(ImportSources::from_shared(&shared));
        }
    }

    fn start_import(&mut self, sources: ImportSources) {
        self.setup.importing = true;
        let out = self.paths.catalog.clone();
        self.spawn_job(move || {
            Job::Imported(
                import(&sources, &out, false)
                    .map(|(c, _)| c)
                    .map_err(|e| e.to_string()),
            )
        });
    }

    fn set_catalog(&mut self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        self.sprites.clear();
        self.catalog = Some(catalog.clone());
        let mut config = EngineConfig {
            device: self.settings.device,
            backgrounds: self.paths.backgrounds(),
            ..EngineConfig::default()
        };
        if self.settings.torch_threads > 0 {
            config.torch_threads = self.settings.torch_threads;
        }
        match Engine::start(catalog, config, Some(self.waker.clone())) {
            Ok(engine) => {
                // The player's chosen model, else their own default, else the shipped one. A
                // chosen folder that is not there is named, never replaced by a training run.
                let chosen = self.settings.active_model.clone();
                if let Some(dir) = chosen.as_ref().filter(|d| !d.is_dir()) {
                    self.notify_error(format!(
                        "model {}: no such folder; using the default model",
                        crate::quote::path(dir)
                    ));
                }
                let chosen = chosen.filter(|d| d.is_dir());
                let model =
                    crate::shipped::chosen_or_default(chosen.as_deref(), &self.paths.models)
                        .unwrap_or_else(|e| {
                            self.notify_error(format!("shipped model: {e}"));
                            self.paths.default_model.clone()
                        });
                if model.is_dir() {
                    self.engine = Some(engine);
                    self.send(Request::LoadModel(model));
                } else {
                    self.engine = Some(engine);
                    self.notify(self.t(Text::FirstTraining).to_string());
                    let recipe = self.settings.recipe.clone();
                    let out = self.paths.default_model.clone();
                    self.start_training(recipe, out, true);
                }
            }
            Err(e) => self.notify_error(format!("engine: {e}")),
        }
    }

    /// (Re-)registers the global freeze and scan hotkeys; `say` confirms them.
    fn register_hotkeys(&mut self, say: bool) {
        // The old registrations go first: a key cannot be registered twice.
        self.hotkeys = hotkey::Hotkeys::default();
        let texts = [
            self.settings.hotkey.clone(),
            self.settings.scan_hotkey.clone(),
            self.settings.new_run_hotkey.clone(),
        ];
        let (hotkeys, said) = hotkey::Hotkeys::register([&texts[0], &texts[1], &texts[2]]);
        self.hotkeys = hotkeys;
        for (text, result) in texts.iter().zip(said) {
            match result {
                Err(e) => self.notify_error(format!("global hotkey {text:?} unavailable: {e}")),
                Ok(()) if say && !text.trim().is_empty() => self.notify(format!("hotkey: {text}")),
                Ok(()) => {}
            }
        }
    }

    /// Sends a request to the engine: its id, or None (and a message) when it cannot take it.
    fn send(&mut self, request: Request) -> Option<RequestId> {
        let sent = match &self.engine {
            Some(engine) => engine.send(request).map_err(|e| e.to_string()),
            None => Err("the engine is not running".into()),
        };
        sent.map_err(|e| self.notify_error(format!("engine: {e}")))
            .ok()
    }

    /// Starts a training job into `out` with the player's captures, which a helper thread
    /// decodes first (never the UI thread); skipped rows and images are logged.
    fn start_training(&mut self, recipe: Recipe, out: PathBuf, first: bool) {
        // The tab shows the run at once (and offers no second start) while captures load.
        self.training.running = true;
        self.training.kept = None;
        let dir = self.paths.captures.clone();
        self.spawn_job(move || {
            let (captures, skipped) = crate::corrections::load_labelled(&dir);
            for note in &skipped {
                tracing::warn!("skipped capture: {note}");
            }
            Job::TrainingReady {
                recipe: Box::new(recipe),
                out,
                captures,
                first,
            }
        });
    }

    /// Carries out what a view asked for.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::SaveCorrection { key, crop } => self.save_correction(key, &crop),
            Command::SelectFind(i) => {
                if let Some(predictions) = self.lookup.select_find(i) {
                    let predictions = predictions.to_vec();
                    self.remember(predictions);
                }
            }
            Command::Recognise(crop) => {
                let sent = self.send(Request::Predict {
                    crops: vec![(*crop).clone()],
                    top_k: 10,
                });
                if let Some(id) = sent {
                    self.lookup.waiting_for(id, crop);
                }
            }
            Command::Scan => self.scan(),
            Command::MarkGamePicture { source, picture } => {
                self.settings.game_pictures.insert(source, picture);
                self.notify(self.t(Text::GamePictureMarked).to_string());
                // What was found outside the picture goes: scan again, as a new room.
                self.lookup.scan.watch.reset();
                self.scan();
            }
            Command::ForgetGamePicture(source) => {
                self.settings.game_pictures.remove(&source);
                self.lookup.scan.watch.reset();
                self.scan();
            }
            Command::ListSources => self.spawn_job(|| {
                Job::Sources(crate::capture::list_sources().map_err(|e| e.to_string()))
            }),
            Command::StartLive(source) => {
                let waker = self.waker.clone();
                self.lookup
                    .start_live(source, self.settings.live_fps, waker);
            }
            Command::Paste => self.spawn_job(|| Job::Pasted(clipboard_image())),
            Command::ReadTrainingFiles => {
                let (models, captures) = (self.paths.models.clone(), self.paths.captures.clone());
                self.spawn_job(move || {
                    Job::TrainingFiles(training_tab::read_files(&models, &captures))
                });
            }
            Command::PickImage => self.spawn_job(|| {
                Job::ImageOpened(
                    rfd::FileDialog::new()
                        .add_filter("images", &["png", "jpg", "jpeg", "bmp", "webp", "gif"])
                        .pick_file(),
                )
            }),
            Command::PickFolder(i) => {
                self.spawn_job(move || Job::FolderPicked(i, rfd::FileDialog::new().pick_folder()))
            }
            Command::Import(sources) => self.start_import(sources),
            Command::StartTraining { recipe, out } => self.start_training(*recipe, out, false),
            Command::Training(control) => self.control_training(control),
            Command::PreviewSamples => {
                if let Some(catalog) = self.catalog.clone() {
                    let backgrounds = self.paths.backgrounds();
                    let recipe = self.settings.recipe.clone();
                    self.spawn_job(training_tab::preview_job(catalog, recipe, backgrounds));
                }
            }
            Command::UseModel(dir) => {
                if self.send(Request::LoadModel(dir.clone())).is_some() {
                    self.settings.active_model = Some(dir);
                }
            }
            Command::RegisterHotkeys => self.register_hotkeys(true),
            Command::Notify(text) => self.notify(text),
            Command::Error(text) => self.notify_error(text),
        }
    }

    fn save_correction(&mut self, key: crate::catalog::ItemKey, crop: &image::DynamicImage) {
        match crate::corrections::save_capture(&self.paths.captures, key, crop) {
            Ok(_) => {
                self.training.captures_count = None;
                let name = self
                    .catalog
                    .as_ref()
                    .and_then(|c| c.get(key))
                    .map(|i| i.display_name())
                    .unwrap_or_default();
                self.notify(format!("{}: {name}", self.t(Text::SavedLabel)));
                self.lookup.results.correction.clear();
            }
            Err(e) => self.notify_error(e.to_string()),
        }
    }

    /// Asks the engine for every item in the Lookup tab's frame (unless a scan is under way).
    fn scan(&mut self) {
        let Some(frame) = self.lookup.frame_to_scan() else {
            return;
        };
        let image = Arc::new(image::DynamicImage::ImageRgba8(frame.as_ref().clone()));
        let picture = self.lookup.game_picture(&self.settings);
        // Companion mode keeps the run: the HUD's active slot is read with each scan (found
        // and cut on the engine's thread, like the scan).
        let read_slot = self.lookup.scan.companion && self.active_slot_read.is_none();
        if let Some(id) = self.send(Request::Scan {
            frame: image.clone(),
            picture,
            top_k: 10,
        }) {
            tracing::debug!(
                "scan {id:?} sent (companion: {})",
                self.lookup.scan.companion
            );
            self.lookup.scan.started(id, frame);
            if read_slot {
                self.active_slot_read = self.send(Request::ReadActiveSlot {
                    frame: image,
                    picture,
                });
            }
        }
    }

    fn control_training(&mut self, control: TrainingControl) {
        let Some(engine) = &self.engine else { return };
        match control {
            TrainingControl::Pause | TrainingControl::Resume => {
                let pause = control == TrainingControl::Pause;
                engine.set_paused(pause);
                self.training.paused = pause;
            }
            TrainingControl::Stop => engine.stop_training(),
            TrainingControl::Cancel => engine.cancel_training(),
        }
    }

    /// Keeps the best items of a lookup in the persisted history (newest first, 50 at most).
    fn remember(&mut self, predictions: Vec<Prediction>) {
        let entry = HistoryEntry {
            predictions,
            unix_time: crate::fsutil::unix_now(),
        };
        self.settings.history.insert(0, entry);
        self.settings.history.truncate(50);
    }

    /// Everything that arrived from other threads since the last frame.
    fn poll(&mut self, ctx: &egui::Context) {
        while let Ok(job) = self.jobs.1.try_recv() {
            self.handle_job(ctx, job);
        }
        let events: Vec<Event> = self
            .engine
            .as_ref()
            .map(|e| e.events().try_iter().collect())
            .unwrap_or_default();
        for event in events {
            self.handle_event(event);
        }
        let pressed = self.hotkeys.pressed();
        if pressed.freeze {
            self.lookup.source.toggle_freeze();
        }
        if pressed.scan {
            self.scan();
        }
        if pressed.new_run {
            self.new_run();
        }
        if let Some(command) = self.lookup.poll_live() {
            self.apply(command);
        }
        if self.lookup.scan.overdue(Instant::now()) {
            self.lookup.scan.cancel_pending();
            self.notify_error(format!(
                "scan failed: no answer within {} s",
                scan_view::SCAN_ANSWER_WITHIN.as_secs()
            ));
        }
        if let Some(command) = self.lookup.companion_tick(Instant::now()) {
            self.apply(command);
        }
        if self.lookup.scan.companion && self.lookup.scan.watch.awaits_confirmation() {
            // A still screen sends no frames: wake for the new room's confirming scan.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    /// Files dropped onto the window open in the Lookup tab, like "Open image…".
    fn open_dropped_files(&mut self, ctx: &egui::Context) {
        for file in ctx.input(|i| i.raw.dropped_files.clone()) {
            match self.lookup.open_dropped(file.as_ref()) {
                Ok(()) => self.tab = Tab::Lookup,
                Err(e) => self.notify_error(e),
            }
        }
    }

    /// The whole window: tabs, messages, the current tab, the floating panel.
    pub fn root_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.ensure_started(&ctx);
        let now = Instant::now();
        let dt = now.duration_since(self.last_frame).as_secs_f32();
        self.last_frame = now;
        self.training.frame_drawn(dt);
        self.poll(&ctx);
        self.open_dropped_files(&ctx);

        egui::Panel::top("tabs").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Isaac Lens · 以撒识图");
                ui.separator();
                for (tab, key) in [
                    (Tab::Lookup, Text::TabLookup),
                    (Tab::Catalog, Text::TabCatalog),
                    (Tab::Training, Text::TabTraining),
                    (Tab::Run, Text::TabRun),
                    (Tab::Settings, Text::TabSettings),
                ] {
                    let label = tr(self.settings.language, key);
                    ui.selectable_value(&mut self.tab, tab, label);
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    self.status_ui(ui);
                });
            });
            self.messages_ui(ui);
        });

        let Some(catalog) = self.catalog.clone() else {
            let lang = self.settings.language;
            let asked = egui::CentralPanel::default()
                .show(ui, |ui| self.setup.ui(ui, lang))
                .inner;
            if let Some(command) = asked {
                self.apply(command);
            }
            return;
        };
        self.sync_run_outputs(&catalog);
        self.settings_view.overlay = self.stream_overlay.status();
        let mut shell = Shell::new(
            self.settings.language,
            &catalog,
            &self.paths,
            self.model.as_ref(),
            &mut self.sprites,
            &self.waker,
        );
        let view: &mut dyn TabView = match self.tab {
            Tab::Lookup => &mut self.lookup,
            Tab::Catalog => &mut self.catalog_view,
            Tab::Training => &mut self.training,
            Tab::Run => &mut self.run_view,
            Tab::Settings => &mut self.settings_view,
        };
        egui::CentralPanel::default().show(ui, |ui| view.ui(ui, &mut self.settings, &mut shell));
        if self.settings.panel_enabled {
            panel::floating_panel(&ctx, &mut self.settings, &mut self.lookup, &mut shell);
        }
        for command in shell.into_commands() {
            self.apply(command);
        }
        if self.training.running {
            // Curves move continuously; 30 frames a second keeps them smooth.
            ctx.request_repaint_after(Duration::from_millis(33));
        }
        // A live feed needs no timer: the capture thread wakes the window for each new
        // frame, and sends none while the picture stays the same.
    }

    /// The run's file and the stream overlay follow the run; their errors are shown.
    fn sync_run_outputs(&mut self, catalog: &Arc<Catalog>) {
        let mut errors = self.run_view.write_errors();
        errors.extend(self.stream_overlay.sync(
            &self.settings,
            self.run_view.run(),
            self.run_view.changes(),
            catalog,
            self.paths.runs.join(stream_overlay::TEXT_FILE),
        ));
        for e in errors {
            self.notify_error(e);
        }
    }

    /// Begins a new run (the New run button, or its hotkey while the game has focus).
    pub fn new_run(&mut self) {
        match self.run_view.new_run(&self.paths.runs) {
            Ok(()) => self.notify(self.t(Text::NewRunStarted).to_string()),
            Err(e) => self.notify_error(e),
        }
    }

    /// The stream overlay's address while it is served.
    pub fn overlay_url(&self) -> Option<String> {
        self.stream_overlay.status().and_then(Result::ok)
    }

    /// Waits (at most `limit`) until the run file holds the run; false on timeout.
    pub fn flush_run(&self, limit: Duration) -> bool {
        self.run_view.flush(limit)
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        let model = match &self.model {
            Some((dir, m)) => format!(
                "{} · {} · {}",
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                m.arch.as_str(),
                self.engine
                    .as_ref()
                    .map(|e| crate::engine::device_name(e.device()))
                    .unwrap_or_default()
            ),
            None if self.training.running => format!(
                "{} {:.0}%",
                self.t(Text::FirstTraining),
                self.training.fraction() * 100.0
            ),
            None => "no model".into(),
        };
        ui.label(egui::RichText::new(model).weak());
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui) {
        // Notes fade after a while; errors stay until dismissed.
        self.messages
            .retain(|m| m.error || m.shown_at.elapsed() < Duration::from_secs(8));
        let mut dismiss = None;
        for (i, m) in self.messages.iter().enumerate().rev().take(3) {
            ui.horizontal(|ui| {
                let colour = if m.error {
                    egui::Color32::from_rgb(230, 90, 80)
                } else {
                    egui::Color32::from_rgb(120, 200, 120)
                };
                ui.colored_label(colour, &m.text);
                if ui
                    .small_button(tr(self.settings.language, Text::Dismiss))
                    .clicked()
                {
                    dismiss = Some(i);
                }
            });
        }
        if let Some(i) = dismiss {
            self.messages.remove(i);
        }
        if self.messages.iter().any(|m| !m.error) {
            ui.ctx().request_repaint_after(Duration::from_secs(1));
        }
    }
}

impl eframe::App for LensApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.root_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

#[derive(Clone, Debug, Default, clap::Args)]
pub struct AppArgs {
    /// Checkpoint folder to use (default: the data folder's model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Start a live capture of the first monitor or window whose name contains this text.
    #[arg(long)]
    pub source: Option<String>,
    /// Open on this tab.
    #[arg(long, value_enum)]
    pub tab: Option<Tab>,
    /// Open this image in the Lookup tab.
    #[arg(long)]
    pub open: Option<PathBuf>,
    /// Start in companion mode: scan the live source whenever the room changes.
    #[arg(long)]
    pub companion: bool,
    /// Turn the stream overlay on (kept in Settings), on the port Settings give.
    #[arg(long)]
    pub overlay: bool,
}

/// Opens the main window; `catalog` overrides the data folder's.
pub fn run(catalog: Option<PathBuf>, args: AppArgs) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Isaac Lens · 以撒识图")
            .with_inner_size([1180.0, 760.0])
            .with_min_inner_size([720.0, 480.0])
            .with_drag_and_drop(true)
            .with_app_id("isaac-lens"),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let ran = window_gone::contain(|| {
        eframe::run_native(
            "isaac-lens",
            native,
            Box::new(move |cc| {
                // A corrupt or older settings file falls back to defaults.
                let mut settings: Settings = cc
                    .storage
                    .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                    .unwrap_or_default();
                let settings_notes = settings.sanitize();
                let data = settings
                    .data_folder
                    .clone()
                    .unwrap_or_else(crate::paths::data_dir);
                let mut paths = AppPaths::from_data_dir(&data);
                if let Some(c) = catalog {
                    paths.catalog = c;
                }
                if args.model.is_some() {
                    settings.active_model = args.model.clone();
                }
                let mut app = LensApp::new(settings, paths);
                // Shown, not logged as well: each error is handled once.
                for note in settings_notes {
                    app.notify_error(note);
                }
                Ok(Box::new(app.with_startup(&args)))
            }),
        )
    });
    match ran {
        Some(result) => result.map_err(|e| anyhow::anyhow!("cannot open the window: {e}")),
        None => {
            eprintln!("the window was closed by another program; Isaac Lens has stopped");
            Ok(())
        }
    }
}

/// The image on the system clipboard (read on a helper thread: the clipboard may wait on
/// another program).
fn clipboard_image() -> Result<image::RgbaImage, String> {
    let img = arboard::Clipboard::new()
        .and_then(|mut c| c.get_image())
        .map_err(|e| format!("no image on the clipboard ({e})"))?;
    let (w, h) = (img.width as u32, img.height as u32);
    image::RgbaImage::from_raw(w, h, img.bytes.into_owned())
        .ok_or_else(|| "the clipboard image has an unexpected size".to_string())
}
