//! Transformations (Guppy, Fun Guy, ...): which items count toward which, with names in
//! English and Chinese, from EID's tables in a game-files folder (`eid/descriptions/`).
//!
//! EID's tables are the ones it uses for vanilla items (its tag detection is only for modded
//! ids), loaded as the game does: Afterbirth+, overlaid by Repentance, then Repentance+.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::eid::{NAME_PREFIXES, VERSIONS, parse_file, table_file, tables_for};
use super::lua::{Key, Statement, Value};
use super::{CatalogError, ItemKey, Result};

/// Items of one transformation a player must take for it; the same for all of them in
/// Repentance.
pub const ITEMS_NEEDED: u8 = 3;

/// Transformation ids run 1..=16 (Necromancer, Repentance+); anything above is refused.
const MAX_ID: u8 = 32;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transformation {
    /// EID's id (`EID.TRANSFORMATION`): 1 Guppy ... 16 Necromancer.
    pub id: u8,
    pub name_en: String,
    pub name_zh: String,
    /// Items it takes.
    pub needed: u8,
}

/// What a game-files folder says: the transformations, and the ones each item counts toward.
#[derive(Clone, Debug, Default)]
pub struct TransformationData {
    pub transformations: Vec<Transformation>,
    pub items: BTreeMap<ItemKey, Vec<u8>>,
    /// Table files that are there but could not be read, each named.
    pub skipped: Vec<String>,
}

/// Reads `dir/eid/descriptions/<version>/{transformations,en_us,zh_cn}.lua`.
pub fn read_dir(dir: &Path) -> Result<TransformationData> {
    let root = dir.join("eid").join("descriptions");
    if !root.is_dir() {
        return Err(CatalogError::file(
            &root,
            "no EID descriptions folder in the game files (expected eid/descriptions/)",
        ));
    }
    let mut data = TransformationData::default();
    let mut names: BTreeMap<u8, (String, String)> = BTreeMap::new();
    for version in VERSIONS {
        let path = root.join(version).join("transformations.lua");
        if table_file(&path, &mut data.skipped) {
            for (key, ids) in assignments(&parse_file(&path)?, &path)? {
                // A later version's entry replaces the earlier one, as in EID.
                data.items.insert(key, ids);
            }
        }
        for (file, zh) in [("en_us.lua", false), ("zh_cn.lua", true)] {
            let path = root.join(version).join(file);
            if !table_file(&path, &mut data.skipped) {
                continue;
            }
            for (id, name) in names_from_statements(&parse_file(&path)?) {
                let slot = names.entry(id).or_default();
                *(if zh { &mut slot.1 } else { &mut slot.0 }) = name;
            }
        }
    }
    if data.items.is_empty() {
        return Err(CatalogError::file(
            &root,
            "no transformation tables (expected ab+/transformations.lua ...)",
        ));
    }
    let used: std::collections::BTreeSet<u8> = data.items.values().flatten().copied().collect();
    data.transformations = used
        .into_iter()
        .map(|id| {
            let (en, zh) = names.get(&id).cloned().unwrap_or_default();
            Transformation {
                id,
                name_en: if en.is_empty() {
                    format!("Transformation {id}")
                } else {
                    en
                },
                name_zh: zh,
                needed: ITEMS_NEEDED,
            }
        })
        .collect();
    Ok(data)
}

/// `["5.100.12"] = "2,15"` rows merged into `EID.EntityTransformations`; pills and other
/// entities are not items and are passed over.
fn assignments(stmts: &[Statement], path: &Path) -> Result<Vec<(ItemKey, Vec<u8>)>> {
    let mut out = Vec::new();
    for entries in tables_for(stmts, |t| t == "EID.EntityTransformations") {
        for (key, value) in entries {
            let (Key::Str(k), Some(list)) = (key, value.as_str()) else {
                continue;
            };
            let Some(key) = NAME_PREFIXES.iter().find_map(|(prefix, kind)| {
                k.strip_prefix(prefix)
                    .and_then(|id| id.parse().ok())
                    .map(|id| ItemKey::new(*kind, id))
            }) else {
                continue;
            };
            let ids = list
                .split(',')
                .map(|id| match id.trim().parse::<u8>() {
                    Ok(id) if (1..=MAX_ID).contains(&id) => Ok(id),
                    _ => Err(CatalogError::file(
                        path,
                        format!(
                            "{:?}: {:?} is not a transformation id (1-{MAX_ID})",
                            crate::quote::one_line(k),
                            crate::quote::one_line(id)
                        ),
                    )),
                })
                .collect::<Result<Vec<u8>>>()?;
            out.push((key, ids));
        }
    }
    Ok(out)
}

/// `EID.descriptions[languageCode].transformations = {"", "Guppy", ...}` (index N+1 is id
/// N) and single entries `...transformations[17] = "Necromancer"`.
fn names_from_statements(stmts: &[Statement]) -> Vec<(u8, String)> {
    const TABLE: &str = ".transformations";
    let mut out = Vec::new();
    for stmt in stmts {
        let Statement::Assign { target, value } = stmt else {
            continue;
        };
        if !target.starts_with("EID.descriptions") {
            continue;
        }
        match value {
            Value::Table(entries) if target.ends_with(TABLE) => {
                for (key, value) in entries {
                    if let (Key::Pos(index), Some(name)) = (key, value.as_str())
                        && let Some(id) = id_from_index(*index as f64)
                    {
                        out.push((id, name.to_string()));
                    }
                }
            }
            Value::Str(name) => {
                let index = target
                    .rsplit_once(&format!("{TABLE}["))
                    .and_then(|(_, rest)| rest.strip_suffix(']'))
                    // The reader writes a number key as a quoted string: `t["17"]`.
                    .and_then(|i| i.trim_matches('"').parse::<f64>().ok());
                if let Some(id) = index.and_then(id_from_index) {
                    out.push((id, name.clone()));
                }
            }
            _ => {}
        }
    }
    out
}

/// The Lua array index of a name (1 is "none") as a transformation id.
fn id_from_index(index: f64) -> Option<u8> {
    let id = index - 1.0;
    (id >= 1.0 && id <= f64::from(MAX_ID) && id.fract() == 0.0).then_some(id as u8)
}
