//! The Lookup tab: pick a source, freeze a frame, drag a box, see the top 10; scan a frame
//! for every item. It lays out its parts: the live source, the canvas, the results and the
//! scan.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use egui::{Pos2, Rect, Vec2};
use image::{DynamicImage, RgbaImage};

use super::canvas::FrameCanvas;
use super::command::{Command, Shell};
use super::i18n::Text;
use super::live_source::LiveSource;
use super::results::Results;
use super::scan_view::ScanState;
use super::{Settings, panel};
use crate::capture;
use crate::engine::scan::GamePicture;
use crate::engine::{Prediction, RequestId};

#[derive(Default)]
pub struct LookupState {
    pub source: LiveSource,
    pub canvas: FrameCanvas,
    pub results: Results,
    pub scan: ScanState,
    /// The next box the player drags marks the game's picture in this source.
    pub marking_picture: bool,
}

impl LookupState {
    /// Drops the lookup and scan waiting for an answer (the engine cannot give one).
    pub fn cancel_pending(&mut self) {
        self.results.cancel_pending();
        self.scan.cancel_pending();
    }

    pub fn is_pending(&self) -> bool {
        self.results.is_pending()
    }

    /// Shows a new picture (a file, a paste, a drop) instead of the live feed.
    pub fn show_picture(&mut self, frame: RgbaImage, label: String) {
        self.source.stop();
        self.scan.clear();
        self.canvas.set_frame(frame, label);
    }

    /// Opens an image file as the picture to box items on.
    pub fn open_path(&mut self, path: &Path) -> Result<(), String> {
        let img = crate::imageio::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.show_picture(img.to_rgba8(), path.display().to_string());
        Ok(())
    }

    /// Opens a file dropped onto the window (a path, or its bytes where the system gives
    /// no path).
    pub fn open_dropped(&mut self, file: &dyn egui::DroppedFile) -> Result<(), String> {
        let path = file.path();
        if !path.as_os_str().is_empty() {
            return self.open_path(path);
        }
        let img = file
            .bytes()
            .and_then(|b| crate::imageio::decode(&b).map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.show_picture(img.to_rgba8(), path.display().to_string());
        Ok(())
    }

    /// Captures `source` live at `fps` frames a second; `waker` repaints for each frame.
    pub fn start_live(&mut self, source: capture::SourceInfo, fps: f32, waker: super::Waker) {
        self.source.start(&source, fps, waker);
        self.canvas.label = source.label;
    }

    /// Takes the newest live frame, unless frozen. Asks for a scan when companion mode sees a
    /// new room, and says when the capture stopped.
    pub fn poll_live(&mut self) -> Option<Command> {
        match self.source.latest()? {
            Ok(frame) => {
                let label = self.canvas.label.clone();
                let scan = &mut self.scan;
                let due = if !scan.companion {
                    false
                } else if scan.is_pending() {
                    scan.watch
                        .hold(frame.signature, frame.repeat, Instant::now());
                    false
                } else {
                    let spot_changed = scan.listed_spot_changed(&frame.image);
                    scan.watch
                        .observe(frame.signature, frame.repeat, spot_changed, Instant::now())
                };
                // A live feed keeps the view and the box while it updates.
                self.canvas.replace_frame(frame.image, label);
                due.then_some(Command::Scan)
            }
            Err(e) => {
                self.source.stop();
                Some(Command::Error(format!("capture stopped: {e}")))
            }
        }
    }

    /// Companion mode between frames: the frame that waits (it came during a scan, too soon
    /// after one, or before the picture settled; a still screen sends no more), or a new
    /// room's confirming scan once it is due.
    pub fn companion_tick(&mut self, now: Instant) -> Option<Command> {
        let scan = &mut self.scan;
        if !scan.companion || !self.source.is_live() || scan.is_pending() {
            return None;
        }
        let waited_for = scan.watch.is_waiting() && {
            let spot_changed = self
                .canvas
                .frame
                .as_ref()
                .is_some_and(|frame| scan.listed_spot_changed(frame));
            scan.watch.look_again(spot_changed, now)
        };
        let due = waited_for || scan.watch.confirm_due(now);
        due.then_some(Command::Scan)
    }

    /// Where the game's picture is in the live source shown, when the player marked it.
    pub fn game_picture(&self, settings: &Settings) -> Option<GamePicture> {
        if !self.source.is_running() {
            return None;
        }
        settings.game_pictures.get(&self.canvas.label).copied()
    }

    /// The frame a scan should look at now: none while one is under way.
    pub fn frame_to_scan(&self) -> Option<Arc<RgbaImage>> {
        self.canvas
            .frame
            .clone()
            .filter(|_| !self.scan.is_pending())
    }

    /// The lookup of `crop` is waiting for the answer to request `id`.
    pub fn waiting_for(&mut self, id: RequestId, crop: Arc<DynamicImage>) {
        self.results.waiting_for(id, crop);
    }

    /// Request `id` failed: the lookup stops waiting for it.
    pub fn forget(&mut self, id: RequestId) {
        self.results.forget(id);
    }

    /// A prediction arrived: shown when it answers the newest request (then true).
    pub fn answered(&mut self, id: RequestId, predictions: Vec<Prediction>) -> bool {
        self.results.answered(id, predictions)
    }

    /// Shows find `i` of the last scan in the results, as a drawn box would be; its
    /// predictions, when there is such a find.
    pub fn select_find(&mut self, i: usize) -> Option<&[Prediction]> {
        let crop = self.scan.crop(i)?;
        let predictions = self.scan.finds.get(i)?.predictions.clone();
        self.scan.selected = Some(i);
        self.results.present(Arc::new(crop), predictions);
        self.results
            .result
            .as_ref()
            .map(|r| r.predictions.as_slice())
    }
}

impl super::command::TabView for LookupState {
    fn ui(&mut self, ui: &mut egui::Ui, settings: &mut Settings, shell: &mut Shell) {
        self.source_bar_ui(ui, settings, shell);
        ui.separator();
        egui::Panel::right("lookup-results")
            .resizable(true)
            .default_size(340.0)
            .min_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(i) = panel::room_ui(self, ui, shell, None) {
                        shell.ask(Command::SelectFind(i));
                    }
                    if self.scan.scanned.is_some() {
                        ui.separator();
                    }
                    panel::results_ui(self, ui, shell, false, false);
                    self.results.recent_ui(ui, shell);
                });
            });
        egui::CentralPanel::default().show(ui, |ui| self.frame_ui(ui, settings, shell));
    }
}

impl LookupState {
    fn source_bar_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        ui.horizontal_wrapped(|ui| {
            let mut chosen = None;
            egui::ComboBox::new("source", shell.t(Text::Source))
                .selected_text(self.source.label())
                .width(300.0)
                .show_ui(ui, |ui| {
                    for s in &self.source.sources {
                        let selected = self.source.selected.as_ref() == Some(&s.id);
                        if ui.selectable_label(selected, &s.label).clicked() {
                            chosen = Some(s.clone());
                        }
                    }
                });
            if let Some(source) = chosen {
                shell.ask(Command::StartLive(source));
            }
            if ui.button(shell.t(Text::Refresh)).clicked() {
                shell.ask(Command::ListSources);
            }
            ui.separator();
            if ui.button(shell.t(Text::OpenImage)).clicked() {
                shell.ask(Command::PickImage);
            }
            let paste_keys =
                ui.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Paste(_))));
            if ui.button(shell.t(Text::Paste)).clicked()
                || (paste_keys && self.canvas.frame.is_none())
            {
                shell.ask(Command::Paste);
            }
            self.scan_bar_ui(ui, settings, shell);
            if self.source.is_running() {
                ui.separator();
                self.freeze_ui(ui, settings, shell);
                self.game_picture_ui(ui, settings, shell);
            }
        });
    }

    /// Mark (or forget) where the game's picture is in this source.
    fn game_picture_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        if self.game_picture(settings).is_some() {
            if ui
                .button(shell.t(Text::ClearGamePicture))
                .on_hover_text(shell.t(Text::GamePictureMarked))
                .clicked()
            {
                shell.ask(Command::ForgetGamePicture(self.canvas.label.clone()));
            }
        } else {
            ui.toggle_value(&mut self.marking_picture, shell.t(Text::MarkGamePicture))
                .on_hover_text(shell.t(Text::MarkGamePictureHint));
        }
        if self.marking_picture && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.marking_picture = false;
        }
    }

    /// Freeze or unfreeze the live feed (a button, F8, the global hotkey), and the live mark.
    fn freeze_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &Shell) {
        let key = if self.source.frozen {
            Text::Unfreeze
        } else {
            Text::Freeze
        };
        let f8 = ui.input(|i| i.key_pressed(egui::Key::F8));
        let label = format!("{} (F8 · {})", shell.t(key), settings.hotkey);
        if ui.button(label).clicked() || f8 {
            self.source.toggle_freeze();
        }
        if self.source.is_waiting() {
            ui.label(
                egui::RichText::new(shell.t(Text::WaitingForSource))
                    .color(egui::Color32::from_rgb(240, 170, 60)),
            );
        } else if self.source.is_live() {
            ui.label(
                egui::RichText::new(format!("● {}", shell.t(Text::Live)))
                    .color(egui::Color32::from_rgb(230, 80, 80)),
            );
        }
    }

    /// The Scan button (and its key), companion mode with a live source, and what the last
    /// scan found.
    fn scan_bar_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        ui.separator();
        let key = egui::Key::from_name(settings.scan_hotkey.trim());
        let key_pressed = key.is_some_and(|k| ui.input(|i| i.key_pressed(k)));
        let has_frame = self.canvas.frame.is_some();
        let button = ui.add_enabled(
            has_frame,
            egui::Button::new(format!(
                "{} ({})",
                shell.t(Text::Scan),
                settings.scan_hotkey
            )),
        );
        if button.clicked() || (key_pressed && has_frame) {
            shell.ask(Command::Scan);
        }
        if self.source.is_running() {
            let before = self.scan.companion;
            ui.checkbox(&mut self.scan.companion, shell.t(Text::Companion))
                .on_hover_text(shell.t(Text::CompanionHint));
            if self.scan.companion && !before {
                // A still picture sends no new frames: scan the one on screen now, as a
                // new room.
                self.scan.watch.reset();
                self.scan.watch.count_scan(Instant::now(), true);
                shell.ask(Command::Scan);
            }
        }
        let scan = &self.scan;
        if scan.is_pending() {
            ui.spinner();
        } else if scan.scanned.is_some() {
            let text = match scan.finds.len() {
                0 => shell.t(Text::NoItemsFound).to_string(),
                n => format!("{n} {}", shell.t(Text::ItemsFound)),
            };
            let ms = scan
                .last_ms
                .map(|ms| format!(" · {ms:.0} ms"))
                .unwrap_or_default();
            ui.label(egui::RichText::new(format!("{text}{ms}")).weak());
        }
    }

    /// The canvas, the answer to a finished box, and the last scan's finds over the frame.
    fn frame_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        let hint = shell.t(Text::DropHint);
        let box_hint = if self.marking_picture {
            Text::MarkGamePictureBox
        } else {
            Text::BoxHint
        };
        let Some(out) = self.canvas.ui(ui, hint, shell.t(box_hint)) else {
            return;
        };
        if let (Some(picture), Some(frame)) = (self.game_picture(settings), &self.canvas.frame)
            && let Some(part) = picture.pixels(frame.dimensions())
        {
            let rect = Rect::from_min_size(
                Pos2::new(part.x as f32, part.y as f32),
                Vec2::new(part.w as f32, part.h as f32),
            );
            let stroke = egui::Stroke::new(1.5, egui::Color32::from_rgb(90, 170, 255));
            out.painter.rect_stroke(
                out.view.screen_rect(rect),
                0.0,
                stroke,
                egui::StrokeKind::Outside,
            );
        }
        if out.box_finished && self.marking_picture {
            self.marking_picture = false;
            let marked = match (self.canvas.selection.take(), &self.canvas.frame) {
                (Some(sel), Some(frame)) => GamePicture::from_pixels(
                    [sel.min.x, sel.min.y, sel.width(), sel.height()],
                    frame.dimensions(),
                ),
                _ => None,
            };
            match marked {
                Some(picture) => shell.ask(Command::MarkGamePicture {
                    source: self.canvas.label.clone(),
                    picture,
                }),
                None => shell.ask(Command::Notify(shell.t(Text::BoxTooSmall).into())),
            }
        } else if out.box_finished {
            match self.canvas.selection_crop() {
                Some(crop) => shell.ask(Command::Recognise(crop)),
                None => shell.ask(Command::Notify(shell.t(Text::BoxTooSmall).into())),
            }
        }
        // The finds of the last scan, when they belong to this picture (a live feed keeps
        // showing them until the next scan).
        let same_picture = match (&self.scan.scanned, &self.canvas.frame) {
            (Some(scanned), Some(frame)) => Arc::ptr_eq(scanned, frame) || self.source.is_running(),
            _ => false,
        };
        if !same_picture {
            return;
        }
        let boxes: Vec<Rect> = self
            .scan
            .finds
            .iter()
            .map(|f| {
                let b = f.bbox;
                let min = Pos2::new(b.x as f32, b.y as f32);
                out.view
                    .screen_rect(Rect::from_min_size(min, Vec2::new(b.w as f32, b.h as f32)))
            })
            .collect();
        self.scan.overlay_ui(ui, &out.painter, &boxes, shell);
        if out.response.clicked()
            && let Some(p) = out.response.interact_pointer_pos()
            && let Some(i) = boxes.iter().position(|b| b.contains(p))
        {
            shell.ask(Command::SelectFind(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ItemKey, ItemKind};
    use crate::engine::scan::Find;

    fn predictions(id: u32) -> Vec<Prediction> {
        vec![Prediction {
            key: ItemKey::new(ItemKind::Collectible, id),
            score: 0.9,
        }]
    }

    fn crop() -> Arc<DynamicImage> {
        Arc::new(DynamicImage::new_rgba8(8, 8))
    }

    #[test]
    fn only_the_newest_request_is_shown_and_the_one_before_goes_to_recent() {
        let mut lookup = LookupState::default();
        lookup.waiting_for(RequestId(7), crop());
        assert!(
            !lookup.answered(RequestId(6), predictions(1)),
            "a stale answer was shown"
        );
        assert!(lookup.is_pending());
        assert!(lookup.answered(RequestId(7), predictions(2)));
        assert!(!lookup.is_pending());
        lookup.waiting_for(RequestId(9), crop());
        lookup.forget(RequestId(1));
        assert!(
            lookup.is_pending(),
            "another request's failure ended the wait"
        );
        lookup.forget(RequestId(9));
        assert!(!lookup.is_pending());
        lookup.waiting_for(RequestId(8), crop());
        assert!(lookup.answered(RequestId(8), predictions(3)));
        let shown = lookup.results.result.as_ref().unwrap();
        assert_eq!(shown.predictions[0].key.id, 3);
        assert_eq!(lookup.results.recent.len(), 1);
        assert_eq!(lookup.results.recent[0].predictions[0].key.id, 2);
    }

    #[test]
    fn a_find_is_shown_with_its_own_crop_and_a_missing_one_changes_nothing() {
        let mut lookup = LookupState::default();
        let frame = Arc::new(RgbaImage::from_pixel(64, 32, image::Rgba([9, 8, 7, 255])));
        lookup.scan.started(RequestId(1), frame);
        let bbox = crate::engine::CropBox {
            x: 10,
            y: 4,
            w: 20,
            h: 16,
        };
        let find = Find {
            bbox,
            predictions: predictions(5),
            price: None,
            hidden: false,
        };
        assert!(lookup.scan.answered(RequestId(1), vec![find]));
        assert!(lookup.select_find(3).is_none());
        assert!(lookup.results.result.is_none());
        let shown = lookup.select_find(0).expect("find 0 not shown");
        assert_eq!(shown[0].key.id, 5);
        let result = lookup.results.result.as_ref().unwrap();
        assert_eq!((result.crop.width(), result.crop.height()), (20, 16));
        assert_eq!(lookup.scan.selected, Some(0));
    }

    #[test]
    fn a_scan_waits_for_the_one_under_way() {
        let mut lookup = LookupState::default();
        assert!(lookup.frame_to_scan().is_none());
        lookup.show_picture(RgbaImage::new(4, 4), "test".into());
        let frame = lookup.frame_to_scan().expect("no frame to scan");
        lookup.scan.started(RequestId(1), frame);
        assert!(lookup.frame_to_scan().is_none());
    }
}
