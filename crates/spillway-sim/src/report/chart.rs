//! Time-series charts as hand-written SVG.
//!
//! Why not plotters: the crate is built without its font features (`ttf`,
//! `ab_glyph`), so its layout of axis labels, captions and legends falls back to
//! a crude width estimate, and everything we need besides text (stacked areas,
//! step lines, dashed markers) is a few SVG paths. Writing the SVG directly
//! keeps one coordinate system for shapes and text, lets every element carry a
//! class and a `<title>` tooltip (which the tests and readers use), escapes all
//! input text in one place, and gives byte-identical output for the same
//! outcome. The charts need nothing but a browser: no scripts, no fonts to load.

use std::fmt::Write as _;

use super::{EVENT_COLOUR, amount, clock, escape};

/// Width of a character of the 11px sans-serif labels, generously.
const CHAR_WIDTH: f64 = 6.5;
/// Height of one lane of event labels.
const LANE_HEIGHT: f64 = 14.0;
/// Longest event label drawn in a chart (the events table has the rest).
const MAX_LABEL_CHARS: usize = 48;
/// Left margin: y tick labels and the y axis title.
const LEFT: f64 = 68.0;
/// Right margin: room for half of the last time label.
const RIGHT: f64 = 30.0;

/// How a series moves between two steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Holds its value until the next step (pod counts).
    Step,
    /// Straight lines between steps (cumulative cost).
    Linear,
}

/// How y tick labels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YFormat {
    /// Whole numbers (pods).
    Count,
    /// Money, without the currency (the axis title has it).
    Amount,
}

/// A filled band between two series.
#[derive(Debug, Clone)]
pub(crate) struct Area {
    /// CSS class of the path (`area ecs`).
    pub class: String,
    /// Fill colour (opaque, so the screenshot test can find it).
    pub colour: &'static str,
    /// Legend label.
    pub label: String,
    /// Bottom edge, one value per step.
    pub lower: Vec<f64>,
    /// Top edge, one value per step.
    pub upper: Vec<f64>,
}

/// A line through one series.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// CSS class of the path (`line ecs`).
    pub class: String,
    /// Stroke colour.
    pub colour: &'static str,
    /// Legend label.
    pub label: String,
    /// One value per step.
    pub values: Vec<f64>,
    /// Dashed (a target, a total) or solid.
    pub dashed: bool,
}

/// An event marker: a numbered vertical line at `t`.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Its number in the events table (`E1`).
    pub n: usize,
    /// When.
    pub t: u64,
    /// What happened (all events of the step).
    pub text: String,
}

/// One chart over the run's time.
#[derive(Debug, Clone)]
pub(crate) struct Chart<'a> {
    /// Drawn above the plot.
    pub title: String,
    /// Drawn along the y axis.
    pub y_label: String,
    /// SVG width in pixels.
    pub width: f64,
    /// Height of the plot area in pixels.
    pub plot_height: f64,
    /// Time of each step.
    pub times: &'a [u64],
    /// End of the time axis (the run's duration).
    pub end: u64,
    /// How areas and lines move between steps.
    pub shape: Shape,
    /// Filled bands, drawn first, in order.
    pub areas: Vec<Area>,
    /// Lines, drawn over the areas.
    pub lines: Vec<Line>,
    /// Event markers, drawn over everything.
    pub events: &'a [Event],
    /// Label markers with the event text (else only `E1`).
    pub event_text: bool,
    /// Lanes of event labels at most.
    pub max_lanes: usize,
    /// How y tick labels read.
    pub y_format: YFormat,
}

/// An event label placed in a lane.
struct Placed {
    x: f64,
    lane: usize,
    text: String,
    anchor_end: bool,
}

impl Chart<'_> {
    /// The chart as an `<svg>` element.
    pub(crate) fn svg(&self) -> String {
        let x_end = self
            .times
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.end)
            .max(1);
        let plot_left = LEFT;
        let plot_right = self.width - RIGHT;
        let plot_width = plot_right - plot_left;
        let x_of = |t: u64| plot_left + t as f64 / x_end as f64 * plot_width;

        let placed = self.place_events(&x_of, plot_right);
        let lanes = placed.iter().map(|p| p.lane + 1).max().unwrap_or(0);
        let lanes_top = 50.0;
        let plot_top = lanes_top + lanes as f64 * LANE_HEIGHT + 8.0;
        let plot_bottom = plot_top + self.plot_height;
        let height = plot_bottom + 44.0;

        let y_data_max = self
            .areas
            .iter()
            .flat_map(|a| a.upper.iter())
            .chain(self.lines.iter().flat_map(|l| l.values.iter()))
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        let (y_step, y_max) = y_ticks(y_data_max, self.y_format);
        let y_of = |v: f64| plot_bottom - (v / y_max).clamp(0.0, 1.0) * self.plot_height;

        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="11" role="img"><title>{title}</title><rect class="background" x="0" y="0" width="{w:.0}" height="{h:.0}" fill="#ffffff"/>"##,
            w = self.width,
            h = height,
            title = escape(&self.title),
        );
        let _ = write!(
            s,
            r##"<text class="chart-title" x="{plot_left:.1}" y="20" font-size="14" font-weight="bold" fill="#222222">{}</text>"##,
            escape(&self.title)
        );
        self.legend(&mut s, plot_left, 40.0);

        // Grid and tick labels.
        let mut v = 0.0;
        while v <= y_max + y_step / 2.0 {
            let y = y_of(v);
            let _ = write!(
                s,
                r##"<line class="grid" x1="{plot_left:.1}" x2="{plot_right:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e4e4e4"/><text class="tick-label y" x="{:.1}" y="{:.1}" text-anchor="end" fill="#444444">{}</text>"##,
                plot_left - 6.0,
                y + 4.0,
                y_tick_label(v, y_step, self.y_format)
            );
            v += y_step;
        }
        let x_step = x_tick_step(x_end, plot_width);
        let mut t = 0;
        while t <= x_end {
            let x = x_of(t);
            let _ = write!(
                s,
                r##"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{plot_top:.1}" y2="{plot_bottom:.1}" stroke="#efefef"/><text class="tick-label x" x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444444">{}</text>"##,
                plot_bottom + 15.0,
                clock(t)
            );
            t += x_step;
        }

        if self.times.is_empty() {
            let _ = write!(
                s,
                r##"<text class="no-data" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#888888">no steps</text>"##,
                (plot_left + plot_right) / 2.0,
                (plot_top + plot_bottom) / 2.0
            );
        }
        for area in &self.areas {
            let upper = vertices(self.times, &area.upper, self.shape, self.end);
            let lower = vertices(self.times, &area.lower, self.shape, self.end);
            if upper.is_empty() {
                continue;
            }
            let mut d = String::new();
            for (i, (t, v)) in upper.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1} ",
                    if i == 0 { "M" } else { "L" },
                    x_of(*t),
                    y_of(*v)
                );
            }
            for (t, v) in lower.iter().rev() {
                let _ = write!(d, "L{:.1} {:.1} ", x_of(*t), y_of(*v));
            }
            d.push('Z');
            let _ = write!(
                s,
                r#"<path class="{}" d="{d}" fill="{}" stroke="none"><title>{}</title></path>"#,
                escape(&area.class),
                area.colour,
                escape(&area.label)
            );
        }
        for line in &self.lines {
            let points = vertices(self.times, &line.values, self.shape, self.end);
            if points.is_empty() {
                continue;
            }
            let mut d = String::new();
            for (i, (t, v)) in points.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1} ",
                    if i == 0 { "M" } else { "L" },
                    x_of(*t),
                    y_of(*v)
                );
            }
            let _ = write!(
                s,
                r#"<path class="{}" d="{}" fill="none" stroke="{}" stroke-width="2"{}><title>{}</title></path>"#,
                escape(&line.class),
                d.trim_end(),
                line.colour,
                if line.dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                },
                escape(&line.label)
            );
        }

        // Axes.
        let _ = write!(
            s,
            r##"<line class="axis" x1="{plot_left:.1}" x2="{plot_left:.1}" y1="{plot_top:.1}" y2="{plot_bottom:.1}" stroke="#333333"/><line class="axis" x1="{plot_left:.1}" x2="{plot_right:.1}" y1="{plot_bottom:.1}" y2="{plot_bottom:.1}" stroke="#333333"/>"##
        );
        let _ = write!(
            s,
            r##"<text class="axis-label x" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#222222">time since start (hours and minutes)</text>"##,
            (plot_left + plot_right) / 2.0,
            plot_bottom + 34.0
        );
        let y_mid = (plot_top + plot_bottom) / 2.0;
        let _ = write!(
            s,
            r##"<text class="axis-label y" x="16" y="{y_mid:.1}" text-anchor="middle" transform="rotate(-90 16 {y_mid:.1})" fill="#222222">{}</text>"##,
            escape(&self.y_label)
        );

        // Event markers, over the data.
        for (event, p) in self.events.iter().zip(&placed) {
            let label_y = lanes_top + (p.lane as f64 + 1.0) * LANE_HEIGHT - 3.0;
            let (text_x, anchor) = if p.anchor_end {
                (p.x - 3.0, "end")
            } else {
                (p.x + 3.0, "start")
            };
            let _ = write!(
                s,
                r#"<g class="event-marker"><title>E{n} at {at}: {text}</title><line x1="{x:.1}" x2="{x:.1}" y1="{y1:.1}" y2="{plot_bottom:.1}" stroke="{c}" stroke-width="1.5" stroke-dasharray="4 3"/><text class="event-label" x="{text_x:.1}" y="{label_y:.1}" text-anchor="{anchor}" fill="{c}">{label}</text></g>"#,
                n = event.n,
                at = clock(event.t),
                text = escape(&event.text),
                x = p.x,
                y1 = label_y - 10.0,
                c = EVENT_COLOUR,
                label = escape(&p.text),
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The legend: a swatch and a label per area and line, in one row.
    fn legend(&self, s: &mut String, left: f64, y: f64) {
        let mut x = left;
        for area in &self.areas {
            let _ = write!(
                s,
                r##"<g class="legend"><rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" fill="#222222">{}</text></g>"##,
                y - 10.0,
                area.colour,
                x + 16.0,
                y,
                escape(&area.label)
            );
            x += 16.0 + text_width(&area.label) + 18.0;
        }
        for line in &self.lines {
            let _ = write!(
                s,
                r##"<g class="legend"><line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2"{}/><text x="{:.1}" y="{:.1}" fill="#222222">{}</text></g>"##,
                x + 14.0,
                y - 4.0,
                y - 4.0,
                line.colour,
                if line.dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                },
                x + 18.0,
                y,
                escape(&line.label)
            );
            x += 18.0 + text_width(&line.label) + 18.0;
        }
        if !self.events.is_empty() {
            let _ = write!(
                s,
                r##"<g class="legend"><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{EVENT_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{:.1}" y="{y:.1}" fill="#222222">event</text></g>"##,
                x + 5.0,
                x + 5.0,
                y - 11.0,
                y + 2.0,
                x + 10.0,
            );
        }
    }

    /// Puts each event's label in the first lane where it does not overlap
    /// the previous label: the full text when [`Chart::event_text`] and there
    /// is room, else `E1`.
    fn place_events(&self, x_of: &dyn Fn(u64) -> f64, right: f64) -> Vec<Placed> {
        let mut lane_ends: Vec<f64> = Vec::new();
        let mut placed = Vec::new();
        for event in self.events {
            let x = x_of(event.t);
            let short = format!("E{}", event.n);
            let mut texts = Vec::new();
            if self.event_text {
                texts.push(format!("E{} {}", event.n, truncate(&event.text)));
            }
            texts.push(short.clone());
            let mut done = None;
            for text in texts {
                let w = text_width(&text) + 3.0;
                let anchor_end = x + w > right;
                let (from, to) = if anchor_end { (x - w, x) } else { (x, x + w) };
                let lane = lane_ends.iter().position(|end| *end + 6.0 <= from);
                let lane = match lane {
                    Some(lane) => Some(lane),
                    None if lane_ends.len() < self.max_lanes.max(1) => {
                        lane_ends.push(f64::NEG_INFINITY);
                        Some(lane_ends.len() - 1)
                    }
                    None => None,
                };
                if let Some(lane) = lane {
                    lane_ends[lane] = to;
                    done = Some(Placed {
                        x,
                        lane,
                        text,
                        anchor_end,
                    });
                    break;
                }
            }
            // No room anywhere: the short label in the lane that ends first.
            let p = done.unwrap_or_else(|| {
                let lane = lane_ends
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |(i, _)| i);
                if let Some(end) = lane_ends.get_mut(lane) {
                    *end = x + text_width(&short);
                }
                Placed {
                    x,
                    lane,
                    text: short,
                    anchor_end: false,
                }
            });
            placed.push(p);
        }
        placed
    }
}

/// Estimated width of a label in pixels.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// An event text cut to [`MAX_LABEL_CHARS`], with `…` when cut.
fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// The corners of a series: each step's value, held until the next step's
/// time for [`Shape::Step`] (and to `end`), or joined straight for
/// [`Shape::Linear`]. Consecutive equal values collapse, so a day at 15s steps
/// stays a small path.
fn vertices(times: &[u64], values: &[f64], shape: Shape, end: u64) -> Vec<(u64, f64)> {
    let n = times.len().min(values.len());
    let mut out: Vec<(u64, f64)> = Vec::new();
    if n == 0 {
        return out;
    }
    match shape {
        Shape::Step => {
            out.push((times[0], values[0]));
            for i in 1..n {
                if values[i] != values[i - 1] {
                    out.push((times[i], values[i - 1]));
                    out.push((times[i], values[i]));
                }
            }
            out.push((times[n - 1].max(end), values[n - 1]));
        }
        Shape::Linear => {
            for i in 0..n {
                // Drop the middle of three equal values: same line.
                let flat =
                    i > 0 && i + 1 < n && values[i - 1] == values[i] && values[i] == values[i + 1];
                if !flat {
                    out.push((times[i], values[i]));
                }
            }
        }
    }
    out
}

/// A round tick step and the axis maximum (a multiple of it) for data up to
/// `max`: about five ticks, steps of 1, 2 or 5 × 10ⁿ, whole for counts.
fn y_ticks(max: f64, format: YFormat) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if format == YFormat::Count {
        step = step.max(1.0).round();
    }
    let top = (max / step).ceil() * step;
    (step, top)
}

/// A y tick label: `12`, `1,200`, `0.50`.
fn y_tick_label(v: f64, step: f64, format: YFormat) -> String {
    match format {
        YFormat::Count => format!("{v:.0}"),
        YFormat::Amount if step >= 1.0 => {
            let a = amount(v);
            a.strip_suffix(".00").map_or(a.clone(), String::from)
        }
        YFormat::Amount => amount(v),
    }
}

/// Seconds between x ticks: a round clock interval giving a tick every 90px
/// or more.
fn x_tick_step(end: u64, plot_width: f64) -> u64 {
    let most = (plot_width / 90.0).floor().max(1.0) as u64;
    const STEPS: [u64; 18] = [
        1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
        604_800,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| end / s <= most)
        .unwrap_or_else(|| end.div_ceil(most).div_ceil(604_800) * 604_800)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart<'a>(times: &'a [u64], events: &'a [Event]) -> Chart<'a> {
        Chart {
            title: "Replicas".into(),
            y_label: "pods".into(),
            width: 800.0,
            plot_height: 200.0,
            times,
            end: 3600,
            shape: Shape::Step,
            areas: vec![Area {
                class: "area ecs".into(),
                colour: "#1f77b4",
                label: "ECS".into(),
                lower: vec![0.0; times.len()],
                upper: times.iter().map(|t| (*t / 600) as f64).collect(),
            }],
            lines: vec![Line {
                class: "line desired".into(),
                colour: "#333333",
                label: "desired".into(),
                values: vec![4.0; times.len()],
                dashed: true,
            }],
            events,
            event_text: true,
            max_lanes: 3,
            y_format: YFormat::Count,
        }
    }

    #[test]
    fn report_chart_step_vertices_collapse_equal_values() {
        let v = vertices(
            &[300, 600, 900, 1200],
            &[1.0, 1.0, 3.0, 3.0],
            Shape::Step,
            1800,
        );
        assert_eq!(v, [(300, 1.0), (900, 1.0), (900, 3.0), (1800, 3.0)]);
        let v = vertices(&[0, 1, 2, 3], &[1.0, 1.0, 1.0, 2.0], Shape::Linear, 3);
        assert_eq!(v, [(0, 1.0), (2, 1.0), (3, 2.0)]);
        assert!(vertices(&[], &[], Shape::Step, 10).is_empty());
    }

    #[test]
    fn report_chart_ticks_are_round() {
        assert_eq!(y_ticks(23.0, YFormat::Count), (5.0, 25.0));
        assert_eq!(y_ticks(0.0, YFormat::Count), (1.0, 1.0));
        assert_eq!(y_ticks(3.0, YFormat::Count), (1.0, 3.0));
        let (step, top) = y_ticks(1234.0, YFormat::Amount);
        assert_eq!((step, top), (500.0, 1500.0));
        assert_eq!(y_tick_label(1500.0, 500.0, YFormat::Amount), "1,500");
        assert_eq!(y_tick_label(0.5, 0.1, YFormat::Amount), "0.50");
        assert_eq!(x_tick_step(21_600, 900.0), 3600);
        assert_eq!(x_tick_step(3600, 900.0), 600);
        assert_eq!(x_tick_step(3600, 450.0), 900);
        assert_eq!(x_tick_step(30 * 86_400, 900.0), 604_800);
    }

    #[test]
    fn report_chart_svg_has_axes_legend_areas_and_markers() {
        let times: Vec<u64> = (1..=12).map(|i| i * 300).collect();
        let events = [
            Event {
                n: 1,
                t: 1200,
                text: "zone <b> down".into(),
            },
            Event {
                n: 2,
                t: 1500,
                text: "node x down".into(),
            },
        ];
        let svg = chart(&times, &events).svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r##"<path class="area ecs" d="M"##));
        assert!(svg.contains(r##"fill="#1f77b4""##));
        assert!(svg.contains(r#"stroke-dasharray="6 4""#));
        assert!(svg.contains(">0h00m</text>"));
        assert!(svg.contains(">1h00m</text>"));
        assert!(svg.contains("time since start (hours and minutes)"));
        assert!(svg.contains(">pods</text>"));
        assert_eq!(svg.matches(r#"<g class="event-marker">"#).count(), 2);
        assert!(svg.contains(">E1 zone &lt;b&gt; down</text>"));
        assert!(!svg.contains("<b>"));
        // The second label does not fit next to the first: a lane of its own.
        let lane_y: Vec<&str> = svg
            .match_indices(r#"class="event-label" x=""#)
            .filter_map(|(i, _)| svg[i..].split("y=\"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(lane_y.len(), 2);
        assert_ne!(lane_y[0], lane_y[1]);
    }

    #[test]
    fn report_chart_crowded_events_fall_back_to_numbers() {
        let times: Vec<u64> = (1..=12).map(|i| i * 300).collect();
        let events: Vec<Event> = (1..=8)
            .map(|n| Event {
                n,
                t: 1800 + n as u64 * 10,
                text: "a long description of what happened to the cluster".into(),
            })
            .collect();
        let mut c = chart(&times, &events);
        c.max_lanes = 2;
        let svg = c.svg();
        assert_eq!(svg.matches(r#"<g class="event-marker">"#).count(), 8);
        assert!(svg.contains(">E8</text>"));
        assert!(svg.contains(">E1 a long description of what happened to the clus…</text>"));
    }

    #[test]
    fn report_chart_without_steps_says_so() {
        let svg = chart(&[], &[]).svg();
        assert!(svg.contains(">no steps</text>"));
        assert!(!svg.contains("<path"));
    }
}
