//! The Lookup tab: pick a source, freeze a frame, drag a box, see the top 10.

use std::path::Path;
use std::sync::Arc;

use egui::{Pos2, Rect, Sense, Vec2};
use image::{DynamicImage, RgbaImage};

use super::scan_view::ScanState;
use super::{Command, HistoryEntry, Job, LensApp, panel};
use crate::capture::{self, LiveCapture, SourceId};
use crate::engine::predict::UNSURE_BELOW;
use crate::engine::{Prediction, Request};

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
    pending: Option<(u64, Arc<DynamicImage>)>,
    pub result: Option<LookupResult>,
    pub recent: Vec<LookupResult>,
    pub correction_query: String,
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

pub fn open_image_path(app: &mut LensApp, _ctx: &egui::Context, path: &Path) {
    match crate::imageio::open(path) {
        Ok(img) => app
            .lookup
            .show_picture(img.to_rgba8(), path.display().to_string()),
        Err(e) => app.notify_error(format!("{}: {e}", path.display())),
    }
}

/// Files dropped onto the window open like "Open image…".
pub fn handle_dropped_files(app: &mut LensApp, ctx: &egui::Context) {
    let dropped = ctx.input(|i| i.raw.dropped_files.clone());
    for file in dropped {
        let path = file.path().to_path_buf();
        let decoded = if path.as_os_str().is_empty() {
            file.bytes()
                .and_then(|b| crate::imageio::decode(&b).map_err(|e| e.to_string()))
        } else {
            crate::imageio::open(&path).map_err(|e| e.to_string())
        };
        match decoded {
            Ok(img) => {
                app.lookup
                    .show_picture(img.to_rgba8(), path.display().to_string());
                app.tab = super::Tab::Lookup;
            }
            Err(e) => app.notify_error(format!("{}: {e}", path.display())),
        }
    }
}

fn paste_image(app: &mut LensApp) {
    let pasted = arboard::Clipboard::new().and_then(|mut c| c.get_image());
    match pasted {
        Ok(img) => {
            let (w, h) = (img.width as u32, img.height as u32);
            match RgbaImage::from_raw(w, h, img.bytes.into_owned()) {
                Some(frame) => app.lookup.show_picture(frame, "clipboard".into()),
                None => app.notify_error("the clipboard image has an unexpected size".into()),
            }
        }
        Err(e) => app.notify_error(format!("no image on the clipboard ({e})")),
    }
}

/// Takes the newest live frame, unless frozen; in companion mode scans it when the room
/// changed.
pub fn poll_live(app: &mut LensApp, _ctx: &egui::Context) {
    if app.lookup.frozen {
        return;
    }
    let Some(live) = &app.lookup.live else { return };
    match live.latest() {
        Some(Ok(frame)) => {
            let label = app.lookup.frame_label.clone();
            let selection = app.lookup.selection;
            let (zoom, pan) = (app.lookup.zoom, app.lookup.pan);
            app.lookup.set_frame(frame.image, label);
            // A live feed keeps the view and the box while it updates.
            app.lookup.selection = selection;
            app.lookup.zoom = zoom;
            app.lookup.pan = pan;
            let scan = &mut app.lookup.scan;
            if scan.companion
                && !scan.is_pending()
                && scan
                    .watch
                    .observe(frame.signature, std::time::Instant::now())
            {
                scan_frame(app);
            }
        }
        Some(Err(e)) => {
            app.lookup.stop_live();
            app.notify_error(format!("capture stopped: {e}"));
        }
        None => {}
    }
}

/// Asks the engine for every item in the current frame.
pub fn scan_frame(app: &mut LensApp) {
    let Some(frame) = app.lookup.frame.clone() else {
        return;
    };
    let id = app.next_request_id();
    let image = Arc::new(DynamicImage::ImageRgba8(frame.as_ref().clone()));
    if app.send(Request::Scan {
        id,
        frame: image,
        top_k: 10,
    }) {
        app.lookup.scan.started(id, frame);
    }
}

/// Shows find `i` of the last scan in the results, as a drawn box would be.
pub fn select_find(app: &mut LensApp, i: usize) {
    let scan = &app.lookup.scan;
    let (Some(crop), Some(find)) = (scan.crop(i), scan.finds.get(i)) else {
        return;
    };
    let predictions = find.predictions.clone();
    app.lookup.scan.selected = Some(i);
    app.lookup.pending = None;
    present(app, Arc::new(crop), predictions);
}

pub fn start_live(app: &mut LensApp, source: SourceId, label: String) {
    app.lookup.frame_label = label;
    app.lookup.selected_source = Some(source.clone());
    app.lookup.live = Some(LiveCapture::start(
        source,
        app.settings.live_fps,
        app.waker(),
    ));
    app.lookup.frozen = false;
}

/// A prediction arrived: show it if it answers the newest request.
pub fn show_predictions(app: &mut LensApp, id: u64, predictions: Vec<Prediction>) {
    let Some((pending_id, crop)) = app.lookup.pending.take() else {
        return;
    };
    if pending_id != id {
        app.lookup.pending = Some((pending_id, crop));
        return;
    }
    present(app, crop, predictions);
}

/// Makes `predictions` of `crop` the current result; the one before goes to the recent strip
/// and the best items to the history.
fn present(app: &mut LensApp, crop: Arc<DynamicImage>, predictions: Vec<Prediction>) {
    if let Some(previous) = app.lookup.result.take() {
        app.lookup.recent.insert(0, previous);
        app.lookup.recent.truncate(12);
    }
    let unix_time = crate::fsutil::unix_now();
    app.settings.history.insert(
        0,
        HistoryEntry {
            predictions: predictions.clone(),
            unix_time,
        },
    );
    app.settings.history.truncate(50);
    app.lookup.result = Some(LookupResult {
        crop,
        predictions,
        selected: 0,
        thumbnail: None,
    });
}

/// Cuts the box out of the frame and asks the engine.
pub fn recognise_selection(app: &mut LensApp) {
    let (Some(frame), Some(sel)) = (&app.lookup.frame, app.lookup.selection) else {
        return;
    };
    let x = sel.min.x.max(0.0) as u32;
    let y = sel.min.y.max(0.0) as u32;
    let w = (sel.width() as u32).min(frame.width().saturating_sub(x));
    let h = (sel.height() as u32).min(frame.height().saturating_sub(y));
    if w < 4 || h < 4 {
        return;
    }
    let crop = Arc::new(DynamicImage::ImageRgba8(
        image::imageops::crop_imm(frame.as_ref(), x, y, w, h).to_image(),
    ));
    if let Some(id) = app.request_predictions(vec![(*crop).clone()]) {
        app.lookup.pending = Some((id, crop));
    } else {
        app.notify_error("no model is loaded yet".into());
    }
}

pub fn lookup_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    source_bar_ui(app, ui);
    ui.separator();
    egui::Panel::right("lookup-results")
        .resizable(true)
        .default_size(340.0)
        .min_size(300.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(i) = panel::room_ui(app, ui) {
                    app.apply(Command::SelectFind(i));
                }
                if app.lookup.scan.scanned.is_some() {
                    ui.separator();
                }
                if let Some(command) = panel::results_ui(app, ui, false) {
                    app.apply(command);
                }
                recent_ui(app, ui);
            });
        });
    egui::CentralPanel::default().show(ui, |ui| frame_ui(app, ui));
}

fn source_bar_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        let current = app
            .lookup
            .selected_source
            .as_ref()
            .and_then(|s| app.lookup.sources.iter().find(|i| &i.id == s))
            .map(|i| i.label.clone())
            .unwrap_or_else(|| "—".into());
        let mut chosen = None;
        egui::ComboBox::new("source", app.t("source"))
            .selected_text(current)
            .width(300.0)
            .show_ui(ui, |ui| {
                for s in &app.lookup.sources {
                    if ui
                        .selectable_label(
                            app.lookup.selected_source.as_ref() == Some(&s.id),
                            &s.label,
                        )
                        .clicked()
                    {
                        chosen = Some(s.clone());
                    }
                }
            });
        if let Some(s) = chosen {
            start_live(app, s.id, s.label);
        }
        if ui.button(app.t("refresh")).clicked() {
            app.spawn_job(|| Job::Sources(capture::list_sources().map_err(|e| e.to_string())));
        }
        ui.separator();
        if ui.button(app.t("open_image")).clicked() {
            app.spawn_job(|| {
                Job::ImageOpened(
                    rfd::FileDialog::new()
                        .add_filter("images", &["png", "jpg", "jpeg", "bmp", "webp", "gif"])
                        .pick_file(),
                )
            });
        }
        let paste_keys = ui.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Paste(_))));
        if ui.button(app.t("paste")).clicked() || (paste_keys && app.lookup.frame.is_none()) {
            paste_image(app);
        }
        scan_bar_ui(app, ui);
        if app.lookup.live.is_some() {
            ui.separator();
            let key = if app.lookup.frozen {
                "unfreeze"
            } else {
                "freeze"
            };
            let f8 = ui.input(|i| i.key_pressed(egui::Key::F8));
            if ui
                .button(format!("{} (F8 · {})", app.t(key), app.settings.hotkey))
                .clicked()
                || f8
            {
                app.lookup.toggle_freeze();
            }
            if app.lookup.is_live() {
                ui.label(
                    egui::RichText::new(format!("● {}", app.t("live")))
                        .color(egui::Color32::from_rgb(230, 80, 80)),
                );
            }
        }
    });
}

/// The Scan button (and its key), companion mode with a live source, and what the last scan
/// found.
fn scan_bar_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    ui.separator();
    let key = egui::Key::from_name(app.settings.scan_hotkey.trim());
    let key_pressed = key.is_some_and(|k| ui.input(|i| i.key_pressed(k)));
    let has_frame = app.lookup.frame.is_some();
    let button = ui.add_enabled(
        has_frame,
        egui::Button::new(format!("{} ({})", app.t("scan"), app.settings.scan_hotkey)),
    );
    if (button.clicked() || (key_pressed && has_frame)) && !app.lookup.scan.is_pending() {
        scan_frame(app);
    }
    if app.lookup.live.is_some() {
        let before = app.lookup.scan.companion;
        let (label, hint) = (app.t("companion"), app.t("companion_hint"));
        ui.checkbox(&mut app.lookup.scan.companion, label)
            .on_hover_text(hint);
        if app.lookup.scan.companion && !before {
            // A still picture sends no new frames: scan the one on screen now.
            app.lookup.scan.watch.reset();
            if !app.lookup.scan.is_pending() {
                scan_frame(app);
            }
        }
    }
    let scan = &app.lookup.scan;
    if scan.is_pending() {
        ui.spinner();
    } else if scan.scanned.is_some() {
        let text = match scan.finds.len() {
            0 => app.t("no_items_found").to_string(),
            n => format!("{n} {}", app.t("items_found")),
        };
        let ms = scan
            .last_ms
            .map(|ms| format!(" · {ms:.0} ms"))
            .unwrap_or_default();
        ui.label(egui::RichText::new(format!("{text}{ms}")).weak());
    }
}

/// Where the frame is drawn: frame pixel (0, 0) at `origin`, `scale` points per pixel.
#[derive(Clone, Copy)]
struct FrameView {
    origin: Pos2,
    scale: f32,
}

impl FrameView {
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

fn frame_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    let Some(frame) = app.lookup.frame.clone() else {
        ui.centered_and_justified(|ui| {
            ui.label(egui::RichText::new(app.t("drop_hint")).size(16.0));
        });
        return;
    };
    upload_frame(&mut app.lookup, ui.ctx(), &frame);
    ui.label(
        egui::RichText::new(format!(
            "{} · {}x{} · {}",
            app.lookup.frame_label,
            frame.width(),
            frame.height(),
            app.t("box_hint")
        ))
        .weak(),
    );
    let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Frame canvas"));
    let painter = painter.with_clip_rect(response.rect);
    let img = Vec2::new(frame.width() as f32, frame.height() as f32);
    let view = zoom_and_pan(&mut app.lookup, ui, &response, img);
    if let Some(texture) = &app.lookup.texture {
        painter.image(
            texture.id(),
            Rect::from_min_size(view.origin, img * view.scale),
            Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
            egui::Color32::WHITE,
        );
    }
    if box_drawn(&mut app.lookup, ui, &response, view, img) {
        recognise_selection(app);
    }
    if let Some(sel) = app.lookup.selection {
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
    let scan = &app.lookup.scan;
    let same_picture = scan
        .scanned
        .as_ref()
        .is_some_and(|f| Arc::ptr_eq(f, &frame) || app.lookup.live.is_some());
    if !same_picture {
        return;
    }
    let boxes: Vec<Rect> = scan
        .finds
        .iter()
        .map(|f| {
            let b = f.bbox;
            let min = Pos2::new(b.x as f32, b.y as f32);
            view.screen_rect(Rect::from_min_size(min, Vec2::new(b.w as f32, b.h as f32)))
        })
        .collect();
    finds_overlay_ui(app, ui, &painter, &boxes);
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
        && let Some(i) = boxes.iter().position(|b| b.contains(p))
    {
        select_find(app, i);
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
) -> FrameView {
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
    FrameView {
        origin: rect.center() + lookup.pan - img * scale / 2.0,
        scale,
    }
}

/// Follows a left-button drag into `lookup.selection`; true when a box was just finished.
fn box_drawn(
    lookup: &mut LookupState,
    ui: &egui::Ui,
    response: &egui::Response,
    view: FrameView,
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

/// Each find's box with its sprite, name and score; unsure finds in orange.
fn finds_overlay_ui(app: &mut LensApp, ui: &egui::Ui, painter: &egui::Painter, boxes: &[Rect]) {
    let Some(catalog) = app.catalog.clone() else {
        return;
    };
    for (i, (find, screen)) in app.lookup.scan.finds.iter().zip(boxes).enumerate() {
        let Some(best) = find.predictions.first() else {
            continue;
        };
        let colour = if best.score < UNSURE_BELOW {
            egui::Color32::from_rgb(240, 160, 50)
        } else {
            egui::Color32::from_rgb(80, 220, 120)
        };
        let width = if app.lookup.scan.selected == Some(i) {
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
        let name = catalog
            .get(best.key)
            .map(|item| item.display_name())
            .unwrap_or_default();
        let text = format!("{name} {:.0}%", best.score * 100.0);
        let galley =
            painter.layout_no_wrap(text, egui::FontId::proportional(13.0), egui::Color32::WHITE);
        let sprite = 20.0;
        let tag = Rect::from_min_size(
            screen.left_top() - Vec2::new(0.0, sprite + 4.0),
            Vec2::new(galley.size().x + sprite + 10.0, sprite + 4.0),
        );
        painter.rect_filled(tag, 3.0, colour.gamma_multiply(0.85));
        if let Some(texture) = app.sprites.get(ui.ctx(), &catalog, best.key) {
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

fn recent_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    if app.lookup.recent.is_empty() {
        return;
    }
    ui.separator();
    ui.label(egui::RichText::new(app.t("recent")).strong());
    let Some(catalog) = app.catalog.clone() else {
        return;
    };
    let mut reopen = None;
    ui.horizontal_wrapped(|ui| {
        for (i, r) in app.lookup.recent.iter().enumerate() {
            let Some(best) = r.predictions.first() else {
                continue;
            };
            let texture = app.sprites.get(ui.ctx(), &catalog, best.key);
            let name = catalog
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
        let chosen = app.lookup.recent.remove(i);
        if let Some(current) = app.lookup.result.replace(chosen) {
            app.lookup.recent.insert(0, current);
        }
    }
}
