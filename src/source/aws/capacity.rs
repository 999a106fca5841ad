//! Lambda Managed Instances: the region's capacity providers, from
//! `ListCapacityProviders` (every page). Each item carries the provider's
//! `VpcConfig`, `CapacityProviderScalingConfig` and `InstanceRequirements`,
//! so no `GetCapacityProvider` call is needed.
//!
//! An endpoint that does not know the operation (HTTP 404 with no service
//! error code, or `UnknownOperationException`) offers no capacity providers:
//! that is a note, not a gap. Moto answers so, and so, presumably, would a
//! region without Lambda Managed Instances (AWS does not document that
//! answer). Every other failure is a gap: unreadable is never "none".

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::list_capacity_providers::ListCapacityProvidersError;
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use super::errors::describe;
use super::lambda::items;
use super::progress::Progress;
use crate::model::{CapacityProvider, Origin, VpcConfig};

/// Why the providers could not be listed.
pub(crate) enum Unread {
    /// The endpoint has no such operation: there are no providers to read.
    NotOffered(String),
    Failed(String),
}

/// Every capacity provider of the region.
pub(crate) async fn list(client: &Client, account: &str, region: &str, progress: &Progress) -> Result<Vec<CapacityProvider>, Unread> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_capacity_providers()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| unread(&e))?;
        progress.page();
        for p in page.capacity_providers() {
            out.push(provider(p, account, region));
        }
        match page.next_marker().filter(|m| !m.is_empty()) {
            Some(m) if marker.as_deref() == Some(m) => {
                return Err(Unread::Failed(format!("pagination did not advance (marker {m} repeated)")));
            }
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn unread(e: &SdkError<ListCapacityProvidersError, HttpResponse>) -> Unread {
    match e.raw_response().map(|r| r.status().as_u16()) {
        Some(status) if not_offered(status, e.code()) => Unread::NotOffered(match e.code() {
            Some(_) => describe(e),
            None => format!("HTTP {status} with no service error code"),
        }),
        _ => Unread::Failed(describe(e)),
    }
}

/// An answer that says the endpoint has no such operation.
fn not_offered(status: u16, code: Option<&str>) -> bool {
    match code {
        None => status == 404,
        Some(c) => c == "UnknownOperationException" || c == "UnknownOperation",
    }
}

/// The model's provider: its name, its ARN as the resource, its VPC
/// configuration, and the bounds on its instances when set.
fn provider(p: &aws_sdk_lambda::types::CapacityProvider, account: &str, region: &str) -> CapacityProvider {
    let arn = p.capacity_provider_arn();
    let name = arn.rsplit_once(":capacity-provider:").map_or(arn, |(_, n)| n);
    let origin = Origin::resource(arn);
    let vpc = p
        .vpc_config()
        .map(|c| VpcConfig {
            subnets: items(c.subnet_ids()),
            security_groups: items(c.security_group_ids()),
            vpc_id: None,
            ipv6_dual_stack: None,
            origin: origin.clone(),
        })
        .unwrap_or_else(|| VpcConfig {
            origin: origin.clone(),
            ..Default::default()
        });
    CapacityProvider {
        name: name.to_string(),
        account: account.to_string(),
        region: region.to_string(),
        origin,
        vpc,
        max_vcpus: p
            .capacity_provider_scaling_config()
            .and_then(|s| s.max_v_cpu_count())
            .and_then(|n| u64::try_from(n).ok()),
        instance_types: p
            .instance_requirements()
            .map(|r| r.allowed_instance_types().to_vec())
            .unwrap_or_default(),
        // Functions name it by ARN, which matches the provider's name without an `id`.
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::not_offered;

    #[test]
    fn only_an_unknown_operation_is_not_offered() {
        assert!(not_offered(404, None));
        assert!(not_offered(400, Some("UnknownOperationException")));
        assert!(!not_offered(404, Some("ResourceNotFoundException")));
        assert!(!not_offered(403, Some("AccessDeniedException")));
        assert!(!not_offered(403, None));
        assert!(!not_offered(500, None));
    }
}
