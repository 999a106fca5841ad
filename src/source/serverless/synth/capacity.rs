//! Lambda Managed Instances in serverless.yml, as the Framework documents them
//! ("AWS Lambda Managed Instances" guide): `provider.capacityProviders.<name>`
//! with an optional `vpc` (else `provider.vpc`) and `scaling.maxVCpuCount`, and
//! `functions.<f>.capacityProvider: <name>`. `default` names a provider the
//! Framework creates with `provider.vpc` and no vCPU limit. They compile to
//! `AWS::Lambda::CapacityProvider` resources and `CapacityProviderConfig`.

use super::{capitalise, Defaults, Discovered, Reader};
use crate::error::InputError;
use crate::source::doc::{Key, Kind, Node};
use crate::source::serverless::vpc::key;

/// The logical ID eniplan gives a provider; what the Framework names it is not documented.
fn logical_id(name: &str) -> String {
    format!("{}CapacityProvider", capitalise(&name.replace(['-', '_'], "")))
}

/// One resource per provider in `provider.capacityProviders`, plus `default`
/// when a function names it and the section does not define it.
pub(super) fn providers(
    rd: &mut Reader,
    root: &Node,
    defaults: &Defaults,
    functions: &[(Key, Node)],
) -> Result<Vec<(Key, Node)>, InputError> {
    let provider = rd.section(root, "provider")?;
    let section = match provider.as_ref().and_then(|p| p.entry("capacityProviders")) {
        Some((k, v)) => Some((k.clone(), rd.shallow(v)?)),
        None => None,
    };
    let mut declared: Vec<(Key, Node)> = match &section {
        Some((_, v)) if matches!(v.kind, Kind::Null) => vec![],
        Some((_, v)) => v
            .entries()
            .ok_or_else(|| {
                rd.type_err(
                    v,
                    "provider.capacityProviders",
                    "a mapping of capacity provider names to their settings",
                )
            })?
            .to_vec(),
        None => vec![],
    };
    let wants_default = functions
        .iter()
        .any(|(_, f)| f.get("capacityProvider").and_then(Node::as_str) == Some("default"));
    if wants_default && !declared.iter().any(|(k, _)| k.name == "default") {
        let at = functions
            .iter()
            .find_map(|(_, f)| f.entry("capacityProvider").filter(|(_, v)| v.as_str() == Some("default")))
            .map(|(k, _)| k.clone())
            .expect("a function names it");
        declared.push((
            Key {
                name: "default".into(),
                span: at.span.clone(),
            },
            Node::new(at.span, Kind::Map(vec![])),
        ));
    }
    let mut out = Vec::new();
    for (k, v) in declared {
        let cp = rd.shallow(&v)?;
        if cp.entries().is_none() && !matches!(cp.kind, Kind::Null) {
            return Err(rd.type_err(
                &cp,
                &format!("provider.capacityProviders.{}", k.name),
                "a mapping (vpc, scaling, …)",
            ));
        }
        let label = format!("provider.capacityProviders.{}", k.name);
        let own = rd.own_vpc(&cp, &label)?;
        let vpc_span = cp.entry("vpc").map(|(vk, _)| vk.span.clone()).unwrap_or_else(|| k.span.clone());
        let vpc = rd.vpc_config(&label, own, Discovered::default(), defaults.provider_vpc.as_ref())?;
        let s = k.span.clone();
        let mut props = vec![];
        if let Some(c) = vpc {
            props.push((
                Key {
                    name: "VpcConfig".into(),
                    span: vpc_span,
                },
                c,
            ));
        }
        let scaling = match cp.get("scaling") {
            Some(n) => Some(rd.deep(n)?),
            None => None,
        };
        if let Some(max) = scaling.as_ref().and_then(|n| n.entry("maxVCpuCount")) {
            let cfg = Node::new(s.clone(), Kind::Map(vec![(key("MaxVCpuCount", &max.0.span), max.1.clone())]));
            props.push((key("CapacityProviderScalingConfig", &s), cfg));
        }
        let resource = Node::new(
            s.clone(),
            Kind::Map(vec![
                (
                    key("Type", &s),
                    Node::new(s.clone(), Kind::Str("AWS::Lambda::CapacityProvider".into())),
                ),
                (key("Properties", &s), Node::new(s.clone(), Kind::Map(props))),
            ]),
        );
        out.push((key(&logical_id(&k.name), &s), resource));
    }
    Ok(out)
}

/// `capacityProvider: <name>` (or an ARN) as the compiled function's `CapacityProviderConfig`.
pub(super) fn attach(rd: &mut Reader, f: &Node, resource: &mut (Key, Node)) -> Result<(), InputError> {
    let Some((k, v)) = f.entry("capacityProvider") else { return Ok(()) };
    let v = rd.shallow(v)?;
    let s = k.span.clone();
    let arn = match v.as_str() {
        Some(a) if a.starts_with("arn:") => Node::new(v.span.clone(), Kind::Str(a.to_string())),
        Some(name) => Node::new(
            v.span.clone(),
            Kind::Map(vec![(key("Ref", &s), Node::new(v.span.clone(), Kind::Str(logical_id(name))))]),
        ),
        None => {
            return Err(rd.type_err(
                &v,
                "capacityProvider",
                "the name of a provider in provider.capacityProviders, or `default`",
            ))
        }
    };
    let inner = Node::new(s.clone(), Kind::Map(vec![(key("CapacityProviderArn", &s), arn)]));
    let config = Node::new(
        s.clone(),
        Kind::Map(vec![(key("LambdaManagedInstancesCapacityProviderConfig", &s), inner)]),
    );
    if let Kind::Map(entries) = &mut resource.1.kind {
        if let Some((
            _,
            Node {
                kind: Kind::Map(props), ..
            },
        )) = entries.iter_mut().find(|(k, _)| k.name == "Properties")
        {
            props.push((key("CapacityProviderConfig", &s), config));
        }
    }
    Ok(())
}
