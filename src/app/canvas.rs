//! The Lookup tab's canvas: the frame shown with zoom and pan, and the box the player drags
//! around an item (in frame pixels).

use std::sync::Arc;

use egui::{Pos2, Rect, Sense, Vec2};
use image::{DynamicImage, RgbaImage};

#[derive(Default)]
pub struct FrameCanvas {
    /// The frame boxes are drawn on, and where it came from.
    pub frame: Option<Arc<RgbaImage>>,
    pub label: String,
    texture: Option<egui::TextureHandle>,
    texture_stale: bool,
    zoom: f32,
    pan: Vec2,
    drag_from: Option<Pos2>,
    /// The box, in frame pixels.
    pub selection: Option<Rect>,
}

/// Where the frame is drawn: frame pixel (0, 0) at `origin`, `scale` points per pixel.
#[derive(Clone, Copy)]
pub struct CanvasMapping {
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

    /// A rectangle in frame pixels, on screen.
    pub fn screen_rect(&self, frame_rect: Rect) -> Rect {
        Rect::from_min_max(
            self.screen_from_frame(frame_rect.min),
            self.screen_from_frame(frame_rect.max),
        )
    }
}

/// What drawing the canvas gave: where the frame is, the painter clipped to it, the
/// response, and whether a box was just finished.
pub struct CanvasOutput {
    pub view: CanvasMapping,
    pub painter: egui::Painter,
    pub response: egui::Response,
    pub box_finished: bool,
}

impl FrameCanvas {
    /// Shows `frame` (a file, a paste, a capture): a new picture, no box, the whole view.
    pub fn set_frame(&mut self, frame: RgbaImage, label: String) {
        self.replace_frame(frame, label);
        self.selection = None;
        self.zoom = 1.0;
        self.pan = Vec2::ZERO;
    }

    /// Shows the next frame of a live feed, keeping the view and the box.
    pub fn replace_frame(&mut self, frame: RgbaImage, label: String) {
        self.frame = Some(Arc::new(frame));
        self.label = label;
        self.texture_stale = true;
    }

    /// The box cut out of the frame, when it is big enough to recognise.
    pub fn selection_crop(&self) -> Option<Arc<DynamicImage>> {
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

    /// The frame with its label line, zoom, pan and the box being dragged; None (and `hint`)
    /// without a frame.
    pub fn ui(&mut self, ui: &mut egui::Ui, hint: &str, box_hint: &str) -> Option<CanvasOutput> {
        let Some(frame) = self.frame.clone() else {
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new(hint).size(16.0));
            });
            return None;
        };
        self.upload(ui.ctx(), &frame);
        ui.label(
            egui::RichText::new(format!(
                "{} · {}x{} · {box_hint}",
                self.label,
                frame.width(),
                frame.height(),
            ))
            .weak(),
        );
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Frame canvas"));
        let painter = painter.with_clip_rect(response.rect);
        let img = Vec2::new(frame.width() as f32, frame.height() as f32);
        let view = self.zoom_and_pan(ui, &response, img);
        if let Some(texture) = &self.texture {
            painter.image(
                texture.id(),
                Rect::from_min_size(view.origin, img * view.scale),
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                egui::Color32::WHITE,
            );
        }
        let box_finished = self.follow_box(ui, &response, view, img);
        if let Some(sel) = self.selection {
            let stroke = egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 210, 60));
            painter.rect_stroke(
                view.screen_rect(sel),
                0.0,
                stroke,
                egui::StrokeKind::Outside,
            );
        }
        Some(CanvasOutput {
            view,
            painter,
            response,
            box_finished,
        })
    }

    /// Puts a new frame into the texture the canvas draws.
    fn upload(&mut self, ctx: &egui::Context, frame: &RgbaImage) {
        if !self.texture_stale && self.texture.is_some() {
            return;
        }
        let size = [frame.width() as usize, frame.height() as usize];
        let colour = egui::ColorImage::from_rgba_unmultiplied(size, frame.as_raw());
        match &mut self.texture {
            Some(t) => t.set(colour, egui::TextureOptions::LINEAR),
            None => {
                self.texture = Some(ctx.load_texture("frame", colour, egui::TextureOptions::LINEAR))
            }
        }
        self.texture_stale = false;
    }

    /// Zoom about the pointer (wheel, pinch), pan with the right or middle button; where an
    /// `img`-sized frame is then drawn.
    fn zoom_and_pan(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        img: Vec2,
    ) -> CanvasMapping {
        let rect = response.rect;
        if self.zoom <= 0.0 {
            self.zoom = 1.0;
        }
        let fit = (rect.width() / img.x).min(rect.height() / img.y).max(1e-3);
        if let Some(pointer) = response.hover_pos() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            let pinch = ui.input(|i| i.zoom_delta());
            let factor = pinch * (scroll * 0.003).exp();
            if (factor - 1.0).abs() > 1e-4 {
                let old = self.zoom;
                let new = (old * factor).clamp(0.5, 40.0);
                let centre = rect.center() + self.pan;
                self.pan += (pointer - centre) * (1.0 - new / old);
                self.zoom = new;
            }
        }
        if response.dragged_by(egui::PointerButton::Secondary)
            || response.dragged_by(egui::PointerButton::Middle)
        {
            self.pan += response.drag_delta();
        }
        let scale = fit * self.zoom;
        CanvasMapping {
            origin: rect.center() + self.pan - img * scale / 2.0,
            scale,
        }
    }

    /// Follows a left-button drag into the selection; true when a box was just finished.
    fn follow_box(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        view: CanvasMapping,
        img: Vec2,
    ) -> bool {
        // The box starts where the button went down, not where the drag was first noticed.
        if response.drag_started_by(egui::PointerButton::Primary)
            && let Some(p) = ui.input(|i| i.pointer.press_origin())
        {
            self.drag_from = Some(view.frame_from_screen(p));
        }
        if let (Some(from), Some(p)) = (self.drag_from, response.interact_pointer_pos()) {
            let bounds = Rect::from_min_size(Pos2::ZERO, img);
            self.selection =
                Some(Rect::from_two_pos(from, view.frame_from_screen(p)).intersect(bounds));
        }
        response.drag_stopped_by(egui::PointerButton::Primary) && self.drag_from.take().is_some()
    }
}
