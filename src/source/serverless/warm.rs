//! Environments a serverless.yml keeps warm.
//!
//! - `provisionedConcurrency` on a function: the Framework publishes a
//!   version and puts the setting on an alias named `provisioned`
//!   (lib/plugins/aws/lib/naming.js, `getLambdaProvisionedConcurrencyAliasName`).
//! - serverless-plugin-warmup, when listed: each warmer `custom.warmup.<name>`
//!   enabled for the function (its own `warmup.<name>` over the warmer's;
//!   `enabled` is off by default, `concurrency` is 1) invokes the function's
//!   `alias`, else the unqualified function (src/config.js, src/warmer.js).

use super::synth::is_enabled;
use super::variables::symbol_expr;
use super::vpc::Reader;
use crate::error::InputError;
use crate::files::FileId;
use crate::model::{Function, Origin, Warm, WarmBy};
use crate::source::doc::{Key, Kind, Node, Span};

/// The Framework's alias for `provisionedConcurrency`.
const PROVISIONED_ALIAS: &str = "provisioned";

/// One warm setting, before the function is in the inventory.
pub(crate) struct WarmSetting {
    /// The function's name in serverless.yml.
    pub function: String,
    pub qualifier: String,
    pub environments: Option<u32>,
    pub by: WarmBy,
    /// Where it is written, and the resource to name.
    pub span: Span,
    pub resource: String,
}

/// Every function's warm settings. `warmup` is `custom` when the plugin is listed.
pub(super) fn settings(
    rd: &mut Reader,
    functions: &[(Key, Node)],
    warmup: Option<&Node>,
    stage: &str,
) -> Result<Vec<WarmSetting>, InputError> {
    let mut out = Vec::new();
    let warmers = match warmup.and_then(|c| c.get("warmup")) {
        Some(w) => rd.deep(w)?,
        None => Node::new(0..0, Kind::Null),
    };
    for (key, f) in functions {
        if let Some((k, v)) = f.entry("provisionedConcurrency") {
            let v = rd.deep(v)?;
            let environments = match count(&v) {
                Count::Known(0) | Count::Absent => None,
                Count::Known(n) => Some(Some(n)),
                Count::Unresolved => Some(None),
            };
            if let Some(environments) = environments {
                out.push(WarmSetting {
                    function: key.name.clone(),
                    qualifier: PROVISIONED_ALIAS.into(),
                    environments,
                    by: WarmBy::ProvisionedConcurrency,
                    span: k.span.clone(),
                    resource: alias_logical_id(&key.name),
                });
            }
        }
        let own = match f.get("warmup") {
            Some(w) => rd.deep(w)?,
            None => Node::new(0..0, Kind::Null),
        };
        for (wkey, wconf) in warmers.entries().unwrap_or(&[]) {
            let mine = own.entry(&wkey.name);
            let setting = |name: &str| mine.and_then(|(_, m)| m.get(name)).or_else(|| wconf.get(name));
            if !is_enabled(setting("enabled"), stage) {
                continue;
            }
            let environments = match setting("concurrency").map(count) {
                None | Some(Count::Absent) => Some(1),
                Some(Count::Known(n)) => Some(n),
                Some(Count::Unresolved) => None,
            };
            let qualifier = match setting("alias").map(|a| (a.as_str(), symbol_expr(a))) {
                Some((Some(a), _)) => a.to_string(),
                Some((None, Some((expr, _)))) => expr,
                _ => "$LATEST".to_string(),
            };
            let span = mine.map_or_else(|| wkey.span.clone(), |(k, _)| k.span.clone());
            out.push(WarmSetting {
                function: key.name.clone(),
                qualifier,
                environments,
                by: WarmBy::Warmer,
                span,
                resource: format!("custom.warmup.{}", wkey.name),
            });
        }
    }
    Ok(out)
}

enum Count {
    Known(u32),
    Unresolved,
    Absent,
}

/// A count as written: a number, a numeric string, or a variable eniplan cannot resolve.
fn count(n: &Node) -> Count {
    if symbol_expr(n).is_some() {
        return Count::Unresolved;
    }
    match &n.kind {
        Kind::Number(s) | Kind::Str(s) => s.trim().parse().map_or(Count::Unresolved, Count::Known),
        _ => Count::Absent,
    }
}

/// The Framework's logical ID for the alias: `hello` → `HelloProvConcLambdaAlias`.
fn alias_logical_id(function: &str) -> String {
    let id = super::synth::logical_id(function);
    format!("{}ProvConcLambdaAlias", id.trim_end_matches("LambdaFunction"))
}

/// Puts each setting on the function of that name.
pub(super) fn attach(file_id: FileId, settings: Vec<WarmSetting>, functions: &mut [Function]) {
    for s in settings {
        if let Some(f) = functions.iter_mut().find(|f| *f.name == *s.function) {
            f.warm.push(Warm {
                qualifier: s.qualifier,
                environments: s.environments,
                by: s.by,
                origin: Origin::in_file(&s.resource, file_id, s.span),
            });
        }
    }
}
