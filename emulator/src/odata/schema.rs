//! The properties of `microsoft.graph.message` and `microsoft.graph.mailFolder`
//! (and the complex types under them) with their types, as Microsoft's
//! published metadata lists them (the slice in
//! `tests/data/graph-mail-openapi.yaml`, docs/microsoft-graph.md §28).
//!
//! Query options resolve names here case-insensitively and report canonical
//! names, so `$select=Subject` and `$filter=IsRead eq true` work as on Graph.

/// The type of one property (of one element, for collections).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropType {
    String,
    Boolean,
    Int32,
    DateTime,
    /// An enum; members in declaration order (which is also their sort order).
    Enum(&'static [&'static str]),
    Complex(&'static ComplexType),
    /// The `id` of an extended property: a string compared in normalised form.
    ExtendedPropertyId,
}

/// One property of an entity or complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Property {
    pub name: &'static str,
    pub ty: PropType,
    pub collection: bool,
    /// A navigation property (`attachments`, `singleValueExtendedProperties`, ...).
    pub navigation: bool,
}

/// A structured type: an entity type, a complex type, or a navigation target.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ComplexType {
    /// Qualified name, as Graph names it in errors: `microsoft.graph.message`.
    pub name: &'static str,
    pub props: &'static [Property],
}

impl ComplexType {
    /// The property named `name` (case-insensitive).
    pub(crate) fn find(&self, name: &str) -> Option<&'static Property> {
        self.props
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

const fn p(name: &'static str, ty: PropType) -> Property {
    Property {
        name,
        ty,
        collection: false,
        navigation: false,
    }
}
const fn coll(name: &'static str, ty: PropType) -> Property {
    Property {
        name,
        ty,
        collection: true,
        navigation: false,
    }
}
const fn nav(name: &'static str, ty: PropType) -> Property {
    Property {
        name,
        ty,
        collection: true,
        navigation: true,
    }
}

use PropType::{Boolean, Complex, DateTime, Enum, Int32, String as Str};

pub(crate) const IMPORTANCE: &[&str] = &["low", "normal", "high"];
pub(crate) const INFERENCE_CLASSIFICATION: &[&str] = &["focused", "other"];
pub(crate) const FOLLOWUP_FLAG_STATUS: &[&str] = &["notFlagged", "complete", "flagged"];
pub(crate) const BODY_TYPE: &[&str] = &["text", "html"];

pub(crate) static EMAIL_ADDRESS: ComplexType = ComplexType {
    name: "microsoft.graph.emailAddress",
    props: &[p("address", Str), p("name", Str)],
};

pub(crate) static RECIPIENT: ComplexType = ComplexType {
    name: "microsoft.graph.recipient",
    props: &[p("emailAddress", Complex(&EMAIL_ADDRESS))],
};

pub(crate) static ITEM_BODY: ComplexType = ComplexType {
    name: "microsoft.graph.itemBody",
    props: &[p("content", Str), p("contentType", Enum(BODY_TYPE))],
};

pub(crate) static DATE_TIME_TIME_ZONE: ComplexType = ComplexType {
    name: "microsoft.graph.dateTimeTimeZone",
    props: &[p("dateTime", Str), p("timeZone", Str)],
};

pub(crate) static FOLLOWUP_FLAG: ComplexType = ComplexType {
    name: "microsoft.graph.followupFlag",
    props: &[
        p("completedDateTime", Complex(&DATE_TIME_TIME_ZONE)),
        p("dueDateTime", Complex(&DATE_TIME_TIME_ZONE)),
        p("flagStatus", Enum(FOLLOWUP_FLAG_STATUS)),
        p("startDateTime", Complex(&DATE_TIME_TIME_ZONE)),
    ],
};

pub(crate) static INTERNET_MESSAGE_HEADER: ComplexType = ComplexType {
    name: "microsoft.graph.internetMessageHeader",
    props: &[p("name", Str), p("value", Str)],
};

pub(crate) static SINGLE_VALUE_EXTENDED_PROPERTY: ComplexType = ComplexType {
    name: "microsoft.graph.singleValueLegacyExtendedProperty",
    props: &[p("id", PropType::ExtendedPropertyId), p("value", Str)],
};

pub(crate) static MULTI_VALUE_EXTENDED_PROPERTY: ComplexType = ComplexType {
    name: "microsoft.graph.multiValueLegacyExtendedProperty",
    props: &[p("id", PropType::ExtendedPropertyId), coll("value", Str)],
};

pub(crate) static ATTACHMENT: ComplexType = ComplexType {
    name: "microsoft.graph.attachment",
    props: &[
        p("id", Str),
        p("contentType", Str),
        p("isInline", Boolean),
        p("lastModifiedDateTime", DateTime),
        p("name", Str),
        p("size", Int32),
    ],
};

pub(crate) static EXTENSION: ComplexType = ComplexType {
    name: "microsoft.graph.extension",
    props: &[p("id", Str)],
};

pub(crate) static MESSAGE: ComplexType = ComplexType {
    name: "microsoft.graph.message",
    props: &[
        // entity
        p("id", Str),
        // outlookItem
        coll("categories", Str),
        p("changeKey", Str),
        p("createdDateTime", DateTime),
        p("lastModifiedDateTime", DateTime),
        // message
        coll("bccRecipients", Complex(&RECIPIENT)),
        p("body", Complex(&ITEM_BODY)),
        p("bodyPreview", Str),
        coll("ccRecipients", Complex(&RECIPIENT)),
        p("conversationId", Str),
        p("conversationIndex", Str),
        p("flag", Complex(&FOLLOWUP_FLAG)),
        p("from", Complex(&RECIPIENT)),
        p("hasAttachments", Boolean),
        p("importance", Enum(IMPORTANCE)),
        p("inferenceClassification", Enum(INFERENCE_CLASSIFICATION)),
        coll("internetMessageHeaders", Complex(&INTERNET_MESSAGE_HEADER)),
        p("internetMessageId", Str),
        p("isDeliveryReceiptRequested", Boolean),
        p("isDraft", Boolean),
        p("isRead", Boolean),
        p("isReadReceiptRequested", Boolean),
        p("parentFolderId", Str),
        p("receivedDateTime", DateTime),
        coll("replyTo", Complex(&RECIPIENT)),
        p("sender", Complex(&RECIPIENT)),
        p("sentDateTime", DateTime),
        p("subject", Str),
        coll("toRecipients", Complex(&RECIPIENT)),
        p("uniqueBody", Complex(&ITEM_BODY)),
        p("webLink", Str),
        // navigation
        nav("attachments", Complex(&ATTACHMENT)),
        nav("extensions", Complex(&EXTENSION)),
        nav(
            "multiValueExtendedProperties",
            Complex(&MULTI_VALUE_EXTENDED_PROPERTY),
        ),
        nav(
            "singleValueExtendedProperties",
            Complex(&SINGLE_VALUE_EXTENDED_PROPERTY),
        ),
    ],
};

pub(crate) static MAIL_FOLDER: ComplexType = ComplexType {
    name: "microsoft.graph.mailFolder",
    props: &[
        p("id", Str),
        p("childFolderCount", Int32),
        p("displayName", Str),
        p("isHidden", Boolean),
        p("parentFolderId", Str),
        p("totalItemCount", Int32),
        p("unreadItemCount", Int32),
        nav("childFolders", Complex(&MAIL_FOLDER)),
        nav("messageRules", Complex(&EXTENSION)),
        nav("messages", Complex(&MESSAGE)),
        nav(
            "multiValueExtendedProperties",
            Complex(&MULTI_VALUE_EXTENDED_PROPERTY),
        ),
        nav(
            "singleValueExtendedProperties",
            Complex(&SINGLE_VALUE_EXTENDED_PROPERTY),
        ),
    ],
};

/// The entity type's property table.
pub(crate) fn entity_type(ty: EntityType) -> &'static ComplexType {
    match ty {
        EntityType::Message => &MESSAGE,
        EntityType::MailFolder => &MAIL_FOLDER,
    }
}

/// The declared type of a `/`-separated canonical path (`flag/flagStatus`),
/// looked up in the message table, then the mailFolder table. `None` when the
/// path names nothing or crosses a collection.
pub(crate) fn path_type(path: &str) -> Option<&'static Property> {
    [&MESSAGE, &MAIL_FOLDER].into_iter().find_map(|root| {
        let mut ty: Option<&'static ComplexType> = Some(root);
        let mut found: Option<&'static Property> = None;
        for seg in path.split('/') {
            let prop = ty?.find(seg)?;
            if found.is_some_and(|f| f.collection) {
                return None;
            }
            found = Some(prop);
            ty = match prop.ty {
                Complex(c) => Some(c),
                _ => None,
            };
        }
        found
    })
}

/// The qualified name of an enum type, for error messages.
pub(crate) fn enum_type_name(members: &[&str]) -> &'static str {
    if members == IMPORTANCE {
        "microsoft.graph.importance"
    } else if members == INFERENCE_CLASSIFICATION {
        "microsoft.graph.inferenceClassificationType"
    } else if members == FOLLOWUP_FLAG_STATUS {
        "microsoft.graph.followupFlagStatus"
    } else if members == BODY_TYPE {
        "microsoft.graph.bodyType"
    } else {
        "Edm.Enum"
    }
}

/// The OData name of a property type, for error messages.
pub(crate) fn edm_name(ty: PropType) -> &'static str {
    match ty {
        PropType::String | PropType::ExtendedPropertyId => "Edm.String",
        PropType::Boolean => "Edm.Boolean",
        PropType::Int32 => "Edm.Int32",
        PropType::DateTime => "Edm.DateTimeOffset",
        PropType::Enum(m) => enum_type_name(m),
        PropType::Complex(c) => c.name,
    }
}

/// Which entity type a query addresses (the properties differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityType {
    Message,
    MailFolder,
}

impl EntityType {
    /// The qualified type name Graph uses in messages: `microsoft.graph.message`.
    pub(crate) fn type_name(self) -> &'static str {
        entity_type(self).name
    }

    /// The canonical spelling of a property of this type (case-insensitive
    /// lookup), or None when the type has no such property.
    pub(crate) fn canonical_property(self, name: &str) -> Option<&'static str> {
        entity_type(self).find(name).map(|p| p.name)
    }
}
