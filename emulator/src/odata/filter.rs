//! `$filter` parsing: the OData grammar subset Exchange accepts on messages and
//! folders, resolved against the schema and type-checked once, so evaluating
//! the result over many items (see `eval.rs`) does no parsing or name lookup.
//!
//! Unknown names give `RequestBroker--ParseUri`, syntax and type errors
//! `BadRequest` "Invalid filter clause: …", functions Exchange cannot run
//! (`endswith`, `tolower`, …) `ErrorInvalidUrlQueryFilter`, as Graph does.

use super::ast::{Cast, CmpKind, CmpOp, Lit, Node, StrFn};
use super::entity::Entity;
use super::error::{QueryError, unknown_property};
use super::lexer::{Tok, Token, filter_error, tokenize};
use super::propid::normalize_property_id;
use super::schema::EntityType;
use super::schema::{self, ComplexType, PropType};

/// A parsed `$filter`: parse once, then [`Filter::matches`] over many items.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub(super) root: Node,
    pub(super) props: Vec<String>,
}

impl Filter {
    pub(crate) fn parse(text: &str, ty: EntityType) -> Result<Filter, QueryError> {
        let mut parser = Parser::new(text, ty)?;
        let root = parser.parse_all()?;
        Ok(Filter {
            root,
            props: parser.props,
        })
    }

    /// True when the whole expression is true for `e` (null counts as false).
    pub(crate) fn matches(&self, e: &dyn Entity) -> bool {
        self.root.test(e, None) == Some(true)
    }

    /// The top-level properties named, canonical spelling, in order of first
    /// appearance (`toRecipients/any(r: …)` counts as `toRecipients`).
    #[cfg(test)]
    pub(crate) fn properties(&self) -> Vec<String> {
        self.props.clone()
    }
}

/// How deep parentheses, `not` and lambdas may nest (garbage input must not
/// exhaust the stack).
const MAX_DEPTH: usize = 64;

/// The static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum STy {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Date,
    Enum(&'static [&'static str]),
    ExtId,
    Complex(&'static ComplexType),
    Collection,
}

impl STy {
    fn of(ty: PropType, collection: bool) -> STy {
        if collection {
            return STy::Collection;
        }
        match ty {
            PropType::String => STy::Str,
            PropType::Boolean => STy::Bool,
            PropType::Int32 => STy::Int,
            PropType::DateTime => STy::Date,
            PropType::Enum(m) => STy::Enum(m),
            PropType::Complex(c) => STy::Complex(c),
            PropType::ExtendedPropertyId => STy::ExtId,
        }
    }
    fn edm(self) -> String {
        match self {
            STy::Null => "<null>".into(),
            STy::Bool => "Edm.Boolean".into(),
            STy::Int => "Edm.Int32".into(),
            STy::Float => "Edm.Double".into(),
            STy::Str | STy::ExtId => "Edm.String".into(),
            STy::Date => "Edm.DateTimeOffset".into(),
            STy::Enum(m) => schema::enum_type_name(m).into(),
            STy::Complex(c) => c.name.into(),
            STy::Collection => "Collection".into(),
        }
    }
    fn is_stringy(self) -> bool {
        matches!(self, STy::Str | STy::ExtId | STy::Enum(_))
    }
}

/// The parser: a cursor over the tokens plus the lambda variables in scope.
pub(super) struct Parser<'t> {
    text: &'t str,
    toks: Vec<Token>,
    at: usize,
    depth: usize,
    root: &'static ComplexType,
    /// Lambda variables, outermost first: (name, element type).
    scopes: Vec<(String, PropType)>,
    /// Top-level properties of the item in order of first appearance.
    pub props: Vec<String>,
}

impl<'t> Parser<'t> {
    pub(super) fn new(text: &'t str, ty: EntityType) -> Result<Self, QueryError> {
        Ok(Parser {
            text,
            toks: tokenize(text)?,
            at: 0,
            depth: 0,
            root: schema::entity_type(ty),
            scopes: Vec::new(),
            props: Vec::new(),
        })
    }

    /// Parse the whole text as one boolean expression.
    pub(super) fn parse_all(&mut self) -> Result<Node, QueryError> {
        if self.toks.is_empty() {
            return Err(self.expected_expr());
        }
        let node = self.or_expr()?;
        if let Some(t) = self.toks.get(self.at) {
            return Err(filter_error(format!(
                "Syntax error at position {} in '{}'.",
                t.pos, self.text
            )));
        }
        self.require_bool(&node, "filter")?;
        Ok(node)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }
    fn pos(&self) -> usize {
        self.toks
            .get(self.at)
            .map_or(self.text.chars().count(), |t| t.pos)
    }
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word))
    }
    fn expected_expr(&self) -> QueryError {
        filter_error(format!(
            "Expression expected at position {} in '{}'.",
            self.pos(),
            self.text
        ))
    }
    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), QueryError> {
        if self.peek() == Some(&tok) {
            self.at += 1;
            Ok(())
        } else {
            Err(filter_error(format!(
                "{what} expected at position {} in '{}'.",
                self.pos(),
                self.text
            )))
        }
    }
    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(filter_error("The recursion limit has been exceeded."));
        }
        Ok(())
    }

    fn require_bool(&self, n: &Node, op: &str) -> Result<(), QueryError> {
        match self.sty(n) {
            STy::Bool | STy::Null => Ok(()),
            t => Err(filter_error(format!(
                "The {op} expression must evaluate to a single boolean value; found type '{}'.",
                t.edm()
            ))),
        }
    }

    fn or_expr(&mut self) -> Result<Node, QueryError> {
        let mut items = vec![self.and_expr()?];
        while self.peek_word("or") {
            self.at += 1;
            items.push(self.and_expr()?);
        }
        self.junction(items, Node::Or, "Or")
    }

    fn and_expr(&mut self) -> Result<Node, QueryError> {
        let mut items = vec![self.cmp_expr()?];
        while self.peek_word("and") {
            self.at += 1;
            items.push(self.cmp_expr()?);
        }
        self.junction(items, Node::And, "And")
    }

    fn junction(
        &self,
        mut items: Vec<Node>,
        make: fn(Vec<Node>) -> Node,
        kind: &str,
    ) -> Result<Node, QueryError> {
        if items.len() == 1 {
            return Ok(items.remove(0));
        }
        for n in &items {
            if !matches!(self.sty(n), STy::Bool | STy::Null) {
                return Err(incompatible(self.sty(n), STy::Bool, kind));
            }
        }
        Ok(make(items))
    }

    fn cmp_expr(&mut self) -> Result<Node, QueryError> {
        let lhs = self.unary()?;
        let Some(op) = (match self.peek() {
            Some(Tok::Ident(w)) => CmpOp::from_word(w),
            _ => None,
        }) else {
            return Ok(lhs);
        };
        self.at += 1;
        let rhs = self.unary()?;
        self.comparison(op, lhs, rhs)
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        if self.peek_word("not") {
            self.at += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            self.require_bool(&inner, "not")?;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, QueryError> {
        let Some(tok) = self.toks.get(self.at).cloned() else {
            return Err(self.expected_expr());
        };
        self.at += 1;
        Ok(match tok.tok {
            Tok::LParen => {
                self.enter()?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                self.expect(Tok::RParen, "')' or operator")?;
                inner
            }
            Tok::Str(s) | Tok::EnumLit(s) => Node::Lit(Lit::Str(s)),
            Tok::Int(n) => Node::Lit(Lit::Int(n)),
            Tok::Float(f) => Node::Lit(Lit::Float(f)),
            Tok::DateTime(d) => Node::Lit(Lit::Date(d)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") => Node::Lit(Lit::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("false") => Node::Lit(Lit::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("null") => Node::Lit(Lit::Null),
            Tok::Ident(w) if self.peek() == Some(&Tok::LParen) => self.function(&w, tok.pos)?,
            Tok::Ident(w) => self.path(&w)?,
            _ => {
                return Err(filter_error(format!(
                    "Syntax error at position {} in '{}'.",
                    tok.pos, self.text
                )));
            }
        })
    }

    /// `name(args)`, the cursor on the opening parenthesis.
    fn function(&mut self, name: &str, pos: usize) -> Result<Node, QueryError> {
        let lname = name.to_ascii_lowercase();
        let f = match lname.as_str() {
            "contains" => StrFn::Contains,
            "startswith" => StrFn::StartsWith,
            "cast" => return self.cast(),
            "endswith" | "substringof" | "tolower" | "toupper" | "length" | "indexof"
            | "substring" | "trim" | "concat" | "year" | "month" | "day" | "hour" | "minute"
            | "second" | "fractionalseconds" | "date" | "time" | "now" | "round" | "floor"
            | "ceiling" | "isof" | "totaloffsetminutes" | "matchespattern" => {
                return Err(QueryError {
                    code: "ErrorInvalidUrlQueryFilter",
                    message: "The query filter contains one or more invalid nodes.".into(),
                });
            }
            _ => {
                return Err(filter_error(format!(
                    "An unknown function with name '{name}' was found at position {pos}. This may also \
                     be a function import or a key lookup on a navigation property, which is not allowed."
                )));
            }
        };
        self.at += 1; // (
        self.enter()?;
        let arg = self.unary()?;
        self.expect(Tok::Comma, "','")?;
        let needle_pos = self.pos();
        let needle = match self.toks.get(self.at).map(|t| &t.tok) {
            Some(Tok::Str(s)) => s.clone(),
            _ => {
                return Err(filter_error(format!(
                    "A string literal is expected as the second argument of '{lname}' at position \
                     {needle_pos} in '{}'.",
                    self.text
                )));
            }
        };
        self.at += 1;
        self.expect(Tok::RParen, "')'")?;
        self.depth -= 1;
        let is_prop = matches!(arg, Node::Prop { .. } | Node::Cast(..));
        if !is_prop || !self.sty(&arg).is_stringy() {
            return Err(filter_error(format!(
                "No function signature for the function with name '{lname}' matches the specified \
                 arguments (found '{}').",
                self.sty(&arg).edm()
            )));
        }
        Ok(Node::StrFn {
            f,
            arg: Box::new(arg),
            needle: super::eval::fold(&needle),
        })
    }

    /// `cast(path, Edm.Type)`, the cursor on the opening parenthesis.
    fn cast(&mut self) -> Result<Node, QueryError> {
        self.at += 1;
        self.enter()?;
        let arg = self.unary()?;
        self.expect(Tok::Comma, "','")?;
        let target = match self.peek() {
            Some(Tok::Ident(t)) => match t.to_ascii_lowercase().as_str() {
                "edm.int32" | "edm.int64" | "edm.int16" | "edm.byte" => Cast::Int,
                "edm.double" | "edm.single" | "edm.decimal" => Cast::Float,
                "edm.string" => Cast::Str,
                "edm.boolean" => Cast::Bool,
                "edm.datetimeoffset" => Cast::Date,
                _ => return Err(filter_error(format!("Cannot cast to the type '{t}'."))),
            },
            _ => return Err(self.expected_expr()),
        };
        self.at += 1;
        self.expect(Tok::RParen, "')'")?;
        self.depth -= 1;
        if !matches!(
            arg,
            Node::Prop {
                collection: false,
                ..
            }
        ) {
            return Err(filter_error(
                "The first argument of 'cast' must be a single-valued property.",
            ));
        }
        Ok(Node::Cast(Box::new(arg), target))
    }

    /// A property path starting with `first`, possibly ending in a lambda.
    fn path(&mut self, first: &str) -> Result<Node, QueryError> {
        let up;
        let (mut ty, mut collection);
        let mut path: Vec<&'static str> = Vec::new();
        if let Some(k) = self.scopes.iter().rposition(|(v, _)| v == first) {
            up = Some(self.scopes.len() - 1 - k);
            ty = self.scopes[k].1;
            collection = false;
        } else {
            let prop = self
                .root
                .find(first)
                .ok_or_else(|| unknown_property(first, self.root.name))?;
            if !self.props.iter().any(|p| p == prop.name) {
                self.props.push(prop.name.to_string());
            }
            up = None;
            path.push(prop.name);
            ty = prop.ty;
            collection = prop.collection;
        }
        while self.peek() == Some(&Tok::Slash) {
            self.at += 1;
            let seg = match self.peek() {
                Some(Tok::Ident(s)) => s.clone(),
                _ => return Err(self.expected_expr()),
            };
            self.at += 1;
            let lower = seg.to_ascii_lowercase();
            if lower == "any" || lower == "all" {
                if !collection {
                    return Err(filter_error(format!(
                        "Any/All may only be used following a collection (at '{seg}' in '{}').",
                        self.text
                    )));
                }
                let coll = Node::Prop {
                    up,
                    path,
                    ty,
                    collection,
                };
                return self.lambda(lower == "all", coll, ty);
            }
            if collection {
                return Err(filter_error(format!(
                    "The parent value for a property access of a property '{seg}' is not a single \
                     value. Property access can only be applied to a single value."
                )));
            }
            let PropType::Complex(parent) = ty else {
                return Err(unknown_property(&seg, schema::edm_name(ty)));
            };
            let prop = parent
                .find(&seg)
                .ok_or_else(|| unknown_property(&seg, parent.name))?;
            path.push(prop.name);
            ty = prop.ty;
            collection = prop.collection;
        }
        Ok(Node::Prop {
            up,
            path,
            ty,
            collection,
        })
    }

    /// `any(...)` / `all(...)` after a collection path.
    fn lambda(&mut self, all: bool, coll: Node, elem: PropType) -> Result<Node, QueryError> {
        self.expect(Tok::LParen, "'('")?;
        if self.peek() == Some(&Tok::RParen) && !all {
            self.at += 1;
            return Ok(Node::Lambda {
                all,
                coll: Box::new(coll),
                body: None,
            });
        }
        let var = match self.peek() {
            Some(Tok::Ident(v)) => v.clone(),
            _ => return Err(self.expected_expr()),
        };
        self.at += 1;
        self.expect(Tok::Colon, "':'")?;
        self.enter()?;
        self.scopes.push((var, elem));
        let body = self.or_expr();
        self.scopes.pop();
        let body = body?;
        self.depth -= 1;
        self.expect(Tok::RParen, "')' or operator")?;
        self.require_bool(&body, if all { "all" } else { "any" })?;
        Ok(Node::Lambda {
            all,
            coll: Box::new(coll),
            body: Some(Box::new(body)),
        })
    }

    fn sty(&self, n: &Node) -> STy {
        match n {
            Node::Lit(Lit::Null) => STy::Null,
            Node::Lit(Lit::Bool(_)) => STy::Bool,
            Node::Lit(Lit::Int(_)) => STy::Int,
            Node::Lit(Lit::Float(_)) => STy::Float,
            Node::Lit(Lit::Str(_)) => STy::Str,
            Node::Lit(Lit::Date(_)) => STy::Date,
            Node::Prop { ty, collection, .. } => STy::of(*ty, *collection),
            Node::Cast(_, c) => match c {
                Cast::Int => STy::Int,
                Cast::Float => STy::Float,
                Cast::Str => STy::Str,
                Cast::Bool => STy::Bool,
                Cast::Date => STy::Date,
            },
            _ => STy::Bool,
        }
    }

    /// Type-check `lhs op rhs` and settle how it compares.
    fn comparison(&self, op: CmpOp, mut lhs: Node, mut rhs: Node) -> Result<Node, QueryError> {
        let (lt, rt) = (self.sty(&lhs), self.sty(&rhs));
        let equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
        let mut kind = CmpKind::Plain;
        let ok = match (lt, rt) {
            (STy::Null, _) | (_, STy::Null) => {
                equality
                    || !matches!(
                        (lt, rt),
                        (STy::Complex(_) | STy::Collection, _)
                            | (_, STy::Complex(_) | STy::Collection)
                    )
            }
            (STy::Enum(m), STy::Str | STy::Enum(_)) | (STy::Str, STy::Enum(m)) => {
                canonical_enum(&mut lhs, m)?;
                canonical_enum(&mut rhs, m)?;
                kind = CmpKind::Enum(m);
                true
            }
            (STy::ExtId, STy::Str | STy::ExtId) | (STy::Str, STy::ExtId) => {
                normalise_id_literal(&mut lhs)?;
                normalise_id_literal(&mut rhs)?;
                kind = CmpKind::ExtendedPropertyId;
                true
            }
            (STy::Str, STy::Str) | (STy::Bool, STy::Bool) | (STy::Date, STy::Date) => true,
            (STy::Int | STy::Float, STy::Int | STy::Float) => true,
            _ => false,
        };
        if !ok {
            return Err(incompatible(lt, rt, op.odata_kind()));
        }
        Ok(Node::Cmp {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            kind,
        })
    }
}

fn incompatible(a: STy, b: STy, kind: &str) -> QueryError {
    filter_error(format!(
        "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' \
         for operator kind '{kind}'.",
        a.edm(),
        b.edm()
    ))
}

/// Replace a string literal compared with an enum by the member's canonical
/// spelling; a literal that names no member is refused as Graph refuses it.
fn canonical_enum(n: &mut Node, members: &'static [&'static str]) -> Result<(), QueryError> {
    if let Node::Lit(Lit::Str(s)) = n {
        let m = members
            .iter()
            .find(|m| m.eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                filter_error(format!(
                    "The string '{s}' is not a valid enumerated type constant."
                ))
            })?;
        *s = (*m).to_string();
    }
    Ok(())
}

fn normalise_id_literal(n: &mut Node) -> Result<(), QueryError> {
    if let Node::Lit(Lit::Str(s)) = n {
        *s = normalize_property_id(s).ok_or_else(|| QueryError {
            code: "ErrorInvalidExtendedProperty",
            message: "The extended property attribute combination is invalid.".into(),
        })?;
    }
    Ok(())
}
