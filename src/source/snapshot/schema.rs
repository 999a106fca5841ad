//! The snapshot file's schema. Strings borrow from the file's bytes; the
//! model's enums and account facts (`Egress`, `Direction`, `QuotaSource`,
//! `Scope`, `Gap`) are written with their own serde names.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::model::{Direction, Egress, Gap, QuotaSource, Scope};

/// Strings borrow from the file's bytes when they have no escapes.
pub type Str<'a> = Cow<'a, str>;

/// A string in a list, borrowed from the file's bytes when it has no escapes.
/// A plain `Cow<str>` is borrowed only as a field marked `borrow`; in a list
/// serde copies each one.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Entry<'a>(pub Str<'a>);

impl std::ops::Deref for Entry<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Entry<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(Text).map(Entry)
    }
}

/// `F` and `E` are how functions and ENIs are read: in full, or not at all
/// when the loader has read those arrays itself (`load`, `chunked`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "F: Deserialize<'de>, E: Deserialize<'de>"))]
pub struct Snapshot<'a, F = SnapFunction<'a>, E = SnapEni<'a>> {
    pub eniplan_snapshot: u32,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Str<'a>>,
    /// Every (account, region) the inventory covers.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// The names AWS Organizations gives the accounts (format 3 on; `--org` audits).
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<SnapAccount<'a>>,
    #[serde(default = "Vec::new")]
    pub functions: Vec<F>,
    #[serde(borrow, default)]
    pub subnets: Vec<SnapSubnet<'a>>,
    #[serde(borrow, default)]
    pub security_groups: Vec<SnapSecurityGroup<'a>>,
    #[serde(borrow, default)]
    pub vpcs: Vec<SnapVpc<'a>>,
    #[serde(default = "Vec::new")]
    pub enis: Vec<E>,
    /// Lambda Managed Instances capacity providers (format 2 on).
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_providers: Vec<SnapCapacityProvider<'a>>,
    #[serde(default)]
    pub incomplete: Vec<Gap>,
    #[serde(default)]
    pub api_calls: u64,
    /// Known values of variables the account holds, e.g. `"ssm:/net/lambda-sg": "sg-123"`:
    /// `check --against` uses them to resolve `${ssm:…}` and SSM parameter types.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub values: std::collections::BTreeMap<String, String>,
}

/// An account and the name AWS Organizations gives it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapAccount<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow)]
    pub name: Str<'a>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapFunction<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow, default)]
    pub account: Str<'a>,
    #[serde(borrow, default)]
    pub region: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<Str<'a>>,
    /// The ARN of the capacity provider it runs on (format 2 on).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<Str<'a>>,
    #[serde(borrow)]
    pub versions: Vec<SnapVersion<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVersion<'a> {
    #[serde(borrow)]
    pub version: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Entry<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<SnapVpcConfig<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SnapState<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpcConfig<'a> {
    #[serde(borrow)]
    pub subnet_ids: Vec<Entry<'a>>,
    #[serde(borrow)]
    pub security_group_ids: Vec<Entry<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapState<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapSubnet<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_ip_address_count: Option<u64>,
    #[serde(default)]
    pub egress: Egress,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapSecurityGroup<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(default)]
    pub is_default: bool,
    /// `null` or absent: rules unknown.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<SnapRule<'a>>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapRule<'a> {
    pub direction: Direction,
    #[serde(borrow)]
    pub protocol: Str<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpc<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quota: Option<u32>,
    /// Absent or unknown: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quota_source: Option<QuotaSource>,
    /// ENIs in the VPC that are not Lambda's Hyperplane ENIs; absent: not counted (format 2 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_enis: Option<u64>,
}

/// A capacity provider: where Lambda launches its instances, and what bounds them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapCapacityProvider<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow, default)]
    pub account: Str<'a>,
    #[serde(borrow, default)]
    pub region: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<Str<'a>>,
    #[serde(borrow)]
    pub subnet_ids: Vec<Entry<'a>>,
    #[serde(borrow)]
    pub security_group_ids: Vec<Entry<'a>>,
    /// `CapacityProviderScalingConfig.MaxVCpuCount`; absent: not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_vcpu_count: Option<u64>,
    /// `InstanceRequirements.AllowedInstanceTypes`; empty: every compatible type.
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_instance_types: Vec<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapEni<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default)]
    pub account: Str<'a>,
    #[serde(borrow, default)]
    pub region: Str<'a>,
    #[serde(borrow)]
    pub subnet_id: Str<'a>,
    #[serde(borrow)]
    pub security_group_ids: Vec<Entry<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub status: Str<'a>,
    #[serde(borrow, default)]
    pub description: Str<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entries_borrow_from_the_file_unless_escaped() {
        let list: Vec<Entry> = serde_json::from_str(r#"["sg-1", "sg-\u0032"]"#).unwrap();
        assert!(matches!(list[0].0, Cow::Borrowed("sg-1")));
        assert!(matches!(&list[1].0, Cow::Owned(s) if s == "sg-2"));
        let wrong = serde_json::from_str::<Vec<Entry>>("[1]").unwrap_err().to_string();
        let plain = serde_json::from_str::<Vec<Cow<str>>>("[1]").unwrap_err().to_string();
        assert_eq!(wrong, plain);
    }

    #[test]
    fn quota_sources_read_back_by_name_and_unknown_names_mean_default() {
        let cases = [
            ("service_quotas", QuotaSource::ServiceQuotas),
            ("config", QuotaSource::Config),
            ("default", QuotaSource::Default),
            ("guessed", QuotaSource::Default),
        ];
        for (name, want) in cases {
            let text = format!(r#"{{"id": "vpc-1", "eni_quota_source": "{name}"}}"#);
            let vpc: SnapVpc = serde_json::from_str(&text).unwrap();
            assert_eq!(vpc.eni_quota_source, Some(want), "{name}");
        }
        let vpc: SnapVpc = serde_json::from_str(r#"{"id": "vpc-1", "eni_quota_source": null}"#).unwrap();
        assert_eq!(vpc.eni_quota_source, None);
        assert_eq!(serde_json::to_string(&QuotaSource::ServiceQuotas).unwrap(), r#""service_quotas""#);
    }
}
