//! `argus-burnpack MODELS_DIR`: the last step of `make models`, writing the burnpack weights of the networks the
//! engine can run on Burn beside their ONNX files.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: argus-burnpack MODELS_DIR");
        return ExitCode::from(2);
    };
    match argus_burnpack::write_weights(Path::new(&dir)) {
        Ok(written) if written.is_empty() => {
            println!("models: burnpack weights ok");
            ExitCode::SUCCESS
        }
        Ok(written) => {
            for file in written {
                println!("models: wrote {}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("models: {error}");
            ExitCode::FAILURE
        }
    }
}
