//! The `crmsim` command. Everything happens in the library; this only hands over the exit code.

/// The harness allocates and frees small buffers at every message (HTTP heads, TLS records, SOAP
/// bodies) from many tasks at once; glibc's allocator took a visible share of a full-handshake
/// run's CPU for it, CPU the system under test then lacks (`benches/README.md`, "Paired rounds
/// on a faster host": the same runs with each allocator). mimalloc's thread-local free lists
/// make those allocations cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    crmsim::cli::main()
}
