// The inventory is many small strings; mimalloc allocates them faster than glibc.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (see its `mimalloc.h`).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // eniplan is a short run that frees and reallocates large amounts between
    // phases. By default mimalloc hands freed pages back to the OS after a
    // delay, and the next phase has them zeroed again by the kernel: at a
    // million functions that was a third of the CPU time. Keeping them does
    // not raise the peak, which the largest phase sets.
    // SAFETY: called before any other thread exists; the option is an integer.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    // No transparent huge pages: when another process has just fragmented
    // memory, the kernel compacts it to make each 2 MiB page, synchronously,
    // and at a million functions that cost more than all the 4 KiB faults.
    // Measured after Python's json.load of the same snapshot: 3.6-4.1 s with
    // huge pages, 2.8-3.1 s without.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
    };
    std::process::exit(eniplan::cli::main());
}
