//! ENABLE (RFC 5161) and what a session has enabled: CONDSTORE and QRESYNC
//! (RFC 7162; QRESYNC implies CONDSTORE), UTF8=ACCEPT (RFC 6855), IMAP4rev2
//! (RFC 9051 §6.3.1, for a server that offers both revisions). CONDSTORE is also enabled by the
//! first command that uses it (SELECT (CONDSTORE), FETCH MODSEQ or
//! CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ, STATUS
//! HIGHESTMODSEQ), for the rest of the connection. Only a logged-in session
//! may send ENABLE; names graphgate does not offer are ignored, as RFC 5161
//! §3.1 asks.

use imap_types::core::Vec1;
use imap_types::extensions::enable::CapabilityEnable;
use imap_types::response::{Code, Data};

use super::enabled::Enabled;
use super::reply::Reply;
use super::state::Selected;
use super::updates::nz64;
use super::wire::Wire;

/// ENABLE: turn on what is named and offered, and say what that was
/// (only what this command turned on, RFC 5161 §3.2). With a folder
/// selected, turning CONDSTORE on sends its HIGHESTMODSEQ (RFC 7162 §3.1).
pub(super) fn enable<F>(
    wire: &mut Wire,
    enabled: &mut Enabled,
    selected: Option<&mut Selected<F>>,
    names: &Vec1<CapabilityEnable<'static>>,
) -> Reply {
    let before = *enabled;
    let mut now = Vec::new();
    for name in names.as_ref() {
        match name.to_string().to_ascii_uppercase().as_str() {
            "CONDSTORE" if !enabled.condstore => {
                enabled.condstore = true;
                now.push(name.clone());
            }
            "QRESYNC" if !enabled.qresync => {
                enabled.qresync = true;
                enabled.condstore = true;
                now.push(name.clone());
            }
            "UTF8=ACCEPT" if !enabled.utf8 => {
                enabled.utf8 = true;
                wire.set_utf8_names();
                now.push(name.clone());
            }
            "IMAP4REV2" if !enabled.rev2 => {
                enabled.rev2 = true;
                wire.set_utf8_names();
                now.push(name.clone());
            }
            _ => {}
        }
    }
    wire.data(Data::Enabled { capabilities: now });
    if let Some(selected) = selected {
        if enabled.condstore && !before.condstore {
            announce_modseq(wire, selected);
        }
        if enabled.rev2 {
            // RFC 9051 has no `\Recent`: the flag goes from the open folder too.
            selected.view.forget_recent();
        }
        selected.enabled = *enabled;
    }
    Reply::ok("ENABLE completed")
}

/// A selected session starts following mod-sequences (the first CONDSTORE
/// enabling command, RFC 7162 §3.1): from now on FETCH responses carry
/// MODSEQ, and the client learns the folder's HIGHESTMODSEQ.
pub(super) fn start_condstore<F>(wire: &mut Wire, selected: &mut Selected<F>) {
    if selected.enabled.condstore {
        return;
    }
    selected.enabled.condstore = true;
    announce_modseq(wire, selected);
}

fn announce_modseq<F>(wire: &mut Wire, selected: &mut Selected<F>) {
    if let Some(modseq) = nz64(selected.view.highest_modseq()) {
        wire.status(
            Reply::ok("highest mod-sequence")
                .with(Code::HighestModSeq(modseq))
                .untagged(),
        );
    }
}
