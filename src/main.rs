//! The `graphgate` binary: parse the command line and hand over to the
//! library. The commands live in `cli/`; `demo` and `emulator` start the
//! emulated tenant (the `graphgate-emulator` crate), which the gateway
//! library itself never links to.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
