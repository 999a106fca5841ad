// The inventory is many small strings; mimalloc allocates them faster than glibc.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(eniplan::cli::main());
}
