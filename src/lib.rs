//! eniplan: plan and lint the Hyperplane ENIs AWS Lambda creates for
//! VPC-attached functions.
//!
//! The pipeline, one module each: `source` → `model` → `graph` → `rules` → `report`.

// Input errors carry their source snippet; they are the rare path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod baseline;
pub mod cli;
pub mod config;
pub mod delta;
pub mod error;
pub mod files;
pub mod fuzzing;
pub mod graph;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod plural;
pub mod policy;
pub mod removal;
pub mod report;
pub mod rules;
pub mod severity;
pub mod source;
pub mod timing;
pub mod vpc_infer;
