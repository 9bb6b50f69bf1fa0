//! The top-10 list (in the Lookup tab and in the floating, always-on-top panel) and the
//! correction that saves a crop with its right label.

use egui::{Color32, RichText};

use super::sprites::sprite_ui;
use super::{LensApp, tr};
use crate::catalog::ItemKey;
use crate::engine::predict::UNSURE_BELOW;

/// What the user did in the list.
enum Action {
    Select(usize),
    Confirm(ItemKey),
}

/// The results of the current lookup; `floating` is the compact always-on-top variant.
pub fn results_ui(app: &mut LensApp, ui: &mut egui::Ui, floating: bool) {
    let lang = app.settings.language;
    let compact = floating && app.settings.panel_compact;
    ui.label(RichText::new(tr(lang, "results")).strong());
    if app.lookup.is_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(tr(lang, "recognising"));
        });
    }
    let (Some(catalog), Some(result)) = (app.catalog.clone(), app.lookup.result.clone()) else {
        return;
    };
    let best = result.predictions.first().map(|p| p.score).unwrap_or(0.0);
    if best < UNSURE_BELOW {
        ui.colored_label(Color32::from_rgb(240, 170, 60), tr(lang, "not_sure"));
    }
    let mut action = None;
    for (i, p) in result.predictions.iter().enumerate() {
        let Some(item) = catalog.get(p.key) else {
            continue;
        };
        let texture = app.sprites.get(ui.ctx(), &catalog, p.key);
        let selected = i == result.selected;
        let row = ui.horizontal(|ui| {
            if !compact {
                sprite_ui(ui, texture.as_ref(), 32.0);
            }
            ui.vertical(|ui| {
                let mut title =
                    RichText::new(format!("{}. {} · {}", i + 1, item.name_en, item.name_zh));
                if selected {
                    title = title.strong();
                }
                if ui.selectable_label(selected, title).clicked() {
                    action = Some(Action::Select(i));
                }
                if !compact {
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::ProgressBar::new(p.score)
                                .desired_width(120.0)
                                .text(format!("{:.0}%", p.score * 100.0)),
                        );
                        if let Some(q) = item.quality {
                            ui.label(RichText::new(format!("Q{q}")).weak());
                        }
                        if !floating
                            && ui
                                .small_button(tr(lang, "this_one"))
                                .on_hover_text(tr(lang, "correct_it"))
                                .clicked()
                        {
                            action = Some(Action::Confirm(p.key));
                        }
                    });
                }
            });
        });
        if selected && !compact {
            row.response.scroll_to_me(None);
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
        let label = ui.label(tr(lang, "correct_it"));
        ui.add(
            egui::TextEdit::singleline(&mut app.lookup.correction_query)
                .hint_text(tr(lang, "search")),
        )
        .labelled_by(label.id);
        let query = app.lookup.correction_query.trim().to_string();
        if !query.is_empty() {
            for item in catalog.search(&query).into_iter().take(6) {
                if ui
                    .button(format!(
                        "{} · {} ({})",
                        item.name_en,
                        item.name_zh,
                        item.key()
                    ))
                    .clicked()
                {
                    action = Some(Action::Confirm(item.key()));
                }
            }
        }
    }
    match action {
        Some(Action::Select(i)) => {
            if let Some(r) = &mut app.lookup.result {
                r.selected = i;
            }
        }
        Some(Action::Confirm(key)) => {
            match crate::corrections::save_capture(&app.paths.captures, key, &result.crop) {
                Ok(_) => {
                    app.training.captures_count = None;
                    let name = catalog
                        .get(key)
                        .map(|i| i.display_name())
                        .unwrap_or_default();
                    app.notify(format!("{}: {name}", tr(lang, "saved_label")));
                    app.lookup.correction_query.clear();
                }
                Err(e) => app.notify_error(e.to_string()),
            }
        }
        None => {}
    }
}

/// The separate borderless, always-on-top window with the same list.
pub fn floating_panel(app: &mut LensApp, ctx: &egui::Context) {
    if app.lookup.result.is_none() && !app.lookup.is_pending() {
        return;
    }
    let mut builder = egui::ViewportBuilder::default()
        .with_title("Isaac Lens · results")
        .with_decorations(false)
        .with_always_on_top()
        .with_inner_size([
            330.0,
            if app.settings.panel_compact {
                300.0
            } else {
                560.0
            },
        ])
        .with_resizable(true);
    if let Some([x, y]) = app.settings.panel_position {
        builder = builder.with_position([x, y]);
    }
    let id = egui::ViewportId::from_hash_of("results-panel");
    let alpha = (app.settings.panel_opacity.clamp(0.3, 1.0) * 255.0) as u8;
    ctx.show_viewport_immediate(id, builder, |ui, class| {
        let fill = Color32::from_rgba_unmultiplied(24, 22, 28, alpha);
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(fill).inner_margin(8.0))
            .show(ui, |ui| {
                // Dragging the header moves the borderless window.
                let header = ui.horizontal(|ui| {
                    ui.label(RichText::new("Isaac Lens").strong());
                    ui.checkbox(
                        &mut app.settings.panel_compact,
                        tr(app.settings.language, "compact"),
                    );
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
                        app.settings.panel_position = Some([outer.min.x, outer.min.y]);
                    }
                }
                egui::ScrollArea::vertical().show(ui, |ui| results_ui(app, ui, true));
            });
    });
}
