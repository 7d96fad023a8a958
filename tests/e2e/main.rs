//! End-to-end tests of the `nhi-scan` binary on real inputs built at test time. One test binary
//! (links once, runs in parallel); modules by command.

mod config;
mod corpus;
mod git;
mod image;
mod image_build;
mod image_registry;
mod interrupt;
mod inventory;
mod inventory_browser;
mod malformed;
mod policy;
mod precommit;
mod sarif;
mod scan;
mod staged;
mod util;
mod validate;
mod validate_cli;
mod validate_db;
mod validate_server;
