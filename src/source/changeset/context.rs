//! `BeforeContext`/`AfterContext`: a resource's properties before or after
//! the change, as a JSON document encoded in a string.

use crate::error::InputError;
use crate::files::{SourceFile, Span};
use crate::model::{Item, VpcConfig};
use crate::source::doc::{Kind, Node};
use crate::source::json;

use super::{Change, Reader};

pub(super) struct Context {
    /// The `Properties` mapping (null when the context has none).
    pub props: Node,
    /// The context's span in the change set: for an encoded string, the whole
    /// string, since positions inside it do not map to the file's lines.
    pub span: Span,
    /// `BeforeContext` or `AfterContext`.
    pub field: &'static str,
}

impl Context {
    pub fn parse(file: &SourceFile, node: &Node, logical: &str, key: &str) -> Result<Context, InputError> {
        let field = if key == "BeforeContext" { "BeforeContext" } else { "AfterContext" };
        let doc = match &node.kind {
            Kind::Str(text) => {
                let inner = SourceFile::new(format!("{} ({logical}.{field})", file.path), text.as_str());
                json::parse(&inner).map_err(|e| {
                    InputError::at(
                        file,
                        node.span.clone(),
                        format!(
                            "`{field}` of {logical} is not JSON: {} (line {}, column {} of the encoded document)",
                            e.message, e.line, e.column
                        ),
                        "this string",
                    )
                    .with_help("CloudFormation encodes the resource's properties as a JSON string: {\"Properties\": {...}}")
                })?
            }
            // Some tools write the context already decoded.
            Kind::Map(_) => node.clone(),
            _ => return Err(super::wrong_type(file, node, &format!("`{field}`"), "a JSON-encoded string")),
        };
        let props = match doc.get("Properties") {
            None => Node::new(0..0, Kind::Null),
            Some(p) if p.is_null() || p.entries().is_some() => p.clone(),
            Some(p) => {
                return Err(InputError::at(
                    file,
                    node.span.clone(),
                    format!(
                        "`Properties` in the `{field}` of {logical} must be a mapping, found {}",
                        p.type_name()
                    ),
                    "this context",
                ))
            }
        };
        if doc.entries().is_none() {
            return Err(InputError::at(
                file,
                node.span.clone(),
                format!("the `{field}` of {logical} must encode a mapping, found {}", doc.type_name()),
                "this context",
            ));
        }
        Ok(Context {
            props,
            span: node.span.clone(),
            field,
        })
    }

    /// A property that is a plain resolved string.
    pub fn plain(&self, key: &str) -> Option<&str> {
        match &self.props.get(key)?.kind {
            Kind::Str(s) if !s.is_empty() && !s.contains("{{") => Some(s),
            _ => None,
        }
    }

    /// The function's `VpcConfig`; `None` when it has none or both lists are empty.
    pub fn vpc_config(&self, reader: &mut Reader, c: &Change) -> Result<Option<VpcConfig>, InputError> {
        let Some(node) = self.props.get("VpcConfig").filter(|n| !n.is_null()) else {
            return Ok(None);
        };
        if node.entries().is_none() {
            return Err(self.error(reader, c, format!("`VpcConfig` must be a mapping, found {}", node.type_name())));
        }
        let subnets = self.items(reader, c, node, "SubnetIds")?;
        let security_groups = self.items(reader, c, node, "SecurityGroupIds")?;
        if subnets.is_empty() && security_groups.is_empty() {
            return Ok(None);
        }
        let ipv6_dual_stack = node.get("Ipv6AllowedForDualStack").and_then(|n| match &n.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) => s.parse().ok(),
            _ => None,
        });
        Ok(Some(VpcConfig {
            subnets: subnets.into(),
            security_groups: security_groups.into(),
            vpc_id: None,
            ipv6_dual_stack,
            origin: c.origin.at(reader.file_id, self.span.clone()),
        }))
    }

    fn items(&self, reader: &mut Reader, c: &Change, vpc: &Node, key: &str) -> Result<Vec<Item>, InputError> {
        let origin = c.origin.at(reader.file_id, self.span.clone());
        let item = |value| Item::at(value, origin.clone());
        match vpc.get(key).map(|n| (n, &n.kind)) {
            None | Some((_, Kind::Null)) => Ok(vec![]),
            Some((_, Kind::Seq(nodes))) => Ok(nodes
                .iter()
                .enumerate()
                .map(|(i, n)| item(reader.value(c, self, n, &format!("VpcConfig/{key}/{i}"))))
                .collect()),
            // The whole list known only after apply: one symbol for any number of IDs.
            Some((n, Kind::Str(s))) if s.contains("{{") => {
                let value = reader.value(c, self, n, &format!("VpcConfig/{key}"));
                reader.inv.mark_list(&value);
                Ok(vec![item(value)])
            }
            Some((n, _)) => Err(self.error(reader, c, format!("`VpcConfig.{key}` must be a list, found {}", n.type_name()))),
        }
    }

    fn error(&self, reader: &Reader, c: &Change, message: String) -> InputError {
        InputError::at(
            reader.file,
            self.span.clone(),
            format!("{message}, in the `{}` of {}", self.field, c.logical),
            "this context",
        )
    }
}
