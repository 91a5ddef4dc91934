//! The file format of a recording (`FAQCTL_RECORD`), typed: the SDK's own DVR format
//! (`aws_smithy_http_client::test_util::dvr::NetworkTraffic`, whose fields are private), so
//! that faqctl can scrub and append what the SDK recorded and a replayer can read it back,
//! while the SDK's `ReplayingClient` still loads every file faqctl writes. One addition the
//! SDK's reader ignores: `placeholders`, the fingerprints that keep a file's placeholders
//! consistent across the invocations appended to it (`scrub`), and `packages`, what each
//! uploaded zip held, so that a replay can rebuild it. Pure: no I/O.
//!
//! A file is a list of events, each on one connection: the request's head, its body in
//! chunks, its end, then the same for the response. Everything here works on `Exchange`s,
//! one per connection with whole bodies, and turns them back into events in file order.

use std::collections::BTreeMap;

use aws_smithy_types::base64;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The DVR format's only version.
pub const VERSION: &str = "V0";

/// A whole recording, as the SDK writes it, plus `placeholders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    pub events: Vec<Event>,
    pub docs: Option<String>,
    pub version: String,
    /// Placeholder (`<rest-api-id:1>`) → fingerprint of the live value it stands for.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub placeholders: BTreeMap<String, String>,
    /// Zip placeholder (`<zip:1>`) → what that upload held.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub packages: BTreeMap<String, Package>,
}

/// What an uploaded zip held: each file's name, mode, size and SHA-256, and the content of the
/// small ones (at most `Package::KEPT_BYTES`, base64), so that a replay can rebuild an upload
/// from them and this build's large files (the bootstrap), which a recording never holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub files: Vec<PackageFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFile {
    pub name: String,
    /// Unix permission bits (`0o755` = 493).
    pub mode: u32,
    pub size: u64,
    pub sha256: String,
    /// The content, base64, when the file is small enough to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Package {
    /// Files up to this size are kept whole (a FAQ's data, a config); larger ones by digest.
    pub const KEPT_BYTES: u64 = 64 * 1024;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub connection_id: usize,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Request {
        request: Request,
    },
    /// `Err`: the connection failed before an answer (the client's message).
    Response {
        response: Result<Response, String>,
    },
    Data {
        data: BodyData,
        direction: Direction,
    },
    Eof {
        ok: bool,
        direction: Direction,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub uri: String,
    pub headers: IndexMap<String, Vec<String>>,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    pub headers: IndexMap<String, Vec<String>>,
}

/// A body chunk: text when it is UTF-8 (readable in review), base64 otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyData {
    Utf8(String),
    Base64(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Request,
    Response,
}

/// One request and its answer on one connection, bodies whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: Request,
    pub request_body: Vec<u8>,
    /// How the request body ended (`None`: not recorded).
    pub request_end: Option<bool>,
    /// `None`: no answer was recorded (the command ended first).
    pub response: Option<Result<Response, String>>,
    pub response_body: Vec<u8>,
    pub response_end: Option<bool>,
}

impl Exchange {
    pub fn new(request: Request) -> Exchange {
        Exchange {
            request,
            request_body: Vec::new(),
            request_end: None,
            response: None,
            response_body: Vec::new(),
            response_end: None,
        }
    }

    /// The answer's head, when there was one.
    pub fn answer(&self) -> Option<&Response> {
        self.response.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// The request's path and query (the URI without scheme and authority).
    pub fn path_and_query(&self) -> &str {
        path_and_query(&self.request.uri)
    }
}

/// `https://host:port/a/b?c` → `/a/b?c`.
pub fn path_and_query(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    match rest.find('/') {
        Some(at) if uri.contains("://") => &rest[at..],
        Some(_) => uri,
        None if uri.contains("://") => "/",
        None => uri,
    }
}

impl BodyData {
    fn bytes(&self) -> Vec<u8> {
        match self {
            BodyData::Utf8(text) => text.as_bytes().to_vec(),
            // The SDK wrote it; a chunk it cannot have written reads as empty.
            BodyData::Base64(encoded) => base64::decode(encoded).unwrap_or_default(),
        }
    }

    fn of(bytes: &[u8]) -> BodyData {
        match std::str::from_utf8(bytes) {
            Ok(text) => BodyData::Utf8(text.to_string()),
            Err(_) => BodyData::Base64(base64::encode(bytes)),
        }
    }
}

impl Traffic {
    pub fn new(docs: &str) -> Traffic {
        Traffic {
            events: Vec::new(),
            docs: Some(docs.to_string()),
            version: VERSION.to_string(),
            placeholders: BTreeMap::new(),
            packages: BTreeMap::new(),
        }
    }

    /// The exchanges, in the order their requests were made (first event of each connection).
    pub fn exchanges(&self) -> Vec<Exchange> {
        let mut order: Vec<usize> = Vec::new();
        let mut by_id: BTreeMap<usize, Exchange> = BTreeMap::new();
        for event in &self.events {
            let id = event.connection_id;
            if let Action::Request { request } = &event.action {
                order.push(id);
                by_id.insert(id, Exchange::new(request.clone()));
                continue;
            }
            // Events of a connection whose request is missing cannot be replayed: dropped.
            let Some(exchange) = by_id.get_mut(&id) else {
                continue;
            };
            match &event.action {
                Action::Request { .. } => {}
                Action::Response { response } => exchange.response = Some(response.clone()),
                Action::Data { data, direction } => match direction {
                    Direction::Request => exchange.request_body.extend(data.bytes()),
                    Direction::Response => exchange.response_body.extend(data.bytes()),
                },
                Action::Eof { ok, direction } => match direction {
                    Direction::Request => exchange.request_end = Some(*ok),
                    Direction::Response => exchange.response_end = Some(*ok),
                },
            }
        }
        order
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect()
    }

    /// Replaces the events with these exchanges, numbered 0, 1, … in order: each exchange's
    /// request, body and end, then its answer, body and end (one data chunk per body).
    pub fn set_exchanges(&mut self, exchanges: &[Exchange]) {
        let mut events = Vec::new();
        for (connection_id, exchange) in exchanges.iter().enumerate() {
            let mut push = |action| {
                events.push(Event {
                    connection_id,
                    action,
                })
            };
            push(Action::Request {
                request: exchange.request.clone(),
            });
            let sides = [
                (
                    Direction::Request,
                    &exchange.request_body,
                    exchange.request_end,
                ),
                (
                    Direction::Response,
                    &exchange.response_body,
                    exchange.response_end,
                ),
            ];
            for (direction, body, end) in sides {
                if direction == Direction::Response {
                    let Some(response) = &exchange.response else {
                        break;
                    };
                    push(Action::Response {
                        response: response.clone(),
                    });
                }
                if !body.is_empty() {
                    push(Action::Data {
                        data: BodyData::of(body),
                        direction,
                    });
                }
                if let Some(ok) = end {
                    push(Action::Eof { ok, direction });
                }
            }
        }
        self.events = events;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request {
            uri: uri.into(),
            headers: IndexMap::new(),
            method: "GET".into(),
        }
    }

    fn event(connection_id: usize, action: Action) -> Event {
        Event {
            connection_id,
            action,
        }
    }

    #[test]
    fn exchanges_join_chunks_per_connection_in_request_order() {
        let mut traffic = Traffic::new("t");
        traffic.events = vec![
            event(
                7,
                Action::Request {
                    request: request("http://h/a"),
                },
            ),
            event(
                3,
                Action::Request {
                    request: request("http://h/b"),
                },
            ),
            event(
                7,
                Action::Response {
                    response: Ok(Response {
                        status: 200,
                        headers: IndexMap::new(),
                    }),
                },
            ),
            event(
                7,
                Action::Data {
                    data: BodyData::Utf8("{\"a\":".into()),
                    direction: Direction::Response,
                },
            ),
            event(
                7,
                Action::Data {
                    data: BodyData::Base64(base64::encode("1}")),
                    direction: Direction::Response,
                },
            ),
            event(
                7,
                Action::Eof {
                    ok: true,
                    direction: Direction::Response,
                },
            ),
        ];
        let exchanges = traffic.exchanges();
        assert_eq!(exchanges.len(), 2);
        assert_eq!(exchanges[0].request.uri, "http://h/a");
        assert_eq!(exchanges[0].response_body, b"{\"a\":1}");
        assert_eq!(exchanges[0].response_end, Some(true));
        assert_eq!(exchanges[1].request.uri, "http://h/b");
        assert!(exchanges[1].response.is_none());
    }

    #[test]
    fn set_exchanges_renumbers_connections_and_round_trips() {
        let mut first = Exchange::new(request("http://h/a"));
        first.request_body = b"{}".to_vec();
        first.request_end = Some(true);
        first.response = Some(Ok(Response {
            status: 201,
            headers: IndexMap::new(),
        }));
        first.response_body = vec![0xff, 0x00];
        first.response_end = Some(true);
        let second = Exchange::new(request("http://h/b"));
        let mut traffic = Traffic::new("t");
        traffic.set_exchanges(&[first.clone(), second.clone()]);
        let ids: Vec<usize> = traffic.events.iter().map(|e| e.connection_id).collect();
        assert_eq!(ids, [0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(traffic.exchanges(), [first, second]);
    }

    #[test]
    fn path_and_query_drops_scheme_and_authority() {
        assert_eq!(path_and_query("http://127.0.0.1:4566/a/b?x=1"), "/a/b?x=1");
        assert_eq!(path_and_query("https://lambda.amazonaws.com"), "/");
        assert_eq!(path_and_query("/already"), "/already");
    }
}
