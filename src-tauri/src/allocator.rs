//! The C allocator, tuned for a process that hosts a room and so hashes passwords now and then.
//!
//! Each Argon2id hash takes a 19 MiB block (the server's `argon2_memory_kib`). glibc serves a
//! block that large with `mmap` and gives it back on `free`, but the first such `free` raises
//! its mmap threshold to the block's size (the "dynamic threshold"): later hashes then come
//! from the per-thread arenas of the blocking threads that run them, and stay with the process
//! after they are freed. Hosting with four friends connected, the app's own process measured
//! 166–242 MiB that way, against 71 MiB with the threshold fixed (`HOSTING=1
//! scripts/measure-app.sh`, docs/PERFORMANCE.md). The headless `hearth-server` limits its
//! arenas instead and keeps the blocks for the next logins: it is the one that sees login storms.

/// Blocks of at least this many bytes are always mapped on their own and returned on free.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Fixes the allocator's mmap threshold. Call first in `run`, before any thread exists.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: `mallopt` only sets an allocator parameter; no thread is allocating yet.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if set != 1 {
        eprintln!("hearth: could not fix the allocator's mmap threshold; continuing");
    }
}
