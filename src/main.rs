use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use isaac_lens::cli;

/// Isaac Lens (以撒识图): recognise The Binding of Isaac items on screen.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Catalog folder (default: the data folder's catalog).
    #[arg(long, global = true)]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Import, list, show and search the item catalog.
    #[command(subcommand)]
    Catalog(cli::catalog::CatalogCommand),
    /// Render synthetic training samples as PNG files to look at.
    Synth(cli::recognise::SynthArgs),
    /// Train a recogniser on the catalog.
    Train(cli::recognise::TrainArgs),
    /// Recognise the item in each crop.
    Predict(cli::recognise::PredictArgs),
    /// Find every item in whole frames (screenshots, captures).
    Scan(cli::scan::ScanArgs),
    /// Play a recorded session's frames in order and print the run: items taken, seen,
    /// the active item and transformation progress.
    Track(cli::track::TrackArgs),
    /// Score a model on labelled crops (CSV: file,kind,game_id).
    Eval(cli::recognise::EvalArgs),
    /// Where the data lives and what is installed.
    Info(cli::InfoArgs),
    /// Save one frame of a monitor or window (through xcap) as PNG.
    Capture(cli::CaptureArgs),
    /// Open the desktop app (the default with no subcommand).
    App(isaac_lens::app::AppArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let result = match args.command {
        Some(CliCommand::Catalog(c)) => cli::catalog::run(c, args.catalog.as_ref()),
        Some(CliCommand::Synth(a)) => cli::recognise::synth_samples(a, args.catalog.as_ref()),
        Some(CliCommand::Train(a)) => cli::recognise::train(a, args.catalog.as_ref()),
        Some(CliCommand::Predict(a)) => cli::recognise::predict(a, args.catalog.as_ref()),
        Some(CliCommand::Scan(a)) => cli::scan::scan(a, args.catalog.as_ref()),
        Some(CliCommand::Track(a)) => cli::track::track(a, args.catalog.as_ref()),
        Some(CliCommand::Eval(a)) => cli::recognise::eval(a, args.catalog.as_ref()),
        Some(CliCommand::Info(a)) => cli::info(a, args.catalog.as_ref()),
        Some(CliCommand::Capture(a)) => cli::capture(a),
        Some(CliCommand::App(a)) => isaac_lens::app::run(args.catalog, a),
        None => isaac_lens::app::run(args.catalog, isaac_lens::app::AppArgs::default()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the error quotes.
            eprintln!("error: {}", isaac_lens::quote::message(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
