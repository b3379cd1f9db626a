//! `spillway doctor`.

use std::io::Write;
use std::path::Path;

use spillway_kube::doctor::{self, Finding, Severity};

use crate::Output;

/// Findings of severity error were found (exit code 1, like a linter).
#[derive(Debug, thiserror::Error)]
#[error("{0} error(s) found")]
pub(crate) struct Errors(pub usize);

pub(crate) fn run(path: &Path, output: Output) -> anyhow::Result<()> {
    let (scenario, snapshot) = crate::load(path)?;
    let findings = doctor::diagnose(&scenario, &snapshot)?;
    let mut out = std::io::stdout().lock();
    match output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut out, &findings)?;
            writeln!(out)?;
        }
        Output::Table => write!(out, "{}", text(&findings))?,
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors > 0 {
        return Err(Errors(errors).into());
    }
    Ok(())
}

/// One block per finding, kubectl-describe style.
fn text(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No problems found.\n".to_string();
    }
    let mut s = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        };
        s.push_str(&format!("{severity}  {}  [{}]\n", f.object, f.check));
        if !f.field.is_empty() {
            s.push_str(&format!("  field:   {}\n", f.field));
        }
        s.push_str(&format!(
            "  problem: {}\n  fix:     {}\n\n",
            f.problem, f.fix
        ));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    s.push_str(&format!(
        "{errors} error(s), {} warning(s)\n",
        findings.len() - errors
    ));
    s
}
