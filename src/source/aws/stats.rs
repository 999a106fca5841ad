//! API-call accounting: an SDK interceptor installed on every client the
//! collector uses. It counts executions (one per API call, whatever the
//! retries) and attempts (every HTTP request, retries included), and records
//! each operation under its IAM action name (`lambda:ListFunctions`), which is
//! what the IAM-policy test checks against `iam-policy.json`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_lambda::config::ConfigBag;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

#[derive(Debug, Default)]
struct Inner {
    calls: AtomicU64,
    attempts: AtomicU64,
    by_operation: Mutex<BTreeMap<String, u64>>,
}

/// Shared counters; clones count into the same totals.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    inner: Arc<Inner>,
}

impl Stats {
    pub fn new() -> Self {
        Self::default()
    }

    /// API calls (executions), not counting retries.
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// HTTP attempts, retries included.
    pub fn attempts(&self) -> u64 {
        self.inner.attempts.load(Ordering::Relaxed)
    }

    /// Calls per IAM action name.
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        self.inner.by_operation.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Records an operation the collector causes outside its own clients
    /// (`sts:AssumeRole`, made by the credentials provider). Not counted as
    /// an API call of the audit itself.
    pub fn record_external(&self, action: &str) {
        if let Ok(mut m) = self.inner.by_operation.lock() {
            m.entry(action.to_string()).or_insert(0);
        }
    }

    pub fn interceptor(&self) -> StatsInterceptor {
        StatsInterceptor { stats: self.clone() }
    }
}

/// The interceptor half of [`Stats`].
#[derive(Debug, Clone)]
pub struct StatsInterceptor {
    stats: Stats,
}

/// The IAM action name for an SDK service/operation pair.
pub fn iam_action(service: &str, operation: &str) -> String {
    let prefix = match service {
        "Lambda" => "lambda".to_string(),
        "EC2" => "ec2".to_string(),
        "STS" => "sts".to_string(),
        "Service Quotas" => "servicequotas".to_string(),
        other => other.to_ascii_lowercase().replace(' ', ""),
    };
    format!("{prefix}:{operation}")
}

fn action(cfg: &ConfigBag) -> String {
    match cfg.load::<Metadata>() {
        Some(m) => iam_action(m.service(), m.name()),
        None => "unknown:unknown".to_string(),
    }
}

impl Intercept for StatsInterceptor {
    fn name(&self) -> &'static str {
        "eniplan-api-stats"
    }

    // Once per execution. (`read_before_execution` runs for client-level
    // interceptors before the operation's metadata is in the config bag.)
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let inner = &self.stats.inner;
        inner.calls.fetch_add(1, Ordering::Relaxed);
        let action = action(cfg);
        crate::timing::event(|| format!("{action} sent"));
        if let Ok(mut m) = inner.by_operation.lock() {
            *m.entry(action).or_insert(0) += 1;
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        crate::timing::event(|| format!("{} answered", action(cfg)));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.stats.inner.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}
