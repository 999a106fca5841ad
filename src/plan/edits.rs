//! The concrete change a step makes: edits to the files read, or AWS CLI commands.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Config;
use crate::files::Files;
use crate::graph::{EniGraph, User};
use crate::model::{Item, Value};

/// Replace the text `replace` at `file:line:column` with `with` (empty: remove the list entry).
#[derive(Debug, Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub replace: String,
    pub with: String,
    /// Byte range of `replace` in the file, for tools that apply the edit.
    pub start: usize,
    pub end: usize,
}

/// The edits that move `users` from `from` to `to`, and what cannot be said as an edit.
pub fn template(g: &EniGraph, files: &Files, users: &[User], from: &Config, to: &Config) -> (Vec<Edit>, Vec<String>) {
    let mut edits = BTreeSet::new();
    let mut notes = Vec::new();
    let moving: BTreeSet<User> = users.iter().copied().collect();
    let mut places: Option<BTreeMap<(usize, usize, usize), Vec<User>>> = None;
    for &u in users {
        let cfg = g.config(u);
        let lists = [
            ("SecurityGroupIds", &cfg.security_groups, &from.security_groups, &to.security_groups),
            ("SubnetIds", &cfg.subnets, &from.subnets, &to.subnets),
        ];
        for (list, items, old, new) in lists {
            let removed: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
            let added: Vec<&Value> = new.iter().filter(|v| !old.contains(v)).collect();
            for (i, r) in removed.iter().enumerate() {
                let with = added.get(i).copied();
                for item in items.iter().filter(|it| &it.value == *r) {
                    let origin = cfg.origin_of(item);
                    match edit(files, item, with) {
                        Some(e) if terraform(&e.replace).is_some() => {
                            // A plan is read, not edited: the change belongs in the .tf source.
                            let old = terraform(&e.replace).unwrap_or_default();
                            let new = with.map_or(String::new(), |w| old.replacen(r.as_str(), w.as_str(), 1));
                            notes.push(match new.is_empty() {
                                true => format!("in the .tf source of {}, remove {old} from {list}", origin.resource),
                                false => format!(
                                    "in the .tf source of {}, replace {old} with {new} (the plan names it at {}:{}:{})",
                                    origin.resource, e.file, e.line, e.column
                                ),
                            });
                        }
                        Some(e) => {
                            let place = (origin.file().map_or(0, |f| f.0), e.start, e.end);
                            let users_here = places.get_or_insert_with(|| index(g)).get(&place);
                            let shared: Vec<String> = users_here
                                .into_iter()
                                .flatten()
                                .filter(|o| !moving.contains(o))
                                .map(|o| g.user_name(*o))
                                .collect();
                            if shared.is_empty() {
                                if e.replace.starts_with('&') {
                                    notes.push(format!(
                                        "{}:{}:{} is a YAML anchor: every alias of it changes with it",
                                        e.file, e.line, e.column
                                    ));
                                }
                                if e.with.is_empty() {
                                    notes.push(format!(
                                        "{}:{}:{}: remove {} from {list} of {} (with its separator)",
                                        e.file,
                                        e.line,
                                        e.column,
                                        e.replace,
                                        g.user_name(u)
                                    ));
                                }
                                edits.insert(e);
                            } else {
                                notes.push(format!(
                                    "{}:{}:{} is shared with {} (e.g. SAM Globals), which do not move: give {} its own {list} instead of editing it",
                                    e.file,
                                    e.line,
                                    e.column,
                                    crate::rules::names(&shared, 5),
                                    g.user_name(u)
                                ));
                            }
                        }
                        None => notes.push(format!(
                            "in {}, replace {r} in {list} with {}",
                            origin.resource,
                            with.map_or("nothing".to_string(), |w| w.to_string())
                        )),
                    }
                }
            }
            for a in added.iter().skip(removed.len()) {
                notes.push(format!("add {a} to {list} of {} ({})", g.user_name(u), cfg.origin.resource));
            }
        }
    }
    notes.sort();
    notes.dedup();
    (edits.into_iter().collect(), notes)
}

/// The expression a Terraform plan's configuration names (`{"references": ["aws_security_group.a.id", …]}`),
/// with or without the `"security_group_ids":` key the span may start at.
fn terraform(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(text.split_once(':')?.1).ok())?;
    v.get("references")?.get(0)?.as_str().map(str::to_string)
}

/// Where each written subnet or group entry is used: SAM Globals and shared
/// parameters put one entry into several functions.
fn index(g: &EniGraph) -> BTreeMap<(usize, usize, usize), Vec<User>> {
    let mut out: BTreeMap<(usize, usize, usize), Vec<User>> = BTreeMap::new();
    for u in g.users() {
        let cfg = g.config(u);
        for item in cfg.security_groups.iter().chain(&cfg.subnets) {
            if let Some((file, span)) = item.at.as_ref().and_then(|o| o.file()) {
                out.entry((file, span.start, span.end)).or_default().push(u);
            }
        }
    }
    out
}

/// An edit replaces the item's whole span, which may cover several lines (a
/// JSON `{"Ref": …}` object); excerpts show only its first line, edits cannot.
fn edit(files: &Files, item: &Item, with: Option<&Value>) -> Option<Edit> {
    let (id, span) = item.at.as_ref()?.file()?;
    let file = files.get(id);
    let span = file.clamp(&span);
    let text = file.text.get(span.clone())?.to_string();
    let (line, column) = file.line_col(span.start);
    Some(Edit {
        file: file.path.clone(),
        line,
        column,
        with: with.map(|w| rewrite(&text, &item.value, w)).unwrap_or_default(),
        replace: text,
        start: span.start,
        end: span.end,
    })
}

/// The new value in the syntax of the text it replaces: the old name swapped
/// for the new one (`!GetAtt A.GroupId` → `!GetAtt B.GroupId`, `{"Ref": "A"}`
/// → `{"Ref": "B"}`), else the new value as eniplan writes it.
fn rewrite(text: &str, old: &Value, new: &Value) -> String {
    let (o, n) = (name(old), name(new));
    if kind(old) == kind(new) && text.matches(o).count() == 1 {
        return text.replacen(o, n, 1);
    }
    match new {
        Value::Id(id) if text.starts_with(['"', '{']) => format!("\"{id}\""),
        _ => new.as_str().to_string(),
    }
}

/// The part of a value that names it: a logical ID for `!Ref X`, else the whole.
fn name(v: &Value) -> &str {
    let s = v.as_str();
    s.strip_prefix("!Ref ").unwrap_or(s)
}

fn kind(v: &Value) -> u8 {
    match v {
        Value::Id(_) => 0,
        Value::Symbol(s) if s.expr.starts_with("!Ref ") => 1,
        Value::Symbol { .. } => 2,
    }
}

/// An AWS CLI command, written out as its argv list.
#[derive(Debug, Clone)]
pub enum Command<'g> {
    /// `$LATEST` of `function` gets the whole VpcConfig `to`, written in the
    /// CLI's shorthand only when the plan is written: a large plan has one per function.
    Update {
        function: &'g str,
        to: Config<'g>,
        /// Left out, the setting would fall back to its default: the function's own is kept.
        dual_stack: Option<bool>,
    },
    DeleteVersion {
        function: &'g str,
        version: &'g str,
    },
    DeleteGroup {
        group: &'g str,
    },
}

/// A VpcConfig in the AWS CLI's shorthand.
struct Shorthand<'a>(&'a Config<'a>, Option<bool>);

impl std::fmt::Display for Shorthand<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |f: &mut std::fmt::Formatter<'_>, values: &[Value]| {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                f.write_str(v.as_str())?;
            }
            Ok(())
        };
        f.write_str("SubnetIds=")?;
        list(f, &self.0.subnets)?;
        f.write_str(",SecurityGroupIds=")?;
        list(f, &self.0.security_groups)?;
        match self.1 {
            Some(dual) => write!(f, ",Ipv6AllowedForDualStack={dual}"),
            None => Ok(()),
        }
    }
}

impl Serialize for Shorthand<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

const UPDATE: [&str; 5] = ["aws", "lambda", "update-function-configuration", "--function-name", "--vpc-config"];

impl Command<'_> {
    pub fn argv(&self) -> Vec<std::borrow::Cow<'_, str>> {
        match self {
            Command::Update { function, to, dual_stack } => {
                let [a, b, c, d, e] = UPDATE.map(std::borrow::Cow::Borrowed);
                vec![a, b, c, d, (*function).into(), e, Shorthand(to, *dual_stack).to_string().into()]
            }
            Command::DeleteVersion { function, version } => [
                "aws",
                "lambda",
                "delete-function",
                "--function-name",
                function,
                "--qualifier",
                version,
            ]
            .map(std::borrow::Cow::Borrowed)
            .to_vec(),
            Command::DeleteGroup { group } => ["aws", "ec2", "delete-security-group", "--group-id", group]
                .map(std::borrow::Cow::Borrowed)
                .to_vec(),
        }
    }
}

/// Held as its parts, written as the argv list: a large plan has one per function.
impl Serialize for Command<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match self {
            Command::Update { function, to, dual_stack } => {
                let [a, b, c, d, e] = UPDATE;
                let mut seq = s.serialize_seq(Some(7))?;
                for part in [a, b, c, d, function, e] {
                    seq.serialize_element(part)?;
                }
                seq.serialize_element(&Shorthand(to, *dual_stack))?;
                seq.end()
            }
            _ => s.collect_seq(self.argv()),
        }
    }
}

/// Gives `$LATEST` of the version's function the whole new VpcConfig.
pub fn update_command<'g>(g: &'g EniGraph, u: User, to: &Config<'g>) -> Command<'g> {
    Command::Update {
        function: &g.function(u).name,
        to: to.clone(),
        dual_stack: g.config(u).ipv6_dual_stack,
    }
}

pub fn delete_version_command<'g>(function: &'g str, version: &'g str) -> Command<'g> {
    Command::DeleteVersion { function, version }
}

pub fn delete_group_command(group: &str) -> Command<'_> {
    Command::DeleteGroup { group }
}
