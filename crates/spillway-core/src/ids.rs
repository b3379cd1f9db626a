//! Integer ids for everything the engine touches in its inner loops.
//!
//! Every id is a `u32` newtype so that a node index can never be passed where a
//! template index is expected. Ids are created only by the containers that own
//! the indexed data, which check for overflow (see [`checked_index`]).

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The id as an index into the owning table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id for `index`, or `None` when it does not fit in a `u32`.
            #[inline]
            pub fn from_index(index: usize) -> Option<Self> {
                u32::try_from(index).ok().map(Self)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
    };
}

id_type!(
    /// An interned string: a label key or value, a taint key or value, a namespace,
    /// an image name. Symbols of one [`crate::Cluster`] compare equal exactly when
    /// their strings do.
    Sym
);
id_type!(
    /// A node of a compiled [`crate::Cluster`], in the order the nodes were given.
    NodeIdx
);
id_type!(
    /// A pod of a compiled [`crate::Cluster`]: existing pods first, then incoming ones.
    PodIdx
);
id_type!(
    /// A compiled pod template: pods whose scheduling-relevant spec is identical
    /// share one template and everything the engine derives from it.
    TemplateIdx
);
id_type!(
    /// A scalar (extended, hugepages, prefixed native) resource name.
    ScalarIdx
);

/// Converts a table length into the next id, or fails when the table is full.
pub(crate) fn checked_index<T>(
    index: usize,
    make: fn(usize) -> Option<T>,
) -> Result<T, crate::Error> {
    make(index).ok_or(crate::Error::TooMany)
}
