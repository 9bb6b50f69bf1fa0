//! The Catalog tab: a searchable grid of every item and a details pane.

use crate::app::i18n::Text;
use egui::{Color32, RichText};

use super::command::Shell;
use super::sprites::sprite_ui;
use super::{Language, tr};
use crate::catalog::text::lines_from_eid;
use crate::catalog::{Item, ItemKey, ItemKind};

#[derive(Default)]
pub struct CatalogView {
    pub query: String,
    pub selected: Option<ItemKey>,
    /// The hits for the query they were computed for: searching every frame is wasted work.
    hits: Option<(String, Vec<ItemKey>)>,
}

impl super::command::TabView for CatalogView {
    fn ui(&mut self, ui: &mut egui::Ui, _settings: &mut super::Settings, shell: &mut Shell) {
        egui::Panel::right("catalog-details")
            .resizable(true)
            .default_size(380.0)
            .min_size(320.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.details_ui(ui, shell));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(shell.t(Text::Search));
                ui.add(egui::TextEdit::singleline(&mut self.query).desired_width(320.0))
                    .labelled_by(label.id);
            });
            let catalog = shell.catalog;
            if self.hits.as_ref().is_none_or(|(q, _)| *q != self.query) {
                let keys = catalog
                    .search(&self.query)
                    .into_iter()
                    .map(|i| i.key())
                    .collect();
                self.hits = Some((self.query.clone(), keys));
            }
            let hits: Vec<&Item> = self
                .hits
                .as_ref()
                .map(|(_, keys)| keys.iter().filter_map(|k| catalog.get(*k)).collect())
                .unwrap_or_default();
            ui.label(RichText::new(format!("{} / {}", hits.len(), catalog.len())).weak());
            self.grid_ui(ui, shell, &hits);
        });
    }
}

impl CatalogView {
    /// The selected item: big sprite, both names, its key and descriptions.
    fn details_ui(&self, ui: &mut egui::Ui, shell: &mut Shell) {
        let Some(item) = self.selected.and_then(|k| shell.catalog.get(k)) else {
            ui.label(shell.t(Text::NoSelection));
            return;
        };
        let texture = shell.sprite(ui.ctx(), item.key());
        ui.horizontal(|ui| {
            sprite_ui(ui, texture.as_ref(), 96.0);
            ui.vertical(|ui| {
                ui.heading(&item.name_en);
                ui.heading(&item.name_zh);
                ui.label(RichText::new(item.key().to_string()).weak());
            });
        });
        if !item.older_sprites.is_empty() {
            let older = shell.sprites.older(ui.ctx(), shell.catalog, item.key());
            ui.label(RichText::new(shell.t(Text::OlderArt)).strong());
            ui.horizontal_wrapped(|ui| {
                for (texture, o) in older.iter().zip(&item.older_sprites) {
                    ui.vertical(|ui| {
                        sprite_ui(ui, Some(texture), 48.0);
                        ui.label(RichText::new(version_name(&o.version)).small().weak());
                    });
                }
            });
        }
        let transformations = shell.catalog.transformations_of(item);
        if !transformations.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(shell.t(Text::Transformations)).strong());
                for t in transformations {
                    ui.label(match shell.lang {
                        Language::Chinese if !t.name_zh.is_empty() => &t.name_zh,
                        _ => &t.name_en,
                    });
                }
            });
        }
        description_ui(ui, item, shell.lang, true);
    }

    /// The search hits as a grid of cells (only the visible rows are drawn); a click selects.
    fn grid_ui(&mut self, ui: &mut egui::Ui, shell: &mut Shell, hits: &[&Item]) {
        let cell = egui::vec2(150.0, 58.0);
        let columns = ((ui.available_width() / (cell.x + 6.0)).floor() as usize).max(1);
        let rows = hits.len().div_ceil(columns);
        egui::ScrollArea::vertical().auto_shrink(false).show_rows(
            ui,
            cell.y + 4.0,
            rows,
            |ui, range| {
                for row in range {
                    ui.horizontal(|ui| {
                        for item in hits.iter().skip(row * columns).take(columns) {
                            let texture = shell.sprite(ui.ctx(), item.key());
                            let selected = self.selected == Some(item.key());
                            if cell_ui(ui, item, texture.as_ref(), cell, selected).clicked() {
                                self.selected = Some(item.key());
                            }
                        }
                    });
                }
            },
        );
    }
}

fn cell_ui(
    ui: &mut egui::Ui,
    item: &Item,
    texture: Option<&egui::TextureHandle>,
    cell: egui::Vec2,
    selected: bool,
) -> egui::Response {
    let frame = egui::Frame::new()
        .inner_margin(3.0)
        .corner_radius(4.0)
        .fill(if selected {
            ui.visuals().selection.bg_fill
        } else {
            ui.visuals().faint_bg_color
        });
    frame
        .show(ui, |ui| {
            ui.set_min_size(cell);
            ui.set_max_size(cell);
            ui.horizontal(|ui| {
                sprite_ui(ui, texture, 40.0);
                ui.vertical(|ui| {
                    ui.add(egui::Label::new(&item.name_en).truncate());
                    ui.add(egui::Label::new(&item.name_zh).truncate());
                    ui.label(RichText::new(quality_text(item)).weak().small());
                });
            });
        })
        .response
        .interact(egui::Sense::click())
}

fn quality_text(item: &Item) -> String {
    match (item.kind, item.quality) {
        (ItemKind::Trinket, _) => "trinket".into(),
        (_, Some(q)) => format!("Q{q} {}", "★".repeat(q as usize)),
        (_, None) => String::new(),
    }
}

/// Both descriptions as readable lines: EID arrows coloured, icons and colour codes gone.
pub fn description_ui(ui: &mut egui::Ui, item: &Item, lang: Language, both: bool) {
    let meta = [
        item.quality
            .map(|q| format!("{} {q}", tr(lang, Text::Quality))),
        item.charge
            .as_ref()
            .map(|c| format!("{} {c}", tr(lang, Text::Charge))),
    ];
    let meta: Vec<String> = meta.into_iter().flatten().collect();
    if !meta.is_empty() {
        ui.label(RichText::new(meta.join(" · ")).weak());
    }
    let order: Vec<&String> = match lang {
        Language::English => vec![&item.description_en, &item.description_zh],
        Language::Chinese => vec![&item.description_zh, &item.description_en],
    };
    for (i, text) in order.into_iter().enumerate() {
        if i > 0 && !both {
            break;
        }
        if i > 0 {
            ui.add_space(6.0);
        }
        for line in lines_from_eid(text) {
            ui.horizontal_wrapped(|ui| {
                match line.arrow {
                    Some(true) => ui.colored_label(Color32::from_rgb(110, 200, 110), "↑"),
                    Some(false) => ui.colored_label(Color32::from_rgb(230, 100, 90), "↓"),
                    None => ui.label("•"),
                };
                ui.label(&line.text);
            });
        }
    }
}

/// A game version as players name it.
fn version_name(version: &str) -> &str {
    match version {
        "rebirth" => "Rebirth",
        "afterbirth" => "Afterbirth",
        "abplus" => "Afterbirth+",
        other => other,
    }
}
