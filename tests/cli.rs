//! Command-line cases as files: `tests/cmd/*.toml` with their expected output beside them.
//! `TRYCMD=overwrite cargo test --test cli` rewrites the expectations after a deliberate change.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
