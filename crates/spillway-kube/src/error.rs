//! Errors reading scenarios: each names the file, the object and the field.

use std::path::PathBuf;

/// An error loading a scenario file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not well-formed YAML or JSON.
    #[error("{}: malformed {format}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An object's field has a value of the wrong shape or an unknown enum value.
    #[error("{}: {object}: {field}: {message}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// `node/NAME`, `pod NAMESPACE/NAME`, or a position (`nodes[3]`) when unnamed.
        object: String,
        /// Field path inside the object.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The file's shape is not a scenario.
    #[error("{}: {message}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The objects decode, but compiling them failed (duplicate node, unknown node...).
    #[error("{}: {source}", path.display())]
    Compile {
        /// The file.
        path: PathBuf,
        /// The core's error, naming object and field.
        source: spillway_core::Error,
    },
}

/// A conversion error of one object, before the file it came from is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {field}: {message}")]
pub struct FieldError {
    /// `node/NAME` or `pod NAMESPACE/NAME`.
    pub object: String,
    /// Field path inside the object.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(
        object: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> FieldError {
        FieldError {
            object: object.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, attributed to a file.
    pub fn at(self, path: &std::path::Path) -> LoadError {
        LoadError::Field {
            path: path.to_path_buf(),
            object: self.object,
            field: self.field,
            message: self.message,
        }
    }
}
