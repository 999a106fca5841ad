//! A snapshot's function read straight into the model, for the fast path:
//! the derived schema would first build a `SnapFunction` with a list per
//! version and per ID list, only for `convert_function` to copy it.
//!
//! It accepts less than the schema does, never more: anything it does not
//! expect (an unknown or repeated key, a null where the schema allows one, a
//! struct written as an array)
//! is an error, and the loader then reads the file the slow way, through the
//! schema. The fuzz target checks that both give the same inventory.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

use super::convert::{state_to_model, version_origin, Interner};
use super::schema::{Entry, SnapState};
use crate::model::*;

/// Reads one function into the model.
pub(super) fn read_function<'de, D: Deserializer<'de>>(d: D, cx: &mut Context) -> Result<Function, D::Error> {
    let Context { ids, scratch } = cx;
    d.deserialize_map(FunctionVisitor { ids, scratch })
}

/// What a reading thread keeps from one element to the next: its interned
/// IDs, and lists reused so that each list in the model is allocated once,
/// at its length.
pub(super) struct Context {
    pub ids: Interner,
    scratch: Scratch,
}

impl Context {
    pub fn new() -> Self {
        Context {
            ids: Interner::with_capacity(INTERNED),
            scratch: Scratch::default(),
        }
    }
}

/// Each reading thread's interner starts with room for this many IDs.
const INTERNED: usize = 1024;

#[derive(Default)]
struct Scratch {
    versions: Vec<Version>,
    items: Vec<Item>,
}

const FUNCTION: &[&str] = &["name", "account", "region", "arn", "capacity_provider", "versions"];
const VERSION: &[&str] = &["version", "aliases", "vpc", "state"];
const VPC: &[&str] = &["subnet_ids", "security_group_ids", "vpc_id", "ipv6_allowed_for_dual_stack"];

/// The index of a key among `names`; an unknown key is an error.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a known field")
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<usize, E> {
        self.0.iter().position(|k| *k == v).ok_or_else(|| E::unknown_field(v, self.0))
    }
}

/// Marks key `i` seen; a repeated key is an error, as in the schema.
fn once<E: Error>(seen: &mut u8, i: usize, names: &'static [&'static str]) -> Result<(), E> {
    if *seen & (1 << i) != 0 {
        return Err(E::duplicate_field(names[i]));
    }
    *seen |= 1 << i;
    Ok(())
}

struct FunctionVisitor<'i> {
    ids: &'i mut Interner,
    scratch: &'i mut Scratch,
}

impl<'de> Visitor<'de> for FunctionVisitor<'_> {
    type Value = Function;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a function")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Function, A::Error> {
        let ids = self.ids;
        let mut seen = 0u8;
        let (mut name, mut account, mut region, mut arn, mut provider) = (None, None, None, None, None);
        let mut versions = None;
        while let Some(i) = map.next_key_seed(Key(FUNCTION))? {
            once(&mut seen, i, FUNCTION)?;
            match i {
                0 => name = Some(map.next_value::<Entry>()?),
                1 => account = Some(map.next_value::<Entry>()?),
                2 => region = Some(map.next_value::<Entry>()?),
                3 => arn = Some(map.next_value::<Entry>()?),
                4 => provider = Some(map.next_value::<Entry>()?),
                _ => {
                    let scratch = &mut *self.scratch;
                    let read = map.next_value_seed(Versions { ids, scratch })?;
                    versions = Some(read);
                }
            }
        }
        let name = name.ok_or_else(|| A::Error::missing_field("name"))?;
        let mut versions: ThinVec<Version> = versions.ok_or_else(|| A::Error::missing_field("versions"))?;
        let origin = Origin::resource(arn.as_deref().unwrap_or(&name));
        for v in &mut versions {
            if let Some(c) = &mut v.vpc {
                c.origin = version_origin(&origin, &v.version);
            }
        }
        Ok(Function {
            name: (*name).into(),
            account: ids.text(account.as_deref().unwrap_or("")),
            region: ids.text(region.as_deref().unwrap_or("")),
            origin,
            versions,
            capacity_provider: provider.map(|p| Box::new(ids.get(&p))),
            ..Default::default()
        })
    }
}

/// A function's versions; their VpcConfig origins are set by the function,
/// which may name its ARN after them.
struct Versions<'i> {
    ids: &'i mut Interner,
    scratch: &'i mut Scratch,
}

impl<'de> DeserializeSeed<'de> for Versions<'_> {
    type Value = ThinVec<Version>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Versions<'_> {
    type Value = ThinVec<Version>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of versions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Scratch { versions, items } = self.scratch;
        versions.clear();
        while let Some(v) = seq.next_element_seed(VersionSeed { ids: self.ids, items })? {
            versions.push(v);
        }
        Ok(exact(versions))
    }
}

struct VersionSeed<'i> {
    ids: &'i mut Interner,
    items: &'i mut Vec<Item>,
}

impl<'de> DeserializeSeed<'de> for VersionSeed<'_> {
    type Value = Version;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Version, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for VersionSeed<'_> {
    type Value = Version;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a version")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Version, A::Error> {
        let mut seen = 0u8;
        let (mut version, mut aliases, mut vpc, mut state) = (None, ThinVec::new(), None, None);
        while let Some(i) = map.next_key_seed(Key(VERSION))? {
            once(&mut seen, i, VERSION)?;
            match i {
                0 => version = Some(self.ids.text(&map.next_value::<Entry>()?)),
                1 => aliases = map.next_value::<Vec<Entry>>()?.iter().map(|a| a.to_string()).collect(),
                2 => {
                    let seed = VpcSeed {
                        ids: &mut *self.ids,
                        items: &mut *self.items,
                    };
                    vpc = Some(map.next_value_seed(seed)?);
                }
                _ => state = Some(state_to_model(map.next_value::<SnapState>()?)),
            }
        }
        Ok(Version {
            version: version.ok_or_else(|| A::Error::missing_field("version"))?,
            aliases,
            vpc,
            state,
        })
    }
}

struct VpcSeed<'i> {
    ids: &'i mut Interner,
    items: &'i mut Vec<Item>,
}

impl<'de> DeserializeSeed<'de> for VpcSeed<'_> {
    type Value = VpcConfig;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<VpcConfig, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for VpcSeed<'_> {
    type Value = VpcConfig;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a VPC configuration")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VpcConfig, A::Error> {
        let mut seen = 0u8;
        let (mut subnets, mut groups, mut vpc_id, mut dual_stack) = (None, None, None, None);
        while let Some(i) = map.next_key_seed(Key(VPC))? {
            once(&mut seen, i, VPC)?;
            match i {
                0 => {
                    subnets = Some(map.next_value_seed(Ids {
                        ids: &mut *self.ids,
                        items: &mut *self.items,
                    })?)
                }
                1 => {
                    groups = Some(map.next_value_seed(Ids {
                        ids: &mut *self.ids,
                        items: &mut *self.items,
                    })?)
                }
                2 => vpc_id = Some(map.next_value::<Entry>()?).filter(|v| !v.is_empty()).map(|v| self.ids.get(&v)),
                _ => dual_stack = Some(map.next_value::<bool>()?),
            }
        }
        Ok(VpcConfig {
            subnets: subnets.ok_or_else(|| A::Error::missing_field("subnet_ids"))?,
            security_groups: groups.ok_or_else(|| A::Error::missing_field("security_group_ids"))?,
            vpc_id,
            ipv6_dual_stack: dual_stack,
            origin: Origin::default(),
        })
    }
}

/// The scratch list's elements moved into a list of their own, allocated at its length.
fn exact<T>(scratch: &mut Vec<T>) -> ThinVec<T> {
    let mut out = ThinVec::with_capacity(scratch.len());
    out.extend(scratch.drain(..));
    out
}

/// A list of IDs, interned.
struct Ids<'i> {
    ids: &'i mut Interner,
    items: &'i mut Vec<Item>,
}

impl<'de> DeserializeSeed<'de> for Ids<'_> {
    type Value = ThinVec<Item>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Ids<'_> {
    type Value = ThinVec<Item>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of IDs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.items.clear();
        while let Some(id) = seq.next_element::<Entry>()? {
            self.items.push(Item::new(self.ids.get(&id)));
        }
        Ok(exact(self.items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::snapshot::convert::convert_function;
    use crate::source::snapshot::SnapFunction;

    fn direct(text: &str) -> Result<Function, serde_json::Error> {
        read_function(&mut serde_json::Deserializer::from_str(text), &mut Context::new())
    }

    fn schema(text: &str) -> Result<Function, serde_json::Error> {
        let f: SnapFunction = serde_json::from_str(text)?;
        Ok(convert_function(f, &mut Interner::default()))
    }

    #[test]
    fn reads_what_the_schema_reads_in_any_order() {
        let texts = [
            r#"{"versions":[{"vpc":{"security_group_ids":["sg-1"],"subnet_ids":["subnet-\u0031","subnet-2"],"vpc_id":"vpc-1",
                "ipv6_allowed_for_dual_stack":true},"version":"3","aliases":["live","blue"],
                "state":{"state":"Inactive","last_update_status":"Failed"}},{"version":"$LATEST","vpc":{"subnet_ids":[],"security_group_ids":[],"vpc_id":""}}],
               "arn":"arn:aws:lambda:eu-west-1:1:function:f","name":"f","region":"eu-west-1","account":"1","capacity_provider":"cp"}"#,
            r#"{"name":"g","versions":[]}"#,
            r#"{"name":"h","versions":[{"version":"$LATEST"}]}"#,
        ];
        for text in texts {
            assert_eq!(
                format!("{:?}", direct(text).unwrap()),
                format!("{:?}", schema(text).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_the_schema_refuses_and_some_it_reads() {
        let refused_by_both = [
            r#"{"versions":[]}"#,
            r#"{"name":"f"}"#,
            r#"{"name":"f","versions":[],"other":1}"#,
            r#"{"name":"f","name":"g","versions":[]}"#,
            r#"{"name":"f","versions":[{"version":"1","version":"2"}]}"#,
            r#"{"name":"f","versions":[{}]}"#,
            r#"{"name":"f","versions":[{"version":"1","vpc":{"subnet_ids":["s"]}}]}"#,
            r#"{"name":"f","versions":[{"version":"1","vpc":{"subnet_ids":[1],"security_group_ids":[]}}]}"#,
            r#"{"name":1,"versions":[]}"#,
        ];
        for text in refused_by_both {
            assert!(schema(text).is_err(), "{text}");
            assert!(direct(text).is_err(), "{text}");
        }
        // Read by the schema, left to it: the loader falls back.
        for text in [
            r#"{"name":"f","arn":null,"versions":[]}"#,
            r#"{"name":"f","versions":[{"version":"1","vpc":null}]}"#,
            r#"["f","","",null,null,[]]"#,
        ] {
            assert!(schema(text).is_ok(), "{text}");
            assert!(direct(text).is_err(), "{text}");
        }
    }
}
