//! Isaac Lens (以撒识图): recognise The Binding of Isaac items on captures and photos.

pub mod catalog;
pub mod fsutil;
pub mod imageio;
pub mod paths;
pub mod cli;
pub mod captures;
pub mod engine;
