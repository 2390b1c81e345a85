//! Writes SOAP seeds for every shipped dialect from the golden messages in
//! `ici/tests/golden/crmsim/`: each golden message is decoded with the built-in dialect and
//! written again in each dialect, so the fuzzer starts from valid messages of both.
//!
//! Usage: soap_seeds GOLDEN_DIR OUT_DIR

use std::path::PathBuf;
use std::process::ExitCode;

use crmsim_fuzz::dialects;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [golden, out] = args.as_slice() else {
        eprintln!("usage: soap_seeds GOLDEN_DIR OUT_DIR");
        return ExitCode::from(2);
    };
    match run(golden, out) {
        Ok(n) => {
            println!("{n} SOAP seeds in {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("soap_seeds: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(golden: &std::path::Path, out: &std::path::Path) -> Result<usize, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let builtin = ici::Dialect::builtin();
    let entries = std::fs::read_dir(golden).map_err(|e| format!("{}: {e}", golden.display()))?;
    let mut written = 0;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{}: {e}", golden.display()))?
            .path();
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let message = builtin
            .decode(&bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for d in dialects::all() {
            let xml = dialects::encode(&d, &message)
                .map_err(|e| format!("{}: cannot write in {}: {e}", path.display(), d.name()))?;
            let seed = out.join(format!("{}-{stem}.xml", d.name()));
            std::fs::write(&seed, xml).map_err(|e| format!("{}: {e}", seed.display()))?;
            written += 1;
        }
    }
    Ok(written)
}
