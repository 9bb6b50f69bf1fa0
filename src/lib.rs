//! Isaac Lens (以撒识图): recognise The Binding of Isaac items on captures and photos.

pub mod app;
pub mod capture;
pub mod catalog;
pub mod cli;
pub mod companion;
pub mod corrections;
pub mod engine;
pub mod fsutil;
pub mod imageio;
pub mod overlay;
pub mod paths;
pub mod quote;
pub mod run_log;
pub mod shipped;
