//! The Settings tab.

use crate::app::i18n::Text;
use std::path::PathBuf;

use super::command::{Command, Shell, TabView};
use super::{Language, Settings, tr};
use crate::engine::DeviceChoice;

/// The Settings tab: the persisted settings as a form.
#[derive(Default)]
pub struct SettingsView {
    /// The font the Chinese text uses, when one was found.
    pub cjk_font: Option<PathBuf>,
    /// The stream overlay's address while it is served, or why it is not.
    pub overlay: Option<Result<String, String>>,
}

impl TabView for SettingsView {
    fn ui(&mut self, ui: &mut egui::Ui, settings: &mut Settings, shell: &mut Shell) {
        settings_ui(settings, ui, self, shell);
    }
}

fn settings_ui(settings: &mut Settings, ui: &mut egui::Ui, view: &SettingsView, shell: &mut Shell) {
    let lang = settings.language;
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([16.0, 10.0])
        .show(ui, |ui| {
            input_rows_ui(ui, settings, lang, shell);
            engine_rows_ui(ui, settings, lang);
            panel_rows_ui(ui, settings, lang);
            overlay_rows_ui(ui, settings, lang, view.overlay.as_ref(), shell);
        });
    ui.add_space(8.0);
    ui.label(egui::RichText::new(tr(lang, Text::RestartNote)).weak());
    if let Some(font) = &view.cjk_font {
        ui.label(egui::RichText::new(format!("CJK font: {}", font.display())).weak());
    }
}

/// Interface language and the hotkeys.
fn input_rows_ui(ui: &mut egui::Ui, settings: &mut Settings, lang: Language, shell: &mut Shell) {
    ui.label(tr(lang, Text::Language));
    ui.horizontal(|ui| {
        for l in [Language::English, Language::Chinese] {
            ui.selectable_value(&mut settings.language, l, l.label());
        }
    });
    ui.end_row();

    for key in [Text::Hotkey, Text::ScanHotkey, Text::NewRunHotkey] {
        ui.label(tr(lang, key));
        ui.horizontal(|ui| {
            let text = match key {
                Text::ScanHotkey => &mut settings.scan_hotkey,
                Text::NewRunHotkey => &mut settings.new_run_hotkey,
                _ => &mut settings.hotkey,
            };
            ui.text_edit_singleline(text);
            if ui.button("✓").clicked() {
                shell.ask(Command::RegisterHotkeys);
            }
        });
        ui.end_row();
    }
}

/// Where models run and where the data lives.
fn engine_rows_ui(ui: &mut egui::Ui, settings: &mut Settings, lang: Language) {
    ui.label(tr(lang, Text::Device));
    ui.horizontal(|ui| {
        for (d, label) in [
            (DeviceChoice::Auto, "auto"),
            (DeviceChoice::Cpu, "CPU"),
            (DeviceChoice::Cuda, "CUDA"),
        ] {
            ui.selectable_value(&mut settings.device, d, label);
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

    ui.label(tr(lang, Text::Threads));
    ui.add(egui::DragValue::new(&mut settings.torch_threads).range(super::settings::TORCH_THREADS));
    ui.end_row();

    ui.label(tr(lang, Text::DataFolder));
    let mut folder = settings
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
        settings.data_folder = (!folder.trim().is_empty()).then(|| folder.trim().into());
    }
    ui.end_row();
}

/// The floating panel and the live feed.
fn panel_rows_ui(ui: &mut egui::Ui, settings: &mut Settings, lang: Language) {
    ui.label(tr(lang, Text::Panel));
    ui.checkbox(&mut settings.panel_enabled, "");
    ui.end_row();

    ui.label(tr(lang, Text::Opacity));
    ui.add(egui::Slider::new(
        &mut settings.panel_opacity,
        super::settings::PANEL_OPACITY,
    ));
    ui.end_row();

    ui.label(tr(lang, Text::Compact));
    ui.checkbox(&mut settings.panel_compact, "");
    ui.end_row();

    ui.label(tr(lang, Text::LiveFps));
    ui.add(egui::Slider::new(
        &mut settings.live_fps,
        crate::capture::LIVE_FPS,
    ));
    ui.end_row();
}

/// The stream overlay: on or off, its port, names, the text file.
fn overlay_rows_ui(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    lang: Language,
    status: Option<&Result<String, String>>,
    shell: &mut Shell,
) {
    ui.label(tr(lang, Text::Overlay));
    ui.horizontal(|ui| {
        ui.checkbox(&mut settings.overlay_enabled, "");
        match status {
            Some(Ok(url)) => {
                ui.hyperlink(url);
                if ui.small_button(tr(lang, Text::CopyAddress)).clicked() {
                    ui.ctx().copy_text(url.clone());
                }
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {
                ui.label(egui::RichText::new(tr(lang, Text::OverlayOff)).weak());
            }
        }
    });
    ui.end_row();

    ui.label(tr(lang, Text::OverlayPort));
    // Typed, not dragged: each port passed on the way would be listened on in turn.
    ui.add(
        egui::DragValue::new(&mut settings.overlay_port)
            .range(crate::overlay::PORTS)
            .speed(0.0)
            .update_while_editing(false),
    );
    ui.end_row();

    ui.label(tr(lang, Text::OverlayNames));
    ui.checkbox(&mut settings.overlay_names, "");
    ui.end_row();

    ui.label(tr(lang, Text::OverlayTextFile));
    ui.horizontal(|ui| {
        ui.checkbox(&mut settings.overlay_text_file, "");
        let file = shell.paths.runs.join(super::stream_overlay::TEXT_FILE);
        ui.label(egui::RichText::new(file.display().to_string()).weak());
    });
    ui.end_row();
}
