//! Modified UTF-7 (`mailbox::mutf7`): decoding accepts exactly what encoding
//! writes. Any UTF-8 name survives encode then decode; whatever bytes a
//! client sends either fail to decode or decode to a name that encodes back
//! to those very bytes (one spelling per name, so a policy check on the
//! decoded name sees what the client meant). The lenient reading of LIST
//! patterns agrees with the strict one wherever that succeeds.

use proptest::prelude::*;

use super::{Shape, Verdict, fuzz, prop};
use crate::mailbox::mutf7::{decode, decode_lenient, encode};

const SHAPE: Shape = Shape {
    dictionary: &[
        "&",
        "-",
        "&-",
        "&AOk-",
        "&2D3eAA-",
        "&AGE-",
        "&,,,-",
        "&ZeVnLIqe-",
        "/",
    ],
    max_len: 512,
    literals: false,
};

/// The properties, for a client's bytes and (if they are UTF-8) for the
/// same text as a folder name from Graph.
fn check(input: &[u8]) -> Verdict {
    if let Ok(wire) = std::str::from_utf8(input) {
        let lenient = decode_lenient(wire);
        if let Ok(name) = decode(wire) {
            let back = encode(&name);
            if back != wire {
                return Err(format!(
                    "{wire:?} decodes to {name:?}, which encodes to {back:?}"
                ));
            }
            if lenient != name {
                return Err(format!(
                    "{wire:?} decodes to {name:?} but leniently to {lenient:?}"
                ));
            }
        }
        round_trip(wire)?;
    }
    Ok(())
}

fn round_trip(name: &str) -> Verdict {
    let wire = encode(name);
    if !wire.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(format!("{name:?} encodes to non-printable {wire:?}"));
    }
    match decode(&wire) {
        Ok(back) if back == name => Ok(()),
        other => Err(format!("{name:?} → {wire:?} → {other:?}")),
    }
}

#[test]
fn mutf7_client_bytes_decode_to_one_spelling_only() {
    fuzz("mutf7", &SHAPE, check);
}

#[test]
fn mutf7_every_name_round_trips() {
    // Any string, and strings dense in what is hard: '&', '-', non-BMP
    // characters (surrogate pairs), control characters and ASCII mixed.
    let names = prop_oneof![
        any::<String>(),
        "[&\\-a-z/~\\x00-\\x1f\\x7f\u{e9}\u{4e2d}\u{1F600}\u{10FFFF}]{0,40}",
    ];
    prop(
        "mutf7",
        names,
        |name| name.as_bytes().to_vec(),
        |name| round_trip(&name),
    );
}
