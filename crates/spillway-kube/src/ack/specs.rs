//! ECI instance specs and prices.
//!
//! An ECI pod runs as one vCPU/memory spec (`2-4Gi`: 2 vCPU, 4 GiB) or as an ECS
//! instance type named in the pod annotation `k8s.aliyun.com/eci-use-specs`. Without
//! the annotation ECI rounds the pod's requests up to the smallest spec that holds
//! them, and uses 2 vCPU / 4 GiB when the pod requests nothing. The specs supported in
//! all regions are bundled (`data/eci-specs.yaml`); a scenario replaces them with
//! `ack.eci.specs` and adds regional extras through `ack.eci.regions`.
//!
//! All sizes are exact integers: vCPUs in millicores, memory in MiB (0.5 GiB is
//! 512 MiB), and comparisons with a pod's requests are made in bytes.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1 as k;
use spillway_core::Quantity;

use super::settings::{AckSettings, Prices, SpecRow};
use crate::convert::pod_object;
use crate::error::FieldError;

/// The pod annotation that names the specs an ECI pod may use.
pub const USE_SPECS_ANNOTATION: &str = "k8s.aliyun.com/eci-use-specs";

/// The field path of [`USE_SPECS_ANNOTATION`] in errors.
const USE_SPECS_FIELD: &str = "metadata.annotations[k8s.aliyun.com/eci-use-specs]";

/// The bundled table of specs supported in all regions.
const BUNDLED: &str = include_str!("../../data/eci-specs.yaml");

/// How errors name the bundled table.
const BUNDLED_NAME: &str = "bundled data/eci-specs.yaml";

/// Most entries `k8s.aliyun.com/eci-use-specs` may name.
const MAX_USE_SPECS: usize = 5;

const MIB: i64 = 1 << 20;
const GIB: i64 = 1 << 30;

/// ECI's size for a pod that requests neither CPU nor memory: 2 vCPU / 4 GiB.
const DEFAULT_CPU_MILLI: i64 = 2000;
const DEFAULT_MEMORY_BYTES: i64 = 4 * GIB;

/// A vCPU/memory spec, e.g. 2 vCPU / 4 GiB, written "2-4Gi" as in
/// `k8s.aliyun.com/eci-use-specs`.
///
/// Specs order by vCPU, then memory. `Display` writes the annotation form (`2-4Gi`,
/// `0.25-0.5Gi`) and `FromStr` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EciSpec {
    /// vCPUs in millicores (0.25 vCPU is 250).
    pub cpu_milli: i64,
    /// Memory in MiB (0.5 GiB is 512).
    pub memory_mib: i64,
}

impl EciSpec {
    /// The memory in bytes.
    pub const fn memory_bytes(self) -> i64 {
        self.memory_mib.saturating_mul(MIB)
    }

    /// Whether the spec holds `cpu_milli` millicores and `memory_bytes` bytes.
    pub const fn holds(self, cpu_milli: i64, memory_bytes: i64) -> bool {
        self.cpu_milli >= cpu_milli && self.memory_bytes() >= memory_bytes
    }
}

impl fmt::Display for EciSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}Gi",
            milli_decimal(self.cpu_milli),
            mib_as_gib_decimal(self.memory_mib)
        )
    }
}

impl FromStr for EciSpec {
    type Err = String;

    /// Reads `VCPU-MEMORYGi` (`2-4Gi`, `0.25-0.5Gi`): plain decimals, vCPUs a whole
    /// number of millicores, memory a whole number of MiB, both positive.
    fn from_str(s: &str) -> Result<EciSpec, String> {
        let Some((cpu, memory)) = s.split_once('-') else {
            return Err("expected VCPU-MEMORYGi, like 2-4Gi".to_string());
        };
        let Some(memory) = memory.strip_suffix("Gi") else {
            return Err("memory must be in GiB with the suffix Gi, like 2-4Gi".to_string());
        };
        let cpu_milli = match scaled_decimal(cpu, 1000) {
            Ok(v) => v,
            Err(Scale::NotWhole) => {
                return Err(format!("vCPU {cpu} is not a whole number of millicores"));
            }
            Err(_) => return Err(format!("vCPU {cpu:?} is not a plain decimal number")),
        };
        let memory_mib = match scaled_decimal(memory, 1024) {
            Ok(v) => v,
            Err(Scale::NotWhole) => {
                return Err(format!("memory {memory} GiB is not a whole number of MiB"));
            }
            Err(_) => {
                return Err(format!(
                    "memory {memory:?} is not a plain decimal number of GiB"
                ));
            }
        };
        if cpu_milli <= 0 || memory_mib <= 0 {
            return Err("vCPU and memory must be positive".to_string());
        }
        Ok(EciSpec {
            cpu_milli,
            memory_mib,
        })
    }
}

/// The ECI specs available to a scenario, ordered by vCPU, then memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecTable {
    specs: Vec<EciSpec>,
}

impl SpecTable {
    /// The bundled table, or settings.eci.specs when given, plus
    /// settings.eci.regions\[region\] when settings.region matches.
    ///
    /// # Errors
    /// A row whose vCPUs are not a positive whole number of millicores or whose
    /// memory is not a positive whole number of MiB, a row without memory sizes, an
    /// empty table, or a bundled table that does not parse; the message names the
    /// row (`ack.eci.specs[2].memory[1]`).
    pub fn new(settings: &AckSettings) -> Result<SpecTable, String> {
        SpecTable::with_bundled(BUNDLED, settings)
    }

    /// [`SpecTable::new`] with `bundled` as the bundled table's text.
    fn with_bundled(bundled: &str, settings: &AckSettings) -> Result<SpecTable, String> {
        let mut specs = Vec::new();
        match &settings.eci.specs {
            Some(rows) => add_rows(&mut specs, rows, "ack.eci.specs")?,
            None => {
                let rows: Vec<SpecRow> =
                    serde_yaml_ng::from_str(bundled).map_err(|e| format!("{BUNDLED_NAME}: {e}"))?;
                add_rows(&mut specs, &rows, BUNDLED_NAME)?;
            }
        }
        if let Some(region) = &settings.region
            && let Some(rows) = settings.eci.regions.get(region)
        {
            add_rows(&mut specs, rows, &format!("ack.eci.regions.{region}"))?;
        }
        if specs.is_empty() {
            return Err("ack.eci.specs: the ECI spec table is empty".to_string());
        }
        specs.sort_unstable();
        specs.dedup();
        Ok(SpecTable { specs })
    }

    /// All specs, ordered by vCPU, then memory.
    pub fn specs(&self) -> &[EciSpec] {
        &self.specs
    }

    /// The last spec in the table's order: the most vCPUs and, among those, the most
    /// memory.
    pub fn largest(&self) -> Option<EciSpec> {
        self.specs.last().copied()
    }

    /// The smallest spec holding cpu_milli and memory bytes: ordered by vCPU then
    /// memory; 2 vCPU / 4 GiB when both are 0 (ECI's default; with a custom table
    /// that lacks it, the smallest spec holding 2 vCPU / 4 GiB). None when nothing
    /// holds it.
    pub fn round_up(&self, cpu_milli: i64, memory_bytes: i64) -> Option<EciSpec> {
        let (cpu_milli, memory_bytes) = if cpu_milli <= 0 && memory_bytes <= 0 {
            (DEFAULT_CPU_MILLI, DEFAULT_MEMORY_BYTES)
        } else {
            (cpu_milli, memory_bytes)
        };
        self.specs
            .iter()
            .copied()
            .find(|s| s.holds(cpu_milli, memory_bytes))
    }

    /// Whether the table offers exactly this spec.
    pub fn contains(&self, spec: EciSpec) -> bool {
        self.specs.binary_search(&spec).is_ok()
    }

    /// The memory sizes offered with `cpu_milli` vCPUs, for messages.
    fn memory_sizes(&self, cpu_milli: i64) -> Vec<String> {
        self.specs
            .iter()
            .filter(|s| s.cpu_milli == cpu_milli)
            .map(|s| mib_as_gib_decimal(s.memory_mib))
            .collect()
    }
}

/// Appends the specs of `rows`, named `source[i]` in errors.
fn add_rows(out: &mut Vec<EciSpec>, rows: &[SpecRow], source: &str) -> Result<(), String> {
    for (i, row) in rows.iter().enumerate() {
        let cpu_milli = exact(row.cpu, 1000, "millicores")
            .map_err(|why| format!("{source}[{i}].cpu: {} {why}", row.cpu))?;
        if row.memory.is_empty() {
            return Err(format!("{source}[{i}].memory: no memory sizes"));
        }
        for (j, &memory) in row.memory.iter().enumerate() {
            let memory_mib = exact(memory, 1024, "MiB")
                .map_err(|why| format!("{source}[{i}].memory[{j}]: {memory} GiB {why}"))?;
            out.push(EciSpec {
                cpu_milli,
                memory_mib,
            });
        }
    }
    Ok(())
}

/// `x × scale` when `x` is positive and that is a whole number. `x` is read through
/// its shortest decimal form (`0.1` is exactly one tenth), so table values convert
/// exactly.
fn exact(x: f64, scale: i64, unit: &str) -> Result<i64, String> {
    if x.is_nan() || x.is_infinite() || x <= 0.0 {
        return Err("is not a positive number".to_string());
    }
    match scaled_decimal(&x.to_string(), scale) {
        Ok(v) => Ok(v),
        Err(Scale::NotWhole) => Err(format!("is not a whole number of {unit}")),
        Err(Scale::Malformed | Scale::TooLarge) => Err("is too large".to_string()),
    }
}

/// Why a decimal does not scale to a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// Not `DIGITS` or `DIGITS.DIGITS`.
    Malformed,
    /// The scaled value has a fraction.
    NotWhole,
    /// The scaled value does not fit an `i64`.
    TooLarge,
}

/// The plain decimal `s` (`2`, `0.25`) times `scale`, exactly.
fn scaled_decimal(s: &str, scale: i64) -> Result<i64, Scale> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() => (int, frac),
        Some(_) => return Err(Scale::Malformed),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return Err(Scale::Malformed);
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if int.len() > 18 || frac.len() > 18 {
        return Err(if int.len() > 18 {
            Scale::TooLarge
        } else {
            Scale::NotWhole
        });
    }
    let int_value: i128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| Scale::Malformed)?
    };
    let frac_value: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| Scale::Malformed)?
    };
    let pow = 10_i128.pow(frac.len() as u32);
    let scaled = int_value
        .checked_mul(pow)
        .and_then(|v| v.checked_add(frac_value))
        .and_then(|v| v.checked_mul(i128::from(scale)))
        .ok_or(Scale::TooLarge)?;
    if scaled % pow != 0 {
        return Err(Scale::NotWhole);
    }
    i64::try_from(scaled / pow).map_err(|_| Scale::TooLarge)
}

/// `m / 1000` as a plain decimal without trailing zeros (`250` → `0.25`).
fn milli_decimal(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let m = m.unsigned_abs();
    let (int, frac) = (m / 1000, m % 1000);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let s = format!("{sign}{int}.{frac:03}");
        s.trim_end_matches('0').to_string()
    }
}

/// `mib / 1024` as a plain decimal without trailing zeros (`512` → `0.5`); always
/// exact, since 1024 is a power of two.
fn mib_as_gib_decimal(mib: i64) -> String {
    let sign = if mib < 0 { "-" } else { "" };
    let mib = mib.unsigned_abs();
    let (int, frac) = (mib / 1024, mib % 1024);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        // frac / 2^10 = frac × 5^10 / 10^10.
        let s = format!("{sign}{int}.{:010}", frac * 9_765_625);
        s.trim_end_matches('0').to_string()
    }
}

/// Bytes as GiB for messages: exact when a whole number of MiB, else to 3 decimals.
fn bytes_as_gib(bytes: i64) -> String {
    if bytes % MIB == 0 {
        mib_as_gib_decimal(bytes / MIB)
    } else {
        let s = format!("{:.3}", bytes as f64 / GIB as f64);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `N vCPU / M GiB`, for messages.
fn describe(cpu_milli: i64, memory_bytes: i64) -> String {
    format!(
        "{} vCPU / {} GiB",
        milli_decimal(cpu_milli),
        bytes_as_gib(memory_bytes)
    )
}

/// One entry of k8s.aliyun.com/eci-use-specs: a vCPU-memory spec ("2-4Gi",
/// "0.5-1Gi") or an ECS instance type ("ecs.c6.xlarge").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseSpec {
    /// A vCPU/memory spec of the table.
    Spec(EciSpec),
    /// An ECS instance type (`ecs.` and the type's name).
    InstanceType(String),
}

impl fmt::Display for UseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UseSpec::Spec(s) => s.fmt(f),
            UseSpec::InstanceType(t) => f.write_str(t),
        }
    }
}

/// Parses the annotation: comma-separated, spaces trimmed, 1 to 5 entries; "2-4Gi"
/// entries must be in the table. Err(message) says which entry and why.
///
/// An entry starting with `ecs.` is an instance type (checked against the settings'
/// instance types by [`size`]); any other entry must be a vCPU-memory spec.
///
/// # Errors
/// No entries or more than 5, an empty entry, a malformed spec, or a spec that is
/// not in the table.
pub fn parse_use_specs(value: &str, table: &SpecTable) -> Result<Vec<UseSpec>, String> {
    if value.trim().is_empty() {
        return Err("empty: name 1 to 5 specs, like \"2-4Gi,ecs.c6.xlarge\"".to_string());
    }
    let entries: Vec<&str> = value.split(',').map(str::trim).collect();
    if entries.len() > MAX_USE_SPECS {
        return Err(format!(
            "{} entries: at most {MAX_USE_SPECS} are allowed",
            entries.len()
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        if entry.is_empty() {
            return Err(format!("entry {n} is empty"));
        }
        if let Some(name) = entry.strip_prefix("ecs.") {
            if name.is_empty() {
                return Err(format!("entry {n} {entry:?}: instance type without a name"));
            }
            out.push(UseSpec::InstanceType((*entry).to_string()));
            continue;
        }
        let spec: EciSpec = entry.parse().map_err(|why| {
            format!("entry {n} {entry:?}: {why} (or an ECS instance type, like ecs.c6.xlarge)")
        })?;
        if !table.contains(spec) {
            let sizes = table.memory_sizes(spec.cpu_milli);
            let offered = if sizes.is_empty() {
                format!("{} vCPU is not offered", milli_decimal(spec.cpu_milli))
            } else {
                format!(
                    "{} vCPU comes with {} GiB",
                    milli_decimal(spec.cpu_milli),
                    sizes.join(", ")
                )
            };
            return Err(format!(
                "entry {n} {entry:?}: not an ECI spec of the table ({offered}); regional specs \
                 are added through ack.eci.regions"
            ));
        }
        out.push(UseSpec::Spec(spec));
    }
    Ok(out)
}

/// What an ECI pod runs as and costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    /// The spec (`2-4Gi`) or the ECS instance type (`ecs.c6.xlarge`).
    pub spec: String,
    /// vCPUs of the spec, in millicores.
    pub cpu_milli: i64,
    /// Memory of the spec, in MiB.
    pub memory_mib: i64,
    /// Price per second in the ECI prices' currency; `None` for an instance type
    /// without a price.
    pub price_per_second: Option<f64>,
    /// How the spec was chosen (rounding, the default size, skipped entries).
    pub notes: Vec<String>,
}

/// The pod's ECI size: requests summed as below, then the first eci-use-specs entry
/// that holds them (entries tried in order; an instance type's size and price come
/// from settings.instance_types, unknown type → error), else round_up. Err when no
/// spec holds the pod ("needs 80 vCPU / 8 GiB; the largest ECI spec is 64-512Gi").
///
/// The requests are [`eci_requests`]. When the pod requests nothing, no annotation
/// entry is skipped (the first entry is used) and round-up gives ECI's default
/// 2 vCPU / 4 GiB.
///
/// # Errors
/// A malformed request (see [`eci_requests`]); a malformed annotation, a spec not in
/// the table, or an instance type missing from `ack.instanceTypes` (named by
/// `metadata.annotations[k8s.aliyun.com/eci-use-specs]`); or no spec holding the pod.
pub fn size(pod: &k::Pod, table: &SpecTable, settings: &AckSettings) -> Result<Sizing, FieldError> {
    let object = pod_object(pod);
    let (cpu, memory) = eci_requests(pod)?;
    let need = describe(cpu, memory);
    let mut notes = Vec::new();
    let annotation = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(USE_SPECS_ANNOTATION));
    if let Some(value) = annotation {
        let entries = parse_use_specs(value, table)
            .map_err(|m| FieldError::new(&object, USE_SPECS_FIELD, m))?;
        // Every entry is checked before any is used, so a typo is reported even
        // when an earlier entry fits.
        let mut candidates = Vec::with_capacity(entries.len());
        for entry in &entries {
            candidates.push(match entry {
                UseSpec::Spec(s) => Candidate {
                    name: s.to_string(),
                    cpu_milli: s.cpu_milli,
                    memory_mib: s.memory_mib,
                    price_per_second: Some(price_per_second(
                        s.cpu_milli,
                        s.memory_mib,
                        &settings.eci.prices,
                    )),
                },
                UseSpec::InstanceType(t) => instance_type(&object, t, settings)?,
            });
        }
        for c in candidates {
            if c.holds(cpu, memory) {
                return Ok(Sizing {
                    spec: c.name,
                    cpu_milli: c.cpu_milli,
                    memory_mib: c.memory_mib,
                    price_per_second: c.price_per_second,
                    notes,
                });
            }
            notes.push(format!(
                "{USE_SPECS_ANNOTATION} entry {} ({}) does not hold the pod's {need}",
                c.name,
                describe(c.cpu_milli, c.memory_mib.saturating_mul(MIB))
            ));
        }
        notes.push(format!(
            "no {USE_SPECS_ANNOTATION} entry holds the pod; rounding up instead"
        ));
    }
    if cpu <= 0 && memory <= 0 {
        notes.push("the pod requests no CPU or memory: ECI's default 2 vCPU / 4 GiB".to_string());
    }
    match table.round_up(cpu, memory) {
        Some(s) => {
            if (cpu > 0 || memory > 0) && (s.cpu_milli != cpu || s.memory_bytes() != memory) {
                notes.push(format!("requests {need} rounded up to {s}"));
            }
            Ok(Sizing {
                spec: s.to_string(),
                cpu_milli: s.cpu_milli,
                memory_mib: s.memory_mib,
                price_per_second: Some(price_per_second(
                    s.cpu_milli,
                    s.memory_mib,
                    &settings.eci.prices,
                )),
                notes,
            })
        }
        None => {
            let largest = table
                .largest()
                .map_or_else(|| "none".to_string(), |s| s.to_string());
            Err(FieldError::new(
                &object,
                "spec.containers[*].resources.requests",
                format!("needs {need}; the largest ECI spec is {largest}"),
            ))
        }
    }
}

/// A size the pod may run as: a spec or an instance type.
struct Candidate {
    name: String,
    cpu_milli: i64,
    memory_mib: i64,
    price_per_second: Option<f64>,
}

impl Candidate {
    fn holds(&self, cpu_milli: i64, memory_bytes: i64) -> bool {
        self.cpu_milli >= cpu_milli && self.memory_mib.saturating_mul(MIB) >= memory_bytes
    }
}

/// The instance type `name` of the settings as a candidate size.
fn instance_type(
    object: &str,
    name: &str,
    settings: &AckSettings,
) -> Result<Candidate, FieldError> {
    let Some(t) = settings.instance_types.get(name) else {
        return Err(FieldError::new(
            object,
            USE_SPECS_FIELD,
            format!("unknown instance type {name}: declare its size under ack.instanceTypes"),
        ));
    };
    let cpu_milli = exact(t.cpu, 1000, "millicores").map_err(|why| {
        FieldError::new(
            object,
            USE_SPECS_FIELD,
            format!("ack.instanceTypes.{name}.cpu: {} {why}", t.cpu),
        )
    })?;
    let memory_mib = exact(t.memory, 1024, "MiB").map_err(|why| {
        FieldError::new(
            object,
            USE_SPECS_FIELD,
            format!("ack.instanceTypes.{name}.memory: {} GiB {why}", t.memory),
        )
    })?;
    Ok(Candidate {
        name: name.to_string(),
        cpu_milli,
        memory_mib,
        price_per_second: t.price_per_hour.map(|p| p / 3600.0),
    })
}

/// Price of a vCPU/memory spec per second with settings.eci.prices.
pub fn price_per_second(cpu_milli: i64, memory_mib: i64, prices: &Prices) -> f64 {
    cpu_milli as f64 / 1000.0 * prices.vcpu_second
        + memory_mib as f64 / 1024.0 * prices.memory_gib_second
}

/// The pod's requests as ECI sums them: regular containers summed plus restartable
/// init (sidecar) containers, and at least each regular init container's requests
/// (the Kubernetes effective-request rule), plus pod overhead. Uses requests; a
/// container with limits but no requests uses its limits (API defaulting). Returns
/// (cpu millis, memory bytes).
///
/// Exactly Kubernetes' `PodRequests`: a regular init container needs its own
/// requests plus those of the sidecars started before it; pod-level resources
/// (`spec.resources`, PodLevelResources), when they set CPU or memory, replace the
/// containers' sum for that resource; overhead is added last.
///
/// # Errors
/// A missing `spec`, or a CPU or memory quantity that does not parse or is
/// negative, named by field.
pub fn eci_requests(pod: &k::Pod) -> Result<(i64, i64), FieldError> {
    let object = pod_object(pod);
    let Some(spec) = pod.spec.as_ref() else {
        return Err(FieldError::new(&object, "spec", "missing"));
    };
    let mut sum = Pair::default();
    for (i, c) in spec.containers.iter().enumerate() {
        let r = requests(
            &object,
            &format!("spec.containers[{i}].resources"),
            c.resources.as_ref(),
        )?;
        sum = sum.add(r);
    }
    let mut sidecars = Pair::default();
    let mut init_max = Pair::default();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let r = requests(
            &object,
            &format!("spec.initContainers[{i}].resources"),
            c.resources.as_ref(),
        )?;
        let effective = if c.restart_policy.as_deref() == Some("Always") {
            sum = sum.add(r);
            sidecars = sidecars.add(r);
            sidecars
        } else {
            r.add(sidecars)
        };
        init_max = init_max.max(effective);
    }
    let mut total = sum.max(init_max);
    let pod_level = requests_opt(&object, "spec.resources", spec.resources.as_ref())?;
    if let Some(cpu) = pod_level.0 {
        total.cpu = cpu;
    }
    if let Some(memory) = pod_level.1 {
        total.memory = memory;
    }
    if let Some(overhead) = &spec.overhead {
        let cpu = overhead
            .get("cpu")
            .map(|q| quantity(&object, "spec.overhead[cpu]", &q.0).map(Quantity::milli_value))
            .transpose()?
            .unwrap_or(0);
        let memory = overhead
            .get("memory")
            .map(|q| quantity(&object, "spec.overhead[memory]", &q.0).map(Quantity::value))
            .transpose()?
            .unwrap_or(0);
        total = total.add(Pair { cpu, memory });
    }
    Ok((total.cpu, total.memory))
}

/// CPU millicores and memory bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Pair {
    cpu: i64,
    memory: i64,
}

impl Pair {
    fn add(self, o: Pair) -> Pair {
        Pair {
            cpu: self.cpu.saturating_add(o.cpu),
            memory: self.memory.saturating_add(o.memory),
        }
    }

    fn max(self, o: Pair) -> Pair {
        Pair {
            cpu: self.cpu.max(o.cpu),
            memory: self.memory.max(o.memory),
        }
    }
}

/// A container's CPU and memory requests, 0 where unset.
fn requests(
    object: &str,
    path: &str,
    r: Option<&k::ResourceRequirements>,
) -> Result<Pair, FieldError> {
    let (cpu, memory) = requests_opt(object, path, r)?;
    Ok(Pair {
        cpu: cpu.unwrap_or(0),
        memory: memory.unwrap_or(0),
    })
}

/// CPU millicores and memory bytes requested, each falling back to its limit (the
/// API server's defaulting); `None` where neither is set.
fn requests_opt(
    object: &str,
    path: &str,
    r: Option<&k::ResourceRequirements>,
) -> Result<(Option<i64>, Option<i64>), FieldError> {
    let Some(r) = r else {
        return Ok((None, None));
    };
    let one = |name: &str| -> Result<Option<Quantity>, FieldError> {
        if let Some(q) = r.requests.as_ref().and_then(|m| m.get(name)) {
            return quantity(object, &format!("{path}.requests[{name}]"), &q.0).map(Some);
        }
        if let Some(q) = r.limits.as_ref().and_then(|m| m.get(name)) {
            return quantity(object, &format!("{path}.limits[{name}]"), &q.0).map(Some);
        }
        Ok(None)
    };
    Ok((
        one("cpu")?.map(Quantity::milli_value),
        one("memory")?.map(Quantity::value),
    ))
}

/// A non-negative quantity, trimmed as `Quantity.UnmarshalJSON` does.
fn quantity(object: &str, field: &str, s: &str) -> Result<Quantity, FieldError> {
    let q = Quantity::parse(s.trim())
        .map_err(|e| FieldError::new(object, field, format!("{s:?}: {e}")))?;
    if q.is_negative() {
        return Err(FieldError::new(
            object,
            field,
            format!("{s:?}: must be greater than or equal to 0"),
        ));
    }
    Ok(q)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ack::settings::InstanceType;

    fn table() -> SpecTable {
        SpecTable::new(&AckSettings::default()).unwrap()
    }

    fn spec(s: &str) -> EciSpec {
        s.parse().unwrap()
    }

    fn pod(json: serde_json::Value) -> k::Pod {
        serde_json::from_value(json).unwrap()
    }

    fn gi(g: f64) -> i64 {
        (g * GIB as f64) as i64
    }

    #[test]
    fn bundled_table_has_every_documented_spec() {
        let t = table();
        assert_eq!(t.specs().len(), 44);
        assert_eq!(
            t.specs()[0],
            EciSpec {
                cpu_milli: 250,
                memory_mib: 512
            }
        );
        assert_eq!(t.largest(), Some(spec("64-512Gi")));
        for s in [
            "0.25-0.5Gi",
            "0.5-2Gi",
            "1-8Gi",
            "2-1Gi",
            "12-96Gi",
            "52-96Gi",
            "52-384Gi",
        ] {
            assert!(t.contains(spec(s)), "{s}");
        }
        assert!(!t.contains(spec("8-14Gi")));
        assert!(!t.contains(spec("52-64Gi")));
        // Ordered by vCPU, then memory.
        assert!(t.specs().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn display_and_parse_are_exact() {
        assert_eq!(
            EciSpec {
                cpu_milli: 2000,
                memory_mib: 4096
            }
            .to_string(),
            "2-4Gi"
        );
        assert_eq!(
            EciSpec {
                cpu_milli: 250,
                memory_mib: 512
            }
            .to_string(),
            "0.25-0.5Gi"
        );
        assert_eq!(
            EciSpec {
                cpu_milli: 1500,
                memory_mib: 1
            }
            .to_string(),
            "1.5-0.0009765625Gi"
        );
        assert_eq!(
            spec("0.25-0.5Gi"),
            EciSpec {
                cpu_milli: 250,
                memory_mib: 512
            }
        );
        assert_eq!(spec("0.5-1Gi").memory_bytes(), GIB);
        for s in ["2-4Gi", "0.25-0.5Gi", "1.5-0.0009765625Gi", "64-512Gi"] {
            assert_eq!(spec(s).to_string(), s);
        }
        assert!("2-4".parse::<EciSpec>().is_err());
        assert!("2-4G".parse::<EciSpec>().is_err());
        assert!("2Gi".parse::<EciSpec>().is_err());
        assert!("0.0001-4Gi".parse::<EciSpec>().is_err());
        assert!("2-0.0001Gi".parse::<EciSpec>().is_err());
        assert!("0-4Gi".parse::<EciSpec>().is_err());
        assert!("-2-4Gi".parse::<EciSpec>().is_err());
        assert!("2.-4Gi".parse::<EciSpec>().is_err());
        assert!("1e3-4Gi".parse::<EciSpec>().is_err());
    }

    #[test]
    fn round_up_examples() {
        let t = table();
        assert_eq!(t.round_up(1000, gi(3.0)), Some(spec("1-4Gi")));
        assert_eq!(t.round_up(7000, gi(13.0)), Some(spec("8-16Gi")));
        assert_eq!(t.round_up(0, 0), Some(spec("2-4Gi")));
        assert_eq!(t.round_up(300, gi(0.2)), Some(spec("0.5-1Gi")));
        assert_eq!(t.round_up(100_000, 0), None);
        assert_eq!(t.round_up(1000, gi(600.0)), None);
        // Exact fits are kept; one byte more moves up.
        assert_eq!(t.round_up(250, gi(0.5)), Some(spec("0.25-0.5Gi")));
        assert_eq!(t.round_up(250, gi(0.5) + 1), Some(spec("0.25-1Gi")));
        // Memory only: the fewest vCPUs offering it.
        assert_eq!(t.round_up(0, gi(3.0)), Some(spec("1-4Gi")));
        assert_eq!(t.round_up(64_000, gi(300.0)), Some(spec("64-512Gi")));
    }

    #[test]
    fn regional_specs_are_added_when_the_region_matches() {
        let mut settings = AckSettings::default();
        settings.eci.regions.insert(
            "cn-hangzhou".to_string(),
            vec![SpecRow {
                cpu: 8.0,
                memory: vec![14.0],
            }],
        );
        // No region: the extra row does not apply.
        assert_eq!(
            SpecTable::new(&settings).unwrap().round_up(7000, gi(13.0)),
            Some(spec("8-16Gi"))
        );
        settings.region = Some("cn-shanghai".to_string());
        assert_eq!(
            SpecTable::new(&settings).unwrap().round_up(7000, gi(13.0)),
            Some(spec("8-16Gi"))
        );
        settings.region = Some("cn-hangzhou".to_string());
        let t = SpecTable::new(&settings).unwrap();
        assert_eq!(t.round_up(7000, gi(13.0)), Some(spec("8-14Gi")));
        assert!(t.contains(spec("8-14Gi")));
        assert_eq!(t.specs().len(), 45);
    }

    #[test]
    fn custom_tables_replace_the_bundled_one_and_are_checked() {
        let mut settings = AckSettings::default();
        settings.eci.specs = Some(vec![
            SpecRow {
                cpu: 1.0,
                memory: vec![2.0],
            },
            SpecRow {
                cpu: 4.0,
                memory: vec![8.0],
            },
        ]);
        let t = SpecTable::new(&settings).unwrap();
        assert_eq!(t.specs(), &[spec("1-2Gi"), spec("4-8Gi")]);
        // The default 2 vCPU / 4 GiB rounds up in a table that lacks it.
        assert_eq!(t.round_up(0, 0), Some(spec("4-8Gi")));

        settings.eci.specs = Some(vec![SpecRow {
            cpu: 0.0001,
            memory: vec![1.0],
        }]);
        let e = SpecTable::new(&settings).unwrap_err();
        assert!(
            e.contains("ack.eci.specs[0].cpu") && e.contains("millicores"),
            "{e}"
        );
        settings.eci.specs = Some(vec![SpecRow {
            cpu: 1.0,
            memory: vec![2.0, -1.0],
        }]);
        let e = SpecTable::new(&settings).unwrap_err();
        assert!(e.contains("ack.eci.specs[0].memory[1]"), "{e}");
        settings.eci.specs = Some(vec![SpecRow {
            cpu: 1.0,
            memory: vec![],
        }]);
        assert!(
            SpecTable::new(&settings)
                .unwrap_err()
                .contains("no memory sizes")
        );
        settings.eci.specs = Some(vec![]);
        assert!(SpecTable::new(&settings).unwrap_err().contains("empty"));
    }

    #[test]
    fn a_bad_bundled_table_is_an_error() {
        let settings = AckSettings::default();
        let e = SpecTable::with_bundled("- {cpu: 1, mem: [2]}\n", &settings).unwrap_err();
        assert!(e.starts_with(BUNDLED_NAME), "{e}");
        let e = SpecTable::with_bundled("- {cpu: 1, memory: [0.3]}\n", &settings).unwrap_err();
        assert!(e.contains("MiB"), "{e}");
        assert!(SpecTable::with_bundled("- {cpu: 1, memory: [2]}\n", &settings).is_ok());
    }

    #[test]
    fn use_specs_parsing() {
        let t = table();
        assert_eq!(
            parse_use_specs(" 2-4Gi , 0.5-1Gi,ecs.c6.xlarge ", &t).unwrap(),
            vec![
                UseSpec::Spec(spec("2-4Gi")),
                UseSpec::Spec(spec("0.5-1Gi")),
                UseSpec::InstanceType("ecs.c6.xlarge".to_string()),
            ]
        );
        assert_eq!(
            parse_use_specs("ecs.gn6i-c4g1.xlarge", &t).unwrap().len(),
            1
        );
        let e = parse_use_specs("1-2Gi,1-4Gi,2-4Gi,2-8Gi,4-8Gi,4-16Gi", &t).unwrap_err();
        assert!(e.contains("6 entries"), "{e}");
        assert_eq!(
            parse_use_specs("1-2Gi,1-4Gi,2-4Gi,2-8Gi,4-8Gi", &t)
                .unwrap()
                .len(),
            5
        );
        let e = parse_use_specs("2-4Gi,3-5Gi", &t).unwrap_err();
        assert!(
            e.contains("entry 2") && e.contains("3-5Gi") && e.contains("not offered"),
            "{e}"
        );
        let e = parse_use_specs("2-3Gi", &t).unwrap_err();
        assert!(e.contains("1, 2, 4, 8, 16 GiB"), "{e}");
        let e = parse_use_specs("2-4", &t).unwrap_err();
        assert!(e.contains("entry 1") && e.contains("Gi"), "{e}");
        assert!(parse_use_specs("", &t).unwrap_err().contains("empty"));
        assert!(
            parse_use_specs("2-4Gi,,4-8Gi", &t)
                .unwrap_err()
                .contains("entry 2 is empty")
        );
        assert!(parse_use_specs("ecs.", &t).is_err());
    }

    fn eci_pod(annotation: Option<&str>, cpu: &str, memory: &str) -> k::Pod {
        let mut p = serde_json::json!({
            "metadata": {"name": "gw", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}
        });
        if let Some(a) = annotation {
            p["metadata"]["annotations"] = serde_json::json!({ USE_SPECS_ANNOTATION: a });
        }
        pod(p)
    }

    fn settings_with_types() -> AckSettings {
        AckSettings {
            instance_types: BTreeMap::from([
                (
                    "ecs.c6.xlarge".to_string(),
                    InstanceType {
                        cpu: 4.0,
                        memory: 8.0,
                        price_per_hour: Some(0.72),
                    },
                ),
                (
                    "ecs.g6.large".to_string(),
                    InstanceType {
                        cpu: 2.0,
                        memory: 8.0,
                        price_per_hour: None,
                    },
                ),
            ]),
            ..AckSettings::default()
        }
    }

    #[test]
    fn size_rounds_up_without_the_annotation() {
        let s = AckSettings::default();
        let t = table();
        let z = size(&eci_pod(None, "1", "3Gi"), &t, &s).unwrap();
        assert_eq!(
            (z.spec.as_str(), z.cpu_milli, z.memory_mib),
            ("1-4Gi", 1000, 4096)
        );
        assert!(
            z.notes.iter().any(|n| n.contains("rounded up to 1-4Gi")),
            "{:?}",
            z.notes
        );
        let price = z.price_per_second.unwrap();
        assert!(
            (price - (0.000_049 + 4.0 * 0.000_006_13)).abs() < 1e-15,
            "{price}"
        );

        let z = size(&eci_pod(None, "2", "4Gi"), &t, &s).unwrap();
        assert_eq!(z.spec, "2-4Gi");
        assert!(z.notes.is_empty(), "{:?}", z.notes);

        let empty = pod(
            serde_json::json!({"metadata": {"name": "e"}, "spec": {"containers": [{"name": "c"}]}}),
        );
        let z = size(&empty, &t, &s).unwrap();
        assert_eq!(z.spec, "2-4Gi");
        assert!(
            z.notes.iter().any(|n| n.contains("default")),
            "{:?}",
            z.notes
        );

        let e = size(&eci_pod(None, "80", "8Gi"), &t, &s).unwrap_err();
        assert_eq!(e.object, "pod shop/gw");
        assert_eq!(
            e.message,
            "needs 80 vCPU / 8 GiB; the largest ECI spec is 64-512Gi"
        );
    }

    #[test]
    fn size_takes_the_first_use_specs_entry_that_holds_the_pod() {
        let s = settings_with_types();
        let t = table();
        let z = size(&eci_pod(Some("1-2Gi,2-8Gi,4-8Gi"), "1500m", "3Gi"), &t, &s).unwrap();
        assert_eq!(z.spec, "2-8Gi");
        assert!(z.notes.iter().any(|n| n.contains("1-2Gi")), "{:?}", z.notes);
        // An exact fit in the annotation beats rounding up.
        let z = size(&eci_pod(Some("4-8Gi"), "1", "1Gi"), &t, &s).unwrap();
        assert_eq!((z.spec.as_str(), z.cpu_milli), ("4-8Gi", 4000));
        // No entry holds it: round up.
        let z = size(&eci_pod(Some("0.5-1Gi"), "1", "3Gi"), &t, &s).unwrap();
        assert_eq!(z.spec, "1-4Gi");
        assert!(
            z.notes.iter().any(|n| n.contains("rounding up")),
            "{:?}",
            z.notes
        );
    }

    #[test]
    fn size_with_instance_types() {
        let s = settings_with_types();
        let t = table();
        let z = size(&eci_pod(Some("ecs.c6.xlarge,8-16Gi"), "3", "6Gi"), &t, &s).unwrap();
        assert_eq!(
            (z.spec.as_str(), z.cpu_milli, z.memory_mib),
            ("ecs.c6.xlarge", 4000, 8192)
        );
        assert!((z.price_per_second.unwrap() - 0.72 / 3600.0).abs() < 1e-15);
        // Too small: the next entry.
        let z = size(
            &eci_pod(Some("ecs.g6.large,ecs.c6.xlarge"), "3", "6Gi"),
            &t,
            &s,
        )
        .unwrap();
        assert_eq!(z.spec, "ecs.c6.xlarge");
        let z = size(&eci_pod(Some("ecs.g6.large"), "2", "6Gi"), &t, &s).unwrap();
        assert_eq!(
            (z.spec.as_str(), z.price_per_second),
            ("ecs.g6.large", None)
        );
        // Unknown, even after an entry that fits.
        let e = size(&eci_pod(Some("2-4Gi,ecs.x9.huge"), "1", "1Gi"), &t, &s).unwrap_err();
        assert_eq!(e.field, USE_SPECS_FIELD);
        assert!(e.message.contains("ecs.x9.huge"), "{}", e.message);
        let e = size(&eci_pod(Some("3-5Gi"), "1", "1Gi"), &t, &s).unwrap_err();
        assert_eq!(
            e.field,
            "metadata.annotations[k8s.aliyun.com/eci-use-specs]"
        );
    }

    #[test]
    fn prices() {
        let p = Prices::default();
        let hour = price_per_second(2000, 4096, &p) * 3600.0;
        let expected = (2.0 * 0.000_049 + 4.0 * 0.000_006_13) * 3600.0;
        assert!((hour - expected).abs() < 1e-12, "{hour} vs {expected}");
        let half = price_per_second(250, 512, &p);
        assert!((half - (0.25 * 0.000_049 + 0.5 * 0.000_006_13)).abs() < 1e-15);
    }

    #[test]
    fn eci_requests_sum_containers_and_sidecars_and_take_the_init_maximum() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "containers": [
                    {"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                    {"name": "b", "resources": {"limits": {"cpu": "250m", "memory": "512Mi"}}}
                ],
                "initContainers": [
                    {"name": "i1", "resources": {"requests": {"cpu": "2", "memory": "100Mi"}}},
                    {"name": "side", "restartPolicy": "Always",
                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}},
                    {"name": "i2", "resources": {"requests": {"cpu": "1", "memory": "1900Mi"}}}
                ]
            }
        }));
        // Regular: 750m + sidecar 100m = 850m; memory 1536Mi + 128Mi = 1664Mi.
        // Init: i1 2000m/100Mi; i2 runs beside the sidecar: 1100m / 2028Mi.
        assert_eq!(eci_requests(&p).unwrap(), (2000, 2028 * MIB));
    }

    #[test]
    fn eci_requests_with_overhead_and_pod_level_resources() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
                "overhead": {"cpu": "250m", "memory": "120Mi"}
            }
        }));
        assert_eq!(eci_requests(&p).unwrap(), (1250, GIB + 120 * MIB));
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
                "resources": {"requests": {"cpu": "3"}}
            }
        }));
        assert_eq!(eci_requests(&p).unwrap(), (3000, GIB));
    }

    #[test]
    fn eci_requests_name_bad_quantities() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [
                {"name": "a"},
                {"name": "b", "resources": {"limits": {"memory": "lots"}}}
            ]}
        }));
        let e = eci_requests(&p).unwrap_err();
        assert_eq!(e.object, "pod ns/p");
        assert_eq!(e.field, "spec.containers[1].resources.limits[memory]");
        let p = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "-1"}}}]}
        }));
        assert_eq!(
            eci_requests(&p).unwrap_err().field,
            "spec.containers[0].resources.requests[cpu]"
        );
        let p = pod(serde_json::json!({"metadata": {"name": "p"}}));
        assert_eq!(eci_requests(&p).unwrap_err().field, "spec");
    }
}
