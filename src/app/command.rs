//! How a view talks to the rest of the app: it reads what it needs through a [`Shell`] and
//! leaves [`Command`]s there, which [`super::LensApp::apply`] carries out in one place once
//! the frame is drawn. A view changes its own state and nothing else.

use std::path::PathBuf;
use std::sync::Arc;

use image::DynamicImage;

use super::Waker;
use super::i18n::{Language, Text, tr};
use super::sprites::SpriteCache;
use crate::catalog::import::ImportSources;
use crate::catalog::{Catalog, ItemKey};
use crate::engine::{Manifest, Recipe};

/// What a view asks for that reaches beyond its own state: files, the engine, other
/// threads, messages.
pub enum Command {
    /// Save `crop` as a capture of `key` in the player's corrections.
    SaveCorrection {
        key: ItemKey,
        crop: Arc<DynamicImage>,
    },
    /// Show find `i` of the last scan in the results.
    SelectFind(usize),
    /// Recognise a box the player drew.
    Recognise(Arc<DynamicImage>),
    /// Look for every item in the Lookup tab's frame.
    Scan,
    /// List the monitors and windows that can be captured.
    ListSources,
    /// Capture this monitor or window live in the Lookup tab.
    StartLive(crate::capture::SourceInfo),
    /// Remember where the game's picture is in the live source `source`, and scan again.
    MarkGamePicture {
        source: String,
        picture: crate::engine::scan::GamePicture,
    },
    /// Forget the game's picture of live source `source`.
    ForgetGamePicture(String),
    /// Show the image on the clipboard in the Lookup tab.
    Paste,
    /// Read the Training tab's files again: the checkpoints in the models folder and how
    /// many corrected captures there are.
    ReadTrainingFiles,
    /// Ask for an image file with the system's dialog.
    PickImage,
    /// Ask for the folder of import source `i` with the system's dialog.
    PickFolder(usize),
    /// Import a catalog from these sources.
    Import(ImportSources),
    /// Train a new model into `out`.
    StartTraining { recipe: Box<Recipe>, out: PathBuf },
    /// Pause, resume, stop or cancel the running training job.
    Training(TrainingControl),
    /// Render a few synthetic samples of the current recipe to show.
    PreviewSamples,
    /// Load this checkpoint and make it the active model.
    UseModel(PathBuf),
    /// Register the global hotkeys again (after the player edited them).
    RegisterHotkeys,
    /// A note for the player.
    Notify(String),
    /// An error for the player; it stays until dismissed.
    Error(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainingControl {
    Pause,
    Resume,
    /// Finish now and save what was learnt.
    Stop,
    /// Finish now and save nothing.
    Cancel,
}

/// What every tab is: state of its own, drawn with the persisted settings it shows and the
/// shell; anything beyond that it asks for with a command.
pub trait TabView {
    fn ui(&mut self, ui: &mut egui::Ui, settings: &mut super::Settings, shell: &mut Shell);
}

/// What a view may read of the app while it draws, the sprite cache it draws from, and the
/// commands it leaves.
pub struct Shell<'a> {
    pub lang: Language,
    pub catalog: &'a Catalog,
    /// Where the app's data lives.
    pub paths: &'a super::AppPaths,
    /// The loaded checkpoint's folder and manifest.
    pub model: Option<&'a (PathBuf, Manifest)>,
    pub sprites: &'a mut SpriteCache,
    /// Repaints the window from another thread.
    pub waker: &'a Waker,
    commands: Vec<Command>,
}

impl<'a> Shell<'a> {
    pub fn new(
        lang: Language,
        catalog: &'a Catalog,
        paths: &'a super::AppPaths,
        model: Option<&'a (PathBuf, Manifest)>,
        sprites: &'a mut SpriteCache,
        waker: &'a Waker,
    ) -> Self {
        Self {
            lang,
            catalog,
            paths,
            model,
            sprites,
            waker,
            commands: Vec::new(),
        }
    }

    /// The interface text for `key` in the player's language.
    pub fn t(&self, key: Text) -> &'static str {
        tr(self.lang, key)
    }

    pub fn ask(&mut self, command: Command) {
        self.commands.push(command);
    }

    pub fn error(&mut self, text: String) {
        self.ask(Command::Error(text));
    }

    /// The sprite of `key` as a texture, when it can be read.
    pub fn sprite(&mut self, ctx: &egui::Context, key: ItemKey) -> Option<egui::TextureHandle> {
        self.sprites.get(ctx, self.catalog, key)
    }

    /// The commands left, in the order they were asked for.
    pub fn into_commands(self) -> Vec<Command> {
        self.commands
    }
}
