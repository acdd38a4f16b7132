//! Contacts: contact folders (the default one included, which Graph's
//! folder list leaves out), contacts both ways, their photos and delta.
