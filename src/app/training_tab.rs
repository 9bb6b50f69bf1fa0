//! The Training tab: the recipe, synthetic previews, live curves, checkpoints.

use crate::app::i18n::Text;
use std::path::PathBuf;

use egui::RichText;
use egui_plot::{Line, Plot};

use super::command::{Command, Shell, TrainingControl};
use super::{Job, Settings, tr};
use crate::catalog::Catalog;
use crate::engine::model::{Arch, Precision};
use crate::engine::recipe::ranges;
use crate::engine::synth::{self, SampleSpec, Split, Style, SynthAssets};
use crate::engine::{Engine, Manifest, Progress, Recipe, Request};

#[derive(Default)]
pub struct TrainingView {
    pub running: bool,
    pub paused: bool,
    /// The first model of a fresh install: it is loaded as soon as it is saved.
    pub is_first_model: bool,
    pub last: Option<Progress>,
    pub loss: Vec<[f64; 2]>,
    pub accuracy: Vec<[f64; 2]>,
    pub device: String,
    pub preview: Vec<egui::TextureHandle>,
    pub checkpoints: Option<Vec<(PathBuf, Manifest)>>,
    pub out: Option<PathBuf>,
    /// How many corrected captures the player has; read once, reset when one is saved.
    pub captures_count: Option<usize>,
    /// How long the last frames of the window took to draw, in seconds.
    frame_times: std::collections::VecDeque<f32>,
    /// Why the last run left the model it started from in place, shown until the next run.
    pub kept: Option<String>,
    /// The files were asked for and have not come back yet.
    reading_files: bool,
}

impl TrainingView {
    /// Starts a training job with the player's `captures` (decoded on a helper thread); Err
    /// says why it could not start.
    pub fn start(
        &mut self,
        engine: Option<&Engine>,
        recipe: Recipe,
        out: PathBuf,
        captures: Vec<crate::engine::LabelledCapture>,
        first: bool,
    ) -> Result<(), String> {
        let Some(engine) = engine else {
            return Err("the engine is not running".into());
        };
        engine
            .send(Request::Train {
                recipe: Box::new(recipe),
                out: out.clone(),
                captures,
            })
            .map_err(|e| e.to_string())?;
        self.running = true;
        self.paused = false;
        self.kept = None;
        self.is_first_model = first;
        self.last = None;
        self.loss.clear();
        self.accuracy.clear();
        self.out = Some(out.clone());
        engine.set_paused(false);
        Ok(())
    }

    /// The Training tab's files as read on a helper thread.
    pub fn files_read(&mut self, files: TrainingFiles) {
        self.checkpoints = Some(files.checkpoints);
        self.captures_count = Some(files.captures);
        self.reading_files = false;
    }

    /// Asks for the files once while they are not known (a refresh or a save forgets them).
    fn want_files(&mut self, shell: &mut Shell) {
        if (self.checkpoints.is_none() || self.captures_count.is_none()) && !self.reading_files {
            self.reading_files = true;
            shell.ask(Command::ReadTrainingFiles);
        }
    }

    /// The run ended with its starting model kept, for the reason in `text`.
    pub fn kept(&mut self, text: String) {
        self.running = false;
        self.kept = Some(text);
    }

    /// The window drew a frame `dt` seconds after the one before.
    pub fn frame_drawn(&mut self, dt: f32) {
        self.frame_times.push_back(dt);
        if self.frame_times.len() > 60 {
            self.frame_times.pop_front();
        }
    }

    pub fn push_progress(&mut self, p: Progress) {
        if p.step > 0 && self.loss.last().is_none_or(|l| l[0] < p.step as f64) {
            self.loss.push([p.step as f64, p.loss]);
            self.accuracy.push([p.step as f64, p.accuracy * 100.0]);
        }
        self.last = Some(p);
    }

    pub fn finished(&mut self, _manifest: &Manifest) {
        self.running = false;
        self.is_first_model = false;
        self.checkpoints = None;
    }

    pub fn fraction(&self) -> f64 {
        self.last.as_ref().map(|p| p.fraction).unwrap_or(0.0)
    }

    pub fn set_preview(&mut self, ctx: &egui::Context, images: &[image::RgbImage]) {
        self.preview = images
            .iter()
            .enumerate()
            .map(|(i, img)| {
                let rgba = image::DynamicImage::ImageRgb8(img.clone()).to_rgba8();
                let colour = egui::ColorImage::from_rgba_unmultiplied(
                    [img.width() as usize, img.height() as usize],
                    rgba.as_raw(),
                );
                ctx.load_texture(
                    format!("preview-{i}"),
                    colour,
                    egui::TextureOptions::NEAREST,
                )
            })
            .collect();
    }
}

/// What the Training tab shows of the disk, read on a helper thread.
pub struct TrainingFiles {
    pub checkpoints: Vec<(PathBuf, Manifest)>,
    pub captures: usize,
}

/// The checkpoints in `models`, newest first, and how many corrected captures `captures`
/// holds (a labels file that cannot be read counts none, and is logged).
pub fn read_files(models: &std::path::Path, captures: &std::path::Path) -> TrainingFiles {
    let labels = captures.join(crate::corrections::LABELS_FILE);
    let count = if labels.is_file() {
        crate::corrections::read_labels(&labels)
            .map(|l| l.len())
            .unwrap_or_else(|e| {
                tracing::warn!("captures not counted: {e}");
                0
            })
    } else {
        0
    };
    TrainingFiles {
        checkpoints: list_checkpoints(models),
        captures: count,
    }
}

fn list_checkpoints(models: &std::path::Path) -> Vec<(PathBuf, Manifest)> {
    let mut out: Vec<(PathBuf, Manifest)> = std::fs::read_dir(models)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            crate::engine::read_manifest(&e.path())
                .ok()
                .map(|m| (e.path(), m))
        })
        .collect();
    out.sort_by_key(|(_, m)| std::cmp::Reverse(m.created_unix));
    out
}

impl super::command::TabView for TrainingView {
    fn ui(&mut self, ui: &mut egui::Ui, settings: &mut Settings, shell: &mut Shell) {
        let paths = shell.paths;
        egui::Panel::left("recipe")
            .resizable(true)
            .default_size(300.0)
            .min_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| self.recipe_ui(ui, &mut settings.recipe, shell));
            });
        egui::Panel::right("checkpoints")
            .resizable(true)
            .default_size(320.0)
            .min_size(260.0)
            .show(ui, |ui| self.checkpoints_ui(ui, shell));
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| self.controls_ui(ui, settings, &paths.models, shell));
            self.progress_ui(ui, shell);
            self.curves_ui(ui, shell);
        });
    }
}

impl TrainingView {
    /// Start, fine-tune (or extend) the current model; pause, stop or cancel a run.
    fn controls_ui(
        &mut self,
        ui: &mut egui::Ui,
        settings: &mut Settings,
        models: &std::path::Path,
        shell: &mut Shell,
    ) {
        if self.running {
            let pause = if self.paused {
                (Text::Resume, TrainingControl::Resume)
            } else {
                (Text::Pause, TrainingControl::Pause)
            };
            for (key, control) in [
                pause,
                (Text::Stop, TrainingControl::Stop),
                (Text::Cancel, TrainingControl::Cancel),
            ] {
                if ui.button(shell.t(key)).clicked() {
                    shell.ask(Command::Training(control));
                }
            }
            return;
        }
        let current = shell.model;
        if ui.button(shell.t(Text::Start)).clicked() {
            let out = models.join(format!("model-{}", crate::fsutil::unix_now()));
            let recipe = match current {
                Some((dir, m)) if settings.start_from_current && m.can_start(&settings.recipe) => {
                    m.continue_recipe(dir, &settings.recipe)
                }
                _ => Recipe {
                    init_from: None,
                    ..settings.recipe.clone()
                },
            };
            shell.ask(Command::StartTraining {
                recipe: Box::new(recipe),
                out,
            });
        }
        ui.checkbox(
            &mut settings.start_from_current,
            shell.t(Text::StartFromCurrent),
        );
        let Some((dir, manifest)) = current else {
            return;
        };
        let unknown = crate::engine::checkpoint::unknown_items(manifest, shell.catalog).len();
        let label = if unknown > 0 {
            Text::ExtendModel
        } else {
            Text::Finetune
        };
        if ui.button(shell.t(label)).clicked() {
            let out = models.join(format!("tuned-{}", crate::fsutil::unix_now()));
            let recipe = Box::new(manifest.fine_tune_recipe(dir));
            shell.ask(Command::StartTraining { recipe, out });
        }
    }

    /// The running (or last) job's progress, throughput and the UI's own frame rate.
    fn progress_ui(&self, ui: &mut egui::Ui, shell: &Shell) {
        let lang = shell.lang;
        if let Some(p) = &self.last {
            let eta = p
                .eta
                .map(|e| format!(" · ETA {}s", e.as_secs()))
                .unwrap_or_default();
            ui.add(egui::ProgressBar::new(p.fraction as f32).text(format!(
                "{} {:.0}%{eta}",
                p.phase.as_str(),
                p.fraction * 100.0
            )));
            ui.label(format!(
                "epoch {:.2} · step {} · {} {:.3} · {} {:.1}% · {:.0} images/s",
                p.epoch,
                p.step,
                tr(lang, Text::Loss),
                p.loss,
                tr(lang, Text::Accuracy),
                p.accuracy * 100.0,
                p.images_per_second
            ));
        }
        if let Some(kept) = &self.kept {
            ui.colored_label(ui.visuals().warn_fg_color, kept);
        }
        if !self.device.is_empty() {
            ui.label(RichText::new(&self.device).weak());
        }
        if self.running {
            // While training, the window repaints continuously: this shows it keeps up.
            let times = &self.frame_times;
            let mean = times.iter().sum::<f32>() / times.len().max(1) as f32;
            ui.label(RichText::new(format!("UI {:.0} frames/s", 1.0 / mean.max(1e-3))).weak());
        }
    }

    /// Loss and accuracy over the run.
    fn curves_ui(&self, ui: &mut egui::Ui, shell: &Shell) {
        let lang = shell.lang;
        let height = (ui.available_height() / 2.0 - 40.0).max(80.0);
        ui.label(tr(lang, Text::Loss));
        Plot::new("loss")
            .height(height)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(tr(lang, Text::Loss), self.loss.clone()));
            });
        ui.label(format!("{} (%)", tr(lang, Text::Accuracy)));
        Plot::new("accuracy")
            .height(height)
            .allow_scroll(false)
            .include_y(0.0)
            .include_y(100.0)
            .show(ui, |plot| {
                plot.line(Line::new(tr(lang, Text::Accuracy), self.accuracy.clone()));
            });
    }

    fn recipe_ui(&mut self, ui: &mut egui::Ui, r: &mut Recipe, shell: &mut Shell) {
        let lang = shell.lang;
        ui.horizontal(|ui| {
            ui.heading(tr(lang, Text::Recipe));
            // The recipe is saved with the settings, so improved defaults only reach a player
            // who asks for them.
            if ui.button(tr(lang, Text::RecipeDefaults)).clicked() {
                *r = Recipe::for_arch(r.arch);
            }
        });
        recipe_grid_ui(ui, r, lang);
        ui.separator();
        ui.label(RichText::new(tr(lang, Text::Augment)).strong());
        augment_ui(ui, &mut r.synth, lang);
        self.want_files(shell);
        let captures = self
            .captures_count
            .map_or_else(|| "…".to_string(), |n| n.to_string());
        let mut use_captures = r.capture_share > 0.0;
        if ui
            .checkbox(
                &mut use_captures,
                format!("{} ({captures})", tr(lang, Text::UseCaptures)),
            )
            .changed()
        {
            r.capture_share = if use_captures { 0.1 } else { 0.0 };
        }
        ui.separator();
        if ui.button(tr(lang, Text::Preview)).clicked() {
            shell.ask(Command::PreviewSamples);
        }
        ui.horizontal_wrapped(|ui| {
            for t in &self.preview {
                ui.add(egui::Image::new((t.id(), egui::vec2(64.0, 64.0))));
            }
        });
    }

    fn checkpoints_ui(&mut self, ui: &mut egui::Ui, shell: &mut Shell) {
        let lang = shell.lang;
        ui.horizontal(|ui| {
            ui.heading(tr(lang, Text::Checkpoints));
            if ui.small_button(tr(lang, Text::Refresh)).clicked() {
                self.checkpoints = None;
            }
        });
        self.want_files(shell);
        let list = self.checkpoints.clone().unwrap_or_default();
        let active = shell.model.map(|(d, _)| d.clone());
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (dir, m) in list {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                ui.group(|ui| {
                    ui.label(RichText::new(&name).strong());
                    ui.label(format!(
                        "{} · {} px · {} classes · {:.0} s",
                        m.arch.as_str(),
                        m.input_size,
                        m.classes.len(),
                        m.training_seconds
                    ));
                    ui.label(format!("top-1: {}", m.metrics.top1_summary()));
                    if active.as_ref() == Some(&dir) {
                        ui.label(RichText::new(tr(lang, Text::InUse)).italics());
                    } else if ui.button(tr(lang, Text::UseModel)).clicked() {
                        shell.ask(Command::UseModel(dir.clone()));
                    }
                });
            }
        });
    }
}

/// The work of rendering 24 synthetic samples of `recipe` (a third as phone photos),
/// different ones each time.
pub fn preview_job(
    catalog: std::sync::Arc<Catalog>,
    recipe: Recipe,
    backgrounds: Option<PathBuf>,
) -> impl FnOnce() -> Job + Send + 'static {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    move || {
        let result = SynthAssets::load(&catalog, backgrounds.as_deref()).map(|assets| {
            let specs: Vec<SampleSpec> = (0..24u64)
                .map(|i| SampleSpec {
                    class: Some(synth::sample_seed(seed, i) as usize % catalog.len().max(1)),
                    style: if i % 3 == 2 {
                        Style::Phone
                    } else {
                        Style::Screenshot
                    },
                    split: Split::Train,
                    seed: synth::sample_seed(seed ^ 0xfeed, i),
                })
                .collect();
            synth::render_many(&assets, &specs, recipe.input_size, &recipe.synth)
        });
        Job::Preview(result.map_err(|e| e.to_string()))
    }
}

/// Architecture, time, samples, batch, learning rate, focus and precision.
fn recipe_grid_ui(ui: &mut egui::Ui, r: &mut Recipe, lang: super::Language) {
    egui::Grid::new("recipe-grid")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("");
            let before = r.arch;
            egui::ComboBox::new("arch", tr(lang, Text::Arch))
                .selected_text(r.arch.as_str())
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut r.arch, Arch::Compact, "compact");
                    ui.selectable_value(&mut r.arch, Arch::Vgg16, "vgg16");
                });
            if r.arch != before {
                *r = Recipe {
                    minutes: r.minutes,
                    ..Recipe::for_arch(r.arch)
                };
            }
            ui.end_row();
            ui.label(tr(lang, Text::Minutes));
            // A recipe of epochs alone gets the engine's default time when it is given one here.
            let default_minutes = Recipe::for_arch(r.arch).minutes.unwrap_or(9.0);
            let mut minutes = r.minutes.unwrap_or(default_minutes);
            ui.add(
                egui::DragValue::new(&mut minutes)
                    .range(ranges::MINUTES)
                    .speed(0.1),
            );
            r.minutes = Some(minutes);
            ui.end_row();
            ui.label(tr(lang, Text::Samples));
            ui.add(egui::DragValue::new(&mut r.samples_per_class).range(ranges::SAMPLES_PER_CLASS));
            ui.end_row();
            ui.label(tr(lang, Text::Batch));
            ui.add(egui::DragValue::new(&mut r.batch_size).range(ranges::BATCH_SIZE));
            ui.end_row();
            ui.label(tr(lang, Text::LearningRate));
            ui.add(
                egui::DragValue::new(&mut r.learning_rate)
                    .range(ranges::LEARNING_RATE)
                    .speed(1e-4),
            );
            ui.end_row();
            ui.label(tr(lang, Text::Focus));
            ui.add(egui::Slider::new(&mut r.focus, ranges::SHARE));
            ui.end_row();
            ui.label(tr(lang, Text::Precision));
            egui::ComboBox::new("precision", "")
                .selected_text(r.precision.as_str())
                .show_ui(ui, |ui| {
                    for p in [Precision::Auto, Precision::F32, Precision::Bf16] {
                        ui.selectable_value(&mut r.precision, p, p.as_str());
                    }
                });
            ui.end_row();
        });
}

/// How synthetic samples are varied.
fn augment_ui(ui: &mut egui::Ui, s: &mut synth::SynthOptions, lang: super::Language) {
    ui.add(egui::Slider::new(&mut s.phone_share, ranges::SHARE_F32).text(tr(lang, Text::AugPhone)));
    ui.add(
        egui::Slider::new(&mut s.pedestal_share, ranges::SHARE_F32)
            .text(tr(lang, Text::AugPedestals)),
    );
    ui.add(egui::Slider::new(&mut s.glow_share, ranges::SHARE_F32).text(tr(lang, Text::AugGlow)));
    ui.add(
        egui::Slider::new(&mut s.entity_share, ranges::SHARE_F32).text(tr(lang, Text::AugEntities)),
    );
    ui.add(egui::Slider::new(&mut s.dark_share, ranges::SHARE_F32).text(tr(lang, Text::AugDark)));
    ui.add(
        egui::Slider::new(&mut s.frame_share, ranges::SHARE_F32).text(tr(lang, Text::AugFrames)),
    );
    ui.checkbox(&mut s.jpeg, "JPEG");
    ui.checkbox(&mut s.blur, tr(lang, Text::AugBlur));
    ui.checkbox(&mut s.noise, tr(lang, Text::AugNoise));
    ui.checkbox(&mut s.colour, tr(lang, Text::AugColour));
    ui.checkbox(&mut s.moire, tr(lang, Text::AugMoire));
    ui.checkbox(&mut s.perspective, tr(lang, Text::AugPerspective));
}
