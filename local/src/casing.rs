//! Header names in the casing the client sent them. API Gateway hands a function the request's
//! header names as they arrived (`tEsT-HEADeR`, recorded in test_lambda_aws_proxy_integration);
//! hyper keeps only lowercased names, and its record of the original case is private. So each
//! connection's bytes are read through [`RecordingIo`], which parses every request head as it
//! passes (httparse, as hyper does) and queues its header names; the router takes the head of
//! each request it serves from that queue, and only when the names match the request's own.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::http::HeaderMap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// More than this many bytes without a complete head: not followed (hyper refuses it anyway).
const MAX_HEAD: usize = 64 * 1024;

/// The header names of the requests one connection has sent and no handler has taken yet.
#[derive(Debug, Default)]
pub struct ConnectionHeads(Mutex<Recorder>);

#[derive(Debug, Default)]
struct Recorder {
    /// Bytes of a head not complete yet.
    pending: Vec<u8>,
    /// Body bytes still to pass over before the next head.
    skip: u64,
    heads: VecDeque<Vec<String>>,
    /// A framing not followed here (a chunked body, a malformed head): nothing more is
    /// recorded on this connection, and its requests keep hyper's lowercase names.
    lost: bool,
}

impl ConnectionHeads {
    fn feed(&self, mut bytes: &[u8]) {
        let Ok(mut recorder) = self.0.lock() else {
            return;
        };
        let recorder = &mut *recorder;
        while !recorder.lost && !bytes.is_empty() {
            if recorder.skip > 0 {
                let n = recorder.skip.min(bytes.len() as u64) as usize;
                recorder.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            recorder.pending.extend_from_slice(bytes);
            bytes = &[];
            recorder.parse_heads();
        }
    }

    /// The original names of the request with these `headers`, lowercase → as sent: the
    /// oldest queued head whose names are exactly the request's (older ones belong to requests
    /// hyper refused before any handler saw them).
    pub fn take(&self, headers: &HeaderMap) -> Option<BTreeMap<String, String>> {
        let mut recorder = self.0.lock().ok()?;
        let mut wanted: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        wanted.sort_unstable();
        while let Some(names) = recorder.heads.pop_front() {
            let mut lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            lower.sort_unstable();
            if lower == wanted {
                return Some(
                    names
                        .into_iter()
                        .map(|name| (name.to_ascii_lowercase(), name))
                        .collect(),
                );
            }
        }
        None
    }
}

impl Recorder {
    fn parse_heads(&mut self) {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 128];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&self.pending) {
                Ok(httparse::Status::Complete(length)) => {
                    let mut body = 0u64;
                    let mut names = Vec::with_capacity(request.headers.len());
                    for header in request.headers.iter() {
                        names.push(header.name.to_string());
                        if header.name.eq_ignore_ascii_case("content-length") {
                            body = std::str::from_utf8(header.value)
                                .ok()
                                .and_then(|v| v.trim().parse().ok())
                                .unwrap_or(0);
                        }
                        if header.name.eq_ignore_ascii_case("transfer-encoding") {
                            self.lost = true;
                        }
                    }
                    self.heads.push_back(names);
                    self.pending.drain(..length);
                    if self.lost {
                        self.pending = Vec::new();
                        return;
                    }
                    let in_buffer = body.min(self.pending.len() as u64) as usize;
                    self.pending.drain(..in_buffer);
                    self.skip = body - in_buffer as u64;
                    if self.skip > 0 || self.pending.is_empty() {
                        return;
                    }
                }
                Ok(httparse::Status::Partial) => {
                    if self.pending.len() > MAX_HEAD {
                        self.lost = true;
                        self.pending = Vec::new();
                    }
                    return;
                }
                Err(_) => {
                    self.lost = true;
                    self.pending = Vec::new();
                    return;
                }
            }
        }
    }
}

/// A connection whose request heads are recorded as they are read.
pub struct RecordingIo<T> {
    inner: T,
    heads: Arc<ConnectionHeads>,
}

impl<T> RecordingIo<T> {
    pub fn new(inner: T) -> (RecordingIo<T>, Arc<ConnectionHeads>) {
        let heads = Arc::new(ConnectionHeads::default());
        (
            RecordingIo {
                inner,
                heads: heads.clone(),
            },
            heads,
        )
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for RecordingIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            this.heads.feed(&buf.filled()[before..]);
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for RecordingIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for name in names {
            map.append(
                axum::http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).unwrap(),
                "v".parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn heads_split_across_reads_and_bodies_between_them_are_followed() {
        let heads = ConnectionHeads::default();
        let first =
            b"POST /a HTTP/1.1\r\nHost: x\r\ntEsT-HEADeR: 1\r\nContent-Length: 5\r\n\r\nhello";
        let second = b"GET /b HTTP/1.1\r\nHOST: x\r\nX-Mixed-Case: 2\r\n\r\n";
        let mut all = first.to_vec();
        all.extend_from_slice(second);
        for chunk in all.chunks(7) {
            heads.feed(chunk);
        }
        let one = heads
            .take(&headers(&["host", "test-header", "content-length"]))
            .unwrap();
        assert_eq!(one["test-header"], "tEsT-HEADeR");
        let two = heads.take(&headers(&["host", "x-mixed-case"])).unwrap();
        assert_eq!(two["host"], "HOST");
        assert_eq!(two["x-mixed-case"], "X-Mixed-Case");
        assert_eq!(heads.take(&headers(&["host"])), None);
    }

    #[test]
    fn a_head_no_handler_saw_is_passed_over_and_chunked_bodies_end_the_record() {
        let heads = ConnectionHeads::default();
        heads.feed(b"GET /refused HTTP/1.1\r\nA: 1\r\n\r\nGET /ok HTTP/1.1\r\nB-Name: 2\r\n\r\n");
        assert_eq!(
            heads.take(&headers(&["b-name"])).unwrap()["b-name"],
            "B-Name"
        );
        heads.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nC: 3\r\n\r\n");
        assert!(heads.take(&headers(&["transfer-encoding"])).is_some());
        assert_eq!(heads.take(&headers(&["c"])), None);
    }
}
