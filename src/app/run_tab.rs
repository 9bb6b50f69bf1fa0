//! The Run tab: the run companion mode keeps (items taken with their descriptions, the
//! active item, items seen and left, transformation progress), corrected by hand; past runs
//! from the data folder, exported as JSON or CSV.

use std::path::{Path, PathBuf};

use egui::RichText;

use super::catalog_tab::description_ui;
use super::command::{Shell, TabView};
use super::i18n::{Language, Text, price_label};
use super::scan_view::ScanState;
use super::sprites::sprite_ui;
use crate::capture::Signature;
use crate::catalog::{Catalog, ItemKey};
use crate::run_log::{Correction, Fate, Run, Summary};

/// Run files are `run_<seconds since 1970>.json` in the runs folder.
const RUN_PREFIX: &str = "run_";

#[derive(Default)]
pub struct RunView {
    /// The run being kept, and its file.
    run: Run,
    file: Option<PathBuf>,
    /// What was last written, so that an unchanged run is not written again.
    saved: Vec<u8>,
    /// Writes the run file off the UI thread.
    writer: crate::fsutil::FileWriter,
    /// Counts the changes to the run (what the overlay follows).
    changes: u64,
    /// Scans fed to the run (its frame numbers).
    scans: u64,
    /// Catalog search for an item to add.
    search: String,
    /// A past run shown instead of the current one, read only.
    viewing: Option<(PathBuf, Run)>,
    /// Past runs' files, newest first; read when the list is opened.
    past: Option<Vec<PathBuf>>,
}

impl RunView {
    /// The newest run in `dir` (what a crash or a closed window left), else a new run.
    pub fn open(dir: &Path) -> (Self, Option<String>) {
        let mut view = Self::default();
        let newest = run_files(dir).into_iter().next();
        let mut error = None;
        match newest.as_deref().map(Run::load) {
            Some(Ok(run)) => {
                view.run = run;
                view.file = newest;
            }
            Some(Err(e)) => error = Some(e.to_string()),
            None => {}
        }
        if view.file.is_none() {
            view.start(dir);
        }
        (view, error)
    }

    /// Begins a new run in `dir`; the one before stays in its file.
    fn start(&mut self, dir: &Path) {
        // The run before is on disk first, so that its name counts as taken below.
        self.writer.flush(std::time::Duration::from_secs(5));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // A second run in the same second gets the next free name.
        let started = (now..)
            .find(|s| !dir.join(format!("{RUN_PREFIX}{s}.json")).exists())
            .unwrap_or(now);
        self.run = Run::new(started);
        self.file = Some(dir.join(format!("{RUN_PREFIX}{started}.json")));
        self.saved.clear();
        self.scans = 0;
        self.past = None;
    }

    /// Ends the run being kept (it stays in its file) and begins a new one in `dir`.
    pub fn new_run(&mut self, dir: &Path) -> Result<(), String> {
        self.viewing = None;
        self.start(dir);
        self.save()
    }

    /// Companion mode's scan of the live feed was answered: the room list feeds the run.
    pub fn scanned(&mut self, scan: &ScanState) -> Result<(), String> {
        // The watch keeps the scanned frame's signature (made on the capture thread); a scan
        // it did not ask for (companion mode just ticked) has its frame's made here.
        let signature = match (scan.watch.scanned_signature(), &scan.scanned) {
            (Some(signature), _) => signature.clone(),
            (None, Some(frame)) => Signature::of(frame),
            (None, None) => return Ok(()),
        };
        let listed: Vec<_> = scan.room.listed().cloned().collect();
        self.run
            .room_scanned(self.scans, scan.watch.new_room, &signature, &listed);
        self.scans += 1;
        self.save()
    }

    /// The recogniser's best guesses for the HUD's active slot, read with the last scan.
    pub fn active_predicted(&mut self, best: &[crate::engine::Prediction]) {
        self.run.active_predicted(self.scans, best);
        if let Err(e) = self.save() {
            tracing::warn!("the run could not be saved: {e}");
        }
    }

    /// Has the run written when it changed, on the writer's thread (atomically: a crash
    /// keeps the previous file, so at most the last room is lost).
    fn save(&mut self) -> Result<(), String> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let bytes = self.run.to_json().map_err(|e| e.to_string())?;
        if bytes == self.saved {
            return Ok(());
        }
        self.writer.write(file.clone(), bytes.clone());
        self.saved = bytes;
        self.changes += 1;
        Ok(())
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    /// Grows by one each time the run changes.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Run files that could not be written since the last call.
    pub fn write_errors(&self) -> Vec<String> {
        self.writer.errors()
    }

    /// Waits (at most `limit`) until the run file holds the run; false on timeout.
    pub fn flush(&self, limit: std::time::Duration) -> bool {
        self.writer.flush(limit)
    }
}

/// Run files in `dir`, newest first.
fn run_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let started = name
                .strip_prefix(RUN_PREFIX)?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            Some((started, e.path()))
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.into_iter().map(|(_, p)| p).collect()
}

/// An item's name in the player's language first.
fn names(catalog: &Catalog, key: ItemKey, lang: Language) -> String {
    match catalog.get(key) {
        Some(item) => match lang {
            Language::English => format!("{} · {}", item.name_en, item.name_zh),
            Language::Chinese => format!("{} · {}", item.name_zh, item.name_en),
        },
        None => key.to_string(),
    }
}

/// The date of a run started at `seconds` since 1970, as the run files name it (UTC).
fn date_of(seconds: u64) -> String {
    let days = seconds / 86_400;
    let (h, m) = ((seconds % 86_400) / 3600, (seconds % 3600) / 60);
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year}-{month:02}-{d:02} {h:02}:{m:02} UTC")
}

impl TabView for RunView {
    fn ui(&mut self, ui: &mut egui::Ui, _settings: &mut super::Settings, shell: &mut Shell) {
        let runs_dir = shell.paths.runs.clone();
        let mut corrections = Vec::new();
        ui.horizontal(|ui| {
            if let Some((path, _)) = &self.viewing {
                ui.heading(format!(
                    "{} {}",
                    shell.t(Text::PastRun),
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ));
                if ui.button(shell.t(Text::BackToRun)).clicked() {
                    self.viewing = None;
                }
            } else {
                ui.heading(format!(
                    "{} · {}",
                    shell.t(Text::ThisRun),
                    date_of(self.run.started)
                ));
                if ui.button(shell.t(Text::NewRun)).clicked()
                    && let Err(e) = self.new_run(&runs_dir)
                {
                    shell.error(e);
                }
            }
            for (label, csv) in [(Text::ExportJson, false), (Text::ExportCsv, true)] {
                if ui.button(shell.t(label)).clicked() {
                    let run = self.viewing.as_ref().map_or(&self.run, |(_, r)| r);
                    match export(run, shell.catalog, &runs_dir, csv) {
                        Ok(path) => shell.ask(super::command::Command::Notify(format!(
                            "{} {}",
                            shell.t(Text::Exported),
                            path.display()
                        ))),
                        Err(e) => shell.error(e),
                    }
                }
            }
        });
        ui.separator();
        let editable = self.viewing.is_none();
        let run = self.viewing.as_ref().map_or(&self.run, |(_, r)| r);
        let opened = egui::ScrollArea::vertical()
            .show(ui, |ui| {
                run_ui(ui, run, shell, editable, &mut corrections);
                if editable {
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        ui.label(shell.t(Text::AddTaken));
                        ui.text_edit_singleline(&mut self.search);
                    });
                    if !self.search.trim().is_empty() {
                        for item in shell.catalog.search(&self.search).into_iter().take(6) {
                            let key = item.key();
                            ui.horizontal(|ui| {
                                let texture = shell.sprite(ui.ctx(), key);
                                sprite_ui(ui, texture.as_ref(), 24.0);
                                ui.label(names(shell.catalog, key, shell.lang));
                                if ui.small_button(shell.t(Text::Add)).clicked() {
                                    corrections.push(Correction::AddTaken(key));
                                }
                            });
                        }
                    }
                }
                ui.add_space(8.0);
                let header = egui::CollapsingHeader::new(shell.t(Text::PastRuns)).show(ui, |ui| {
                    let past = self.past.get_or_insert_with(|| run_files(&runs_dir));
                    let mut open = None;
                    for path in past.iter() {
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_default();
                        ui.horizontal(|ui| {
                            ui.label(&name);
                            if ui.small_button(shell.t(Text::Open)).clicked() {
                                open = Some(path.clone());
                            }
                        });
                    }
                    open
                });
                // Read again when opened, so a run just ended is listed.
                if header.header_response.clicked() {
                    self.past = None;
                }
                header.body_returned.flatten()
            })
            .inner;
        if let Some(path) = opened {
            if Some(&path) == self.file.as_ref() {
                self.viewing = None;
            } else {
                match Run::load(&path) {
                    Ok(run) => self.viewing = Some((path, run)),
                    Err(e) => shell.error(e.to_string()),
                }
            }
        }
        if !corrections.is_empty() {
            for c in corrections {
                self.run.correct(c);
            }
            if let Err(e) = self.save() {
                shell.error(e);
            }
        }
    }
}

/// The run's lists; corrections asked for go to `corrections`.
fn run_ui(
    ui: &mut egui::Ui,
    run: &Run,
    shell: &mut Shell,
    editable: bool,
    corrections: &mut Vec<Correction>,
) {
    let catalog = shell.catalog;
    ui.label(RichText::new(shell.t(Text::ActiveItem)).strong());
    match run.active {
        Some(key) => {
            ui.horizontal(|ui| {
                let texture = shell.sprite(ui.ctx(), key);
                sprite_ui(ui, texture.as_ref(), 32.0);
                ui.label(names(catalog, key, shell.lang));
            });
        }
        None => {
            ui.label(RichText::new(shell.t(Text::NoneSeen)).weak());
        }
    }
    let transformations = run.transformations(catalog);
    if !transformations.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new(shell.t(Text::TransformationProgress)).strong());
        ui.horizontal_wrapped(|ui| {
            for (t, count) in transformations {
                let name = match shell.lang {
                    Language::Chinese if !t.name_zh.is_empty() => &t.name_zh,
                    _ => &t.name_en,
                };
                let text = format!("{name} {count}/{}", t.needed);
                if count >= t.needed {
                    ui.label(RichText::new(text).strong().color(egui::Color32::GOLD));
                } else {
                    ui.label(text);
                }
            }
        });
    }
    ui.add_space(6.0);
    let taken = run.taken();
    ui.label(RichText::new(format!("{} ({})", shell.t(Text::Taken), taken.len())).strong());
    for (i, entry) in taken.iter().enumerate() {
        ui.horizontal(|ui| {
            let texture = shell.sprite(ui.ctx(), entry.key);
            sprite_ui(ui, texture.as_ref(), 40.0);
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(names(catalog, entry.key, shell.lang)).strong());
                    if let Some(price) = entry.price {
                        let paid =
                            format!("{} {}", shell.t(Text::Paid), price_label(shell.lang, price));
                        ui.label(RichText::new(paid).color(egui::Color32::GOLD));
                    }
                    if editable && ui.small_button(shell.t(Text::Remove)).clicked() {
                        corrections.push(Correction::RemoveTaken(i));
                    }
                });
                if let Some(item) = catalog.get(entry.key) {
                    description_ui(ui, item, shell.lang, false);
                }
            });
        });
    }
    ui.add_space(6.0);
    let seen = run.seen();
    ui.label(RichText::new(format!("{} ({})", shell.t(Text::SeenLeft), seen.len())).strong());
    for (i, (entry, fate)) in seen.iter().enumerate() {
        ui.horizontal(|ui| {
            let texture = shell.sprite(ui.ctx(), entry.key);
            sprite_ui(ui, texture.as_ref(), 28.0);
            ui.label(names(catalog, entry.key, shell.lang));
            if let Some(price) = entry.price {
                ui.label(RichText::new(price_label(shell.lang, price)).color(egui::Color32::GOLD));
            }
            if *fate == Fate::Rerolled {
                ui.label(RichText::new(shell.t(Text::Rerolled)).weak());
            }
            if editable {
                if ui.small_button(shell.t(Text::TookThis)).clicked() {
                    corrections.push(Correction::TookSeen(i));
                }
                if ui.small_button(shell.t(Text::Remove)).clicked() {
                    corrections.push(Correction::RemoveSeen(i));
                }
            }
        });
    }
    ui.add_space(6.0);
    rooms_ui(ui, run, shell);
}

/// The rooms where items stood, in the order first seen: when, and each item with its price
/// and what became of it.
fn rooms_ui(ui: &mut egui::Ui, run: &Run, shell: &mut Shell) {
    let rooms: Vec<&crate::run_log::Room> = run.rooms_with_items().collect();
    let title = format!("{} ({})", shell.t(Text::RoomsWithItems), rooms.len());
    egui::CollapsingHeader::new(title)
        .id_salt("rooms")
        .show(ui, |ui| {
            for (n, room) in rooms.iter().enumerate() {
                let when = match room.seen_at {
                    0 => String::new(),
                    at => format!(" · {}", date_of(at)),
                };
                ui.label(RichText::new(format!("{}{when}", n + 1)).weak());
                ui.horizontal_wrapped(|ui| {
                    for item in room.items.iter().filter(|i| i.fate != Fate::Removed) {
                        let texture = shell.sprite(ui.ctx(), item.key);
                        sprite_ui(ui, texture.as_ref(), 24.0);
                        let mut text = names(shell.catalog, item.key, shell.lang);
                        if let Some(price) = item.find.price {
                            text.push_str(&format!(" · {}", price_label(shell.lang, price)));
                        }
                        let fate = match item.fate {
                            Fate::Taken => Text::WasTaken,
                            Fate::Rerolled => Text::Rerolled,
                            _ => Text::WasLeft,
                        };
                        ui.label(text);
                        ui.label(RichText::new(shell.t(fate)).weak());
                        ui.add_space(8.0);
                    }
                });
            }
        });
}

/// Writes `run` as JSON (what `isaac-lens track --json` prints) or CSV into `dir/exports`;
/// returns the file written.
fn export(run: &Run, catalog: &Catalog, dir: &Path, csv: bool) -> Result<PathBuf, String> {
    let summary = Summary {
        runs: vec![run.summary(catalog)],
    };
    let (bytes, ext) = if csv {
        (summary.runs[0].csv().into_bytes(), "csv")
    } else {
        (
            serde_json::to_vec_pretty(&summary).map_err(|e| e.to_string())?,
            "json",
        )
    };
    let path = dir
        .join("exports")
        .join(format!("{RUN_PREFIX}{}.{ext}", run.started));
    crate::fsutil::write_atomic(&path, &bytes)
        .map_err(|e| format!("{}: {e}", crate::quote::path(&path)))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_dates_read_as_calendar_dates() {
        assert_eq!(date_of(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_of(1_796_256_000), "2026-12-03 00:00 UTC");
        assert_eq!(date_of(951_782_400 + 3600 + 120), "2000-02-29 01:02 UTC");
    }

    #[test]
    fn the_newest_run_file_is_reopened_and_others_are_passed_over() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        Run::new(100).save(&dir.join("run_100.json")).unwrap();
        Run::new(200).save(&dir.join("run_200.json")).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        std::fs::write(dir.join("run_x.json"), "{}").unwrap();
        assert_eq!(
            run_files(dir),
            vec![dir.join("run_200.json"), dir.join("run_100.json")]
        );
        let (view, error) = RunView::open(dir);
        assert!(error.is_none());
        assert_eq!(view.run.started, 200);
        // An empty folder starts a new run.
        let empty = tempfile::tempdir().unwrap();
        let (view, _) = RunView::open(empty.path());
        assert!(view.run.started > 1_700_000_000);
    }
}
