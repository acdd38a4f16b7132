//! alice's other folders: project mail two levels down, receipts, travel, a
//! folder with a non-ASCII name, what she sent (the other half of the Inbox
//! threads), one deleted item and one piece of spam.

use super::template::{D, FLAGGED, H, READ, Seed, UNREAD};

pub(super) const SEEDS: &[Seed] = &[
    Seed {
        mailbox: "alice",
        folder: "Inbox/Projects",
        ago: 25 * D + 4 * H,
        flags: READ,
        categories: &["Project Phoenix"],
        mime: r#"From: Carol Example <carol@${domain}>
To: Alice Example <alice@${domain}>, Bob Example <bob@${domain}>
Subject: Project Phoenix kickoff notes
Date: ${date@+0000}
Message-ID: <phoenix-kickoff.notes.1@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Kickoff notes, Project Phoenix

- Goal: replace the legacy mail relay by the end of Q3.
- Scope: IMAP and SMTP access for 1,200 mailboxes, shared mailboxes included.
- Risks: client compatibility, throttling limits, migration weekend.
- Next: design review in two weeks.

Carol
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox/Projects",
        ago: 24 * D + 20 * H,
        flags: READ,
        categories: &["Project Phoenix"],
        mime: r#"From: Bob Example <bob@${domain}>
To: Carol Example <carol@${domain}>
Cc: Alice Example <alice@${domain}>
Subject: Re: Project Phoenix kickoff notes
Date: ${date@+0000}
Message-ID: <phoenix-kickoff.notes.re.b0b@${domain}>
In-Reply-To: <phoenix-kickoff.notes.1@${domain}>
References: <phoenix-kickoff.notes.1@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Thanks Carol. One more risk: the 4 concurrent requests per mailbox limit
will shape how we sync large folders.

Bob
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox/Projects",
        ago: 18 * D + 2 * H,
        flags: READ | FLAGGED,
        categories: &["Project Phoenix"],
        mime: r#"From: Lena Fischer <lena.fischer@fabrikam.example>
To: Alice Example <alice@${domain}>
Subject: Phoenix: design mockups v2
Date: ${date@+0100}
Message-ID: <mockups-v2.4410@fabrikam.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1_mockups_v2"

--b1_mockups_v2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp:Hi Alice,

the second round of mockups is ready: https://fabrikam.example/p/phoenix-v2
We simplified the account settings page and added the "shared mailboxes" view.

Cheers,
Lena}
--b1_mockups_v2
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp:<html><body><p>Hi Alice,</p><p>the second round of mockups is ready: <a href="https://fabrikam.example/p/phoenix-v2">Phoenix v2</a>.<br>We simplified the account settings page and added the &ldquo;shared mailboxes&rdquo; view.</p><p>Cheers,<br>Lena</p></body></html>}
--b1_mockups_v2--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox/Projects/Archive 2025",
        ago: 40 * D + 6 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Contoso Finance <finance@${domain}>
To: Alice Example <alice@${domain}>
Subject: Phoenix budget approved
Date: ${date@+0000}
Message-ID: <budget-approved.phoenix.2025@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

The Phoenix budget for 2025 was approved as submitted. Cost centre 4410.

Contoso Finance
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox/Projects/Archive 2025",
        ago: 38 * D + 22 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Bob Example <bob@${domain}>
To: Alice Example <alice@${domain}>
Subject: Retrospective: Atlas migration
Date: ${date@+0000}
Message-ID: <atlas-retro.20250120@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

What went well: early pilot, clear cut-over plan.
What to improve: communicate client settings earlier.

Bob
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Receipts",
        ago: 15 * D + 8 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Contoso Coffee <receipts@contosocoffee.example>
To: alice@${domain}
Subject: Your receipt from Contoso Coffee
Date: ${date@-0800}
Message-ID: <rcpt-88213.coffee@contosocoffee.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<!DOCTYPE html>
<html><head><title>Receipt</title><style>td{padding:2px 8px}</style></head>
<body><h2>Thanks for your order!</h2>
<table><tr><td>Flat white</td><td>$4.50</td></tr>
<tr><td>Blueberry muffin</td><td>$3.25</td></tr>
<tr><td><b>Total</b></td><td><b>$7.75</b></td></tr></table>
<p>Paid with card ending 4242 &middot; Store #118, Pike Street</p>
</body></html>
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Receipts",
        ago: 22 * D + 3 * H,
        flags: READ,
        categories: &["Receipts"],
        mime: r#"From: Adventure Works Orders <orders@adventure-works.example>
To: Alice Example <alice@${domain}>
Subject: Order confirmation #A-10492
Date: ${date@-0500}
Message-ID: <order-A-10492.conf@adventure-works.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_order_10492"

--=_order_10492
Content-Type: multipart/alternative; boundary="=_order_10492_alt"

--=_order_10492_alt
Content-Type: text/plain; charset=us-ascii

Thank you for your order #A-10492 (1 x trail backpack, 45 l).
Your invoice is attached.
--=_order_10492_alt
Content-Type: text/html; charset=us-ascii

<p>Thank you for your order <b>#A-10492</b> (1 &times; trail backpack, 45&nbsp;l).</p>
<p>Your invoice is attached.</p>
--=_order_10492_alt--

--=_order_10492
Content-Type: application/pdf; name="Invoice-A-10492.pdf"
Content-Disposition: attachment; filename="Invoice-A-10492.pdf"
Content-Transfer-Encoding: base64

${pdf:Invoice A-10492}--=_order_10492--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Travel",
        ago: 30 * D + 5 * H,
        flags: READ | FLAGGED,
        categories: &["Travel"],
        mime: r#"From: Fly Example Bookings <booking@flyexample.example>
To: Alice Example <alice@${domain}>
Subject: ${q:Your flight booking: SEA → FRA, 14 May}
Date: ${date@+0200}
Message-ID: <PNR-K7Q2XZ.booking@flyexample.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_pnr_k7q2xz"

--=_pnr_k7q2xz
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Booking reference: K7Q2XZ
SEA → FRA, 14 May, 13:40 → 08:55 (+1)
Passenger: Alice Example · Seat 32A
--=_pnr_k7q2xz
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<p>Booking reference: <b>K7Q2XZ</b></p>
<p>SEA &rarr; FRA, 14 May, 13:40 &rarr; 08:55 (+1)<br>Passenger: Alice Example &middot; Seat 32A</p>
--=_pnr_k7q2xz--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Travel",
        ago: 29 * D + 11 * H,
        flags: READ,
        categories: &["Travel"],
        mime: r#"From: Hotel Bayerischer Hof Reservations <reservations@hotel-example.de>
To: Alice Example <alice@${domain}>
Subject: ${q:Reservierungsbestätigung / reservation confirmed – 15.–18. Mai}
Date: ${date@+0200}
Message-ID: <res-55120.confirm@hotel-example.de>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

${qp:Sehr geehrte Frau Example,

vielen Dank für Ihre Reservierung. / Thank you for your reservation.

Anreise / arrival: 15. Mai 2025
Abreise / departure: 18. Mai 2025
Zimmer / room: Einzelzimmer Komfort, Frühstück inklusive

Mit freundlichen Grüßen / kind regards
Hotel Bayerischer Hof}
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Café Überweisungen",
        ago: 16 * D + 9 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Beispielbank Online <noreply@beispielbank.example>
To: alice@${domain}
Subject: ${q1:Überweisung ausgeführt: 42,50 EUR an Café Frühling}
Date: ${date@+0100}
Message-ID: <ueberweisung-20250215-7731@beispielbank.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-15
Content-Transfer-Encoding: quoted-printable

${qp1:Guten Tag,

Ihre Überweisung wurde ausgeführt:

Empfänger: Café Frühling GmbH
Betrag: 42,50 EUR
Verwendungszweck: Bewirtung Teamtreffen Februar

Ihre Beispielbank}
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Café Überweisungen",
        ago: 14 * D + 2 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Beispielbank Online <noreply@beispielbank.example>
To: alice@${domain}
Subject: Ihr Kontoauszug ist da
Date: ${date@+0100}
Message-ID: <kontoauszug-2025-03-1102@beispielbank.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_kontoauszug"

--=_kontoauszug
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Guten Tag,

Ihr Kontoauszug für März liegt als PDF bei.

Ihre Beispielbank
--=_kontoauszug
Content-Type: application/pdf; name="Kontoauszug_2025-03.pdf"
Content-Disposition: attachment; filename="Kontoauszug_2025-03.pdf"
Content-Transfer-Encoding: base64

${pdf:Kontoauszug 2025-03}--=_kontoauszug--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Sent Items",
        ago: 4 * D + 3 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Alice Example <alice@${domain}>
To: Bob Example <bob@${domain}>, Carol Example <carol@${domain}>
Subject: Q3 planning
Date: ${date@+0000}
Message-ID: <q3-planning.a11ce@${domain}>
Thread-Topic: Q3 planning
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Let's fix the Q3 priorities this week. Proposal: gateway GA, the
shared mailbox rollout, and the migration of the Atlas team.

Who wants to own which part?

Alice
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Sent Items",
        ago: 2 * D + 20 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Alice Example <alice@${domain}>
To: Bob Example <bob@${domain}>
Cc: Carol Example <carol@${domain}>
Subject: Re: Q3 planning
Date: ${date@+0000}
Message-ID: <q3-planning-re2.a11ce@${domain}>
In-Reply-To: <q3-planning-re1.b0b@${domain}>
References: <q3-planning.a11ce@${domain}> <q3-planning-re1.b0b@${domain}>
Thread-Topic: Q3 planning
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Great, thanks Bob. Carol, could you take the SMTP side?

Alice
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Sent Items",
        ago: 4 * D + 22 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Alice Example <alice@${domain}>
To: ${q:Jürgen Müller} <juergen.mueller@beispiel.example>
Subject: ${q:Re: Grüße aus München – Termin nächste Woche}
Date: ${date@+0000}
Message-ID: <re-muenchen.a11ce.0305@${domain}>
In-Reply-To: <5f1e9a.muenchen.20250304@mail.beispiel.example>
References: <5f1e9a.muenchen.20250304@mail.beispiel.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hallo Jürgen,

Dienstag um 14 Uhr passt gut. Bis dann!

Viele Grüße
Alice
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Sent Items",
        ago: 7 * D + H,
        flags: READ,
        categories: &[],
        mime: r#"From: Alice Example <alice@${domain}>
To: Sam Rivera <sam.rivera@example.net>
Subject: Lunch on Friday?
Date: ${date@-0800}
Message-ID: <lunch-friday.a11ce.7e1@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi Sam, are you free for lunch on Friday? The new place on 5th looks good.

Alice
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Deleted Items",
        ago: 11 * D + 4 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: Contoso Expenses <expenses@${domain}>
To: Alice Example <alice@${domain}>
Subject: Reminder: expense report due
Date: ${date@+0000}
Message-ID: <expenses-reminder.feb.2025@${domain}>
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Your February expense report is due on Friday.
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Junk Email",
        ago: 3 * D + 13 * H,
        flags: UNREAD,
        categories: &[],
        mime: r##"Received: from mx.prizes-4u.example ([203.0.113.77]) by mail.${domain}
 with ESMTP; Sat, 01 Mar 2025 03:12:09 +0000
From: "Prize Center" <winner@prizes-4u.example>
To: undisclosed-recipients:;
Subject: Congratulations!!! You have WON a $1,000 gift card
Date: ${date@+0300}
Message-ID: <0.9913.winner@prizes-4u.example>
X-MS-Exchange-Organization-SCL: 9
X-Spam-Flag: YES
X-Spam-Status: Yes, score=14.2 required=5.0
MIME-Version: 1.0
Content-Type: text/html; charset=us-ascii

<html><body bgcolor="#ffff00"><h1>YOU ARE OUR LUCKY WINNER!!!</h1>
<p>Claim your <b>$1,000 gift card</b> now: <a href="http://prizes-4u.example/claim">CLICK HERE</a></p>
<p>Offer expires in 24 hours.</p></body></html>
"##,
    },
];
