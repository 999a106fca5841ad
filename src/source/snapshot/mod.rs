//! The snapshot: a saved inventory, versioned JSON. Documented in
//! `docs/snapshot.md`. The live collector writes it; `audit --snapshot` and
//! `check --against` read it. This module maps the file format to and from
//! the model: `schema` is the format, `load` reads it (fast, or with a
//! located error), `convert` maps both ways, `save` writes it atomically.

mod chunked;
mod convert;
mod direct;
mod load;
pub mod merge;
mod save;
mod schema;

pub use convert::from_inventory;
pub use load::{from_bytes, from_bytes_in_chunks, load, parse};
pub use save::save;
pub use schema::*;

/// The version this eniplan writes: 2 added `capacity_providers`,
/// `functions[].capacity_provider` and `vpcs[].other_enis`; 3 added `accounts`.
pub const FORMAT_VERSION: u32 = 3;

/// The versions it reads: each one only adds optional fields to the last.
pub const READABLE_VERSIONS: std::ops::RangeInclusive<u32> = 1..=FORMAT_VERSION;
