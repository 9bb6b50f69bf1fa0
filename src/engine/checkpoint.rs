//! A checkpoint is a folder: `model.safetensors` (the weights) and `manifest.json`
//! (architecture, input, normalisation, class list, lineage, recipe, metrics).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, nn};

use super::EngineError;
use super::model::{self, Arch};
use super::recipe::{Metrics, Recipe};
use crate::catalog::{Catalog, ItemKey};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const FORMAT_VERSION: u32 = 1;

/// What a checkpoint folder holds; nothing else in it is ours to replace.
pub const LAYOUT: crate::fsutil::Layout = crate::fsutil::Layout {
    marker: MANIFEST_FILE,
    files: &[WEIGHTS_FILE],
    folders: &[],
    file_extensions: &[],
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub arch: Arch,
    pub input_size: u32,
    /// Per-channel normalisation applied to 0..1 RGB.
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// Output i is `classes[i]`; one more output after them means "no item here".
    pub classes: Vec<ItemKey>,
    /// The model this one continued from, in words (its folder's name and when it was
    /// made), never a path of the machine it was trained on; None for a model from scratch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_from: Option<String>,
    /// Softmax temperature fitted on the validation split.
    pub temperature: f64,
    pub recipe: Recipe,
    pub metrics: Metrics,
    pub training_seconds: f64,
    pub created_unix: u64,
}

/// Training minutes of a fine-tune: with its short validation, about a minute in all on 2
/// CPU cores.
pub const FINE_TUNE_MINUTES: f64 = 0.5;

/// A fine-tune's learning rate, as a share of the model's own.
pub const FINE_TUNE_RATE: f64 = 0.1;

/// The least peak learning rate of a fine-tune: a model that was itself fine-tuned gently
/// (the shipped one's last step ran at 6e-4) would otherwise learn a new item mostly in its
/// new row's bias, which then outbids known items (a real capture of Dinner was named as a
/// new item at 0.70 at 6e-5, 0.50 at 1.2e-4).
pub const FINE_TUNE_LEAST_RATE: f64 = 1.2e-4;

/// Share of a fine-tune's samples drawn from the player's corrected captures. A quarter made
/// a few captures' surroundings (the real altar, the room) part of the new item: with 0.25,
/// six captures of a new item on altars taught the shipped model to name a real capture of
/// Dinner on its altar as the new item.
pub const FINE_TUNE_CAPTURE_SHARE: f32 = 0.15;

/// The most of its own learning rate a model continues training at.
pub const CONTINUE_RATE: f64 = 0.3;

impl Manifest {
    pub fn outputs(&self) -> i64 {
        self.classes.len() as i64 + 1
    }

    /// Whether these weights can start a run of `recipe` (same network and input size).
    pub fn can_start(&self, recipe: &Recipe) -> bool {
        self.arch == recipe.arch && self.input_size == recipe.input_size
    }

    /// A short fine-tune of the model in `from` (this manifest's folder): its own recipe
    /// (the same mix of samples, so it keeps rehearsing what it knows), from its weights, a
    /// tenth of its learning rate, a share of the player's captures, and a one-crop-per-item
    /// validation. The model in `from` stays unless the new one is as good on every held-out
    /// set. Also extends the model to catalog items it does not know.
    pub fn fine_tune_recipe(&self, from: &Path) -> Recipe {
        Recipe {
            init_from: Some(from.to_path_buf()),
            minutes: Some(FINE_TUNE_MINUTES),
            epochs: None,
            learning_rate: (self.recipe.learning_rate * FINE_TUNE_RATE).max(FINE_TUNE_LEAST_RATE),
            capture_share: FINE_TUNE_CAPTURE_SHARE,
            validation_per_class: 1,
            // The player's CPU decides, whatever the model was trained with.
            precision: super::model::Precision::Auto,
            keep_starting_if_worse: true,
            ..self.recipe.clone()
        }
    }

    /// `recipe` (the Training tab's) run from this model's weights in `from`: its peak
    /// learning rate at most [`CONTINUE_RATE`] of the one this model was trained with (a
    /// from-scratch rate knocks trained weights out of what they learned), and the model in
    /// `from` kept unless the new one is as good on every held-out set.
    pub fn continue_recipe(&self, from: &Path, recipe: &Recipe) -> Recipe {
        Recipe {
            init_from: Some(from.to_path_buf()),
            learning_rate: recipe
                .learning_rate
                .min(self.recipe.learning_rate * CONTINUE_RATE),
            keep_starting_if_worse: true,
            ..recipe.clone()
        }
    }
}

/// The model, its weights and its manifest, on one device.
pub struct Checkpoint {
    pub vs: nn::VarStore,
    pub net: Box<dyn model::Network>,
    pub manifest: Manifest,
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

/// A fresh, untrained network for `manifest`.
pub fn fresh(manifest: Manifest, device: Device) -> Checkpoint {
    let vs = nn::VarStore::new(device);
    let net = model::build(
        manifest.arch,
        &vs.root(),
        manifest.outputs(),
        manifest.input_size,
        manifest.recipe.precision.training_kind(device),
    );
    Checkpoint { vs, net, manifest }
}

pub fn read_manifest(dir: &Path) -> Result<Manifest, EngineError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|e| EngineError::file(&path, e))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::file(&path, format!("not valid JSON: {e}")))?;
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if version == 0 || version > u64::from(FORMAT_VERSION) {
        return Err(EngineError::file(
            &path,
            format!("unsupported checkpoint format {version} (this build reads {FORMAT_VERSION})"),
        ));
    }
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|e| EngineError::file(&path, format!("bad manifest: {e}")))?;
    manifest
        .check()
        .map_err(|e| EngineError::file(&path, format!("bad manifest: {e}")))?;
    Ok(manifest)
}

/// Input sides a checkpoint may ask for: those a recipe may.
pub use super::recipe::ranges::INPUT_SIZE as INPUT_SIZES;

impl Manifest {
    /// Every number checked against its range, so a damaged manifest is refused with a
    /// message naming the value instead of breaking prediction.
    pub fn check(&self) -> Result<(), String> {
        if !INPUT_SIZES.contains(&self.input_size) {
            return Err(format!(
                "input_size {} is outside {}..={}",
                self.input_size,
                INPUT_SIZES.start(),
                INPUT_SIZES.end()
            ));
        }
        if self.arch == Arch::Vgg16 && !self.input_size.is_multiple_of(32) {
            return Err(format!(
                "input_size {} must be a multiple of 32 for vgg16",
                self.input_size
            ));
        }
        if !(self.temperature.is_finite() && (0.01..=100.0).contains(&self.temperature)) {
            return Err(format!(
                "temperature {} is outside 0.01..=100",
                self.temperature
            ));
        }
        if let Some(v) = self.mean.iter().find(|v| !v.is_finite()) {
            return Err(format!("mean {v} is not a finite number"));
        }
        if let Some(v) = self.std.iter().find(|v| !(v.is_finite() && **v > 1e-3)) {
            return Err(format!("std {v} must be a number above 0.001"));
        }
        if self.classes.is_empty() {
            return Err("the class list is empty".into());
        }
        Ok(())
    }
}

/// Loads a checkpoint and checks that it was trained on `catalog`'s items.
pub fn load(dir: &Path, catalog: &Catalog, device: Device) -> Result<Checkpoint, EngineError> {
    crate::fsutil::recover_interrupted(dir, &LAYOUT).map_err(|e| EngineError::file(dir, e))?;
    if !dir.is_dir() {
        return Err(EngineError::file(dir, "no such model folder"));
    }
    let manifest = read_manifest(dir)?;
    check_catalog(&manifest, catalog).map_err(|m| EngineError::file(dir, m))?;
    let weights = dir.join(WEIGHTS_FILE);
    if !weights.is_file() {
        return Err(EngineError::file(&weights, "weights file is missing"));
    }
    let mut ckpt = fresh(manifest, device);
    load_weights(&mut ckpt.vs, &weights).map_err(|m| EngineError::file(&weights, m))?;
    Ok(ckpt)
}

/// Loads the safetensors file into `vs`, each variable present once with exactly its shape
/// and 32-bit floats: libtorch's own loader would broadcast a wrong shape or convert a
/// wrong type without a word.
fn load_weights(vs: &mut nn::VarStore, path: &Path) -> Result<(), String> {
    let named = tch::Tensor::read_safetensors(path)
        .map_err(|e| format!("cannot load weights: {}", torch_message(&e.to_string())))?;
    let mut by_name: std::collections::HashMap<String, tch::Tensor> = named.into_iter().collect();
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let Some(t) = by_name.remove(&name) else {
                return Err(format!("weight {name} is missing"));
            };
            if t.kind() != tch::Kind::Float {
                return Err(format!("weight {name} is {:?}, not 32-bit float", t.kind()));
            }
            if t.size() != var.size() {
                return Err(format!(
                    "weight {name} has shape {:?}, the model needs {:?}",
                    t.size(),
                    var.size()
                ));
            }
            // NaN or infinite weights would rank every item "NaN%": refused like a bad shape.
            let finite = t
                .f_isfinite()
                .and_then(|f| f.f_all())
                .and_then(bool::try_from)
                .map_err(|e| format!("weight {name} cannot be checked: {e}"))?;
            if !finite {
                return Err(format!("weight {name} holds NaN or infinite numbers"));
            }
            var.f_copy_(&t.to_device(var.device()))
                .map_err(|e| format!("weight {name}: {}", torch_message(&e.to_string())))?;
        }
        Ok(())
    })?;
    match by_name.keys().next() {
        Some(extra) => Err(format!("weight {extra} does not belong to this model")),
        None => Ok(()),
    }
}

/// libtorch's errors carry a C++ backtrace after the first line: one line is the message.
pub(crate) fn torch_message(error: &str) -> &str {
    let line = error.lines().next().unwrap_or(error);
    line.strip_prefix("Internal torch error: ").unwrap_or(line)
}

/// Every class of the model must be a catalog item (the catalog may hold more: items the
/// model does not know yet, see [`unknown_items`]), each once.
pub fn check_catalog(manifest: &Manifest, catalog: &Catalog) -> Result<(), String> {
    let keys: std::collections::HashSet<ItemKey> =
        catalog.items().iter().map(|i| i.key()).collect();
    let mut seen = std::collections::HashSet::new();
    if let Some(missing) = manifest.classes.iter().find(|k| !keys.contains(k)) {
        return Err(format!(
            "this model was trained on a different catalog: it knows {missing}, which the catalog ({} items) lacks; retrain it or choose the matching catalog",
            keys.len()
        ));
    }
    if let Some(twice) = manifest.classes.iter().find(|k| !seen.insert(**k)) {
        return Err(format!("the model lists {twice} twice among its classes"));
    }
    Ok(())
}

/// Catalog items the model has no output for (newer items from a game-files import): the
/// model never answers them until it is extended by fine-tuning.
pub fn unknown_items(manifest: &Manifest, catalog: &Catalog) -> Vec<ItemKey> {
    let known: std::collections::HashSet<&ItemKey> = manifest.classes.iter().collect();
    catalog
        .items()
        .iter()
        .map(|i| i.key())
        .filter(|k| !known.contains(k))
        .collect()
}

/// The words a model records for the one it continued from (in `dir`): the folder's name and
/// when that model was made, not the path of the machine it was trained on.
pub fn lineage_of(dir: &Path, manifest: &Manifest) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "a model".into());
    format!(
        "{} (made at unix time {}, {:.0} s of training)",
        crate::quote::clip(&name, 80),
        manifest.created_unix,
        manifest.training_seconds
    )
}

/// Copies `from`'s weights into `to` (same architecture and input size). Where the class
/// lists differ, the output layer's rows follow the items (and the final "no item" row);
/// rows of items `from` does not know keep their fresh initialisation.
pub fn copy_weights(from: &Checkpoint, to: &mut Checkpoint) -> Result<(), String> {
    let source = from.vs.variables();
    let (old_out, new_out) = (from.manifest.outputs(), to.manifest.outputs());
    // Output row in `from` for each output row of `to`.
    let rows: Vec<Option<i64>> = to
        .manifest
        .classes
        .iter()
        .map(|k| {
            from.manifest
                .classes
                .iter()
                .position(|c| c == k)
                .map(|i| i as i64)
        })
        .chain(std::iter::once(Some(old_out - 1)))
        .collect();
    let output_layer = format!("{}.", from.manifest.arch.output_layer());
    tch::no_grad(|| {
        for (name, mut target) in to.vs.variables() {
            let Some(src) = source.get(&name) else {
                return Err(format!("{name} is missing from the starting model"));
            };
            let src = src.to_device(target.device());
            let output = name.starts_with(&output_layer)
                && src.size().first() == Some(&old_out)
                && target.size().first() == Some(&new_out)
                && src.size()[1..] == target.size()[1..];
            if output {
                for (row, from_row) in rows.iter().enumerate() {
                    if let Some(r) = from_row {
                        target.get(row as i64).copy_(&src.get(*r));
                    }
                }
            } else if src.size() == target.size() {
                target.copy_(&src);
            } else {
                return Err(format!(
                    "{name} has shape {:?} in the starting model, {:?} here",
                    src.size(),
                    target.size()
                ));
            }
        }
        Ok(())
    })
}

/// Whether a checkpoint may be written to `dir`: new, empty or a checkpoint, and not the one
/// it starts from. Leftovers of interrupted saves there are cleaned up.
pub fn check_writable(dir: &Path, init_from: Option<&Path>) -> Result<(), EngineError> {
    let sources: Vec<&Path> = init_from.into_iter().collect();
    crate::fsutil::remove_stale_staging(dir, &LAYOUT);
    crate::fsutil::check_replaceable(dir, &LAYOUT, &sources)
        .map_err(|m| EngineError::file(dir, m))?;
    Ok(())
}

/// Writes the checkpoint into a staging folder and renames it to `dir` (replacing only a
/// checkpoint there).
pub fn save(ckpt: &Checkpoint, dir: &Path) -> Result<PathBuf, EngineError> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| EngineError::file(parent, e))?;
    check_writable(dir, ckpt.manifest.recipe.init_from.as_deref())?;
    let staged = crate::fsutil::staging_path(dir);
    let _ = std::fs::remove_dir_all(&staged);
    let result = (|| {
        std::fs::create_dir_all(&staged).map_err(|e| EngineError::file(&staged, e))?;
        let weights = staged.join(WEIGHTS_FILE);
        ckpt.vs
            .save(&weights)
            .map_err(|e| EngineError::file(&weights, e))?;
        // The run's own recipe, less the path it started from (see `started_from`).
        let mut manifest = ckpt.manifest.clone();
        manifest.recipe.init_from = None;
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| EngineError::Other(e.to_string()))?;
        // The manifest last and whole: a staged folder holding it is complete.
        crate::fsutil::write_atomic(&staged.join(MANIFEST_FILE), &json)
            .map_err(|e| EngineError::file(&staged, e))?;
        crate::fsutil::replace_dir(&staged, dir).map_err(|e| EngineError::file(dir, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    result.map(|()| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    #[test]
    fn torch_errors_become_one_line() {
        let raw = "Internal torch error: stage3.a.bn.running_mean: size 192 must match 256\nException raised from infer_size_impl\nframe #0: c10::Error";
        assert_eq!(
            super::torch_message(raw),
            "stage3.a.bn.running_mean: size 192 must match 256"
        );
        assert_eq!(super::torch_message("plain"), "plain");
    }
}
