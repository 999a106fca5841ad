//! The SDK clients one (account, region) scope uses, and where they come
//! from: the standard credential chain (aws-config), optionally through an
//! assumed role. Tests inject their own clients through [`ClientFactory`].

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_sdk_lambda::config::{Credentials, SharedCredentialsProvider};

use super::errors::describe;
use super::stats::Stats;
use super::AwsOptions;

/// Whose credentials a scope uses: the caller's own, or an assumed role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub role_arn: Option<String>,
}

impl Target {
    pub fn own() -> Self {
        Target { role_arn: None }
    }

    pub fn role(arn: impl Into<String>) -> Self {
        Target {
            role_arn: Some(arn.into()),
        }
    }
}

/// The four clients the collector calls, all for one region.
#[derive(Clone, Debug)]
pub struct Clients {
    pub sts: aws_sdk_sts::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub quotas: aws_sdk_servicequotas::Client,
}

impl Clients {
    /// Clients from a loaded SDK configuration, for `region`.
    pub fn from_sdk_config(conf: &SdkConfig, region: &str) -> Self {
        let region = Region::new(region.to_string());
        Clients {
            sts: aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(conf).region(region.clone()).build()),
            lambda: aws_sdk_lambda::Client::from_conf(aws_sdk_lambda::config::Builder::from(conf).region(region.clone()).build()),
            ec2: aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(conf).region(region.clone()).build()),
            quotas: aws_sdk_servicequotas::Client::from_conf(aws_sdk_servicequotas::config::Builder::from(conf).region(region).build()),
        }
    }

    /// The same clients with the API-call counter installed.
    pub(crate) fn instrumented(&self, stats: &Stats) -> Self {
        Clients {
            sts: aws_sdk_sts::Client::from_conf(self.sts.config().to_builder().interceptor(stats.interceptor()).build()),
            lambda: aws_sdk_lambda::Client::from_conf(self.lambda.config().to_builder().interceptor(stats.interceptor()).build()),
            ec2: aws_sdk_ec2::Client::from_conf(self.ec2.config().to_builder().interceptor(stats.interceptor()).build()),
            quotas: aws_sdk_servicequotas::Client::from_conf(self.quotas.config().to_builder().interceptor(stats.interceptor()).build()),
        }
    }
}

/// Makes the clients for a target in a region. The collector installs its
/// API-call counter on whatever comes back.
pub trait ClientFactory: Send + Sync {
    fn clients(&self, target: &Target, region: &str) -> Clients;

    /// The region the credential chain configures (`AWS_REGION`, profile), used
    /// when no `--region` is given.
    fn configured_region(&self) -> Option<String> {
        None
    }

    /// An Organizations client with the caller's own credentials (`--org`);
    /// `None` when this factory has none.
    fn organizations(&self, _region: &str) -> Option<aws_sdk_organizations::Client> {
        None
    }
}

/// The real thing: aws-config's default chain (env, profile, SSO, IMDS,
/// containers), `--profile`, `--endpoint-url` (and `AWS_ENDPOINT_URL`, which
/// aws-config reads itself), the SDK's retry settings, and one `AssumeRoleProvider` per
/// `--role-arn`.
pub struct SdkFactory {
    base: SdkConfig,
    roles: BTreeMap<String, SdkConfig>,
}

impl SdkFactory {
    pub async fn load(opts: &AwsOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let base = loader.load().await;
        let home = opts
            .regions
            .first()
            .cloned()
            .or_else(|| base.region().map(|r| r.to_string()))
            .unwrap_or_else(|| "us-east-1".to_string());
        let mut roles = BTreeMap::new();
        for arn in &opts.role_arns {
            if roles.contains_key(arn) {
                continue;
            }
            let mut builder = AssumeRoleProvider::builder(arn.clone())
                .session_name(opts.session_name.clone().unwrap_or_else(|| "eniplan-audit".to_string()))
                .region(Region::new(home.clone()))
                .configure(&base);
            if let Some(id) = &opts.external_id {
                builder = builder.external_id(id.clone());
            }
            let provider = builder.build().await;
            let conf = base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
            roles.insert(arn.clone(), conf);
        }
        SdkFactory { base, roles }
    }
}

impl ClientFactory for SdkFactory {
    fn clients(&self, target: &Target, region: &str) -> Clients {
        let conf = target.role_arn.as_ref().and_then(|r| self.roles.get(r)).unwrap_or(&self.base);
        Clients::from_sdk_config(conf, region)
    }

    fn configured_region(&self) -> Option<String> {
        self.base.region().map(|r| r.to_string())
    }

    fn organizations(&self, region: &str) -> Option<aws_sdk_organizations::Client> {
        let conf = aws_sdk_organizations::config::Builder::from(&self.base).region(Region::new(region.to_string()));
        Some(aws_sdk_organizations::Client::from_conf(conf.build()))
    }
}

/// How long before STS's expiry assumed-role credentials are renewed: a page
/// signed just before the expiry, or retried after a backoff, still reaches
/// AWS with a valid token.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// A role assumed with the caller's STS client (`--org`), renewed by assuming
/// it again before the session ends, so an account whose reads outlast the
/// session (an hour by default) is still read in full. Every client of the
/// account shares one, so a run shorter than the session assumes the role once.
pub(super) struct AssumedRole {
    sts: aws_sdk_sts::Client,
    arn: String,
    session: String,
    external_id: Option<String>,
    current: tokio::sync::Mutex<Credentials>,
}

impl AssumedRole {
    /// Assumes the role a first time: an error means it cannot be assumed at all.
    pub(super) async fn new(sts: aws_sdk_sts::Client, arn: String, session: String, external_id: Option<String>) -> Result<Self, String> {
        let first = assume(&sts, &arn, &session, external_id.as_deref()).await?;
        Ok(AssumedRole {
            sts,
            arn,
            session,
            external_id,
            current: tokio::sync::Mutex::new(first),
        })
    }

    /// The credentials while they last, else freshly assumed ones. The lock
    /// is held across the call, so concurrent requests renew once.
    async fn fresh(&self) -> Result<Credentials, String> {
        let mut current = self.current.lock().await;
        // The SDK's clock: the one it signs with.
        let now = self.sts.config().time_source().map_or_else(SystemTime::now, |t| t.now());
        if current.expiry().is_none_or(|e| e > now) {
            return Ok(current.clone());
        }
        *current = assume(&self.sts, &self.arn, &self.session, self.external_id.as_deref()).await?;
        Ok(current.clone())
    }
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole").field("arn", &self.arn).finish_non_exhaustive()
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move { self.fresh().await.map_err(CredentialsError::provider_error) })
    }
}

/// STS `AssumeRole`. The credentials say they expire [`RENEW_BEFORE`] ahead
/// of STS's expiry, so whatever caches them (the SDK's identity cache, too)
/// asks for new ones in time.
async fn assume(sts: &aws_sdk_sts::Client, arn: &str, session: &str, external_id: Option<&str>) -> Result<Credentials, String> {
    let out = sts
        .assume_role()
        .role_arn(arn)
        .role_session_name(session)
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let c = out.credentials().ok_or("AssumeRole returned no credentials")?;
    let expiry = SystemTime::try_from(*c.expiration())
        .ok()
        .map(|e| e.checked_sub(RENEW_BEFORE).unwrap_or(e));
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "eniplan-org",
    ))
}
