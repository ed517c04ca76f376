//! Boots the relay: parses the command line, sets up logging, and runs the chosen command.

use clap::Parser;
use vizkraft_relay::config::{Cli, Command, VaultCommand};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    vizkraft_relay::telemetry::init(&cli.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vizkraft: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => vizkraft_relay::run_server(*args).await,
            Command::DemoDb { path } => vizkraft_relay::demo::ensure(&path)
                .await
                .map(|created| {
                    let verb = if created { "created" } else { "already exists:" };
                    println!("demo database {verb} {}", path.display());
                })
                .map_err(Into::into),
            Command::Vault { command: VaultCommand::Rotate(args) } => vizkraft_relay::vault::rotate::run(args).await,
        }
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vizkraft: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
