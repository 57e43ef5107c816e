//! The HTML report in a real browser: headless Chromium opens the page written for the
//! shipped example plus one hostile incident, dumps the DOM, takes a screenshot and prints
//! it to PDF. The sections and the four charts must be there, the page must carry no
//! script, the hostile title and category must arrive as text, and the print stylesheet
//! must give A4 pages. Without Chromium the test is skipped locally and fails under CI
//! (`CI=true`), where `.ci/run` installs Debian's `chromium`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE_TITLE: &str = "<script>alert(1)</script>";
const HOSTILE_CATEGORY: &str = "<img src=x onerror=alert(2)>";

fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    let found = std::env::var_os("LESSONS_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().map(PathBuf::from))
        .find(|browser| {
            Command::new(browser)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() && std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("Chromium is not installed (apt-get install chromium): CI must run this test");
    }
    found
}

/// The shipped example with one more incident whose title and category are markup.
fn hostile_repository(root: &Path) {
    common::copy_tree(&common::example(), root);
    std::fs::write(
        root.join("incidents/2026/INC-2026-099-hostile.yaml"),
        format!(
            "kind: incident\nid: INC-2026-099\ntitle: \"{HOSTILE_TITLE}\"\nstatus: open\n\
             severity: low\ncategory: \"{HOSTILE_CATEGORY}\"\nowner: s.iyer\n\
             detected: 2026-11-20T09:00:00Z\n"
        ),
    )
    .expect("hostile incident");
}

/// Runs the browser headless on `page` with `args`, in a profile of its own.
fn browse(browser: &Path, profile: &Path, page: &Path, args: &[String]) -> String {
    let url = format!("file://{}", page.display());
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("the browser runs");
    assert!(
        output.status.success(),
        "the browser failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `lessons report REPOSITORY --format html --output PAGE`, as of the example's day.
fn write_report(repository: &Path, page: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_lessons"))
        .arg("report")
        .arg(repository)
        .args(["--format", "html", "--as-of", "2026-11-22", "--output"])
        .arg(page)
        .status()
        .expect("lessons runs");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_report_opens_in_a_browser_with_its_charts_and_prints_on_a4() {
    let Some(browser) = chromium() else {
        common::say_skipped(
            "the HTML report in a browser",
            "Chromium is not installed (apt-get install chromium)",
        );
        return;
    };
    let folder = tempfile::tempdir().expect("temporary folder");
    let repository = folder.path().join("repo");
    hostile_repository(&repository);
    let page = folder.path().join("report.html");
    write_report(&repository, &page);

    // The file itself: self-contained, no script, nothing fetched.
    let html = std::fs::read_to_string(&page).expect("the report was written");
    for banned in [
        "<script",
        "<img",
        "src=\"http",
        "href=\"http",
        "<link",
        "@import",
    ] {
        assert!(!html.contains(banned), "the page holds `{banned}`");
    }
    // Links go to a section of the page or to a file of the repository, never elsewhere.
    for link in html.split("href=\"").skip(1) {
        let target = link.split('"').next().unwrap_or_default();
        assert!(
            target.starts_with('#') || target.starts_with("./"),
            "a link leaves the page and the repository: {target}"
        );
    }
    assert!(html.contains("href=\"./incidents/2026/INC-2026-099-hostile.yaml#L1\""));

    // The DOM as the browser built it.
    let profile = folder.path().join("profile");
    let dom = browse(&browser, &profile, &page, &["--dump-dom".into()]);
    for section in [
        "summary",
        "incidents",
        "closure",
        "action-items",
        "training",
        "reviews",
        "waivers",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{section}\">")),
            "no section {section} in the DOM"
        );
    }
    for chart in [
        "chart-incidents",
        "chart-resolve",
        "chart-action-items",
        "chart-training",
    ] {
        let at = dom
            .find(&format!("<figure id=\"{chart}\">"))
            .unwrap_or_else(|| panic!("no figure {chart} in the DOM"));
        assert!(
            dom[at..].trim_start_matches(|c| c != '>')[1..]
                .trim_start()
                .starts_with("<svg"),
            "the figure {chart} holds no SVG"
        );
    }
    // Bars and lines were drawn: the stacked bars are rectangles, the resolve line a path.
    assert!(dom.matches("<rect").count() > 20, "too few bars drawn");
    assert!(dom.contains("<polyline"), "no line drawn");
    // Markup from documents is text: escaped in the DOM, never an element.
    assert!(!dom.contains("<script"), "a script element reached the DOM");
    assert!(!dom.contains("<img"), "an image element reached the DOM");
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile title is not shown as text"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the hostile category is not shown as text"
    );

    // A screenshot: a PNG of the requested size.
    let shot = folder.path().join("report.png");
    browse(
        &browser,
        &profile,
        &page,
        &[
            "--window-size=1200,2400".into(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR width"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("IHDR height"));
    assert_eq!((width, height), (1200, 2400));
    assert!(png.len() > 50_000, "the screenshot looks blank");

    // Printed: A4 pages (595 × 842 points), from the print stylesheet's `@page`.
    let pdf_path = folder.path().join("report.pdf");
    browse(
        &browser,
        &profile,
        &page,
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf_path.display()),
        ],
    );
    let pdf = std::fs::read(&pdf_path).expect("the PDF was written");
    let pdf = String::from_utf8_lossy(&pdf);
    let boxes: Vec<&str> = pdf
        .match_indices("/MediaBox [")
        .map(|(at, _)| &pdf[at..])
        .collect();
    assert!(boxes.len() >= 2, "the report should print on several pages");
    for media in boxes {
        let numbers: Vec<f64> = media["/MediaBox [".len()..]
            .split(']')
            .next()
            .expect("a box")
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        assert!(
            (numbers[2] - 595.3).abs() < 2.0 && (numbers[3] - 841.9).abs() < 2.0,
            "a page is not A4: {numbers:?}"
        );
    }
}

/// A repository of `slots` quarters, each with an incident of its own category and an
/// action item of its own type, and `slots` required courses: every chart gets that many
/// bars (or points).
fn repository_of(root: &Path, slots: usize) {
    let mut files = Vec::new();
    let mut courses = String::new();
    let mut records = String::new();
    for slot in 0..slots {
        let (year, quarter) = (2021 + slot / 4, slot % 4);
        let month = quarter * 3 + 1;
        files.push((
            format!("incidents/INC-{slot:02}.yaml"),
            format!(
                "kind: incident\nid: INC-{slot:02}\nstatus: closed\nseverity: low\ncategory: category-{slot}\n\
                 detected: {year}-{month:02}-02T08:00:00Z\nresolved: {year}-{month:02}-02T20:00:00Z\n\
                 action_items:\n  - {{ id: AI-1, title: Rotate the keys, owner: a.lee, type: type-{slot}, status: done }}\n"
            ),
        ));
        courses.push_str(&format!(
            "  - {{ course: course-{slot}, valid_days: 365 }}\n"
        ));
        records.push_str(&format!(
            "      - {{ course: course-{slot}, completed_on: 2026-06-01 }}\n"
        ));
    }
    files.push((
        "people/roster.yaml".to_owned(),
        format!("kind: roster\npeople:\n  - id: a.lee\n    role: responder\n    hired_on: 2020-01-01\n    training:\n{records}"),
    ));
    files.push((
        "policies/training.yaml".to_owned(),
        format!("kind: policy\nid: POL-T\nowner: a.lee\nlast_reviewed: 2026-10-01\nrequired_training:\n{courses}"),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    common::write_files(root, &files);
}

/// The (width, height) of every rectangle in `svg`.
fn rectangles(svg: &str) -> Vec<(f64, f64)> {
    let number = |rect: &str, name: &str| -> f64 {
        rect.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in <rect{rect}"))
    };
    svg.split("<rect")
        .skip(1)
        .map(|rect| {
            let rect = rect.split('>').next().unwrap_or_default();
            (number(rect, "width"), number(rect, "height"))
        })
        .collect()
}

/// A team's first report has one quarter, one category, one course: every chart is drawn
/// for one slot as for two or twenty, no bar of negative size, each bar there to see.
#[test]
fn report_charts_are_drawn_for_one_two_and_twenty_slots() {
    let Some(browser) = chromium() else {
        common::say_skipped(
            "report charts in a browser",
            "Chromium is not installed (apt-get install chromium)",
        );
        return;
    };
    let folder = tempfile::tempdir().expect("temporary folder");
    for slots in [1, 2, 20] {
        let repository = folder.path().join(format!("repo-{slots}"));
        repository_of(&repository, slots);
        let page = folder.path().join(format!("report-{slots}.html"));
        write_report(&repository, &page);
        let profile = folder.path().join(format!("profile-{slots}"));
        let dom = browse(&browser, &profile, &page, &["--dump-dom".into()]);
        for (chart, colour, bars) in [
            ("chart-incidents", None, slots),
            ("chart-action-items", Some("#009E73"), slots),
            ("chart-training", Some("#009E73"), slots),
        ] {
            let start = dom
                .find(&format!("<figure id=\"{chart}\">"))
                .unwrap_or_else(|| panic!("{slots} slots: no {chart}"));
            let svg = &dom[start..start + dom[start..].find("</figure>").expect("figure ends")];
            let sizes = rectangles(svg);
            assert!(
                sizes.iter().all(|&(w, h)| w >= 0.0 && h >= 0.0),
                "{slots} slots, {chart}: a negative size in {sizes:?}"
            );
            let drawn = match colour {
                Some(colour) => svg
                    .split("<rect")
                    .skip(1)
                    .filter(|rect| {
                        rect.split('>')
                            .next()
                            .is_some_and(|r| r.to_ascii_uppercase().contains(colour))
                    })
                    .count(),
                // Incidents: one colour per category; the bars are the rectangles past the
                // background and the legend's squares: one per category, or eleven and a
                // line that sends the reader to the table.
                None => sizes.len() - 1 - if slots > 12 { 11 } else { slots },
            };
            assert!(
                drawn >= bars,
                "{slots} slots, {chart}: {drawn} bars of {bars}"
            );
            // A bar a reader can see: wider than a hairline.
            let widest = sizes.iter().skip(1).map(|&(w, _)| w).fold(0.0, f64::max);
            assert!(widest >= 8.0, "{slots} slots, {chart}: {sizes:?}");
        }
        let resolve = dom
            .find("<figure id=\"chart-resolve\">")
            .expect("resolve chart");
        let circles = dom[resolve..]
            .split("</figure>")
            .next()
            .unwrap_or_default()
            .matches("<circle")
            .count();
        assert_eq!(
            circles,
            2 * slots,
            "a median and a 90th-percentile point per quarter"
        );
    }
}
