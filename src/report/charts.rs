//! The charts of the HTML report, drawn as SVG by plotters: incidents per quarter by
//! category, time to resolve per quarter, action items by type, training currency per
//! course. plotters escapes every label it writes, so names from documents stay text.

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::{ActionItems, DurationUnit, Durations, Spread, Training};

/// Okabe–Ito's seven, told apart by readers with colour-vision deficiencies, then five of
/// Paul Tol's muted scheme: twelve categories before a colour repeats.
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(51, 34, 136),
    RGBColor(136, 34, 85),
    RGBColor(153, 153, 51),
    RGBColor(68, 170, 153),
    RGBColor(170, 68, 153),
];
/// Width of the plotting area of the bar and line charts, in pixels (about).
const PLOT_WIDTH: u32 = 490;
const DONE: RGBColor = RGBColor(0, 158, 115);
const OPEN: RGBColor = RGBColor(86, 180, 233);
const OVERDUE: RGBColor = RGBColor(213, 94, 0);
const INK: RGBColor = RGBColor(34, 34, 34);
const FONT: &str = "sans-serif";

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Draws into an SVG string of `size`; `None` when there is nothing to draw or the drawing
/// failed (the page then shows the table alone).
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> Option<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).ok()?;
        draw(&root).ok()?;
        root.present().ok()?;
    }
    Some(out)
}

/// A label no wider than `max` characters.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// An axis of `count` equal slots, one per bar (or point), over `0..count`: slot `i`
/// spans `i..i + 1` and is labelled at its centre. Drawn the same for one slot as for
/// twenty (plotters' own segmented axis degenerates for one, giving negative widths).
#[derive(Clone)]
struct Slots {
    count: usize,
    /// Label every this many slots, so that labels never overlap.
    every: usize,
}

impl Slots {
    /// The slots of `labels`, labelled as many as fit in `room` pixels.
    fn of(labels: &[String], room: u32) -> Slots {
        let widest = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1)
            .max(1);
        // About 8 px a character at the labels' size, and a gap of two.
        let fits = (room as usize / ((widest + 2) * 8)).max(1);
        Slots {
            count: labels.len().max(1),
            every: labels.len().div_ceil(fits).max(1),
        }
    }

    /// For a vertical axis: one label per slot, as a row of text is its own height.
    fn rows(count: usize) -> Slots {
        Slots {
            count: count.max(1),
            every: 1,
        }
    }
}

impl Ranged for Slots {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = value / self.count as f64;
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.count)
            .step_by(self.every)
            .map(|slot| slot as f64 + 0.5)
            .collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.count as f64
    }
}

/// The label of the slot whose centre is at `value`.
fn slot_label(labels: &[String]) -> impl Fn(&f64) -> String + '_ {
    move |value| {
        let slot = value.floor();
        if slot < 0.0 {
            return String::new();
        }
        labels.get(slot as usize).cloned().unwrap_or_default()
    }
}

/// The gap on each side of a bar: a fifth of its slot, at most 14 px, so that many slots
/// still leave bars to see; and bars no wider than 80 px, so that one quarter does not
/// read as a wall.
fn bar_gap(slots: usize) -> u32 {
    let slot = PLOT_WIDTH / slots.max(1) as u32;
    (slot / 5).min(14).max(slot.saturating_sub(80) / 2)
}

/// A named segment of the stacked bars (or a line), and its colour.
type Part<'a> = (&'a str, RGBColor);

/// Which figure of a spread a line follows.
type Measure = fn(&Spread) -> f64;

/// Stacked bars: one bar per label, `stacks[bar][part]` high in each part's colour, bottom
/// up; the legend to the right.
fn stacked_bars(
    labels: &[String],
    parts: &[Part],
    stacks: &[Vec<usize>],
    unit: &str,
) -> Option<String> {
    if labels.is_empty() {
        return None;
    }
    let highest = stacks
        .iter()
        .map(|stack| stack.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let gap = bar_gap(labels.len());
    svg((760, 300), |root| {
        let (plot, legend) = root.split_horizontally(560);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(Slots::of(labels, PLOT_WIDTH), 0..highest)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .y_labels(highest.min(10))
            .y_desc(unit)
            .x_label_formatter(&slot_label(labels))
            .label_style((FONT, 16).into_font().color(&INK))
            .draw()?;
        for (part, (_, colour)) in parts.iter().enumerate() {
            let bars = stacks
                .iter()
                .enumerate()
                .filter(|(_, stack)| stack[part] > 0);
            chart.draw_series(bars.map(|(bar, stack)| {
                let below: usize = stack[..part].iter().sum();
                let mut rectangle = Rectangle::new(
                    [(bar as f64, below), (bar as f64 + 1.0, below + stack[part])],
                    colour.filled(),
                );
                rectangle.set_margin(0, 0, gap, gap);
                rectangle
            }))?;
        }
        legend_box(&legend, parts)
    })
}

/// Per quarter, one segment per category.
pub fn incidents_per_quarter(
    per_quarter: &BTreeMap<String, BTreeMap<String, usize>>,
) -> Option<String> {
    let categories: BTreeSet<&String> = per_quarter.values().flat_map(BTreeMap::keys).collect();
    let parts: Vec<Part> = categories
        .iter()
        .enumerate()
        .map(|(c, category)| (category.as_str(), PALETTE[c % PALETTE.len()]))
        .collect();
    let stacks: Vec<Vec<usize>> = per_quarter
        .values()
        .map(|counts| {
            categories
                .iter()
                .map(|category| counts.get(*category).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let quarters: Vec<String> = per_quarter.keys().cloned().collect();
    stacked_bars(&quarters, &parts, &stacks, "incidents")
}

/// Coloured squares with their names, one per line, at the top of `area`.
fn legend_box(area: &DrawingArea<SVGBackend, plotters::coord::Shift>, parts: &[Part]) -> Drawn {
    // Twelve lines fit beside the chart; past that the last line points to the table.
    const LINES: usize = 12;
    let style = (FONT, 16).into_font().color(&INK);
    for (i, (name, colour)) in parts.iter().enumerate().take(LINES) {
        let y = 20 + 22 * i as i32;
        if i == LINES - 1 && parts.len() > LINES {
            let more = format!("and {} more: see the table", parts.len() - i);
            area.draw(&Text::new(more, (10, y), style.clone()))?;
            break;
        }
        area.draw(&Rectangle::new([(10, y), (22, y + 12)], colour.filled()))?;
        area.draw(&Text::new(clip(name, 24), (30, y), style.clone()))?;
    }
    Ok(())
}

/// Lines: the median and the 90th percentile of the time to resolve, per quarter, in the
/// report's [`DurationUnit`].
pub fn time_to_resolve(durations: &BTreeMap<String, Durations>) -> Option<String> {
    let resolved: Vec<(&String, Spread)> = durations
        .iter()
        .filter_map(|(quarter, d)| Some((quarter, d.resolve?)))
        .collect();
    if resolved.is_empty() {
        return None;
    }
    let slowest = resolved
        .iter()
        .map(|(_, s)| s.p90_hours)
        .fold(0.0, f64::max);
    // The unit the report's table uses too.
    let chosen = DurationUnit::for_durations(durations);
    let (unit, per) = (chosen.name(), chosen.hours());
    let top = (slowest / per * 1.15).max(1.0);
    let quarters: Vec<String> = resolved.iter().map(|(q, _)| (*q).clone()).collect();
    let lines: [(Part, Measure); 2] = [
        (("median", PALETTE[0]), |s| s.median_hours),
        (("90th percentile", PALETTE[5]), |s| s.p90_hours),
    ];
    svg((760, 300), |root| {
        let (plot, legend) = root.split_horizontally(560);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(Slots::of(&quarters, PLOT_WIDTH), 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .y_desc(unit)
            .x_label_formatter(&slot_label(&quarters))
            .label_style((FONT, 16).into_font().color(&INK))
            .draw()?;
        for ((_, colour), hours) in lines {
            let points: Vec<_> = resolved
                .iter()
                .enumerate()
                .map(|(i, (_, spread))| (i as f64 + 0.5, hours(spread) / per))
                .collect();
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?;
            chart.draw_series(
                points
                    .into_iter()
                    .map(|at| Circle::new(at, 4, colour.filled())),
            )?;
        }
        legend_box(&legend, &lines.map(|(part, _)| part))
    })
}

/// Per type of action item: done, open in time, overdue.
pub fn action_items(items: &ActionItems) -> Option<String> {
    let types: Vec<String> = items.by_type.keys().map(|t| clip(t, 12)).collect();
    let stacks: Vec<Vec<usize>> = items
        .by_type
        .values()
        .map(|c| vec![c.done, c.opened - c.done - c.overdue, c.overdue])
        .collect();
    let parts = [
        ("done", DONE),
        ("open, in time", OPEN),
        ("overdue", OVERDUE),
    ];
    stacked_bars(&types, &parts, &stacks, "action items")
}

/// Horizontal bars: the share of the people a course is required of who are current.
pub fn training_currency(training: &BTreeMap<String, Training>) -> Option<String> {
    let courses: Vec<(&String, &Training)> =
        training.iter().filter(|(_, t)| t.required_of > 0).collect();
    if courses.is_empty() {
        return None;
    }
    // The y axis counts upwards: the first course goes in the top slot, as in the table.
    let names: Vec<String> = courses
        .iter()
        .rev()
        .map(|(name, _)| clip(name, 28))
        .collect();
    let top = courses.len() - 1;
    let height = 90 + 40 * courses.len() as u32;
    svg((760, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(210)
            .build_cartesian_2d(0.0..100.0, Slots::rows(courses.len()))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(6)
            .x_label_formatter(&|share| format!("{share:.0}%"))
            .x_desc("share of those required who are current")
            .y_label_formatter(&slot_label(&names))
            .label_style((FONT, 16).into_font().color(&INK))
            .draw()?;
        chart.draw_series(courses.iter().enumerate().map(|(i, (_, standing))| {
            let share = standing.share * 100.0;
            let colour = if share >= 100.0 {
                DONE
            } else if share >= 80.0 {
                PALETTE[1]
            } else {
                OVERDUE
            };
            let slot = (top - i) as f64;
            let mut bar = Rectangle::new([(0.0, slot), (share, slot + 1.0)], colour.filled());
            bar.set_margin(6, 6, 0, 0);
            bar
        }))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widths of the bars filled with `colour` (`#RRGGBB`).
    fn bar_widths(svg: &str, colour: &str) -> Vec<u32> {
        svg.split("<rect")
            .skip(1)
            .filter(|rect| rect.contains(&format!("fill=\"{colour}\"")))
            .filter_map(|rect| {
                rect.split("width=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    }

    #[test]
    fn five_years_of_quarters_still_draw_every_bar_and_label_some() {
        let per_quarter: BTreeMap<String, BTreeMap<String, usize>> = (2021..2026)
            .flat_map(|year| (1..=4).map(move |q| format!("{year}-Q{q}")))
            .map(|quarter| (quarter, BTreeMap::from([("phishing".to_owned(), 3)])))
            .collect();
        let svg = incidents_per_quarter(&per_quarter).expect("a chart");
        let widths = bar_widths(&svg, "#0072B2");
        // Twenty bars and the legend's square, none squeezed to nothing.
        assert_eq!(widths.len(), 21);
        assert!(widths.iter().all(|&w| w >= 8), "{widths:?}");
        // Every few quarters labelled, starting with the first: twenty would overlap.
        let labels = svg.matches("-Q").count();
        assert!((4..=10).contains(&labels), "{labels} labels");
        assert!(svg.contains("2021-Q1"));
    }

    /// No rectangle of negative size, and as many bars as slots, for every chart.
    fn assert_drawn(svg: &str, colour: &str, bars: usize) {
        assert!(
            !svg.contains("width=\"-") && !svg.contains("height=\"-"),
            "a negative size in:\n{svg}"
        );
        let widths = bar_widths(svg, colour);
        assert!(widths.len() >= bars, "{bars} bars wanted: {widths:?}");
        assert!(widths.iter().all(|&w| w >= 4), "{widths:?}");
    }

    #[test]
    fn report_charts_break_on_small_repositories_no_more() {
        for slots in [1, 2, 20] {
            let per_quarter: BTreeMap<String, BTreeMap<String, usize>> = (0..slots)
                .map(|q| {
                    (
                        format!("{}-Q{}", 2020 + q / 4, q % 4 + 1),
                        BTreeMap::from([("phishing".to_owned(), 2)]),
                    )
                })
                .collect();
            let svg = incidents_per_quarter(&per_quarter).expect("a chart");
            assert_drawn(&svg, "#0072B2", slots);

            let items = ActionItems {
                by_type: (0..slots)
                    .map(|t| {
                        (
                            format!("type-{t}"),
                            super::super::Counts {
                                opened: 3,
                                done: 3,
                                overdue: 0,
                            },
                        )
                    })
                    .collect(),
                ..ActionItems::default()
            };
            let svg = action_items(&items).expect("a chart");
            assert_drawn(&svg, "#009E73", slots);

            let training: BTreeMap<String, Training> = (0..slots)
                .map(|c| {
                    (
                        format!("course-{c}"),
                        Training {
                            required_of: 2,
                            current: 2,
                            share: 1.0,
                            ..Training::default()
                        },
                    )
                })
                .collect();
            let svg = training_currency(&training).expect("a chart");
            assert!(
                !svg.contains("width=\"-") && !svg.contains("height=\"-"),
                "{svg}"
            );
            let bars = svg.matches("fill=\"#009E73\"").count();
            assert_eq!(bars, slots, "one bar per course");

            let durations: BTreeMap<String, Durations> = (0..slots)
                .map(|q| {
                    (
                        format!("{}-Q{}", 2020 + q / 4, q % 4 + 1),
                        Durations {
                            resolve: Spread::of(vec![5.0, 9.0]),
                            ..Durations::default()
                        },
                    )
                })
                .collect();
            let svg = time_to_resolve(&durations).expect("a chart");
            assert!(
                !svg.contains("width=\"-") && !svg.contains("height=\"-"),
                "{svg}"
            );
            assert_eq!(
                svg.matches("<circle").count(),
                2 * slots,
                "a point per quarter and line"
            );
        }
    }

    #[test]
    fn a_thirteenth_category_sends_the_reader_to_the_table() {
        let counts: BTreeMap<String, usize> =
            (0..13).map(|c| (format!("category-{c:02}"), 1)).collect();
        let svg = incidents_per_quarter(&BTreeMap::from([("2026-Q1".to_owned(), counts)]))
            .expect("a chart");
        assert!(svg.contains("category-10"));
        assert!(!svg.contains("category-11"));
        assert!(svg.contains("and 2 more: see the table"));
    }

    #[test]
    fn labels_from_documents_are_escaped() {
        let svg = incidents_per_quarter(&BTreeMap::from([(
            "2026-Q1".to_owned(),
            BTreeMap::from([("<script>x</script>".to_owned(), 1)]),
        )]))
        .expect("a chart");
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!svg.contains("<script>"));
    }
}
