//! Errors of the core: bad input found while compiling a cluster.

/// An error compiling nodes and pods into a [`crate::Cluster`].
///
/// Each variant names the object (`node/NAME` or `pod NAMESPACE/NAME`) and, where
/// one field is at fault, its path in Kubernetes API spelling
/// (`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field holds a value the API server would reject.
    #[error("{object}: {field}: {message}")]
    Invalid {
        /// `node/NAME` or `pod NAMESPACE/NAME`.
        object: String,
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Two nodes share a name.
    #[error("node/{0}: metadata.name: duplicate node name")]
    DuplicateNode(String),
    /// Two pods share a namespace and name.
    #[error("pod {0}: metadata.name: duplicate pod")]
    DuplicatePod(String),
    /// A running pod is bound to a node that is not in the cluster.
    #[error("pod {pod}: spec.nodeName: node {node:?} does not exist")]
    UnknownNode {
        /// `NAMESPACE/NAME`.
        pod: String,
        /// The missing node.
        node: String,
    },
    /// More than `u32::MAX` objects of one kind.
    #[error("too many objects: more than 4294967295 of one kind")]
    TooMany,
}

impl Error {
    pub(crate) fn invalid(
        object: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            object: object.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }
}
