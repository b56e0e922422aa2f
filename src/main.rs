//! The `peakload` binary: parses the command line and hands over to [`peakload::cli`].
use clap::Parser;

fn main() -> std::process::ExitCode {
    peakload::cli::run(peakload::cli::Cli::parse())
}
