//! bob's, carol's and the shared sales@ mailbox's mail: team mail, what bob
//! sent, a receipt, and customers writing to sales@ (quotes, a complaint
//! with a photo, a French request, purchase orders).

use super::template::{ANSWERED, D, FLAGGED, H, READ, Seed, UNREAD};

pub(super) const SEEDS: &[Seed] = &[
    Seed {
        mailbox: "bob",
        folder: "Inbox",
        ago: 5 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Contoso Build <ci@${domain}>
To: Bob Example <bob@${domain}>
Subject: [graphgate] Build #1432 is green again
Date: ${date@+0000}
Message-ID: <build-1432.ci@${domain}>
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Build #1432 of graphgate (branch main) passed.
Duration: 6 min 12 s. Tests: 1,204 passed, 0 failed.
"#,
    },
    Seed {
        mailbox: "bob",
        folder: "Inbox",
        ago: D + 7 * H,
        flags: READ | FLAGGED,
        categories: &["Offsite"],
        mime: r#"From: Carol Example <carol@${domain}>
To: Bob Example <bob@${domain}>
Subject: Team offsite: travel details
Date: ${date@+0000}
Message-ID: <offsite-travel.ca401.22@${domain}>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_offsite_travel"

--=_offsite_travel
Content-Type: text/plain; charset=us-ascii

Bus leaves the office at 8:00 on the 12th. Bring walking shoes.
--=_offsite_travel
Content-Type: text/html; charset=us-ascii

<p>Bus leaves the office at <b>8:00</b> on the 12th. Bring walking shoes.</p>
--=_offsite_travel--
"#,
    },
    Seed {
        mailbox: "bob",
        folder: "Inbox/Team",
        ago: 6 * D + 17 * H,
        flags: READ | ANSWERED,
        categories: &[],
        mime: r#"From: Adele Vance <adele.vance@${domain}>
To: Engineering Team <engineering@${domain}>
Subject: Standup notes - Monday
Date: ${date@+0000}
Message-ID: <standup-monday.av.0310@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Yesterday: IDLE support merged. Today: delta sync paging. Blockers: none.
"#,
    },
    Seed {
        mailbox: "bob",
        folder: "Sent Items",
        ago: 6 * D + 15 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Bob Example <bob@${domain}>
To: Adele Vance <adele.vance@${domain}>
Subject: Re: Standup notes - Monday
Date: ${date@+0000}
Message-ID: <re-standup-monday.b0b.0310@${domain}>
In-Reply-To: <standup-monday.av.0310@${domain}>
References: <standup-monday.av.0310@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Nice work on IDLE. I'll pair with you on the paging tomorrow.

Bob
"#,
    },
    Seed {
        mailbox: "carol",
        folder: "Inbox",
        ago: 33 * D,
        flags: READ,
        categories: &[],
        mime: r#"From: Contoso People Team <people@${domain}>
To: Carol Example <carol@${domain}>
Subject: Welcome to Contoso, Carol
Date: ${date@+0000}
Message-ID: <welcome-carol.people.2025@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Welcome aboard! Your laptop is ready for pickup at the front desk.
"#,
    },
    Seed {
        mailbox: "carol",
        folder: "Inbox",
        ago: 19 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Lakeside Events <events@lakeside-events.example>
To: Carol Example <carol@${domain}>
Subject: Your booking at The Old Mill is confirmed
Date: ${date@-0800}
Message-ID: <booking-oldmill.5521@lakeside-events.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

The Old Mill is reserved for 24 guests on the 12th, 9:00-17:00.
"#,
    },
    Seed {
        mailbox: "carol",
        folder: "Receipts",
        ago: 13 * D + 5 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Contoso Coffee <receipts@contosocoffee.example>
To: carol@${domain}
Subject: Your receipt from Contoso Coffee
Date: ${date@-0800}
Message-ID: <rcpt-88977.coffee@contosocoffee.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Thanks for your order! Chai latte $4.95. Paid with card ending 1881.</p>
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Inbox",
        ago: 3 * H + 25,
        flags: UNREAD | FLAGGED,
        categories: &["Customer"],
        mime: r#"From: Litware Procurement <procurement@litware.example>
To: Contoso Sales <sales@${domain}>
Subject: Request for quote: 250 ergonomic chairs
Date: ${date@-0500}
Message-ID: <rfq-2025-118.procurement@litware.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Contoso Sales team,

please send us a quote for 250 ergonomic office chairs (model ErgoPro or
equivalent), delivered to our Boston office by 30 April. Please include
volume discounts and warranty terms.

Kind regards,
Dana Whitfield
Litware Inc., Procurement
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Inbox",
        ago: D + 9 * H,
        flags: READ | ANSWERED,
        categories: &["Customer"],
        mime: r#"From: ${q:Björn Österberg} <bjorn.osterberg@exempel.example>
To: sales@${domain}
Subject: ${q:Frage zu Lieferzeiten nach Österreich}
Date: ${date@+0100}
Message-ID: <lieferzeiten-at.2231@exempel.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Guten Tag,

wie lange dauert eine Lieferung nach Graz, und fallen dafür Zollgebühren an?

Freundliche Grüße
Björn Österberg
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Inbox",
        ago: 2 * D + 4 * H,
        flags: UNREAD,
        categories: &["Customer", "Red category"],
        mime: r#"From: Tailspin Toys Purchasing <purchasing@tailspintoys.example>
To: Contoso Sales <sales@${domain}>
Cc: Bob Example <bob@${domain}>
Subject: Complaint: order SO-20931 arrived damaged
Date: ${date@-0600}
Message-ID: <complaint-SO-20931.71@tailspintoys.example>
Importance: high
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_complaint_20931"

--=_complaint_20931
Content-Type: text/plain; charset=us-ascii

Two of the twelve shelving units in order SO-20931 arrived with broken
frames. A photo of the packaging is attached. Please arrange a
replacement.

Tailspin Toys Purchasing
--=_complaint_20931
Content-Type: image/png; name="damaged-box.png"
Content-Disposition: attachment; filename="damaged-box.png"
Content-Transfer-Encoding: base64

${png}
--=_complaint_20931--
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Inbox/Leads",
        ago: 9 * D + 6 * H,
        flags: READ,
        categories: &["Lead"],
        mime: r#"From: Proseware Partnerships <partners@proseware.example>
To: sales@${domain}
Subject: Partnership inquiry: reselling Contoso furniture in Canada
Date: ${date@-0500}
Message-ID: <partner-inquiry.ca.0091@proseware.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_partner_alt"

--=_partner_alt
Content-Type: text/plain; charset=us-ascii

We are a reseller with 14 showrooms across Canada and would like to add
Contoso's office furniture to our catalogue. Who can we talk to?
--=_partner_alt
Content-Type: text/html; charset=us-ascii

<p>We are a reseller with <b>14 showrooms</b> across Canada and would like to add
Contoso's office furniture to our catalogue. Who can we talk to?</p>
--=_partner_alt--
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Inbox/Leads",
        ago: 17 * D + 3 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: ${q1:Hélène Garnier} <helene.garnier@exemple.fr>
To: sales@${domain}
Subject: ${q1:Demande de devis : mobilier de bureau pour 40 postes}
Date: ${date@+0100}
Message-ID: <devis-40-postes.8812@exemple.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

${qp1:Bonjour,

nous aménageons de nouveaux bureaux à Lyon et souhaiterions recevoir un
devis pour 40 postes de travail (bureaux, fauteuils, caissons).

Cordialement,
Hélène Garnier}
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Orders",
        ago: 11 * D + 2 * H,
        flags: READ,
        categories: &["Order"],
        mime: r#"From: Woodgrove Bank Facilities <facilities@woodgrovebank.example>
To: Contoso Sales <sales@${domain}>
Subject: Purchase order PO-7781
Date: ${date@+0000}
Message-ID: <po-7781.facilities@woodgrovebank.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_po_7781"

--=_po_7781
Content-Type: text/plain; charset=us-ascii

Please find our purchase order PO-7781 attached (60 standing desks).
--=_po_7781
Content-Type: application/pdf; name="PO-7781.pdf"
Content-Disposition: attachment; filename="PO-7781.pdf"
Content-Transfer-Encoding: base64

${pdf:Purchase order PO-7781}--=_po_7781--
"#,
    },
    Seed {
        mailbox: "sales",
        folder: "Orders",
        ago: 10 * D + 20 * H,
        flags: READ,
        categories: &["Order"],
        mime: r#"From: Contoso ERP <erp@${domain}>
To: Contoso Sales <sales@${domain}>
Subject: Sales order SO-20977 created for PO-7781
Date: ${date@+0000}
Message-ID: <so-20977.erp@${domain}>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Sales order SO-20977 was created from purchase order PO-7781.
Customer: Woodgrove Bank. Items: 60 x standing desk. Delivery: week 16.
"#,
    },
];
