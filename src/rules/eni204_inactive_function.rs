use super::*;
use crate::model::FunctionState;

pub static RULE: Rule = Rule {
    id: "ENI204",
    name: "inactive-function",
    severity: Severity::Warning,
    summary: "A VPC function is Inactive (ENIs reclaimed), or Failed/Pending with an ENI-related reason code",
    check,
};

/// Lambda's state and last-update reason codes that are about the function's ENIs.
const ENI_REASONS: &[(&str, &str)] = &[
    (
        "EniLimitExceeded",
        "the VPC has no room for another ENI (quota L-9FEE3D26, \"Elastic network interfaces per VPC\")",
    ),
    (
        "SubnetOutOfIPAddresses",
        "a subnet in its VpcConfig has no free IP address for the ENI",
    ),
    (
        "InsufficientRolePermissions",
        "the execution role may not create or describe network interfaces",
    ),
    ("InvalidSubnet", "a subnet in its VpcConfig does not exist or cannot be used"),
    (
        "InvalidSecurityGroup",
        "a security group in its VpcConfig does not exist or cannot be used",
    ),
];

fn eni_reason(code: Option<&String>) -> Option<(&'static str, &'static str)> {
    let code = code?;
    ENI_REASONS.iter().copied().find(|(c, _)| c == code)
}

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    let mut out = Vec::new();
    for u in g.users() {
        let Some(st) = g.version(u).state.as_ref() else { continue };
        let name = g.user_name(u);
        let origin = g.config(u).origin.clone();
        if let Some(f) = failed(&RULE, st, &name, origin.clone()) {
            out.push(f.users(g, [u]));
        } else if st.state.as_deref() == Some("Inactive") {
            out.push(
                Finding::new(
                    &RULE,
                    origin,
                    format!(
                        "{name} is Inactive: it was idle long enough for Lambda to reclaim its Hyperplane ENIs (AWS says only \"a long period of time\"); the next invocation fails and the function re-enters Pending until Lambda has recreated them, which can take several minutes"
                    ),
                    "if it is still needed, invoke it once before real traffic arrives (that call fails; wait for State=Active) or invoke it on a schedule (AWS documents no idle period to stay under); if not, delete it".to_string(),
                )
                .users(g, [u]),
            );
        }
    }
    out
}

/// `Failed`/`Pending`, or a failed last update, for a reason about ENIs: an error.
fn failed(rule: &Rule, st: &FunctionState, name: &str, origin: Origin) -> Option<Finding> {
    let state = st.state.as_deref().unwrap_or("");
    let (what, (code, why)) = if matches!(state, "Failed" | "Pending") && eni_reason(st.state_reason_code.as_ref()).is_some() {
        (format!("is {state}"), eni_reason(st.state_reason_code.as_ref())?)
    } else if st.last_update_status.as_deref() == Some("Failed") {
        (
            "had its last update fail".to_string(),
            eni_reason(st.last_update_reason_code.as_ref())?,
        )
    } else {
        return None;
    };
    Some(
        Finding::new(
            rule,
            origin,
            format!("{name} {what} with reason {code}: {why}; until that is fixed Lambda cannot create the ENI it needs"),
            match code {
                "EniLimitExceeded" => "remove needless combinations in the VPC (see ENI001-ENI006) or request a higher \"Elastic network interfaces per VPC\" quota, then update the function again",
                "SubnetOutOfIPAddresses" => "free addresses in the subnet, share combinations so fewer ENIs are needed, or use a larger subnet in the same AZ, then update the function again",
                "InsufficientRolePermissions" => "give the execution role ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces and ec2:DeleteNetworkInterface (for example the AWSLambdaVPCAccessExecutionRole managed policy), then update the function again",
                _ => "correct the VpcConfig to existing subnets and security groups of one VPC, then update the function again",
            }
            .to_string(),
        )
        .severity(Severity::Error),
    )
}
