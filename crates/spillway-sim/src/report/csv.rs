//! The CSV report: one row per step and workload.

use std::collections::BTreeSet;

use crate::outcome::Outcome;

/// The fixed columns, before one `zone:<name>` column per zone.
const COLUMNS: [&str; 15] = [
    "t",
    "workload",
    "load",
    "desired",
    "pods",
    "ready",
    "ecs",
    "eci",
    "pending",
    "utilization",
    "survive_node",
    "survive_zone",
    "cost_ecs",
    "cost_eci",
    "events",
];

/// CSV, one row per step and workload, in time then [`Outcome::workloads`]
/// order, under a header row:
///
/// `t,workload,load,desired,pods,ready,ecs,eci,pending,utilization,survive_node,survive_zone,cost_ecs,cost_eci,events`
/// then one `zone:<name>` column per zone seen anywhere in the run, in name
/// order, holding the workload's placed pods in that zone (0 when none).
///
/// `t` is in seconds since the start. `utilization` is empty when no pod was
/// ready. `cost_ecs` and `cost_eci` are the cluster's cost so far (the outcome
/// does not split ECS cost by workload), so they repeat on each workload's row
/// of a step. `events` joins the step's events with `; `, also on every row of
/// the step. Numbers are rounded to 6 decimals.
///
/// # Errors
///
/// Only if the CSV writer fails, which writing to memory does not.
pub fn csv(outcome: &Outcome) -> Result<String, ::csv::Error> {
    let zones: BTreeSet<&str> = outcome
        .steps
        .iter()
        .flat_map(|s| s.workloads.iter())
        .flat_map(|w| w.by_zone.keys().map(String::as_str))
        .collect();
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_string()).collect();
    header.extend(zones.iter().map(|z| format!("zone:{z}")));
    writer.write_record(&header)?;
    for step in &outcome.steps {
        let events = step.events.join("; ");
        for (i, w) in step.workloads.iter().enumerate() {
            let name = outcome.workloads.get(i).map_or("", String::as_str);
            let mut record = vec![
                step.t.to_string(),
                name.to_string(),
                number(w.load),
                w.desired.to_string(),
                w.pods.to_string(),
                w.ready.to_string(),
                w.ecs.to_string(),
                w.eci.to_string(),
                w.pending.to_string(),
                w.utilization.map(number).unwrap_or_default(),
                w.survive_node.to_string(),
                w.survive_zone.to_string(),
                number(step.cost_ecs),
                number(step.cost_eci),
                events.clone(),
            ];
            record.extend(
                zones
                    .iter()
                    .map(|z| w.by_zone.get(*z).copied().unwrap_or(0).to_string()),
            );
            writer.write_record(&record)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))?;
    String::from_utf8(bytes)
        .map_err(|e| ::csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// A number rounded to 6 decimals, in its shortest form (`12.5`, `3`).
fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let rounded = (x * 1e6).round() / 1e6;
    // `-0` would read as a sign error.
    if rounded == 0.0 {
        "0".into()
    } else {
        rounded.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample;
    use super::*;

    /// Parses the report back with the csv crate.
    fn parse(text: &str) -> Result<(Vec<String>, Vec<Vec<String>>), ::csv::Error> {
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers()?.iter().map(String::from).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record?.iter().map(String::from).collect());
        }
        Ok((header, rows))
    }

    #[test]
    fn report_csv_header_rows_and_zones() -> Result<(), ::csv::Error> {
        let outcome = sample();
        let text = csv(&outcome)?;
        assert!(text.starts_with(
            "t,workload,load,desired,pods,ready,ecs,eci,pending,utilization,survive_node,\
             survive_zone,cost_ecs,cost_eci,events,zone:cn-hangzhou-h,zone:cn-hangzhou-i,\
             zone:cn-hangzhou-k,zone:eci:cn-hangzhou-j\n"
        ));
        let (header, rows) = parse(&text)?;
        assert_eq!(header.len(), 19);
        assert_eq!(rows.len(), outcome.steps.len() * outcome.workloads.len());
        assert!(rows.iter().all(|r| r.len() == header.len()));
        // The zone failure step, gateway row: 4 on ECS in h, 3 on ECI in j.
        let failure = &rows[12];
        assert_eq!(failure[..3], ["2100", "gw", "900"]);
        assert_eq!(failure[6..9], ["4", "3", "2"]);
        assert_eq!(failure[12..14], ["700", "50"]);
        assert_eq!(
            failure[14],
            "zone cn-hangzhou-i down; node cn-hangzhou.10.0.1.10 down"
        );
        assert_eq!(failure[15..], ["4", "0", "0", "3"]);
        let api = &rows[13];
        assert_eq!(api[1], "api");
        assert_eq!(api[14], failure[14]);
        assert_eq!(api[15..], ["0", "0", "2", "0"]);
        Ok(())
    }

    #[test]
    fn report_csv_quotes_and_empty_utilization() -> Result<(), ::csv::Error> {
        let mut outcome = sample();
        outcome.workloads[0] = "gw,\"quoted\"".into();
        outcome.steps[0].workloads[0].utilization = None;
        outcome.steps[0].workloads[0].load = 0.1 + 0.2;
        let text = csv(&outcome)?;
        let (_, rows) = parse(&text)?;
        assert_eq!(rows[0][1], "gw,\"quoted\"");
        assert_eq!(rows[0][2], "0.3");
        assert_eq!(rows[0][9], "");
        assert_eq!(rows[1][9], "61.6");
        Ok(())
    }

    #[test]
    fn report_csv_of_no_steps_is_just_the_header() -> Result<(), ::csv::Error> {
        let mut outcome = sample();
        outcome.steps.clear();
        let text = csv(&outcome)?;
        assert_eq!(text.lines().count(), 1);
        assert!(text.trim_end().ends_with(",events"));
        Ok(())
    }
}
