//! A checkpoint is a folder: `model.safetensors` (the weights) and `manifest.json`
//! (architecture, input, normalisation, class list, catalog fingerprint, recipe, metrics).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, nn};

use super::EngineError;
use super::model::{self, Arch};
use super::train::{Metrics, Recipe};
use crate::catalog::{Catalog, ItemKey};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const FORMAT_VERSION: u32 = 1;

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
    pub catalog_fingerprint: String,
    /// Softmax temperature fitted on the validation split.
    pub temperature: f64,
    pub recipe: Recipe,
    pub metrics: Metrics,
    pub training_seconds: f64,
    pub created_unix: u64,
}

impl Manifest {
    pub fn outputs(&self) -> i64 {
        self.classes.len() as i64 + 1
    }
}

/// The model, its weights and its manifest, on one device.
pub struct Checkpoint {
    pub vs: nn::VarStore,
    pub net: Box<dyn nn::ModuleT + Send>,
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
    serde_json::from_value(value)
        .map_err(|e| EngineError::file(&path, format!("bad manifest: {e}")))
}

/// Loads a checkpoint and checks that it was trained on `catalog`'s items.
pub fn load(dir: &Path, catalog: &Catalog, device: Device) -> Result<Checkpoint, EngineError> {
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
    ckpt.vs.load(&weights).map_err(|e| {
        EngineError::file(
            &weights,
            format!("cannot load weights: {}", torch_message(&e.to_string())),
        )
    })?;
    Ok(ckpt)
}

/// libtorch's errors carry a C++ backtrace after the first line: one line is the message.
fn torch_message(error: &str) -> &str {
    let line = error.lines().next().unwrap_or(error);
    line.strip_prefix("Internal torch error: ").unwrap_or(line)
}

/// The class list must be the catalog's items, in catalog order.
pub fn check_catalog(manifest: &Manifest, catalog: &Catalog) -> Result<(), String> {
    let keys: Vec<ItemKey> = catalog.items().iter().map(|i| i.key()).collect();
    if keys == manifest.classes {
        return Ok(());
    }
    let first_difference = keys
        .iter()
        .zip(&manifest.classes)
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("; first difference: catalog has {a}, model has {b}"))
        .unwrap_or_default();
    Err(format!(
        "this model was trained on a different catalog ({} classes, the catalog has {} items{first_difference}); retrain it or choose the matching catalog",
        manifest.classes.len(),
        keys.len()
    ))
}

/// Writes the checkpoint into a staging folder and renames it to `dir` (replacing any).
pub fn save(ckpt: &Checkpoint, dir: &Path) -> Result<PathBuf, EngineError> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| EngineError::file(parent, e))?;
    let staged = crate::fsutil::staging_path(dir);
    let _ = std::fs::remove_dir_all(&staged);
    let result = (|| {
        std::fs::create_dir_all(&staged).map_err(|e| EngineError::file(&staged, e))?;
        let weights = staged.join(WEIGHTS_FILE);
        ckpt.vs
            .save(&weights)
            .map_err(|e| EngineError::file(&weights, e))?;
        let json = serde_json::to_vec_pretty(&ckpt.manifest)
            .map_err(|e| EngineError::Other(e.to_string()))?;
        std::fs::write(staged.join(MANIFEST_FILE), json)
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
