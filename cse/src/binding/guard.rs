//! A guard in front of the HTTP/1.1 decoder: it holds each request head back until it
//! is complete and refuses one with a header line longer than `max_header_bytes`
//! before the decoder sees it. actix-http 3.20 (the newest release) panics on a header
//! name of 64 KiB or more (`HeaderName::from_bytes(..).unwrap()` in its h1 decoder) and
//! drops the connection without an answer; with the guard such a request gets a
//! oneM2M 4000 answer instead, and the connection is closed.
//!
//! A refused head is replaced by a small synthetic request carrying
//! [`REFUSED_HEADER`] (and the client's `X-M2M-RI`/`X-M2M-RVI` when short), which the
//! handler answers through the normal path; nothing after it is read. To find where
//! the next head starts on a kept-alive connection the guard follows the framing of
//! each accepted request: `Content-Length` bytes, or a chunked body to its last chunk
//! and trailer. A head whose framing it cannot follow (several or unreadable lengths,
//! a transfer coding other than chunked, an upgrade) is one the decoder refuses and
//! closes the connection on, so from there the guard passes bytes through unchanged.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Marks the synthetic request that stands for a refused head; its value says why.
pub const REFUSED_HEADER: &str = "x-onecse-refused";

/// The largest head the guard collects (actix's own limit): beyond it the request is
/// refused like an overlong line.
const MAX_HEAD_BYTES: usize = 128 * 1024;

/// Header lines copied into the synthetic request so the answer can echo them.
const ECHOED: &[&str] = &["x-m2m-ri", "x-m2m-rvi"];

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 16 * 1024;

/// A connection's bytes, with each request head checked before it is passed on.
pub struct HeadGuard<T> {
    inner: T,
    max_line: usize,
    state: State,
    /// The head being collected.
    head: Vec<u8>,
    /// Length of the current head line so far (without `\r`).
    line_len: usize,
    /// Bytes ready for the decoder, from `out_pos` on.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting a head.
    Head,
    /// Passing on this many more body bytes.
    Body(u64),
    /// Passing on a chunked body.
    Chunked(Chunk),
    /// Framing unknown; the decoder will close the connection.
    Through,
    /// A head was refused; nothing more is read.
    Refused,
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// In a chunk-size line (hex digits, then maybe `;extensions`), value so far.
    Size { value: u64, extension: bool },
    /// Inside a chunk's data, this many bytes left.
    Data(u64),
    /// After a chunk's data, at its CRLF.
    DataEnd,
    /// After the last (zero) chunk: trailer lines, this line's length so far.
    Trailer(usize),
}

impl<T> HeadGuard<T> {
    /// Guards `inner`, refusing heads with a line longer than `max_line` bytes.
    pub fn new(inner: T, max_line: usize) -> Self {
        Self {
            inner,
            max_line,
            state: State::Head,
            head: Vec::new(),
            line_len: 0,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    /// Runs bytes from the socket through the state machine into `out`.
    fn feed(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            match self.state {
                State::Through => {
                    self.out.extend_from_slice(input);
                    return;
                }
                State::Refused => return,
                State::Body(left) => {
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(input.len());
                    let (body, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
                    self.out.extend_from_slice(body);
                    input = rest;
                    let left = left.saturating_sub(body.len() as u64);
                    self.state = if left == 0 {
                        State::Head
                    } else {
                        State::Body(left)
                    };
                }
                State::Chunked(chunk) => {
                    let used = self.feed_chunked(chunk, input);
                    input = input.get(used..).unwrap_or_default();
                }
                State::Head => {
                    let used = self.feed_head(input);
                    input = input.get(used..).unwrap_or_default();
                }
            }
        }
    }

    /// Collects head bytes until the head ends (then judges it) or a line is too long;
    /// returns how many bytes of `input` it used.
    fn feed_head(&mut self, input: &[u8]) -> usize {
        for (i, &byte) in input.iter().enumerate() {
            // Empty lines before a request line are allowed (RFC 9112 §2.2).
            if self.head.is_empty() && (byte == b'\r' || byte == b'\n') {
                self.out.push(byte);
                continue;
            }
            self.head.push(byte);
            match byte {
                b'\n' if self.line_len == 0 => {
                    self.finish_head();
                    return i + 1;
                }
                b'\n' => self.line_len = 0,
                b'\r' => {}
                _ => self.line_len += 1,
            }
            if self.line_len > self.max_line || self.head.len() > MAX_HEAD_BYTES {
                self.refuse();
                return input.len();
            }
        }
        input.len()
    }

    /// A complete head: passed on, and the framing of its body followed.
    fn finish_head(&mut self) {
        let head = std::mem::take(&mut self.head);
        self.state = framing(&head);
        self.out.extend_from_slice(&head);
        self.line_len = 0;
    }

    /// Replaces the head collected so far by the synthetic refused request.
    fn refuse(&mut self) {
        let head = std::mem::take(&mut self.head);
        let mut synthetic = format!(
            "GET / HTTP/1.1\r\nHost: onecse\r\nConnection: close\r\n{REFUSED_HEADER}: a request header line is longer than {} bytes\r\n",
            self.max_line
        )
        .into_bytes();
        for line in head.split(|b| *b == b'\n').skip(1) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let echoed = line.len() <= 256
                && ECHOED.iter().any(|name| {
                    header_name(line).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                });
            if echoed {
                synthetic.extend_from_slice(line);
                synthetic.extend_from_slice(b"\r\n");
            }
        }
        synthetic.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(&synthetic);
        self.state = State::Refused;
    }

    /// Follows a chunked body; returns how many bytes of `input` it used.
    fn feed_chunked(&mut self, mut chunk: Chunk, input: &[u8]) -> usize {
        let mut rest = input;
        while let Some((&byte, tail)) = rest.split_first() {
            if let Chunk::Data(left) = chunk {
                let take = usize::try_from(left).unwrap_or(usize::MAX).min(rest.len());
                let (data, after) = rest.split_at_checked(take).unwrap_or((rest, &[]));
                self.out.extend_from_slice(data);
                rest = after;
                let left = left.saturating_sub(data.len() as u64);
                chunk = if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                };
                continue;
            }
            self.out.push(byte);
            rest = tail;
            chunk = match (chunk, byte) {
                (Chunk::Size { value: 0, .. }, b'\n') => Chunk::Trailer(0),
                (Chunk::Size { value, .. }, b'\n') => Chunk::Data(value),
                (
                    Chunk::Size {
                        value,
                        extension: false,
                    },
                    b,
                ) if b.is_ascii_hexdigit() => {
                    let digit = u64::from(hex_value(b));
                    match value.checked_mul(16).and_then(|v| v.checked_add(digit)) {
                        Some(value) => Chunk::Size {
                            value,
                            extension: false,
                        },
                        None => return self.give_up(rest, input),
                    }
                }
                (Chunk::Size { value, .. }, _) => Chunk::Size {
                    value,
                    extension: true,
                },
                (Chunk::DataEnd, b'\n') => Chunk::Size {
                    value: 0,
                    extension: false,
                },
                (Chunk::DataEnd, _) => Chunk::DataEnd,
                (Chunk::Trailer(0), b'\n') => {
                    self.state = State::Head;
                    return input.len() - rest.len();
                }
                (Chunk::Trailer(_), b'\n') => Chunk::Trailer(0),
                (Chunk::Trailer(n), b'\r') => Chunk::Trailer(n),
                (Chunk::Trailer(n), _) => Chunk::Trailer(n + 1),
                (Chunk::Data(_), _) => chunk,
            };
        }
        self.state = State::Chunked(chunk);
        input.len()
    }

    /// A chunked body the guard cannot follow: the decoder refuses it and closes the
    /// connection, so the rest passes through.
    fn give_up(&mut self, rest: &[u8], input: &[u8]) -> usize {
        self.out.extend_from_slice(rest);
        self.state = State::Through;
        input.len()
    }
}

/// How the body after `head` is framed.
fn framing(head: &[u8]) -> State {
    let mut length: Option<u64> = None;
    let mut lengths = 0;
    let mut chunked = false;
    let mut other_coding = false;
    let mut upgrade = head.starts_with(b"CONNECT ");
    for line in head.split(|b| *b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(name) = header_name(line) else {
            continue;
        };
        let value = String::from_utf8_lossy(line.get(name.len() + 1..).unwrap_or_default())
            .trim()
            .to_ascii_lowercase();
        if name.eq_ignore_ascii_case(b"content-length") {
            lengths += 1;
            length = value.parse().ok();
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.rsplit(',').next().map(str::trim) == Some("chunked");
            other_coding = !chunked;
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade = true;
        }
    }
    match (lengths, length, chunked, other_coding, upgrade) {
        (_, _, _, _, true) | (_, _, _, true, _) => State::Through,
        (0, _, true, _, _) => State::Chunked(Chunk::Size {
            value: 0,
            extension: false,
        }),
        (0, _, false, _, _) => State::Head,
        (1, Some(0), false, _, _) => State::Head,
        (1, Some(n), false, _, _) => State::Body(n),
        _ => State::Through,
    }
}

/// The name of a header line (the bytes before `:`), if it has one.
fn header_name(line: &[u8]) -> Option<&[u8]> {
    line.iter()
        .position(|b| *b == b':')
        .and_then(|i| line.get(..i))
}

fn hex_value(byte: u8) -> u8 {
    match byte {
        b'0'..=b'9' => byte - b'0',
        b'a'..=b'f' => byte - b'a' + 10,
        _ => byte - b'A' + 10,
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeadGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_pos < this.out.len() {
                let ready = this.out.get(this.out_pos..).unwrap_or_default();
                let n = ready.len().min(buf.remaining());
                buf.put_slice(ready.get(..n).unwrap_or_default());
                this.out_pos += n;
                if this.out_pos == this.out.len() {
                    this.out.clear();
                    this.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            // After a refused head the client has said enough: end of input (the
            // decoder still answers the synthetic request, then closes).
            if this.eof || this.state == State::Refused {
                return Poll::Ready(Ok(()));
            }
            // Uninitialised: the socket fills what is read, nothing is zeroed per read.
            let mut chunk = [std::mem::MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut read = ReadBuf::uninit(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.eof = true;
                // A head cut short by the client is passed on as it is.
                let partial = std::mem::take(&mut this.head);
                this.out.extend_from_slice(&partial);
                continue;
            }
            this.feed(read.filled());
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeadGuard<T> {
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

    /// Runs `input`, split into pieces of `step` bytes, through a guard.
    fn through(input: &[u8], step: usize) -> (Vec<u8>, State) {
        let mut guard = HeadGuard::new((), 64);
        for piece in input.chunks(step) {
            guard.feed(piece);
        }
        (guard.out, guard.state)
    }

    #[test]
    fn requests_pass_unchanged_whatever_the_split() {
        let stream: &[u8] = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
GET /b HTTP/1.1\r\nHost: x\r\n\r\n\
PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n\
GET /d HTTP/1.1\r\n\r\n";
        for step in [1, 3, 7, 64, 4096] {
            let (out, state) = through(stream, step);
            assert_eq!(out, stream, "step {step}");
            assert_eq!(state, State::Head, "step {step}");
        }
    }

    #[test]
    fn a_long_header_line_is_replaced_by_the_refused_request() {
        let name = "X".repeat(100);
        let stream =
            format!("GET /a HTTP/1.1\r\nX-M2M-RI: r1\r\n{name}: v\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        let (out, state) = through(stream.as_bytes(), 5);
        let out = String::from_utf8(out).unwrap_or_default();
        assert_eq!(state, State::Refused);
        assert!(out.starts_with("GET / HTTP/1.1\r\n"), "{out}");
        assert!(
            out.contains("x-onecse-refused: a request header line is longer than 64 bytes\r\n")
        );
        assert!(out.contains("X-M2M-RI: r1\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\n") && !out.contains("/b"), "{out}");
    }

    #[test]
    fn a_body_may_hold_anything() {
        let body = format!("{{\"con\": \"{}\"}}", "Y".repeat(1000));
        let stream = format!(
            "POST /a HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (out, state) = through(stream.as_bytes(), 100);
        assert_eq!(out, stream.as_bytes());
        assert_eq!(state, State::Head);
    }

    #[test]
    fn unknown_framing_passes_through() {
        for head in [
            "POST /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST /a HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "GET /a HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        ] {
            let stream = format!("{head}{}", "Z".repeat(500));
            let (out, state) = through(stream.as_bytes(), 9);
            assert_eq!(out, stream.as_bytes(), "{head}");
            assert_eq!(state, State::Through, "{head}");
        }
    }
}
