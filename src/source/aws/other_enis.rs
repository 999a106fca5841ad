//! The other ENIs in the VPCs a region's functions use: EFS mount targets,
//! VPC endpoints, load balancers, RDS, instances… They share the quota
//! "Elastic network interfaces per VPC" (L-9FEE3D26) with Lambda's.
//!
//! `DescribeNetworkInterfaces` filtered by `vpc-id` (at most [`ec2::BATCH`]
//! VPCs a request, every page), read with the VPC's subnets and groups, so it
//! overlaps the function listing. It returns Lambda's ENIs too; those are
//! already read region-wide (an orphan may sit in a VPC no function uses) and
//! are left out here, so nothing is counted twice.

use std::collections::BTreeMap;

use aws_sdk_ec2::Client;

use super::ec2;
use super::progress::Progress;

/// Non-Lambda ENIs per VPC, for every VPC asked about (0 when it has none).
/// An error means none of the batch is known: never read as zero.
pub(crate) async fn count_by_vpc(client: &Client, vpcs: &[String], progress: &Progress) -> Result<BTreeMap<String, u64>, String> {
    let mut counts: BTreeMap<String, u64> = vpcs.iter().map(|v| (v.clone(), 0)).collect();
    let pages = |batch: &[String]| {
        client
            .describe_network_interfaces()
            .filters(ec2::filter("vpc-id", batch))
            .max_results(ec2::MAX_RESULTS)
            .into_paginator()
            .send()
    };
    ec2::describe_in_batches(vpcs, progress, pages, |page| {
        for n in page.network_interfaces().iter().filter(|n| !ec2::is_lambda(n)) {
            if let Some(count) = n.vpc_id().and_then(|v| counts.get_mut(v)) {
                *count += 1;
            }
        }
    })
    .await?;
    Ok(counts)
}
