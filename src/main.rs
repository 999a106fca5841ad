fn main() {
    std::process::exit(eniplan::cli::main());
}
