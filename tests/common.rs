//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use isaac_lens::catalog::Catalog;
use isaac_lens::catalog::import::{ImportSources, import};

/// `../shared/isaac`, which tests read and never copy.
pub fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/isaac");
    assert!(
        dir.join("huiji").is_dir(),
        "tests need the item data at {}",
        dir.display()
    );
    dir
}

/// The real catalog, imported once per test binary into a temporary folder.
pub fn real_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<(tempfile::TempDir, Catalog)> = OnceLock::new();
    &CATALOG
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let (catalog, _) = import(
                &ImportSources::from_shared(&shared()),
                &dir.path().join("catalog"),
            )
            .expect("import");
            (dir, catalog)
        })
        .1
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isaac-lens"))
}
