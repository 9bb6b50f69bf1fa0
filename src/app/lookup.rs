//! The Lookup tab: pick a source, freeze a frame, drag a box, see the top 10.

use crate::app::i18n::Text;
use crate::engine::RequestId;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use egui::{Pos2, Rect, Sense, Vec2};
use image::{DynamicImage, RgbaImage};

use super::command::{Command, Shell};
use super::scan_view::ScanState;
use super::{Settings, panel};
use crate::capture::{self, LiveCapture, SourceId};
use crate::engine::Prediction;
use crate::engine::predict::UNSURE_BELOW;

/// A finished lookup: the crop and what the engine made of it.
#[derive(Clone)]
pub struct LookupResult {
    pub crop: Arc<DynamicImage>,
    pub predictions: Vec<Prediction>,
    pub selected: usize,
    pub thumbnail: Option<egui::TextureHandle>,
}

#[derive(Default)]
pub struct LookupState {
    pub sources: Vec<capture::SourceInfo>,
    pub selected_source: Option<SourceId>,
    live: Option<LiveCapture>,
    pub frozen: bool,
    /// The frame boxes are drawn on, and where it came from.
    pub frame: Option<Arc<RgbaImage>>,
    pub frame_label: String,
    texture: Option<egui::TextureHandle>,
    texture_stale: bool,
    zoom: f32,
    pan: Vec2,
    drag_from: Option<Pos2>,
    /// The box, in frame pixels.
    pub selection: Option<Rect>,
    pending: Option<(RequestId, Arc<DynamicImage>)>,
    pub result: Option<LookupResult>,
    pub recent: Vec<LookupResult>,
    pub correction: super::panel::CorrectionSearch,
    pub scan: ScanState,
}

impl LookupState {
    pub fn is_live(&self) -> bool {
        self.live.is_some() && !self.frozen
    }

    pub fn toggle_freeze(&mut self) {
        if self.live.is_some() {
            self.frozen = !self.frozen;
        }
    }

    /// Drops the lookup and scan waiting for an answer (the engine cannot give one).
    pub fn cancel_pending(&mut self) {
        self.pending = None;
        self.scan.cancel_pending();
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Shows `frame` (a file, a paste, a capture) as the picture to box items on.
    pub fn set_frame(&mut self, frame: RgbaImage, label: String) {
        self.frame = Some(Arc::new(frame));
        self.frame_label = label;
        self.texture_stale = true;
        self.selection = None;
        self.zoom = 1.0;
        self.pan = Vec2::ZERO;
    }

    /// Shows a new picture (a file, a paste, a drop) instead of the live feed.
    pub fn show_picture(&mut self, frame: RgbaImage, label: String) {
        self.stop_live();
        self.scan.clear();
        self.set_frame(frame, label);
    }

    fn stop_live(&mut self) {
        self.live = None;
        self.frozen = false;
    }
}

impl LookupState {
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
        self.frame_label = source.label;
        self.selected_source = Some(source.id.clone());
        self.live = Some(LiveCapture::start(source.id, fps, waker));
        self.frozen = false;
    }

    /// Takes the newest live frame, unless frozen. Asks for a scan when companion mode sees a
    /// new room, and says when the capture stopped.
    pub fn poll_live(&mut self) -> Option<Command> {
        if self.frozen {
            return None;
        }
        match self.live.as_ref()?.latest()? {
            Ok(frame) => {
                let label = self.frame_label.clone();
                let (selection, zoom, pan) = (self.selection, self.zoom, self.pan);
                self.set_frame(frame.image, label);
                // A live feed keeps the view and the box while it updates.
                (self.selection, self.zoom, self.pan) = (selection, zoom, pan);
                let scan = &mut self.scan;
                (scan.companion
                    && !scan.is_pending()
                    && scan.watch.observe(frame.signature, Instant::now()))
                .then_some(Command::Scan)
            }
            Err(e) => {
                self.stop_live();
                Some(Command::Error(format!("capture stopped: {e}")))
            }
        }
    }

    /// The frame a scan should look at now: none while one is under way.
    pub fn frame_to_scan(&self) -> Option<Arc<RgbaImage>> {
        self.frame.clone().filter(|_| !self.scan.is_pending())
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

    /// Shows find `i` of the last scan in the results, as a drawn box would be; its
    /// predictions, when there is such a find.
    pub fn select_find(&mut self, i: usize) -> Option<&[Prediction]> {
        let crop = self.scan.crop(i)?;
        let predictions = self.scan.finds.get(i)?.predictions.clone();
        self.scan.selected = Some(i);
        self.pending = None;
        self.present(Arc::new(crop), predictions);
        self.result.as_ref().map(|r| r.predictions.as_slice())
    }

    /// Makes `predictions` of `crop` the current result; the one before goes to the recent
    /// strip.
    fn present(&mut self, crop: Arc<DynamicImage>, predictions: Vec<Prediction>) {
        if let Some(previous) = self.result.take() {
            self.recent.insert(0, previous);
            self.recent.truncate(12);
        }
        self.result = Some(LookupResult {
            crop,
            predictions,
            selected: 0,
            thumbnail: None,
        });
    }

    /// The box cut out of the frame, when it is big enough to recognise.
    fn selection_crop(&self) -> Option<Arc<DynamicImage>> {
        let (frame, sel) = (self.frame.as_ref()?, self.selection?);
        let x = sel.min.x.max(0.0) as u32;
        let y = sel.min.y.max(0.0) as u32;
        let w = (sel.width() as u32).min(frame.width().saturating_sub(x));
        let h = (sel.height() as u32).min(frame.height().saturating_sub(y));
        if w < 4 || h < 4 {
            return None;
        }
        let crop = crate::engine::CropBox { x, y, w, h }
            .cut(frame.as_ref())
            .ok()?;
        Some(Arc::new(DynamicImage::ImageRgba8(crop)))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        self.source_bar_ui(ui, settings, shell);
        ui.separator();
        egui::Panel::right("lookup-results")
            .resizable(true)
            .default_size(340.0)
            .min_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(i) = panel::room_ui(self, ui, shell) {
                        shell.ask(Command::SelectFind(i));
                    }
                    if self.scan.scanned.is_some() {
                        ui.separator();
                    }
                    panel::results_ui(self, ui, shell, false, false);
                    self.recent_ui(ui, shell);
                });
            });
        egui::CentralPanel::default().show(ui, |ui| self.frame_ui(ui, shell));
    }

    fn source_bar_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &mut Shell) {
        ui.horizontal_wrapped(|ui| {
            let current = self
                .selected_source
                .as_ref()
                .and_then(|s| self.sources.iter().find(|i| &i.id == s))
                .map(|i| i.label.clone())
                .unwrap_or_else(|| "—".into());
            let mut chosen = None;
            egui::ComboBox::new("source", shell.t(Text::Source))
                .selected_text(current)
                .width(300.0)
                .show_ui(ui, |ui| {
                    for s in &self.sources {
                        let selected = self.selected_source.as_ref() == Some(&s.id);
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
            if ui.button(shell.t(Text::Paste)).clicked() || (paste_keys && self.frame.is_none()) {
                shell.ask(Command::Paste);
            }
            self.scan_bar_ui(ui, settings, shell);
            if self.live.is_some() {
                ui.separator();
                self.freeze_ui(ui, settings, shell);
            }
        });
    }

    /// Freeze or unfreeze the live feed (a button, F8, the global hotkey), and the live mark.
    fn freeze_ui(&mut self, ui: &mut egui::Ui, settings: &Settings, shell: &Shell) {
        let key = if self.frozen {
            Text::Unfreeze
        } else {
            Text::Freeze
        };
        let f8 = ui.input(|i| i.key_pressed(egui::Key::F8));
        let label = format!("{} (F8 · {})", shell.t(key), settings.hotkey);
        if ui.button(label).clicked() || f8 {
            self.toggle_freeze();
        }
        if self.is_live() {
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
        let has_frame = self.frame.is_some();
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
        if self.live.is_some() {
            let before = self.scan.companion;
            ui.checkbox(&mut self.scan.companion, shell.t(Text::Companion))
                .on_hover_text(shell.t(Text::CompanionHint));
            if self.scan.companion && !before {
                // A still picture sends no new frames: scan the one on screen now.
                self.scan.watch.reset();
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
}

/// Where the frame is drawn: frame pixel (0, 0) at `origin`, `scale` points per pixel.
#[derive(Clone, Copy)]
struct CanvasMapping {
    origin: Pos2,
    scale: f32,
}

impl CanvasMapping {
    fn frame_from_screen(&self, p: Pos2) -> Pos2 {
        ((p - self.origin) / self.scale).to_pos2()
    }

    fn screen_from_frame(&self, p: Pos2) -> Pos2 {
        self.origin + p.to_vec2() * self.scale
    }

    fn screen_rect(&self, frame_rect: Rect) -> Rect {
        Rect::from_min_max(
            self.screen_from_frame(frame_rect.min),
            self.screen_from_frame(frame_rect.max),
        )
    }
}

impl LookupState {
    fn frame_ui(&mut self, ui: &mut egui::Ui, shell: &mut Shell) {
        let Some(frame) = self.frame.clone() else {
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new(shell.t(Text::DropHint)).size(16.0));
            });
            return;
        };
        upload_frame(self, ui.ctx(), &frame);
        ui.label(
            egui::RichText::new(format!(
                "{} · {}x{} · {}",
                self.frame_label,
                frame.width(),
                frame.height(),
                shell.t(Text::BoxHint)
            ))
            .weak(),
        );
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Frame canvas"));
        let painter = painter.with_clip_rect(response.rect);
        let img = Vec2::new(frame.width() as f32, frame.height() as f32);
        let view = zoom_and_pan(self, ui, &response, img);
        if let Some(texture) = &self.texture {
            painter.image(
                texture.id(),
                Rect::from_min_size(view.origin, img * view.scale),
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                egui::Color32::WHITE,
            );
        }
        if box_drawn(self, ui, &response, view, img) {
            match self.selection_crop() {
                Some(crop) => shell.ask(Command::Recognise(crop)),
                None => shell.ask(Command::Notify(shell.t(Text::BoxTooSmall).into())),
            }
        }
        if let Some(sel) = self.selection {
            let stroke = egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 210, 60));
            painter.rect_stroke(
                view.screen_rect(sel),
                0.0,
                stroke,
                egui::StrokeKind::Outside,
            );
        }
        // The finds of the last scan, when they belong to this picture (a live feed keeps
        // showing them until the next scan).
        let same_picture = self
            .scan
            .scanned
            .as_ref()
            .is_some_and(|f| Arc::ptr_eq(f, &frame) || self.live.is_some());
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
                view.screen_rect(Rect::from_min_size(min, Vec2::new(b.w as f32, b.h as f32)))
            })
            .collect();
        self.finds_overlay_ui(ui, &painter, &boxes, shell);
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
            && let Some(i) = boxes.iter().position(|b| b.contains(p))
        {
            shell.ask(Command::SelectFind(i));
        }
    }
}

/// Puts a new frame into the texture the canvas draws.
fn upload_frame(lookup: &mut LookupState, ctx: &egui::Context, frame: &RgbaImage) {
    if !lookup.texture_stale && lookup.texture.is_some() {
        return;
    }
    let size = [frame.width() as usize, frame.height() as usize];
    let colour = egui::ColorImage::from_rgba_unmultiplied(size, frame.as_raw());
    match &mut lookup.texture {
        Some(t) => t.set(colour, egui::TextureOptions::LINEAR),
        None => {
            lookup.texture = Some(ctx.load_texture("frame", colour, egui::TextureOptions::LINEAR))
        }
    }
    lookup.texture_stale = false;
}

/// Zoom about the pointer (wheel, pinch), pan with the right or middle button; where an
/// `img`-sized frame is then drawn.
fn zoom_and_pan(
    lookup: &mut LookupState,
    ui: &egui::Ui,
    response: &egui::Response,
    img: Vec2,
) -> CanvasMapping {
    let rect = response.rect;
    if lookup.zoom <= 0.0 {
        lookup.zoom = 1.0;
    }
    let fit = (rect.width() / img.x).min(rect.height() / img.y).max(1e-3);
    if let Some(pointer) = response.hover_pos() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        let pinch = ui.input(|i| i.zoom_delta());
        let factor = pinch * (scroll * 0.003).exp();
        if (factor - 1.0).abs() > 1e-4 {
            let old = lookup.zoom;
            let new = (old * factor).clamp(0.5, 40.0);
            let centre = rect.center() + lookup.pan;
            lookup.pan += (pointer - centre) * (1.0 - new / old);
            lookup.zoom = new;
        }
    }
    if response.dragged_by(egui::PointerButton::Secondary)
        || response.dragged_by(egui::PointerButton::Middle)
    {
        lookup.pan += response.drag_delta();
    }
    let scale = fit * lookup.zoom;
    CanvasMapping {
        origin: rect.center() + lookup.pan - img * scale / 2.0,
        scale,
    }
}

/// Follows a left-button drag into `lookup.selection`; true when a box was just finished.
fn box_drawn(
    lookup: &mut LookupState,
    ui: &egui::Ui,
    response: &egui::Response,
    view: CanvasMapping,
    img: Vec2,
) -> bool {
    // The box starts where the button went down, not where the drag was first noticed.
    if response.drag_started_by(egui::PointerButton::Primary)
        && let Some(p) = ui.input(|i| i.pointer.press_origin())
    {
        lookup.drag_from = Some(view.frame_from_screen(p));
    }
    if let (Some(from), Some(p)) = (lookup.drag_from, response.interact_pointer_pos()) {
        let bounds = Rect::from_min_size(Pos2::ZERO, img);
        lookup.selection =
            Some(Rect::from_two_pos(from, view.frame_from_screen(p)).intersect(bounds));
    }
    response.drag_stopped_by(egui::PointerButton::Primary) && lookup.drag_from.take().is_some()
}

impl LookupState {
    /// Each find's box with its sprite, name and score; unsure finds in orange.
    fn finds_overlay_ui(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        boxes: &[Rect],
        shell: &mut Shell,
    ) {
        for (i, (find, screen)) in self.scan.finds.iter().zip(boxes).enumerate() {
            let Some(best) = find.predictions.first() else {
                continue;
            };
            let colour = if best.score < UNSURE_BELOW {
                egui::Color32::from_rgb(240, 160, 50)
            } else {
                egui::Color32::from_rgb(80, 220, 120)
            };
            let width = if self.scan.selected == Some(i) {
                3.0
            } else {
                2.0
            };
            painter.rect_stroke(
                *screen,
                2.0,
                egui::Stroke::new(width, colour),
                egui::StrokeKind::Outside,
            );
            let name = shell
                .catalog
                .get(best.key)
                .map(|item| item.display_name())
                .unwrap_or_default();
            let text = format!("{name} {:.0}%", best.score * 100.0);
            let galley = painter.layout_no_wrap(
                text,
                egui::FontId::proportional(13.0),
                egui::Color32::WHITE,
            );
            let sprite = 20.0;
            let tag = Rect::from_min_size(
                screen.left_top() - Vec2::new(0.0, sprite + 4.0),
                Vec2::new(galley.size().x + sprite + 10.0, sprite + 4.0),
            );
            painter.rect_filled(tag, 3.0, colour.gamma_multiply(0.85));
            if let Some(texture) = shell.sprite(ui.ctx(), best.key) {
                painter.image(
                    texture.id(),
                    Rect::from_min_size(tag.min + Vec2::new(2.0, 2.0), Vec2::splat(sprite)),
                    Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                    egui::Color32::WHITE,
                );
            }
            let text_at = tag.min + Vec2::new(sprite + 6.0, (tag.height() - galley.size().y) / 2.0);
            painter.galley(text_at, galley, egui::Color32::WHITE);
        }
    }

    /// The lookups before the current one, as sprites; a click brings one back.
    fn recent_ui(&mut self, ui: &mut egui::Ui, shell: &mut Shell) {
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
        let shown = lookup.result.as_ref().unwrap();
        assert_eq!(shown.predictions[0].key.id, 3);
        assert_eq!(lookup.recent.len(), 1);
        assert_eq!(lookup.recent[0].predictions[0].key.id, 2);
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
        };
        assert!(lookup.scan.answered(RequestId(1), vec![find]));
        assert!(lookup.select_find(3).is_none());
        assert!(lookup.result.is_none());
        let shown = lookup.select_find(0).expect("find 0 not shown");
        assert_eq!(shown[0].key.id, 5);
        let result = lookup.result.as_ref().unwrap();
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
