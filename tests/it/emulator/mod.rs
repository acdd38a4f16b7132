//! End-to-end tests of the emulated tenant's Graph endpoints over real HTTP on
//! 127.0.0.1, one behaviour per test (docs/microsoft-graph.md §27 is the
//! checklist).

mod access;
mod batch;
mod control;
mod delta;
mod draft_and_mime;
mod folders;
mod messages;
mod persist;
mod send;
mod uploads;
