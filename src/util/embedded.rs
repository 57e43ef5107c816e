//! Data files built into the binary (rules, policy packs, format presets): one macro reads
//! them at compile time, and one test helper holds each list to its folder, so a file added
//! to the folder and not to the list fails the build's tests.

/// `&[(name, text)]` of the files `FOLDER/NAME SUFFIX` of the project, read at compile time.
macro_rules! embed {
    ($folder:literal, $suffix:literal, [$($name:literal),* $(,)?]) => {
        &[$((
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $folder, "/", $name, $suffix)),
        )),*]
    };
}
pub(crate) use embed;

/// The names of the project's files in `folder` ending in `suffix`, without it, sorted.
#[cfg(test)]
pub(crate) fn names_in(folder: &str, suffix: &str) -> Vec<String> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(suffix).map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// The names of an embedded list, without `suffix`.
#[cfg(test)]
pub(crate) fn listed(files: &[(&str, &str)], suffix: &str) -> Vec<String> {
    files
        .iter()
        .map(|(name, _)| name.strip_suffix(suffix).unwrap_or(name).to_owned())
        .collect()
}
