//! The HTML report renders in a real browser: headless Chromium screenshots a
//! synthetic run (a gateway that fills ECS, overflows to ECI during a spike,
//! loses a zone, and leaves pods Pending), and the screenshot must show the
//! ECS and ECI colours of the charts and be far from a blank page.
//!
//! Needs Debian's `chromium` package at `/usr/bin/chromium`; the test fails
//! (it does not skip) without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use spillway_sim::Outcome;
use spillway_sim::outcome::{PendingSpan, Step, Summary, WorkloadStep, WorkloadSummary};
use spillway_sim::report::{ECI_COLOUR, ECS_COLOUR, html};

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2000;

/// Six hours in one-minute steps. ECS holds 10 gateway pods (5 after zone
/// cn-hangzhou-i fails at 4h, until it returns at 5h); a spike from 2h to 3h
/// wants 16; pods that do not fit ECS go to ECI, except for the first five
/// minutes after the zone failure, when they stay Pending.
fn outcome() -> Outcome {
    let name = "istio-ingressgateway";
    let step = 60;
    let duration = 6 * 3600;
    let mut steps = Vec::new();
    let (mut cost_ecs, mut cost_eci) = (0.0, 0.0);
    let mut pending = Vec::new();
    for t in (step..=duration).step_by(step as usize) {
        let desired: usize = if (7200..10_800).contains(&t) { 16 } else { 6 };
        let zone_down = (14_400..18_000).contains(&t);
        let capacity = if zone_down { 5 } else { 10 };
        let ecs = desired.min(capacity);
        let rest = desired - ecs;
        let (eci, waiting) = if zone_down && t < 14_700 {
            (0, rest)
        } else {
            (rest, 0)
        };
        if t == 14_400 {
            for i in 0..waiting {
                pending.push(PendingSpan {
                    workload: name.into(),
                    pod: format!("istio-system/{name}-7d9f-{i}"),
                    from: t,
                    to: Some(14_700),
                    reason: "0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.".into(),
                });
            }
        }
        cost_ecs += if zone_down { 0.5 } else { 1.0 };
        cost_eci += eci as f64 * 0.02;
        let by_zone: BTreeMap<String, usize> = [
            ("cn-hangzhou-h".to_string(), ecs.min(5)),
            (
                "cn-hangzhou-i".to_string(),
                if zone_down { 0 } else { ecs - ecs.min(5) },
            ),
            ("eci:cn-hangzhou-j".to_string(), eci),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
        let events = match t {
            7200 => vec!["spike on istio-ingressgateway starts".to_string()],
            14_400 => vec!["zone cn-hangzhou-i down".to_string()],
            18_000 => vec!["zone cn-hangzhou-i up".to_string()],
            _ => Vec::new(),
        };
        let ready = ecs + eci;
        steps.push(Step {
            t,
            workloads: vec![WorkloadStep {
                load: desired as f64 * 700.0,
                desired: desired as i32,
                pods: desired,
                ready,
                up_to_date: desired,
                ecs,
                eci,
                pending: waiting,
                by_zone,
                utilization: Some(68.0),
                survive_node: ready.saturating_sub(3),
                survive_zone: ready - ecs.min(5),
            }],
            pending: waiting,
            ecs_pods: ecs,
            eci_pods: eci,
            cost_ecs,
            cost_eci,
            events,
        });
    }
    Outcome {
        seed: 7,
        step_seconds: step,
        duration_seconds: duration,
        currency: "CNY".into(),
        workloads: vec![name.into()],
        steps,
        summary: Summary {
            workloads: vec![WorkloadSummary {
                name: name.into(),
                peak_replicas: 16,
                peak_eci: 6,
                peak_eci_at: Some(7200),
                overflow_start: Some(7200),
                overflow_seconds: 3600 + 3300,
                overflow_spans: vec![(7200, Some(10_800)), (14_700, Some(18_000))],
                pending_seconds: 300,
                min_survive_node: 2,
                min_survive_node_at: 14_400,
                min_survive_zone: 0,
                min_survive_zone_at: 14_400,
                cost_eci,
            }],
            cost_ecs,
            cost_eci,
            pending,
        },
    }
}

/// A fresh directory under the system's temp dir.
fn temp_dir(what: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("spillway-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshots `page` with headless Chromium into `png`, with a fresh profile.
fn screenshot(page: &Path, png: &Path, profile: &Path) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium package \
         (apt-get install -y chromium); the project's test script installs it"
    );
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish a screenshot in 60s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An 8-bit RGB or RGBA PNG, decoded.
struct Image {
    width: u32,
    height: u32,
    /// Bytes per pixel: 3 or 4.
    bpp: usize,
    /// Unfiltered rows.
    pixels: Vec<u8>,
}

impl Image {
    /// Pixels whose RGB is exactly `#rrggbb`.
    fn count(&self, colour: &str) -> usize {
        let hex = colour.trim_start_matches('#');
        let rgb: Vec<u8> = (0..3)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        self.pixels
            .chunks_exact(self.bpp)
            .filter(|p| p[..3] == rgb[..])
            .count()
    }
}

/// Decodes a PNG: signature, IHDR, IDAT through zlib, unfiltered. Only what
/// Chromium writes (8-bit RGB or RGBA, not interlaced) is supported; anything
/// else fails the test.
fn decode_png(bytes: &[u8]) -> Image {
    assert!(
        bytes.len() > 33 && bytes[..8] == *b"\x89PNG\r\n\x1a\n",
        "not a PNG"
    );
    let mut pos = 8;
    let (mut width, mut height, mut bpp) = (0, 0, 0);
    let mut idat = Vec::new();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap());
                height = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(data[8], 8, "bit depth");
                bpp = match data[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("colour type {other} not supported"),
                };
                assert_eq!(data[12], 0, "interlaced");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    assert!(width > 0 && !idat.is_empty(), "no IHDR or IDAT");
    let raw = inflate(&idat[2..]);
    let stride = width as usize * bpp;
    assert_eq!(raw.len(), (stride + 1) * height as usize, "image data size");
    let mut pixels = vec![0u8; stride * height as usize];
    for y in 0..height as usize {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= bpp {
                pixels[y * stride + x - bpp]
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x]
            } else {
                0
            };
            let c = if x >= bpp && y > 0 {
                pixels[(y - 1) * stride + x - bpp]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("PNG filter {other}"),
            };
            pixels[y * stride + x] = line[x].wrapping_add(predicted);
        }
    }
    Image {
        width,
        height,
        bpp,
        pixels,
    }
}

/// Reads a DEFLATE stream bit by bit, least significant bit first.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        let byte = *self.data.get(self.pos).expect("DEFLATE stream too short");
        let b = u32::from(byte >> self.bit) & 1;
        self.bit += 1;
        if self.bit == 8 {
            self.bit = 0;
            self.pos += 1;
        }
        b
    }

    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, i| acc | (self.bit() << i))
    }
}

/// A canonical Huffman code: how many codes of each length, and the symbols
/// in code order.
struct Huffman {
    counts: [i32; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut counts = [0i32; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        let mut offsets = [0usize; 16];
        for len in 1..16 {
            offsets[len] = offsets[len - 1] + counts[len - 1] as usize;
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[offsets[l as usize]] = symbol as u16;
                offsets[l as usize] += 1;
            }
        }
        Huffman { counts, symbols }
    }

    fn decode(&self, bits: &mut Bits) -> u16 {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.bit() as i32;
            let count = self.counts[len];
            if code - count < first {
                return self.symbols[(index + code - first) as usize];
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        panic!("bad Huffman code");
    }
}

/// Inflates a raw DEFLATE stream (RFC 1951).
fn inflate(data: &[u8]) -> Vec<u8> {
    const LEN_BASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const LEN_EXTRA: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DIST_BASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ];
    const DIST_EXTRA: [u8; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let mut bits = Bits {
        data,
        pos: 0,
        bit: 0,
    };
    let mut out: Vec<u8> = Vec::new();
    loop {
        let last = bits.bit() == 1;
        match bits.bits(2) {
            0 => {
                if bits.bit != 0 {
                    bits.bit = 0;
                    bits.pos += 1;
                }
                let len = u16::from_le_bytes([data[bits.pos], data[bits.pos + 1]]) as usize;
                bits.pos += 4;
                out.extend_from_slice(&data[bits.pos..bits.pos + len]);
                bits.pos += len;
            }
            kind @ (1 | 2) => {
                let (lit, dist) = if kind == 1 {
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    (Huffman::new(&l), Huffman::new(&[5u8; 30]))
                } else {
                    let hlit = bits.bits(5) as usize + 257;
                    let hdist = bits.bits(5) as usize + 1;
                    let hclen = bits.bits(4) as usize + 4;
                    let mut cl = [0u8; 19];
                    for &i in &ORDER[..hclen] {
                        cl[i] = bits.bits(3) as u8;
                    }
                    let code = Huffman::new(&cl);
                    let mut lengths = Vec::with_capacity(hlit + hdist);
                    while lengths.len() < hlit + hdist {
                        match code.decode(&mut bits) {
                            sym @ 0..=15 => lengths.push(sym as u8),
                            16 => {
                                let prev = *lengths.last().expect("repeat with no length");
                                let n = 3 + bits.bits(2) as usize;
                                lengths.extend(std::iter::repeat_n(prev, n));
                            }
                            17 => {
                                let n = 3 + bits.bits(3) as usize;
                                lengths.extend(std::iter::repeat_n(0, n));
                            }
                            _ => {
                                let n = 11 + bits.bits(7) as usize;
                                lengths.extend(std::iter::repeat_n(0, n));
                            }
                        }
                    }
                    (
                        Huffman::new(&lengths[..hlit]),
                        Huffman::new(&lengths[hlit..]),
                    )
                };
                loop {
                    let sym = lit.decode(&mut bits) as usize;
                    if sym < 256 {
                        out.push(sym as u8);
                    } else if sym == 256 {
                        break;
                    } else {
                        let i = sym - 257;
                        let len =
                            LEN_BASE[i] as usize + bits.bits(u32::from(LEN_EXTRA[i])) as usize;
                        let d = dist.decode(&mut bits) as usize;
                        let back =
                            DIST_BASE[d] as usize + bits.bits(u32::from(DIST_EXTRA[d])) as usize;
                        let from = out.len() - back;
                        for k in 0..len {
                            out.push(out[from + k]);
                        }
                    }
                }
            }
            other => panic!("DEFLATE block type {other}"),
        }
        if last {
            return out;
        }
    }
}

#[test]
fn report_html_renders_in_chromium() {
    let dir = temp_dir("report-html");
    let outcome = outcome();
    let page = html(&outcome);

    // The SVG itself: ECS and ECI areas in their colours, event markers, axes.
    assert!(page.contains(r#"<path class="area ecs" d="M"#));
    assert!(page.contains(r#"<path class="area eci" d="M"#));
    assert!(page.contains(&format!(r#"fill="{ECS_COLOUR}" stroke="none""#)));
    assert!(page.contains(&format!(r#"fill="{ECI_COLOUR}" stroke="none""#)));
    assert!(page.contains(r#"<path class="area pending" d="M"#));
    assert!(page.contains(r#"<path class="line eci" d="M"#));
    assert_eq!(page.matches(r#"<g class="event-marker">"#).count(), 3 * 3);
    assert!(page.contains(">E2 zone cn-hangzhou-i down</text>"));
    assert!(page.contains(">time since start (hours and minutes)</text>"));
    assert!(page.contains(">cost (CNY)</text>"));
    for tick in ["0h00m", "1h00m", "3h00m", "6h00m"] {
        assert!(page.contains(&format!(">{tick}</text>")), "tick {tick}");
    }
    assert!(page.contains(">ECS nodes</text>"));
    assert!(page.contains(">ECI (virtual nodes)</text>"));
    assert!(page.contains("2h00m–3h00m, 4h05m–5h00m"));

    let report = dir.join("report.html");
    let blank = dir.join("blank.html");
    std::fs::write(&report, &page).unwrap();
    std::fs::write(&blank, "<!DOCTYPE html>\n<html><body></body></html>\n").unwrap();
    let (report_png, blank_png) = (dir.join("report.png"), dir.join("blank.png"));
    screenshot(&report, &report_png, &dir.join("profile-report"));
    screenshot(&blank, &blank_png, &dir.join("profile-blank"));

    let bytes = std::fs::read(&report_png).expect("the report's screenshot exists");
    let blank_bytes = std::fs::read(&blank_png).expect("the blank screenshot exists");
    // Signature, then IHDR first with the window's size.
    assert_eq!(bytes[..8], *b"\x89PNG\r\n\x1a\n");
    assert_eq!(bytes[12..16], *b"IHDR");
    assert_eq!(bytes[16..20], WIDTH.to_be_bytes());
    assert_eq!(bytes[20..24], HEIGHT.to_be_bytes());
    assert!(
        bytes.len() > 3 * blank_bytes.len(),
        "report screenshot {} bytes, blank page {} bytes",
        bytes.len(),
        blank_bytes.len()
    );

    // The pixels: the charts' ECS and ECI fills are on screen, in quantity.
    let image = decode_png(&bytes);
    assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    let (ecs, eci) = (image.count(ECS_COLOUR), image.count(ECI_COLOUR));
    assert!(ecs > 20_000, "{ecs} pixels of the ECS colour {ECS_COLOUR}");
    assert!(eci > 5_000, "{eci} pixels of the ECI colour {ECI_COLOUR}");
    let blank_image = decode_png(&blank_bytes);
    assert_eq!(blank_image.count(ECS_COLOUR), 0);
    assert_eq!(blank_image.count(ECI_COLOUR), 0);

    let _ = std::fs::remove_dir_all(&dir);
}
