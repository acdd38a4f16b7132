//! What the DAV front returns as calendar-data and address-data, from
//! outside (tests/clients/dav_data.py): server-side expansion of the
//! seeded series with exact RECURRENCE-IDs and UTC times (raw REPORTs and
//! python caldav both ways), limit-recurrence-set, a selection, the bound
//! on instances, calendar-timezone, an event made in New York read back in
//! New York, and vCard 4.0 on request with the stored card's ETag.

use crate::common::ALICE;
use crate::common::gateway::{PASSWORD, TestGateway};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_and_address_data_come_in_the_shape_and_version_asked() {
    let gw = TestGateway::start().await;
    let out = gw.python("dav_data.py", &[PASSWORD, ALICE]).await;
    assert!(out.trim_end().ends_with("OK"), "{out}");
}
