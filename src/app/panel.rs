//! The top-10 list (in the Lookup tab and in the floating, always-on-top panel) and the
//! correction that saves a crop with its right label.

use crate::app::i18n::{Text, price_label};
use egui::{Color32, RichText};

use super::command::{Command, Shell};
use super::sprites::sprite_ui;
use super::{Language, LookupState, Settings, tr};
use crate::catalog::text::lines_from_eid;
use crate::catalog::{Item, ItemKey};
use crate::engine::predict::UNSURE_BELOW;

/// The results of the current lookup; `floating` is the always-on-top variant, `compact`
/// its smaller form. A correction is left in `shell` as a command.
pub fn results_ui(
    lookup: &mut LookupState,
    ui: &mut egui::Ui,
    shell: &mut Shell,
    floating: bool,
    compact: bool,
) {
    let lang = shell.lang;
    ui.label(RichText::new(tr(lang, Text::Results)).strong());
    if lookup.is_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(tr(lang, Text::Recognising));
        });
    }
    let Some(result) = lookup.results.result.clone() else {
        return;
    };
    let catalog = shell.catalog;
    let best = result.predictions.first().map(|p| p.score).unwrap_or(0.0);
    if best < UNSURE_BELOW {
        ui.colored_label(Color32::from_rgb(240, 170, 60), tr(lang, Text::NotSure));
    }
    for (i, p) in result.predictions.iter().enumerate() {
        let Some(item) = catalog.get(p.key) else {
            continue;
        };
        let texture = shell.sprite(ui.ctx(), p.key);
        let row = RowLook {
            rank: i,
            score: p.score,
            selected: i == result.selected,
            compact,
            confirm: !floating,
        };
        match prediction_row_ui(ui, item, texture.as_ref(), row, lang) {
            Some(RowClick::Select) => {
                if let Some(r) = &mut lookup.results.result {
                    r.selected = i;
                }
            }
            Some(RowClick::Confirm) => shell.ask(correction(p.key, &result.crop)),
            None => {}
        }
    }
    if let Some(item) = result
        .predictions
        .get(result.selected)
        .and_then(|p| catalog.get(p.key))
    {
        ui.separator();
        super::catalog_tab::description_ui(ui, item, lang, !compact);
    }
    if !floating {
        ui.separator();
        if let Some(key) = lookup.results.correction.ui(ui, shell) {
            shell.ask(correction(key, &result.crop));
        }
    }
}

fn correction(key: ItemKey, crop: &std::sync::Arc<image::DynamicImage>) -> Command {
    Command::SaveCorrection {
        key,
        crop: crop.clone(),
    }
}

/// How one row of the top 10 is drawn.
#[derive(Clone, Copy)]
struct RowLook {
    rank: usize,
    score: f32,
    selected: bool,
    compact: bool,
    /// With a "This one" button.
    confirm: bool,
}

enum RowClick {
    Select,
    Confirm,
}

fn prediction_row_ui(
    ui: &mut egui::Ui,
    item: &Item,
    texture: Option<&egui::TextureHandle>,
    look: RowLook,
    lang: Language,
) -> Option<RowClick> {
    let mut click = None;
    let row = ui.horizontal(|ui| {
        if !look.compact {
            sprite_ui(ui, texture, 32.0);
        }
        ui.vertical(|ui| {
            let mut title = RichText::new(format!(
                "{}. {} · {}",
                look.rank + 1,
                item.name_en,
                item.name_zh
            ));
            if look.selected {
                title = title.strong();
            }
            if ui.selectable_label(look.selected, title).clicked() {
                click = Some(RowClick::Select);
            }
            if look.compact {
                return;
            }
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(look.score)
                        .desired_width(120.0)
                        .text(format!("{:.0}%", look.score * 100.0)),
                );
                if let Some(q) = item.quality {
                    ui.label(RichText::new(format!("Q{q}")).weak());
                }
                if look.confirm
                    && ui
                        .small_button(tr(lang, Text::ThisOne))
                        .on_hover_text(tr(lang, Text::CorrectIt))
                        .clicked()
                {
                    click = Some(RowClick::Confirm);
                }
            });
        });
    });
    if look.selected && !look.compact {
        row.response.scroll_to_me(None);
    }
    click
}

/// "Wrong? Pick the right item": a search over the catalog, run when the query changes (not
/// every frame), and its first hits.
#[derive(Default)]
pub struct CorrectionSearch {
    pub query: String,
    /// The query the hits belong to, and the hits.
    searched: Option<(String, Vec<ItemKey>)>,
}

impl CorrectionSearch {
    /// How many hits are offered.
    const HITS: usize = 6;

    pub fn clear(&mut self) {
        self.query.clear();
        self.searched = None;
    }

    /// The search box and its hits; the item picked.
    pub fn ui(&mut self, ui: &mut egui::Ui, shell: &Shell) -> Option<ItemKey> {
        let label = ui.label(shell.t(Text::CorrectIt));
        ui.add(egui::TextEdit::singleline(&mut self.query).hint_text(shell.t(Text::Search)))
            .labelled_by(label.id);
        let query = self.query.trim();
        if query.is_empty() {
            return None;
        }
        if self.searched.as_ref().is_none_or(|(q, _)| q != query) {
            let hits = shell.catalog.search(query);
            let hits = hits.iter().take(Self::HITS).map(|i| i.key()).collect();
            self.searched = Some((query.to_string(), hits));
        }
        let mut picked = None;
        for key in self.searched.iter().flat_map(|(_, hits)| hits) {
            let Some(item) = shell.catalog.get(*key) else {
                continue;
            };
            let text = format!("{} · {} ({})", item.name_en, item.name_zh, key);
            if ui.button(text).clicked() {
                picked = Some(*key);
            }
        }
        picked
    }
}

/// The items the last scan found, a compact row each: sprite, both names, quality, score
/// (unsure ones marked) and the description's first line. With `show_unsure`, unsure finds
/// are listed only while it is on, and one click turns it on or off (the floating panel lists
/// what is surely in the room). Returns the find clicked.
pub fn room_ui(
    lookup: &LookupState,
    ui: &mut egui::Ui,
    shell: &mut Shell,
    show_unsure: Option<&mut bool>,
) -> Option<usize> {
    let lang = shell.lang;
    let catalog = shell.catalog;
    let scan = &lookup.scan;
    if scan.scanned.is_none() && !scan.is_pending() {
        return None;
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr(lang, Text::RoomItems)).strong());
        if scan.is_pending() {
            ui.spinner();
        }
    });
    // Companion mode lists what two scans of the room agree on; a scan by hand, its finds.
    // Each row keeps the index of its find in the last scan, which a click selects.
    let rows: Vec<(Option<usize>, &crate::engine::scan::Find)> = if scan.companion {
        scan.room
            .listed()
            .map(|f| (scan.finds.iter().position(|g| g.bbox == f.bbox), f))
            .collect()
    } else {
        scan.finds
            .iter()
            .enumerate()
            .map(|(i, f)| (Some(i), f))
            .collect()
    };
    if rows.is_empty() && scan.scanned.is_some() {
        ui.label(RichText::new(tr(lang, Text::NoItemsFound)).weak());
    }
    let unsure = |f: &crate::engine::scan::Find| !f.hidden && f.score() < UNSURE_BELOW;
    let hidden = match show_unsure {
        Some(show) => {
            let n = rows.iter().filter(|(_, f)| unsure(f)).count();
            if n > 0 {
                let text = if *show {
                    tr(lang, Text::HideUnsure).to_string()
                } else {
                    format!("+{n} {}", tr(lang, Text::ShowUnsure))
                };
                if ui.small_button(text).clicked() {
                    *show = !*show;
                }
            }
            !*show
        }
        None => false,
    };
    let mut clicked = None;
    for &(i, find) in &rows {
        if hidden && unsure(find) {
            continue;
        }
        if find.hidden {
            if hidden_item_ui(ui, lang, find.price, i.is_some() && scan.selected == i) {
                clicked = i;
            }
            continue;
        }
        let best = find.predictions.first();
        let Some((best, item)) = best.and_then(|b| Some((b.score, catalog.get(b.key)?))) else {
            continue;
        };
        let texture = shell.sprite(ui.ctx(), item.key());
        let selected = i.is_some() && scan.selected == i;
        ui.horizontal(|ui| {
            sprite_ui(ui, texture.as_ref(), 32.0);
            ui.vertical(|ui| {
                let title = format!("{} · {}", item.name_en, item.name_zh);
                if ui
                    .selectable_label(selected, RichText::new(title).strong())
                    .clicked()
                {
                    clicked = i;
                }
                ui.horizontal(|ui| {
                    if let Some(q) = item.quality {
                        ui.label(RichText::new(format!("Q{q}")).weak());
                    }
                    if let Some(price) = find.price {
                        ui.label(RichText::new(price_label(lang, price)).color(Color32::GOLD));
                    }
                    let score = format!("{:.0}%", best * 100.0);
                    if best < UNSURE_BELOW {
                        ui.colored_label(
                            Color32::from_rgb(240, 170, 60),
                            format!("{score} · {}", tr(lang, Text::Unsure)),
                        );
                    } else {
                        ui.label(RichText::new(score).weak());
                    }
                });
                if let Some(line) = first_line(item, lang) {
                    ui.label(RichText::new(line).small());
                }
            });
        });
    }
    clicked
}

/// A hidden item's row (Curse of the Blind): a "?" where the sprite goes, what it means and
/// its price; whether it was clicked.
fn hidden_item_ui(
    ui: &mut egui::Ui,
    lang: Language,
    price: Option<crate::catalog::price_font::Price>,
    selected: bool,
) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(32.0, 32.0), egui::Sense::hover());
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "?",
            egui::FontId::proportional(26.0),
            HIDDEN_COLOUR,
        );
        ui.vertical(|ui| {
            let title = RichText::new(tr(lang, Text::HiddenItem)).strong();
            clicked = ui.selectable_label(selected, title).clicked();
            ui.horizontal(|ui| {
                if let Some(price) = price {
                    ui.label(RichText::new(price_label(lang, price)).color(Color32::GOLD));
                }
                ui.label(RichText::new(tr(lang, Text::HiddenItemHint)).small());
            });
        });
    });
    clicked
}

/// What marks a hidden item, in the panel and over the frame.
pub const HIDDEN_COLOUR: Color32 = Color32::from_rgb(170, 140, 255);

/// The description's first line in the interface language (the other one when missing).
fn first_line(item: &Item, lang: Language) -> Option<String> {
    let (first, second) = match lang {
        Language::English => (&item.description_en, &item.description_zh),
        Language::Chinese => (&item.description_zh, &item.description_en),
    };
    [first, second]
        .into_iter()
        .find_map(|text| lines_from_eid(text).into_iter().next())
        .map(|line| line.text)
}

/// The separate borderless, always-on-top window: the room's items in companion mode, and
/// the top 10 of the current lookup. It remembers where the player put it.
pub fn floating_panel(
    ctx: &egui::Context,
    settings: &mut Settings,
    lookup: &mut LookupState,
    shell: &mut Shell,
) {
    let companion = lookup.scan.companion;
    if lookup.results.result.is_none() && !lookup.is_pending() && !companion {
        return;
    }
    let height = if settings.panel_compact { 300.0 } else { 560.0 };
    let mut builder = egui::ViewportBuilder::default()
        .with_title("Isaac Lens · results")
        .with_decorations(false)
        .with_always_on_top()
        .with_inner_size([330.0, height])
        .with_resizable(true);
    // The builder keeps the place the panel first opened at. One that followed the panel's
    // current place would ask for a move whenever the window manager reports another one
    // (X11 can report (0, 0) before the window is placed), and the two chased each other
    // every frame (BENCHMARKS.md, companion mode).
    let opened_at = ctx.data_mut(|d| {
        *d.get_temp_mut_or_insert_with(egui::Id::unique("results-panel-opened-at"), || {
            settings.panel_position
        })
    });
    if let Some([x, y]) = opened_at {
        builder = builder.with_position([x, y]);
    }
    let id = egui::ViewportId::from_hash_of("results-panel");
    let alpha = (settings.panel_opacity.clamp(0.3, 1.0) * 255.0) as u8;
    ctx.show_viewport_immediate(id, builder, |ui, class| {
        let fill = Color32::from_rgba_unmultiplied(24, 22, 28, alpha);
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(fill).inner_margin(8.0))
            .show(ui, |ui| {
                // Dragging the header moves the borderless window.
                let header = ui.horizontal(|ui| {
                    ui.label(RichText::new("Isaac Lens").strong());
                    ui.checkbox(&mut settings.panel_compact, shell.t(Text::Compact));
                });
                if class != egui::ViewportClass::EmbeddedWindow {
                    let drag = ui.interact(
                        header.response.rect,
                        ui.scope_id().with("panel-drag"),
                        egui::Sense::drag(),
                    );
                    if drag.drag_started() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::StartDrag);
                    }
                    if let Some(outer) = ui.input(|i| i.viewport().outer_rect) {
                        settings.panel_position = Some([outer.min.x, outer.min.y]);
                    }
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if companion {
                        let show = Some(&mut settings.panel_show_unsure);
                        if let Some(i) = room_ui(lookup, ui, shell, show) {
                            shell.ask(Command::SelectFind(i));
                        }
                        if lookup.scan.selected.is_none() {
                            return;
                        }
                        ui.separator();
                    }
                    results_ui(lookup, ui, shell, true, settings.panel_compact);
                });
            });
    });
}
