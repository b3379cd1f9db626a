//! Errors of simulation files: each names the file and the line or field.

use std::path::PathBuf;

/// An error reading or running a simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A field of the simulation file is wrong.
    #[error("{}: {}{message}", path.display(), prefix(field))]
    Field {
        /// The file.
        path: PathBuf,
        /// The field path (`workloads.gw.load.spike.peak`), or empty for the
        /// whole file.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The simulation file does not decode: malformed YAML, or a field of the wrong
    /// type or name (the message gives its path, line and column).
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A line of a data file (CSV trace) is wrong.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The scenario the simulation uses did not load.
    #[error(transparent)]
    Scenario(#[from] spillway_kube::LoadError),
}

impl SimError {
    /// A field error.
    pub fn field(
        path: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> SimError {
        SimError::Field {
            path: path.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `field: `, or nothing for the whole file.
fn prefix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("{field}: ")
    }
}
