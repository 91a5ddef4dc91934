//! The recorder itself, in builds with the `record` feature: the SDK's DVR `RecordingClient`
//! around each request attempt's real connector, and the process's one recording.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use aws_smithy_http_client::test_util::dvr::RecordingClient;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::config_bag::ConfigBag;

use super::{append, ENV};
use crate::aws::dvr::Traffic;

/// The process's recording (the variable is the process's too), made on first use.
pub fn recording(path: PathBuf) -> &'static Recording {
    static ACTIVE: OnceLock<Recording> = OnceLock::new();
    ACTIVE.get_or_init(|| Recording::new(path))
}

/// Every request attempt's recorder, in the order the attempts started.
#[derive(Debug, Clone)]
pub struct Recording {
    path: PathBuf,
    attempts: Arc<Mutex<Vec<RecordingClient>>>,
}

impl Recording {
    pub fn new(path: PathBuf) -> Recording {
        Recording {
            path,
            attempts: Arc::default(),
        }
    }

    pub fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        Recorder {
            inner,
            attempts: self.attempts.clone(),
        }
        .into_shared()
    }

    /// Scrubs what was recorded and appends it to the file (created if missing). The attempts
    /// are taken: finishing twice writes each once.
    pub fn finish(&self) -> anyhow::Result<()> {
        let attempts =
            std::mem::take(&mut *self.attempts.lock().unwrap_or_else(|p| p.into_inner()));
        let mut recorded = Vec::new();
        for attempt in &attempts {
            let traffic: Traffic = serde_json::to_value(attempt.network_traffic())
                .and_then(serde_json::from_value)
                .context("reading the SDK's recording")?;
            recorded.extend(traffic.exchanges());
        }
        append(&self.path, recorded)
            .with_context(|| format!("{ENV}: writing the recording to {}", self.path.display()))
    }
}

/// The SDK asks its HTTP client for a connector on every attempt: each gets a recorder of its
/// own around the real one, so timeouts and TLS settings stay the SDK's.
#[derive(Debug)]
struct Recorder {
    inner: SharedHttpClient,
    attempts: Arc<Mutex<Vec<RecordingClient>>>,
}

impl HttpClient for Recorder {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let real = Buffered(self.inner.http_connector(settings, components));
        let recorder = RecordingClient::new(real);
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(recorder.clone());
        SharedHttpConnector::new(recorder)
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

/// Between the recorder and the real connector: the request body whole again. The recorder
/// hands on a body of unknown length that says it has ended as soon as its sender is gone,
/// which can be before hyper read the last chunk; hyper then sent the head with its
/// `content-length` and no body, and the server waited for it until a timeout (seen with
/// every POST to the local cloud). Collected here, the body is sent whole and sized.
#[derive(Debug)]
struct Buffered(SharedHttpConnector);

impl HttpConnector for Buffered {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        let real = self.0.clone();
        HttpConnectorFuture::new(async move {
            let body = std::mem::replace(request.body_mut(), SdkBody::taken());
            let bytes = ByteStream::new(body)
                .collect()
                .await
                .map_err(|e| ConnectorError::other(e.into(), None))?
                .into_bytes();
            *request.body_mut() = SdkBody::from(bytes);
            real.call(request).await
        })
    }
}
