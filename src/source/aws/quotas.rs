//! Service Quotas: "Elastic network interfaces per VPC" (Lambda, `L-9FEE3D26`).

use aws_sdk_servicequotas::Client;

use super::errors::describe;

pub(crate) const SERVICE_CODE: &str = "lambda";
pub(crate) const ENI_PER_VPC: &str = "L-9FEE3D26";

/// The applied quota for the region, or why it could not be read (the caller
/// then uses the documented default, 250, and marks it as such).
pub(crate) async fn eni_per_vpc(client: &Client) -> Result<u32, String> {
    let out = client
        .get_service_quota()
        .service_code(SERVICE_CODE)
        .quota_code(ENI_PER_VPC)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let value = out
        .quota()
        .and_then(|q| q.value())
        .ok_or_else(|| "the response has no quota value".to_string())?;
    if value.is_finite() && value >= 0.0 && value <= f64::from(u32::MAX) {
        Ok(value as u32)
    } else {
        Err(format!("unusable quota value {value}"))
    }
}
