//! The `argus` binary: one command per job (detect, extract, compare, serve).
//! Owns: argument parsing and dispatch. The work lives in the library modules.

use argus_server::engine_commands::{self, CompareArgs, DetectArgs, ExtractArgs};
use argus_server::settings::ServeArgs;
use clap::{Parser, Subcommand};

/// Argus: face detection, descriptor extraction and matching.
#[derive(Parser)]
#[command(name = "argus", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect faces in images and print them as JSON.
    Detect(DetectArgs),
    /// Extract a descriptor for every face in images and print them as JSON.
    Extract(ExtractArgs),
    /// Compare the largest face of two images and print the similarity as JSON.
    Compare(CompareArgs),
    /// Serve the LUNA PLATFORM 5 v6 API.
    Serve(ServeArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Detect(args) => engine_commands::detect(args),
        Command::Extract(args) => engine_commands::extract(args),
        Command::Compare(args) => engine_commands::compare(args),
        Command::Serve(args) => argus_server::serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("argus: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
