//! The refusals of query options: a [`QueryError`] carries the code and
//! message Graph answers with a 400, so every parser in this module reports
//! errors the way Graph words them.

/// A query option Graph refuses; rendered as a 400 with this code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError {
    /// `BadRequest`, `InefficientFilter`, `RequestBroker--ParseUri`, `ErrorInvalidUrlQueryFilter`, ...
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for QueryError {}

/// `RequestBroker--ParseUri` "Could not find a property named 'X' on type 'T'."
pub(super) fn unknown_property(name: &str, type_name: &str) -> QueryError {
    QueryError {
        code: "RequestBroker--ParseUri",
        message: format!("Could not find a property named '{name}' on type '{type_name}'."),
    }
}
