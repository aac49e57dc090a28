//! The `urakata` binary: the allocator and a call into the library (`api::cli::main`), so that the
//! binary crate compiles next to nothing of its own.

use std::process::ExitCode;

// mimalloc rather than the system allocator: see the workspace's Cargo.toml and the README's
// performance section.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    api::cli::main()
}
