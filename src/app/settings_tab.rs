//! The Settings tab.

use super::{Language, LensApp, tr};
use crate::engine::DeviceChoice;

pub fn settings_ui(app: &mut LensApp, ui: &mut egui::Ui) {
    let lang = app.settings.language;
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([16.0, 10.0])
        .show(ui, |ui| {
            ui.label(tr(lang, "language"));
            ui.horizontal(|ui| {
                for l in [Language::English, Language::Chinese] {
                    ui.selectable_value(&mut app.settings.language, l, l.label());
                }
            });
            ui.end_row();

            for (key, scan) in [("hotkey", false), ("scan_hotkey", true)] {
                ui.label(tr(lang, key));
                ui.horizontal(|ui| {
                    let text = if scan {
                        &mut app.settings.scan_hotkey
                    } else {
                        &mut app.settings.hotkey
                    };
                    ui.text_edit_singleline(text);
                    if ui.button("✓").clicked() {
                        app.register_hotkeys(true);
                    }
                });
                ui.end_row();
            }

            ui.label(tr(lang, "device"));
            ui.horizontal(|ui| {
                for (d, label) in [
                    (DeviceChoice::Auto, "auto"),
                    (DeviceChoice::Cpu, "CPU"),
                    (DeviceChoice::Cuda, "CUDA"),
                ] {
                    ui.selectable_value(&mut app.settings.device, d, label);
                }
                ui.label(format!(
                    "(CUDA {})",
                    if tch::Cuda::is_available() {
                        "available"
                    } else {
                        "not available"
                    }
                ));
            });
            ui.end_row();

            ui.label(tr(lang, "threads"));
            ui.add(egui::DragValue::new(&mut app.settings.torch_threads).range(0..=64));
            ui.end_row();

            ui.label(tr(lang, "data_folder"));
            let mut folder = app
                .settings
                .data_folder
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let hint = crate::paths::data_dir().display().to_string();
            if ui
                .add(
                    egui::TextEdit::singleline(&mut folder)
                        .hint_text(hint)
                        .desired_width(360.0),
                )
                .changed()
            {
                app.settings.data_folder =
                    (!folder.trim().is_empty()).then(|| folder.trim().into());
            }
            ui.end_row();

            ui.label(tr(lang, "panel"));
            ui.checkbox(&mut app.settings.panel_enabled, "");
            ui.end_row();

            ui.label(tr(lang, "opacity"));
            ui.add(egui::Slider::new(
                &mut app.settings.panel_opacity,
                0.3..=1.0,
            ));
            ui.end_row();

            ui.label(tr(lang, "compact"));
            ui.checkbox(&mut app.settings.panel_compact, "");
            ui.end_row();

            ui.label("Live preview frames/s");
            ui.add(egui::Slider::new(&mut app.settings.live_fps, 0.5..=15.0));
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.label(egui::RichText::new(tr(lang, "restart_note")).weak());
    if let Some(font) = &app.cjk_font {
        ui.label(egui::RichText::new(format!("CJK font: {}", font.display())).weak());
    }
}
