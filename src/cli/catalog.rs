//! `isaac-lens catalog import|list|show|search`.

use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;

use crate::catalog::import::{ImportSources, import};
use crate::catalog::{Item, text};

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Build a catalog from the wiki scrape, EID tables and/or the game's own files.
    Import {
        /// The Huiji wiki scrape folder (id_mapping_dict.json + sprite sheets).
        #[arg(long)]
        huiji: Option<PathBuf>,
        /// External Item Descriptions folder (names/, ab+/, rep/, rep+/).
        #[arg(long)]
        eid: Option<PathBuf>,
        /// The game's extracted resources/ folder.
        #[arg(long)]
        game: Option<PathBuf>,
        /// Older official art of items (art-versions/: manifest.json + PNGs), optional: more
        /// looks of the same items for players of Rebirth, Afterbirth and Afterbirth+.
        #[arg(long)]
        art: Option<PathBuf>,
        /// A game-files folder holding EID's transformation tables (eid/descriptions/),
        /// optional: which transformations each item counts toward.
        #[arg(long)]
        game_files: Option<PathBuf>,
        /// The real art folder (entities/: manifest.json + PNGs), optional: the shop's price
        /// font, so scans read the prices under items for sale, and the altars items stand on.
        #[arg(long)]
        entities: Option<PathBuf>,
        /// Where to write the catalog (default: --catalog, or the data folder's). A catalog
        /// there is replaced; any other non-empty folder is refused.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the catalog in --out even when the new one lacks some of its items.
        #[arg(long)]
        force: bool,
    },
    /// List every item.
    List {
        /// One JSON array of the items.
        #[arg(long)]
        json: bool,
    },
    /// Show one item: `collectible:270`, `trinket:10` or a name.
    Show { item: String },
    /// Search English and Chinese names and descriptions.
    Search { text: Vec<String> },
}

#[derive(Serialize)]
struct ItemJson<'a> {
    #[serde(flatten)]
    item: &'a Item,
    sprite_path: String,
}

pub fn run(command: CatalogCommand, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Import {
            huiji,
            eid,
            game,
            art,
            game_files,
            entities,
            out,
            force,
        } => {
            let out = out
                .or_else(|| catalog_dir.cloned())
                .unwrap_or_else(crate::paths::default_catalog_dir);
            let sources = ImportSources {
                huiji,
                eid,
                game,
                art,
                game_files,
                entities,
            };
            let (catalog, report) = import(&sources, &out, force)?;
            for line in report.lines() {
                println!("{line}");
            }
            println!(
                "catalog written to {} ({} items)",
                catalog.dir().display(),
                catalog.len()
            );
        }
        CatalogCommand::List { json } => {
            let catalog = super::load_catalog(catalog_dir)?;
            if json {
                let rows: Vec<ItemJson> = catalog
                    .items()
                    .iter()
                    .map(|item| ItemJson {
                        item,
                        sprite_path: catalog.sprite_path(item).display().to_string(),
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for item in catalog.items() {
                    println!("{}", summary_line(item));
                }
            }
        }
        CatalogCommand::Show { item } => {
            let catalog = super::load_catalog(catalog_dir)?;
            let found = catalog.find(&item).ok_or_else(|| {
                anyhow::anyhow!(
                    "no item matches {:?}; name one as collectible:270, trinket:10 or by name",
                    crate::quote::clip(&item, crate::quote::MAX_QUOTED)
                )
            })?;
            println!("{}", summary_line(found));
            if let Some(charge) = &found.charge {
                println!("charge: {charge}");
            }
            let transformations: Vec<String> = catalog
                .transformations_of(found)
                .iter()
                .map(|t| format!("{} ({})", t.name_en, t.name_zh))
                .collect();
            if !transformations.is_empty() {
                println!("transformations: {}", transformations.join(", "));
            }
            println!("sprite: {}", catalog.sprite_path(found).display());
            for (lang, desc) in [("en", &found.description_en), ("zh", &found.description_zh)] {
                println!("\n[{lang}]");
                println!("{}", text::plain_from_eid(desc));
            }
        }
        CatalogCommand::Search { text } => {
            let catalog = super::load_catalog(catalog_dir)?;
            let query = text.join(" ");
            let hits = catalog.search(&query);
            if hits.is_empty() {
                anyhow::bail!("nothing matches {query:?}");
            }
            for item in hits {
                println!("{}", summary_line(item));
            }
        }
    }
    Ok(())
}

fn summary_line(item: &Item) -> String {
    let quality = item.quality.map(|q| format!("  Q{q}")).unwrap_or_default();
    format!(
        "{:<16} {} / {}{quality}",
        item.key().to_string(),
        item.name_en,
        item.name_zh
    )
}
