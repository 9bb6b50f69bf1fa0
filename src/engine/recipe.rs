//! What training is asked to do and what it measured: the types training, checkpoints and
//! the front ends share. This sits below every other engine module.

use std::path::PathBuf;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::model::{Arch, Precision};
use super::synth::{Style, SynthOptions};
use crate::catalog::ItemKey;

/// The range of every number of a recipe: [`Recipe::check`] and the Training tab's form both
/// use these, so the form never offers what the check refuses.
pub mod ranges {
    use std::ops::RangeInclusive;

    /// Model input sides: the compact network needs at least 16 px (four stages of pooling);
    /// beyond 256 px crops would only be upscaled.
    pub const INPUT_SIZE: RangeInclusive<u32> = 16..=256;
    /// A week at most.
    pub const MINUTES: RangeInclusive<f64> = 0.01..=10_080.0;
    pub const EPOCHS: RangeInclusive<f64> = 0.001..=10_000.0;
    pub const BATCH_SIZE: RangeInclusive<usize> = 1..=1024;
    pub const SAMPLES_PER_CLASS: RangeInclusive<u32> = 1..=1_000_000;
    pub const LEARNING_RATE: RangeInclusive<f64> = 1e-7..=1.0;
    pub const WEIGHT_DECAY: RangeInclusive<f64> = 0.0..=1.0;
    pub const LABEL_SMOOTHING: RangeInclusive<f64> = 0.0..=0.5;
    /// Shares of samples (focus, backgrounds, captures, each look of the synthesis).
    pub const SHARE: RangeInclusive<f64> = 0.0..=1.0;
    pub const SHARE_F32: RangeInclusive<f32> = 0.0..=1.0;
    pub const VALIDATION_PER_CLASS: RangeInclusive<u32> = 1..=100;
    /// How much of its crop an item may fill, smallest and largest.
    pub const ITEM_FILL: RangeInclusive<f32> = 0.1..=1.2;
}

pub const MEAN: [f32; 3] = [0.45, 0.42, 0.40];
pub const STD: [f32; 3] = [0.27, 0.26, 0.26];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipe {
    pub arch: Arch,
    pub input_size: u32,
    /// Wall-clock budget for the training loop (validation and saving come on top).
    pub minutes: Option<f64>,
    /// Epochs of `samples_per_class` samples per class; with `minutes`, whichever ends first.
    pub epochs: Option<f64>,
    pub samples_per_class: u32,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub label_smoothing: f64,
    /// Share of items drawn by how hard the network still finds them (running training
    /// loss per item); the rest are drawn uniformly.
    pub focus: f64,
    /// Arithmetic of the convolutions while training.
    pub precision: Precision,
    /// Share of "no item here" samples (floors, pedestals, clutter).
    pub background_share: f32,
    /// Share of samples drawn from the player's own labelled captures, when there are any.
    pub capture_share: f32,
    pub seed: u64,
    /// Validation samples per class and style (crops; frames get half as many, at least one).
    pub validation_per_class: u32,
    pub synth: SynthOptions,
    /// Start from this checkpoint's weights (fine-tuning).
    pub init_from: Option<PathBuf>,
    /// With `init_from`: validate the starting weights first on the same held-out sets, and
    /// keep the starting model (save nothing) when the new one falls more than
    /// [`ALLOWED_DROP`] on any set and style. What the app starts from a trained model uses it.
    pub keep_starting_if_worse: bool,
}

/// How far (top-1, as a share) a run started from a trained model may fall on any held-out
/// set and style before the starting model is kept instead: half a point.
pub const ALLOWED_DROP: f64 = 0.005;

/// The first held-out set and style where `after` falls more than [`ALLOWED_DROP`] below
/// `before` (top-1), said in words: "phone photos on crops fell from 99.1% to 97.5%".
pub fn first_drop(before: &[StyleMetrics], after: &[StyleMetrics]) -> Option<String> {
    after.iter().find_map(|a| {
        let b = before
            .iter()
            .find(|b| b.set == a.set && b.style == a.style)?;
        (a.top1 < b.top1 - ALLOWED_DROP).then(|| {
            format!(
                "{} on {} fell from {:.1}% to {:.1}%",
                a.style.as_str(),
                a.set.as_str(),
                b.top1 * 100.0,
                a.top1 * 100.0
            )
        })
    })
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            arch: Arch::Compact,
            input_size: Arch::Compact.default_input_size(),
            minutes: Some(9.0),
            epochs: None,
            samples_per_class: 64,
            batch_size: 128,
            learning_rate: 4e-3,
            weight_decay: 5e-4,
            label_smoothing: 0.05,
            focus: 0.5,
            precision: Precision::Auto,
            background_share: 0.12,
            capture_share: 0.1,
            seed: 1,
            validation_per_class: 4,
            synth: SynthOptions::default(),
            init_from: None,
            keep_starting_if_worse: false,
        }
    }
}

impl Recipe {
    pub fn for_arch(arch: Arch) -> Self {
        let mut r = Self {
            arch,
            input_size: arch.default_input_size(),
            ..Self::default()
        };
        if arch == Arch::Vgg16 {
            // The notebook's settings: SGD-like small steps suit the deep plain network.
            r.learning_rate = 1e-3;
            r.batch_size = 64;
        }
        r
    }
}

/// Which held-out crops a figure is measured on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationSet {
    /// Crops drawn one by one by the training renderer, on held-out backgrounds.
    #[default]
    Crops,
    /// Boxes cut from whole game frames scaled as the game does (`frames`).
    Frames,
}

impl ValidationSet {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationSet::Crops => "crops",
            ValidationSet::Frames => "frames",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StyleMetrics {
    #[serde(default)]
    pub set: ValidationSet,
    pub style: Style,
    pub samples: usize,
    pub top1: f64,
    pub top5: f64,
    pub top10: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub steps: u64,
    pub samples_seen: u64,
    pub epochs: f64,
    pub train_images_per_second: f64,
    pub final_loss: f64,
    /// What the convolutions computed in while training ("f32", "bf16").
    #[serde(default)]
    pub precision: String,
    pub validation: Vec<StyleMetrics>,
    /// A run from a trained model that guarded it (`keep_starting_if_worse`): the starting
    /// model's figures on the same held-out sets, before training.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starting_validation: Vec<StyleMetrics>,
    /// Mean calibrated top item score on held-out item crops and on crops with no item.
    pub mean_top_score_items: f64,
    pub mean_top_score_no_item: f64,
    pub stopped_early: bool,
}

impl Metrics {
    /// Top-1 on both validation sets in one line: "crops 99.1% / 97.0% · frames 98.0% / 95.2%"
    /// (screenshots / phone photos); "?" where a figure is missing (older checkpoints).
    pub fn top1_summary(&self) -> String {
        let pct = |set, style| {
            self.top1(set, style)
                .map(|v| format!("{:.1}%", v * 100.0))
                .unwrap_or_else(|| "?".into())
        };
        [ValidationSet::Crops, ValidationSet::Frames]
            .iter()
            .map(|&set| {
                format!(
                    "{} {} / {}",
                    set.as_str(),
                    pct(set, Style::Screenshot),
                    pct(set, Style::Phone)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub fn top1(&self, set: ValidationSet, style: Style) -> Option<f64> {
        self.validation
            .iter()
            .find(|m| m.set == set && m.style == style)
            .map(|m| m.top1)
    }
}

/// A real crop the player labelled.
#[derive(Clone, Debug)]
pub struct LabelledCapture {
    pub key: ItemKey,
    pub image: RgbImage,
}

/// `value` within `range`, or a one-line message naming `name` and the allowed range.
pub fn check_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), String> {
    // NaN compares false with everything: it fails here too.
    if range.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{name} {value} is outside {}..={}",
            range.start(),
            range.end()
        ))
    }
}

impl Recipe {
    /// Every number checked against its range (a week of minutes at most, batches that fit
    /// in memory, shares between 0 and 1), so a bad flag, settings file or manifest is refused
    /// with a message naming the value before any work starts.
    pub fn check(&self) -> Result<(), String> {
        check_range("input size", self.input_size, ranges::INPUT_SIZE)?;
        match (self.minutes, self.epochs) {
            (None, None) => return Err("a recipe needs minutes or epochs".into()),
            (minutes, epochs) => {
                if let Some(m) = minutes {
                    check_range("minutes", m, ranges::MINUTES)?;
                }
                if let Some(e) = epochs {
                    check_range("epochs", e, ranges::EPOCHS)?;
                }
            }
        }
        check_range("batch size", self.batch_size, ranges::BATCH_SIZE)?;
        check_range(
            "samples per class",
            self.samples_per_class,
            ranges::SAMPLES_PER_CLASS,
        )?;
        check_range("learning rate", self.learning_rate, ranges::LEARNING_RATE)?;
        check_range("weight decay", self.weight_decay, ranges::WEIGHT_DECAY)?;
        check_range(
            "label smoothing",
            self.label_smoothing,
            ranges::LABEL_SMOOTHING,
        )?;
        check_range("focus", self.focus, ranges::SHARE)?;
        check_range("background share", self.background_share, ranges::SHARE_F32)?;
        check_range("capture share", self.capture_share, ranges::SHARE_F32)?;
        check_range(
            "validation per class",
            self.validation_per_class,
            ranges::VALIDATION_PER_CLASS,
        )?;
        let s = &self.synth;
        for (name, v) in [
            ("phone share", s.phone_share),
            ("pedestal share", s.pedestal_share),
            ("glow share", s.glow_share),
            ("entity share", s.entity_share),
            ("dark share", s.dark_share),
            ("frame share", s.frame_share),
        ] {
            check_range(name, v, ranges::SHARE_F32)?;
        }
        check_range("item fill (smallest)", s.item_fill.0, ranges::ITEM_FILL)?;
        check_range(
            "item fill (largest)",
            s.item_fill.1,
            s.item_fill.0..=*ranges::ITEM_FILL.end(),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_past_half_a_point_on_any_set_is_named() {
        let m = |set, style, top1| StyleMetrics {
            set,
            style,
            samples: 1000,
            top1,
            top5: 1.0,
            top10: 1.0,
        };
        let before = [
            m(ValidationSet::Crops, Style::Screenshot, 0.99),
            m(ValidationSet::Frames, Style::Phone, 0.986),
        ];
        let after = [
            m(ValidationSet::Crops, Style::Screenshot, 0.9855),
            m(ValidationSet::Frames, Style::Phone, 0.986),
        ];
        assert_eq!(first_drop(&before, &after), None);
        let after = [
            m(ValidationSet::Crops, Style::Screenshot, 0.999),
            m(ValidationSet::Frames, Style::Phone, 0.953),
        ];
        assert_eq!(
            first_drop(&before, &after).as_deref(),
            Some("phone on frames fell from 98.6% to 95.3%")
        );
    }

    #[test]
    fn recipe_check_names_the_bad_value_and_its_range() {
        assert_eq!(Recipe::default().check(), Ok(()));
        let bad = |r: Recipe| r.check().unwrap_err();
        let minutes = |m| Recipe {
            minutes: Some(m),
            ..Recipe::default()
        };
        assert_eq!(
            bad(minutes(f64::INFINITY)),
            "minutes inf is outside 0.01..=10080"
        );
        assert!(bad(minutes(f64::NAN)).starts_with("minutes NaN"));
        assert!(bad(minutes(-1.0)).starts_with("minutes -1"));
        assert!(
            bad(Recipe {
                learning_rate: f64::NAN,
                ..Recipe::default()
            })
            .starts_with("learning rate NaN")
        );
        assert!(
            bad(Recipe {
                batch_size: 1 << 40,
                ..Recipe::default()
            })
            .starts_with("batch size")
        );
        assert!(
            bad(Recipe {
                input_size: 4,
                ..Recipe::default()
            })
            .starts_with("input size 4")
        );
        assert!(
            bad(Recipe {
                minutes: None,
                epochs: None,
                ..Recipe::default()
            })
            .contains("minutes or epochs")
        );
        let synth = SynthOptions {
            item_fill: (0.9, 0.5),
            ..SynthOptions::default()
        };
        assert!(
            bad(Recipe {
                synth,
                ..Recipe::default()
            })
            .starts_with("item fill (largest) 0.5")
        );
    }
}
