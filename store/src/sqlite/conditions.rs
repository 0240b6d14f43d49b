//! A WHERE clause built from optional conditions, with its values kept beside it so nothing a caller gives
//! is ever spliced into SQL text.

use rusqlite::types::Value;
use uuid::Uuid;

/// Conditions joined with AND, and the values of their `?` placeholders in order.
pub(super) struct Conditions {
    pub(super) sql: String,
    pub(super) values: Vec<Value>,
}

fn id_value(id: Uuid) -> Value {
    Value::Blob(id.as_bytes().to_vec())
}

/// `%text%` for LIKE, with LIKE's own wildcards escaped (the clause says `ESCAPE '\'`).
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Conditions {
    /// Starts with the owner condition, which every query has.
    pub(super) fn owned_by(account: Uuid) -> Conditions {
        Conditions {
            sql: "account_id = ?".into(),
            values: vec![id_value(account)],
        }
    }

    /// No condition yet.
    pub(super) fn none() -> Conditions {
        Conditions {
            sql: "1".into(),
            values: Vec::new(),
        }
    }

    /// Adds `column <op> ?` when the value is given.
    pub(super) fn compare(&mut self, column: &str, op: &str, value: Option<impl Into<Value>>) {
        if let Some(value) = value {
            self.sql += &format!(" AND {column} {op} ?");
            self.values.push(value.into());
        }
    }

    /// Adds `column <op> ?` on an id when given.
    pub(super) fn compare_id(&mut self, column: &str, op: &str, id: Option<Uuid>) {
        self.compare(column, op, id.map(id_value));
    }

    /// Adds a partial-match condition when the text is given.
    pub(super) fn contains(&mut self, column: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.sql += &format!(" AND {column} LIKE ? ESCAPE '\\'");
            self.values.push(Value::Text(like_pattern(text)));
        }
    }

    /// Adds `column IN (...)` when the values are given; an empty set matches nothing.
    pub(super) fn one_of(&mut self, column: &str, values: Option<Vec<Value>>) {
        if let Some(values) = values {
            let marks = vec!["?"; values.len()].join(",");
            self.sql += &format!(" AND {column} IN ({marks})");
            self.values.extend(values);
        }
    }

    /// Adds `column IN (...)` on ids when given.
    pub(super) fn one_of_ids(&mut self, column: &str, ids: Option<&[Uuid]>) {
        self.one_of(
            column,
            ids.map(|ids| ids.iter().copied().map(id_value).collect()),
        );
    }

    /// Adds a raw condition with one id value.
    pub(super) fn raw_with_id(&mut self, condition: &str, id: Option<Uuid>) {
        if let Some(id) = id {
            self.sql += &format!(" AND {condition}");
            self.values.push(id_value(id));
        }
    }

    /// Appends ORDER BY and the page's LIMIT/OFFSET.
    pub(super) fn paged(mut self, order_by: &str, page: crate::Page) -> Conditions {
        self.sql += &format!(" ORDER BY {order_by} LIMIT ? OFFSET ?");
        self.values.push(Value::Integer(i64::from(page.page_size)));
        self.values.push(Value::Integer(page.offset()));
        self
    }
}
