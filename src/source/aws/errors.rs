//! Turning SDK errors into the one-line text a gap carries. Error texts come
//! from AWS or the SDK and never contain secrets; credentials are never
//! formatted anywhere in the collector.

use std::error::Error;
use std::fmt::Debug;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};

/// `Code: message` for a service error, the full cause chain otherwise.
pub(crate) fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    if let SdkError::ServiceError(se) = err {
        let e = se.err();
        if let Some(code) = e.code() {
            return match e.message() {
                Some(m) if !m.is_empty() => format!("{code}: {m}"),
                _ => code.to_string(),
            };
        }
    }
    // The Display chain, without DisplayErrorContext's trailing Debug dump.
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let part = e.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    one_line(&text)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const CREDENTIAL_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "AuthFailure",
    "RequestExpired",
    "InvalidToken",
];

/// Whether an error text says the credentials are missing, expired or invalid
/// (rather than that one call was refused).
pub(crate) fn is_credential_problem(text: &str) -> bool {
    let code = text.split(':').next().unwrap_or("");
    CREDENTIAL_CODES.contains(&code)
        || text.contains("credentials")
        || text.contains("no credential")
        || text.contains("identity resolver")
        || text.contains("ExpiredToken")
}

/// Whether an error text says the token has expired.
pub(crate) fn is_expired(text: &str) -> bool {
    text.contains("ExpiredToken") || text.contains("expired")
}
