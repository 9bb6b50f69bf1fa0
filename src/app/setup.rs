//! The screen shown without a catalog: where to import one from.

use std::path::{Path, PathBuf};

use super::command::Command;
use super::i18n::{Language, Text, tr};
use crate::catalog::import::ImportSources;

/// The import sources' folders as typed or picked, and whether an import runs.
pub struct SetupView {
    pub importing: bool,
    /// Huiji, EID, game resources, older art, game files (transformations), real art
    /// (the price font and the altars).
    pub fields: [String; 6],
}

impl SetupView {
    /// The fields filled in from `shared` (the item data beside the program), when found.
    pub fn new(shared: Option<&Path>) -> Self {
        let mut fields: [String; 6] = Default::default();
        if let Some(shared) = shared {
            fields[0] = shared.join("huiji").display().to_string();
            fields[1] = shared.join("eid").display().to_string();
            if let Some(art) = Some(shared.join("art-versions")).filter(|d| d.is_dir()) {
                fields[3] = art.display().to_string();
            }
            if let Some(files) = Some(shared.join("game-files")).filter(|d| d.is_dir()) {
                fields[4] = files.display().to_string();
            }
            if let Some(art) = Some(shared.join("entities")).filter(|d| d.is_dir()) {
                fields[5] = art.display().to_string();
            }
        }
        Self {
            importing: false,
            fields,
        }
    }

    /// The form, or the spinner while importing; what the player asked for.
    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Language) -> Option<Command> {
        if self.importing {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, Text::Importing));
            });
            return None;
        }
        ui.label(tr(lang, Text::NoCatalog));
        let mut asked = None;
        egui::Grid::new("import").num_columns(3).show(ui, |ui| {
            for (i, label) in [
                "Huiji wiki scrape (--huiji)",
                "EID tables (--eid)",
                "Game resources/ (--game)",
                "Older art, optional (--art)",
                "Game files with transformations, optional (--game-files)",
                "Real game art: the price font and the altars, optional (--entities)",
            ]
            .iter()
            .enumerate()
            {
                ui.label(*label);
                ui.add(egui::TextEdit::singleline(&mut self.fields[i]).desired_width(380.0));
                if ui.button("…").clicked() {
                    asked = Some(Command::PickFolder(i));
                }
                ui.end_row();
            }
        });
        if ui.button(tr(lang, Text::Import)).clicked() {
            let field = |s: &String| (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()));
            asked = Some(Command::Import(ImportSources {
                huiji: field(&self.fields[0]),
                eid: field(&self.fields[1]),
                game: field(&self.fields[2]),
                art: field(&self.fields[3]),
                game_files: field(&self.fields[4]),
                entities: field(&self.fields[5]),
            }));
        }
        asked
    }
}
