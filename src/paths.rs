//! Where the app keeps its data: the platform's data folder, or `ISAAC_LENS_DATA`.

use std::path::PathBuf;

pub const DATA_ENV: &str = "ISAAC_LENS_DATA";

pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "isaac-lens")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("isaac-lens-data"))
}

pub fn default_catalog_dir() -> PathBuf {
    data_dir().join("catalog")
}

pub fn models_dir() -> PathBuf {
    data_dir().join("models")
}

pub fn default_model_dir() -> PathBuf {
    models_dir().join("default")
}

/// The player's own labelled captures.
pub fn captures_dir() -> PathBuf {
    data_dir().join("captures")
}

/// The training backgrounds inside a `shared/isaac`-shaped folder, when it has them.
pub fn backgrounds_in(shared: &std::path::Path) -> Option<PathBuf> {
    Some(shared.join("backgrounds")).filter(|d| d.is_dir())
}

/// The backgrounds of the `shared/isaac` found beside this program ([`shared_isaac_dir`]).
pub fn default_backgrounds() -> Option<PathBuf> {
    shared_isaac_dir().and_then(|d| backgrounds_in(&d))
}

/// `../shared/isaac` beside the working folder or the executable's repository, if present.
pub fn shared_isaac_dir() -> Option<PathBuf> {
    let mut candidates = vec![
        PathBuf::from("../shared/isaac"),
        PathBuf::from("shared/isaac"),
    ];
    if let Ok(exe) = std::env::current_exe() {
        for ancestor in exe.ancestors().skip(1).take(5) {
            candidates.push(ancestor.join("../shared/isaac"));
        }
    }
    candidates.into_iter().find(|p| p.join("huiji").is_dir())
}
