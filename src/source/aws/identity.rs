//! Who the credentials belong to: STS `GetCallerIdentity`.

use aws_sdk_sts::Client;

use super::errors::describe;

pub(crate) async fn account_id(client: &Client) -> Result<String, String> {
    let out = client.get_caller_identity().send().await.map_err(|e| describe(&e))?;
    out.account()
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or_else(|| "GetCallerIdentity returned no account".to_string())
}

/// The account a role ARN lives in (`arn:aws:iam::123456789012:role/x`), used
/// to name an account whose role could not be assumed.
pub(crate) fn role_account(role_arn: &str) -> Option<&str> {
    role_arn.split(':').nth(4).filter(|a| !a.is_empty())
}
