//! End-to-end tests of the `nhi-scan` binary on real inputs built at test time. One test binary
//! (links once, runs in parallel); modules by command.

mod config;
mod corpus;
mod git;
mod policy;
mod precommit;
mod sarif;
mod scan;
mod util;
mod validate;
mod validate_cli;
mod validate_db;
mod validate_server;
