fn main() {
    std::process::exit(lessons::cli::run());
}
