//! Several gateway instances on one store: each
//! instance its own pool, registry and memory, all on one PostgreSQL
//! database (and, for the single-instance default, on one SQLite file).
//! Token refresh happens once per expiry for the whole cluster, and the
//! failed-login and daily-sending limits count across instances; UIDs,
//! polling and IDLE are shared (instances.rs).

mod crash;
mod instances;
mod logins;
mod polling;
mod tokens;
