//! External Item Descriptions tables: English and Chinese names and descriptions.
//!
//! Layout: `names/{en_us,zh_cn}.lua` and `ab+/`, `rep/`, `rep+/` description files; later
//! game versions override earlier ones.

use std::collections::BTreeMap;
use std::path::Path;

use super::lua::{self, Key, Statement, Value};
use super::{CatalogError, ItemKey, ItemKind, Result};

/// Description folders in override order.
pub const VERSIONS: [&str; 3] = ["ab+", "rep", "rep+"];
pub(super) const NAME_PREFIXES: [(&str, ItemKind); 2] = [
    ("5.100.", ItemKind::Collectible),
    ("5.350.", ItemKind::Trinket),
];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EidText {
    pub name_en: Option<String>,
    pub name_zh: Option<String>,
    pub description_en: Option<String>,
    pub description_zh: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    En,
    Zh,
}

/// Whether `path` is a table file to read. A path that is there but is no file (a folder, a
/// link to nowhere or a link loop) is noted in `skipped` instead of passed over in silence.
pub(super) fn table_file(path: &Path, skipped: &mut Vec<String>) -> bool {
    if path.is_file() {
        return true;
    }
    if path.symlink_metadata().is_ok() {
        skipped.push(format!(
            "{}: not a readable file (a folder or a broken link); skipped",
            crate::quote::path(path)
        ));
    }
    false
}

/// Reads all EID tables under `dir` into text per item; the second list names table paths
/// that are there but could not be read as files.
pub fn read_dir(dir: &Path) -> Result<(BTreeMap<ItemKey, EidText>, Vec<String>)> {
    if !dir.is_dir() {
        return Err(CatalogError::file(dir, "EID folder not found"));
    }
    let mut out: BTreeMap<ItemKey, EidText> = BTreeMap::new();
    let mut found_any = false;
    let mut skipped = Vec::new();
    for (lang, file) in [(Lang::En, "en_us.lua"), (Lang::Zh, "zh_cn.lua")] {
        let path = dir.join("names").join(file);
        if table_file(&path, &mut skipped) {
            found_any = true;
            for (key, name) in names_from_statements(&parse_file(&path)?) {
                let entry = out.entry(key).or_default();
                match lang {
                    Lang::En => entry.name_en = Some(name),
                    Lang::Zh => entry.name_zh = Some(name),
                }
            }
        }
        for version in VERSIONS {
            let path = dir.join(version).join(file);
            if !table_file(&path, &mut skipped) {
                continue;
            }
            found_any = true;
            for (key, (name, desc)) in descriptions_from_statements(&parse_file(&path)?) {
                let entry = out.entry(key).or_default();
                let (name_slot, desc_slot) = match lang {
                    Lang::En => (&mut entry.name_en, &mut entry.description_en),
                    Lang::Zh => (&mut entry.name_zh, &mut entry.description_zh),
                };
                // The names tables are authoritative; description rows fill gaps only.
                if name_slot.is_none() && !name.is_empty() {
                    *name_slot = Some(name);
                }
                *desc_slot = Some(desc);
            }
        }
    }
    if !found_any {
        let why = skipped.first().map_or(
            "no EID tables found (expected names/en_us.lua or ab+/en_us.lua ...)".to_string(),
            |first| format!("no readable EID tables ({first})"),
        );
        return Err(CatalogError::file(dir, why));
    }
    Ok((out, skipped))
}

pub(super) fn parse_file(path: &Path) -> Result<Vec<Statement>> {
    let bytes = std::fs::read(path).map_err(|e| CatalogError::file(path, e))?;
    let src = String::from_utf8(bytes).map_err(|_| CatalogError::file(path, "not UTF-8 text"))?;
    lua::parse(&src).map_err(|e| CatalogError::file(path, e))
}

/// The tables a file merges into `target`: assigned directly, or handed to
/// `EID:updateDescriptionsViaTable(local, target)`.
pub(super) fn tables_for(
    stmts: &[Statement],
    accept: impl Fn(&str) -> bool,
) -> Vec<&[(Key, Value)]> {
    let mut locals: BTreeMap<&str, &[(Key, Value)]> = BTreeMap::new();
    let mut out = Vec::new();
    for stmt in stmts {
        match stmt {
            Statement::Assign {
                target,
                value: Value::Table(entries),
            } => {
                if accept(target) {
                    out.push(entries.as_slice());
                } else {
                    locals.insert(target, entries);
                }
            }
            Statement::Call { callee, args } if callee.ends_with("updateDescriptionsViaTable") => {
                if let [Value::Path(src), Value::Path(target), ..] = args.as_slice()
                    && accept(target)
                    && let Some(entries) = locals.get(src.as_str())
                {
                    out.push(entries);
                }
            }
            _ => {}
        }
    }
    out
}

fn names_from_statements(stmts: &[Statement]) -> Vec<(ItemKey, String)> {
    let mut out = Vec::new();
    for entries in tables_for(stmts, |t| t.starts_with("EID.ItemNames")) {
        for (key, value) in entries {
            let (Key::Str(k), Some(name)) = (key, value.as_str()) else {
                continue;
            };
            for (prefix, kind) in NAME_PREFIXES {
                if let Some(id) = k.strip_prefix(prefix).and_then(|id| id.parse().ok()) {
                    out.push((ItemKey::new(kind, id), name.to_string()));
                }
            }
        }
    }
    out
}

fn descriptions_from_statements(stmts: &[Statement]) -> Vec<(ItemKey, (String, String))> {
    let mut out = Vec::new();
    for (suffix, kind) in [
        (".collectibles", ItemKind::Collectible),
        (".trinkets", ItemKind::Trinket),
    ] {
        for entries in tables_for(stmts, |t| {
            t.starts_with("EID.descriptions") && t.ends_with(suffix)
        }) {
            for (_, row) in entries {
                // Rows are {"id", "name", "description", ...}.
                let Value::Table(fields) = row else { continue };
                let texts: Vec<&str> = fields.iter().filter_map(|(_, v)| v.as_str()).collect();
                if let [id, name, desc, ..] = texts.as_slice()
                    && let Ok(id) = id.trim().parse()
                {
                    out.push((ItemKey::new(kind, id), (name.to_string(), desc.to_string())));
                }
            }
        }
    }
    out
}
