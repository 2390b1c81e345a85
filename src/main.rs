//! The `crmsim` command. Everything happens in the library; this only hands over the exit code.

fn main() -> std::process::ExitCode {
    crmsim::cli::main()
}
