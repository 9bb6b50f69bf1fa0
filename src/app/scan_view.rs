//! Scanning whole frames in the app: the finds of the last scan, the scan waiting for the
//! engine, and companion mode, which scans a live feed by itself when the room changes.

use super::command::Shell;
use crate::engine::RequestId;
use crate::engine::predict::UNSURE_BELOW;
use egui::{Pos2, Rect, Vec2};
use std::sync::Arc;
use std::time::Instant;

use image::RgbaImage;

use crate::companion::{RoomList, RoomWatch};
use crate::engine::scan::Find;

/// A scan takes well under a second; one unanswered this long is given up.
pub const SCAN_ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// The Lookup tab's scan: finds drawn over the frame they came from.
#[derive(Default)]
pub struct ScanState {
    pub finds: Vec<Find>,
    /// The frame the finds belong to.
    pub scanned: Option<Arc<RgbaImage>>,
    pending: Option<(RequestId, Arc<RgbaImage>, Instant)>,
    /// Milliseconds the last scan took, request to answer.
    pub last_ms: Option<f32>,
    /// Scan a live feed by itself whenever the room changes.
    pub companion: bool,
    pub watch: RoomWatch,
    /// The find whose top 10 the results panel shows.
    pub selected: Option<usize>,
    /// Companion mode's list of what is in the room.
    pub room: RoomList,
}

impl ScanState {
    /// Each find's box with its sprite, name and score; unsure finds in orange.
    pub fn overlay_ui(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        boxes: &[Rect],
        shell: &mut Shell,
    ) {
        let sprite = 20.0;
        let galleys: Vec<Option<Arc<egui::Galley>>> = self
            .finds
            .iter()
            .map(|find| {
                let text = if find.hidden {
                    format!(
                        "? {}",
                        super::i18n::tr(shell.lang, super::i18n::Text::HiddenItem)
                    )
                } else {
                    let best = find.predictions.first()?;
                    let name = shell
                        .catalog
                        .get(best.key)
                        .map(|item| item.display_name())
                        .unwrap_or_default();
                    format!("{name} {:.0}%", best.score * 100.0)
                };
                Some(painter.layout_no_wrap(
                    text,
                    egui::FontId::proportional(13.0),
                    egui::Color32::WHITE,
                ))
            })
            .collect();
        let sizes: Vec<Vec2> = galleys
            .iter()
            .map(|g| {
                g.as_ref().map_or(Vec2::ZERO, |g| {
                    Vec2::new(g.size().x + sprite + 10.0, sprite + 4.0)
                })
            })
            .collect();
        let tags = place_tags(boxes, &sizes);
        for (i, ((find, screen), galley)) in self.finds.iter().zip(boxes).zip(galleys).enumerate() {
            let Some(galley) = galley else {
                continue;
            };
            let best = find.predictions.first();
            let colour = if find.hidden {
                super::panel::HIDDEN_COLOUR
            } else if find.score() < UNSURE_BELOW {
                egui::Color32::from_rgb(240, 160, 50)
            } else {
                egui::Color32::from_rgb(80, 220, 120)
            };
            let width = if self.selected == Some(i) { 3.0 } else { 2.0 };
            painter.rect_stroke(
                *screen,
                2.0,
                egui::Stroke::new(width, colour),
                egui::StrokeKind::Outside,
            );
            let tag = tags[i];
            painter.rect_filled(tag, 3.0, colour.gamma_multiply(0.85));
            if let Some(texture) = best.and_then(|b| shell.sprite(ui.ctx(), b.key)) {
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

    /// Whether a listed item's place looks different in `frame` than in the frame last
    /// scanned: an item taken from a still room changes too little of the picture for its
    /// signature.
    pub fn listed_spot_changed(&self, frame: &RgbaImage) -> bool {
        self.scanned.as_ref().is_some_and(|before| {
            crate::companion::spots_changed(before, frame, self.room.listed().map(|f| &f.bbox))
        })
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    pub fn started(&mut self, id: RequestId, frame: Arc<RgbaImage>) {
        self.pending = Some((id, frame, Instant::now()));
    }

    /// The engine answered request `id`; false when it is not the one waited for.
    pub fn answered(&mut self, id: RequestId, finds: Vec<Find>) -> bool {
        match self.pending.take() {
            Some((pending, frame, at)) if pending == id => {
                self.last_ms = Some(at.elapsed().as_secs_f32() * 1000.0);
                tracing::debug!(
                    "scan {id:?} answered in {:.0} ms: {} finds",
                    at.elapsed().as_secs_f32() * 1000.0,
                    finds.len()
                );
                if self.companion {
                    self.room.scanned(self.watch.new_room, &finds);
                    self.watch.recheck(self.room.undecided());
                }
                self.finds = finds;
                self.scanned = Some(frame);
                self.selected = None;
                true
            }
            other => {
                self.pending = other;
                false
            }
        }
    }

    /// Whether the scan waited for is unanswered after [`SCAN_ANSWER_WITHIN`] at `now`: the
    /// app stops waiting for it (a stuck engine would otherwise stop companion mode for good).
    pub fn overdue(&self, now: Instant) -> bool {
        self.pending
            .as_ref()
            .is_some_and(|(_, _, at)| now.saturating_duration_since(*at) >= SCAN_ANSWER_WITHIN)
    }

    /// The scan waited for will not be answered.
    pub fn cancel_pending(&mut self) {
        self.pending = None;
    }

    /// A different picture: its finds are gone.
    pub fn clear(&mut self) {
        self.finds.clear();
        self.scanned = None;
        self.pending = None;
        self.selected = None;
        self.watch.reset();
        self.room.clear();
    }

    /// The crop of find `i` from the frame it was found in.
    pub fn crop(&self, i: usize) -> Option<image::DynamicImage> {
        let (frame, find) = (self.scanned.as_ref()?, self.finds.get(i)?);
        let crop = find.bbox.cut(frame.as_ref()).ok()?;
        Some(image::DynamicImage::ImageRgba8(crop))
    }
}

/// Whether two rectangles share area (touching edges do not).
fn overlap(a: &Rect, b: &Rect) -> bool {
    a.min.x < b.max.x && b.min.x < a.max.x && a.min.y < b.max.y && b.min.y < a.max.y
}

/// Where each box's label goes (`sizes[i]` for box `i`): above its box, else below it, else
/// further up, so that no two labels overlap. Among `n` labels of one height, one of any
/// `2n + 1` slots stacked a label apart is always free (each placed label blocks two), so the
/// search ends.
pub fn place_tags(boxes: &[Rect], sizes: &[Vec2]) -> Vec<Rect> {
    let mut placed: Vec<Rect> = Vec::with_capacity(boxes.len());
    for (screen, size) in boxes.iter().zip(sizes) {
        let above = Rect::from_min_size(screen.left_top() - Vec2::new(0.0, size.y), *size);
        let below = Rect::from_min_size(screen.left_bottom(), *size);
        let free = |r: &Rect| placed.iter().all(|p| !overlap(p, r));
        let tag = [above, below]
            .into_iter()
            .chain(
                (1..=2 * boxes.len() + 1)
                    .map(|k| above.translate(Vec2::new(0.0, -(k as f32) * size.y))),
            )
            .find(|r| free(r))
            .unwrap_or(above);
        placed.push(tag);
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two items a tile apart, and a row of five: no label covers another.
    #[test]
    fn box_labels_never_overlap() {
        let size = Vec2::new(150.0, 24.0);
        for boxes in [
            vec![
                Rect::from_min_size(Pos2::new(100.0, 200.0), Vec2::splat(90.0)),
                Rect::from_min_size(Pos2::new(160.0, 200.0), Vec2::splat(90.0)),
            ],
            (0..5)
                .map(|i| {
                    Rect::from_min_size(
                        Pos2::new(100.0 + 40.0 * i as f32, 300.0),
                        Vec2::splat(80.0),
                    )
                })
                .collect(),
        ] {
            let tags = place_tags(&boxes, &vec![size; boxes.len()]);
            for (i, a) in tags.iter().enumerate() {
                for b in &tags[i + 1..] {
                    assert!(!overlap(a, b), "{a:?} and {b:?} in {tags:?}");
                }
            }
            // The first label sits right above its box.
            assert_eq!(tags[0].bottom(), boxes[0].top());
        }
    }
}
