//! alice's Inbox: one message of each kind a client must render: plain text,
//! multipart/alternative, a PDF, German/French/Japanese RFC 2047 headers and
//! bodies, a forwarded message, an inline image, a calendar invite, a reply
//! thread, long folded headers with many recipients, a receipt request.

use super::template::{ANSWERED, D, FLAGGED, H, READ, Seed, UNREAD};

pub(super) const SEEDS: &[Seed] = &[
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 41 * D + 3 * H,
        flags: READ,
        categories: &[],
        mime: r#"Return-Path: <it-support@${domain}>
From: Contoso IT <it-support@${domain}>
To: Alice Example <alice@${domain}>
Subject: Welcome to the new mail gateway
Date: ${date@+0000}
Message-ID: <it-welcome-2025.7f3a1c@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hi Alice,

your mailbox is now reachable through the graphgate gateway. Point your
mail client at the gateway's IMAP and SMTP ports and sign in with your
gateway password (not your Microsoft 365 password).

If something looks wrong, reply to this message or call the service desk
on extension 4357.

Contoso IT
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 6 * D + 7 * H,
        flags: UNREAD,
        categories: &["Newsletter"],
        mime: r#"From: Fabrikam Newsletter <news@fabrikam.example>
To: alice@${domain}
Subject: Fabrikam Monthly: spring highlights and a new product line
Date: ${date@-0700}
Message-ID: <nl-2025-03.48211@news.fabrikam.example>
List-Unsubscribe: <https://fabrikam.example/unsubscribe?u=alice>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="----=_NextPart_fab_0001"

------=_NextPart_fab_0001
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

FABRIKAM MONTHLY

* The new Horizon desk line ships in April.
* Our Seattle showroom has longer opening hours.
* Customer story: how Northwind cut delivery times by a third.

Read online: https://fabrikam.example/news/2025-03
------=_NextPart_fab_0001
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<html><head><style>h1{color:#0a5;font-family:Segoe UI,sans-serif}</style></head>
<body><h1>Fabrikam Monthly</h1>
<ul><li>The new <b>Horizon</b> desk line ships in April.</li>
<li>Our Seattle showroom has longer opening hours.</li>
<li>Customer story: how Northwind cut delivery times by a third.</li></ul>
<p><a href="https://fabrikam.example/news/2025-03">Read online</a></p>
</body></html>
------=_NextPart_fab_0001--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: D + 2 * H,
        flags: UNREAD | FLAGGED,
        categories: &["Red category"],
        mime: r#"From: Bob Example <bob@${domain}>
To: Alice Example <alice@${domain}>
Subject: Contract draft for review
Date: ${date@+0100}
Message-ID: <contract-draft-v3.5521@${domain}>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_002_contract_v3_"

--_002_contract_v3_
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Alice,

here is version 3 of the Northwind contract. Changes since v2 are in
sections 4 (payment terms) and 7 (liability cap). Legal wants our
comments by Thursday.

Bob
--_002_contract_v3_
Content-Type: application/pdf; name="Contract-Northwind-v3.pdf"
Content-Description: Contract-Northwind-v3.pdf
Content-Disposition: attachment; filename="Contract-Northwind-v3.pdf"
Content-Transfer-Encoding: base64

${pdf:Northwind supply contract - draft v3}--_002_contract_v3_--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 5 * D + 4 * H,
        flags: READ | ANSWERED,
        categories: &[],
        mime: r#"From: ${q:Jürgen Müller} <juergen.mueller@beispiel.example>
To: Alice Example <alice@${domain}>
Subject: ${q:Grüße aus München – Termin nächste Woche}
Date: ${date@+0100}
Message-ID: <5f1e9a.muenchen.20250304@mail.beispiel.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hallo Alice,

viele Grüße aus München! Passt dir nächste Woche Dienstag um 14 Uhr für
unser Gespräch über die Lieferkette? Ich bringe die Übersicht der
Straßenbahn-Depots mit, damit wir die Größenordnung abschätzen können.

Schöne Grüße
Jürgen Müller
Beispiel GmbH · Leopoldstraße 12 · 80802 München
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 8 * D + 9 * H,
        flags: READ,
        categories: &[],
        mime: r#"From: ${q1:Amélie Dubois} <amelie.dubois@exemple.fr>
To: alice@${domain}
Cc: ${q1:François Lefèvre} <francois.lefevre@exemple.fr>
Subject: ${q1:Réunion de lancement : ordre du jour}
Date: ${date@+0100}
Message-ID: <20250301.reunion.93ac@exemple.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

${qp1:Bonjour Alice,

voici l'ordre du jour de la réunion de lancement de jeudi :

1. Présentation de l'équipe et des rôles
2. Périmètre du projet et calendrier prévisionnel
3. Budget : hypothèses et points à valider
4. Prochaines étapes

N'hésitez pas à me faire part de vos remarques d'ici mercredi.

Bien cordialement,
Amélie Dubois
Cheffe de projet, Exemple SARL}
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 10 * D + 2 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: ${b:山田 太郎} <t.yamada@example.co.jp>
To: Alice Example <alice@${domain}>
Subject: ${b:お見積もりの件（第2版）}
Date: ${date@+0900}
Message-ID: <CAJp3x9Q2.mitsumori.v2@mail.example.co.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

${b64:Alice様

いつもお世話になっております。山田です。
ご依頼いただいたお見積もりの第2版をお送りいたします。
納期は4月末を予定しております。

ご不明な点がございましたら、お気軽にお問い合わせください。
よろしくお願いいたします。

山田 太郎
}"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 12 * D + 5 * H,
        flags: READ,
        categories: &["Offsite"],
        mime: r#"From: Carol Example <carol@${domain}>
To: Alice Example <alice@${domain}>
Subject: Fwd: Venue options for the offsite
Date: ${date@+0000}
Message-ID: <fwd-venues.61d0@${domain}>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_fwd_venues_01"

--=_fwd_venues_01
Content-Type: text/plain; charset=us-ascii

Alice, see the agency's proposal below. I like the second one best.

Carol
--=_fwd_venues_01
Content-Type: message/rfc822
Content-Disposition: attachment

From: Lakeside Events <events@lakeside-events.example>
To: Carol Example <carol@${domain}>
Subject: Venue options for the offsite
Date: ${date-70@-0800}
Message-ID: <venues-3.1181@lakeside-events.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_venues_alt"

--=_venues_alt
Content-Type: text/plain; charset=us-ascii

Three venues are available on your dates:
1. Harbor Hall (120 seats)
2. The Old Mill (80 seats, garden)
3. Pine Lodge (60 seats, rooms on site)
--=_venues_alt
Content-Type: text/html; charset=us-ascii

<p>Three venues are available on your dates:</p>
<ol><li>Harbor Hall (120 seats)</li><li>The Old Mill (80 seats, garden)</li>
<li>Pine Lodge (60 seats, rooms on site)</li></ol>
--=_venues_alt--

--=_fwd_venues_01--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 2 * D + 6 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Bob Example <bob@${domain}>
To: Alice Example <alice@${domain}>
Subject: Team photo from the offsite
Date: ${date@+0000}
Message-ID: <team-photo.0c7e@${domain}>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="=_rel_photo"; type="multipart/alternative"

--=_rel_photo
Content-Type: multipart/alternative; boundary="=_alt_photo"

--=_alt_photo
Content-Type: text/plain; charset=us-ascii

Here is the team photo from the offsite. Not bad for 8 a.m.!
--=_alt_photo
Content-Type: text/html; charset=us-ascii

<html><body><p>Here is the team photo from the offsite. Not bad for 8 a.m.!</p>
<p><img src="cid:team-photo@contoso" alt="Team photo" width="160"></p></body></html>
--=_alt_photo--

--=_rel_photo
Content-Type: image/png; name="team-photo.png"
Content-ID: <team-photo@contoso>
Content-Disposition: inline; filename="team-photo.png"
Content-Transfer-Encoding: base64

${png}
--=_rel_photo--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 20 * H,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Carol Example <carol@${domain}>
To: Alice Example <alice@${domain}>, Bob Example <bob@${domain}>
Subject: Invitation: Architecture review @ Thu 10:00 - 11:00
Date: ${date@+0000}
Message-ID: <invite-arch-review.77e2@${domain}>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_invite_arch"

--=_invite_arch
Content-Type: text/plain; charset=utf-8

Architecture review
When: Thursday 10:00-11:00 (UTC)
Where: Room 4.12 / Teams
Agenda: gateway design, sync engine, rollout plan.
--=_invite_arch
Content-Type: text/calendar; charset=utf-8; method=REQUEST
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
PRODID:-//Contoso//Demo Calendar//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VEVENT
UID:arch-review-2025@${domain}
DTSTAMP:20250301T090000Z
DTSTART:20250306T100000Z
DTEND:20250306T110000Z
SUMMARY:Architecture review
LOCATION:Room 4.12 / Teams
ORGANIZER;CN=Carol Example:mailto:carol@${domain}
ATTENDEE;CN=Alice Example;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:alice@${domain}
ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:bob@${domain}
END:VEVENT
END:VCALENDAR
--=_invite_arch--
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 3 * D + 2 * H,
        flags: READ | ANSWERED,
        categories: &[],
        mime: r#"From: Bob Example <bob@${domain}>
To: Alice Example <alice@${domain}>
Cc: Carol Example <carol@${domain}>
Subject: Re: Q3 planning
Date: ${date@+0000}
Message-ID: <q3-planning-re1.b0b@${domain}>
In-Reply-To: <q3-planning.a11ce@${domain}>
References: <q3-planning.a11ce@${domain}>
Thread-Topic: Q3 planning
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Sounds good. I can own the sync engine work; we need one more person
for the SMTP side.

> Let's fix the Q3 priorities this week. Proposal: gateway GA, the
> shared mailbox rollout, and the migration of the Atlas team.

Bob
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 2 * D + 3 * H,
        flags: UNREAD | FLAGGED,
        categories: &[],
        mime: r#"From: Carol Example <carol@${domain}>
To: Alice Example <alice@${domain}>, Bob Example <bob@${domain}>
Subject: Re: Q3 planning
Date: ${date@+0000}
Message-ID: <q3-planning-re3.ca401@${domain}>
In-Reply-To: <q3-planning-re2.a11ce@${domain}>
References: <q3-planning.a11ce@${domain}> <q3-planning-re1.b0b@${domain}>
 <q3-planning-re2.a11ce@${domain}>
Thread-Topic: Q3 planning
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

I'll take the SMTP side. Can we review the plan on Monday?

Carol
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 9 * D + 5 * H,
        flags: READ,
        categories: &["Blue category"],
        mime: r#"Received: from DM6PR11MB4691.namprd11.prod.outlook.example (2603:10b6:5:1c0::17)
 by SN6PR11MB3184.namprd11.prod.outlook.example with HTTPS; Tue, 25 Feb 2025
 16:02:11 +0000
From: Megan Bowen <megan.bowen@${domain}>
To: Alice Example <alice@${domain}>, Bob Example <bob@${domain}>,
 Carol Example <carol@${domain}>, Adele Vance <adele.vance@${domain}>,
 Alex Wilber <alex.wilber@${domain}>, Diego Siciliani <diego.siciliani@${domain}>,
 Grady Archie <grady.archie@${domain}>, Henrietta Mueller <henrietta.mueller@${domain}>,
 Isaiah Langer <isaiah.langer@${domain}>, Johanna Lorenz <johanna.lorenz@${domain}>,
 Joni Sherman <joni.sherman@${domain}>, Lee Gu <lee.gu@${domain}>
Cc: Lidia Holloway <lidia.holloway@${domain}>, Lynne Robbins <lynne.robbins@${domain}>,
 Miriam Graham <miriam.graham@${domain}>, Nestor Wilke <nestor.wilke@${domain}>,
 Patti Fernandez <patti.fernandez@${domain}>, Pradeep Gupta <pradeep.gupta@${domain}>,
 "Contoso Sales" <sales@${domain}>, "Leadership Team" <leadership@${domain}>
Subject: All-hands follow-up: notes, decisions and the owners of every Q3
 initiative we discussed on Tuesday (please read before the next staff meeting)
Date: ${date@+0000}
Message-ID: <allhands-followup.2025q3.3c41aa@${domain}>
Thread-Topic: All-hands follow-up
X-MS-Exchange-Organization-AuthAs: Internal
X-MS-Has-Attach:
X-Contoso-Distribution: all-hands; leadership; sales; engineering; operations;
 finance; people; legal; facilities; support
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi everyone,

thanks for a great all-hands. The decisions, in short:

1. Gateway GA moves to the end of Q3 (owner: Alice).
2. Shared mailboxes for Sales go live first (owner: Bob).
3. Atlas migration starts after GA (owner: Carol).

Slides and the recording are on the intranet.

Megan
"#,
    },
    Seed {
        mailbox: "alice",
        folder: "Inbox",
        ago: 4 * H + 10,
        flags: UNREAD,
        categories: &[],
        mime: r#"From: Contoso People Team <people@${domain}>
To: Alice Example <alice@${domain}>
Subject: Action required: confirm the updated travel policy
Date: ${date@+0000}
Message-ID: <travel-policy-2025.ack.91f0@${domain}>
Importance: high
X-Priority: 1
Disposition-Notification-To: Contoso People Team <people@${domain}>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi Alice,

the travel policy was updated on 1 March. Please read it on the intranet
and confirm by replying to this message before the end of the month.

Contoso People Team
"#,
    },
];
