//! A guard in front of the HTTP/1.1 decoder that bounds the length of each request
//! header line: actix-http 3.20 (the newest release) panics on a header name of 64 KiB
//! or more (`HeaderName::from_bytes(..).unwrap()` in its h1 decoder) and drops the
//! connection without an answer; with the guard a line longer than `max_header_bytes`
//! gets a oneM2M 4000 answer instead, and the connection is closed.
//!
//! The guard is no second HTTP parser. Where a head ends and where a body ends is told
//! by actix-http's own decoder (`h1::Codec`, the one the server's dispatcher uses), run
//! on a copy of the bytes, so the guard frames every request exactly as the server
//! does; the guard itself only counts the bytes of each line while that decoder reads
//! a head. It changes no byte it passes on: complete lines go to the server as soon as
//! they arrive (a malformed head is refused by the server at once, not after the head
//! deadline), body bytes go through unread. Only an overlong line is replaced: the
//! guard ends the head with a line carrying [`REFUSED_HEADER`] (or, when the request
//! line itself is too long, sends a small synthetic request instead), which the
//! handler answers through the normal path with the client's `X-M2M-RI` when it came
//! first; nothing after it is read. Once the decoder refuses something, or a request
//! takes the whole connection (an upgrade, CONNECT), the server closes the connection
//! or hands it over, and the rest passes through unchanged.

use std::borrow::Cow;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_codec::Decoder;
use actix_http::ServiceConfig;
use actix_http::h1::{Codec, Message, MessageType};
use actix_web::web::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Marks the request that stands for a refused head; its value says why.
pub const REFUSED_HEADER: &str = "x-onecse-refused";

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 16 * 1024;

/// A connection's bytes, with the lines of each request head bounded.
pub struct HeadGuard<T> {
    inner: T,
    max_line: usize,
    /// actix-http's request decoder, fed the same bytes as the server's.
    codec: Codec,
    /// Bytes fed to `codec` that it has not consumed yet.
    fed: BytesMut,
    state: State,
    /// The current head line, held until it is complete.
    line: Vec<u8>,
    /// Its length without carriage returns.
    line_len: usize,
    /// Bytes ready for the server, from `out_pos` on.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The decoder reads a head.
    Head(HeadSoFar),
    /// The decoder reads a body.
    Body,
    /// The decoder refused, or the connection left HTTP: bytes pass unchecked.
    Through,
    /// A line was refused; nothing more is read.
    Refused,
}

/// What the guard noted of the head being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct HeadSoFar {
    /// A non-empty line (the request line) was passed on.
    started: bool,
    /// A `Host` line was passed on (the refusal must not add a second one).
    host: bool,
}

impl<T> HeadGuard<T> {
    /// Guards `inner`, refusing heads with a line longer than `max_line` bytes.
    /// `config` is only handed to the decoder, which reads nothing of it; share one per
    /// worker (each new one starts a clock task).
    pub fn new(inner: T, max_line: usize, config: ServiceConfig) -> Self {
        Self {
            inner,
            max_line,
            codec: Codec::new(config),
            fed: BytesMut::new(),
            state: State::Head(HeadSoFar::default()),
            line: Vec::new(),
            line_len: 0,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    /// Runs bytes from the socket through the guard into `out`.
    fn feed(&mut self, input: &[u8]) {
        let mut rest = Cow::Borrowed(input);
        while !rest.is_empty() {
            let next = match self.state {
                State::Through => {
                    self.out.extend_from_slice(&rest);
                    return;
                }
                State::Refused => return,
                State::Body => self.feed_body(&rest),
                State::Head(head) => self.feed_head(head, &rest),
            };
            rest = Cow::Owned(next);
        }
    }

    /// Passes body bytes on and lets the decoder find the body's end; returns the
    /// bytes after it (the next head), taken back from `out`.
    fn feed_body(&mut self, input: &[u8]) -> Vec<u8> {
        self.out.extend_from_slice(input);
        self.fed.extend_from_slice(input);
        loop {
            match self.codec.decode(&mut self.fed) {
                Ok(Some(Message::Chunk(Some(_)))) => {}
                Ok(Some(Message::Chunk(None))) => {
                    let after = self.fed.split().to_vec();
                    // The body ended within `input`, so what follows it is the tail
                    // of `out`, not handed to the server yet.
                    let Some(kept) = self.out.len().checked_sub(after.len()) else {
                        self.state = State::Through;
                        return Vec::new();
                    };
                    self.out.truncate(kept);
                    self.state = State::Head(HeadSoFar::default());
                    return after;
                }
                Ok(None) => return Vec::new(),
                Ok(Some(Message::Item(_))) | Err(_) => {
                    self.state = State::Through;
                    return Vec::new();
                }
            }
        }
    }

    /// Collects head lines, passing each complete one on (and to the decoder), until
    /// the decoder has the whole head or a line is too long; returns the bytes after
    /// the head.
    fn feed_head(&mut self, mut head: HeadSoFar, input: &[u8]) -> Vec<u8> {
        let mut undecided = false;
        for (i, &byte) in input.iter().enumerate() {
            self.line.push(byte);
            match byte {
                b'\n' => {}
                b'\r' => continue,
                _ => {
                    self.line_len += 1;
                    if self.line_len > self.max_line {
                        self.refuse(head);
                        return Vec::new();
                    }
                    continue;
                }
            }
            let line = std::mem::take(&mut self.line);
            let blank = self.line_len == 0;
            self.line_len = 0;
            head.host = head.host || header_is(&line, b"host");
            self.out.extend_from_slice(&line);
            self.fed.extend_from_slice(&line);
            undecided = true;
            // A blank line after the request line ends the head (RFC 9112 §2.1);
            // blank lines before it are skipped by the decoder.
            if blank && head.started {
                undecided = false;
                self.state = self.decode_head(head);
                if self.state != State::Head(head) {
                    return input.get(i + 1..).unwrap_or_default().to_vec();
                }
            }
            head.started = head.started || !blank;
        }
        if undecided {
            // Whatever the decoder makes of the lines so far: a malformed request
            // line is refused now (by the server too), not after the head deadline.
            self.state = self.decode_head(head);
            if self.state != State::Head(head) {
                self.line_len = 0;
                return std::mem::take(&mut self.line);
            }
        }
        self.state = State::Head(head);
        Vec::new()
    }

    /// Asks the decoder about the head fed so far: still a head, a body to follow, or
    /// nothing more to check.
    fn decode_head(&mut self, head: HeadSoFar) -> State {
        match self.codec.decode(&mut self.fed) {
            Ok(None) => State::Head(head),
            Ok(Some(Message::Item(_))) => match self.codec.message_type() {
                MessageType::None => State::Head(HeadSoFar::default()),
                MessageType::Payload => State::Body,
                MessageType::Stream => State::Through,
            },
            Ok(Some(Message::Chunk(_))) | Err(_) => State::Through,
        }
    }

    /// Ends the current head with the refusal (or replaces it by a synthetic request
    /// when nothing of it was passed on), and stops reading.
    fn refuse(&mut self, head: HeadSoFar) {
        let why = format!(
            "{REFUSED_HEADER}: a request header line is longer than {} bytes\r\n",
            self.max_line
        );
        if !head.started {
            self.out.extend_from_slice(b"GET / HTTP/1.1\r\n");
        }
        if !head.host {
            self.out.extend_from_slice(b"Host: onecse\r\n");
        }
        self.out.extend_from_slice(why.as_bytes());
        self.out.extend_from_slice(b"Connection: close\r\n\r\n");
        self.line.clear();
        self.line_len = 0;
        self.state = State::Refused;
    }
}

/// Whether `line` is a header line named `name` (ASCII case-insensitive).
fn header_is(line: &[u8], name: &[u8]) -> bool {
    line.get(..=name.len())
        .and_then(|start| start.split_last())
        .is_some_and(|(colon, start)| *colon == b':' && start.eq_ignore_ascii_case(name))
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
            // After a refused line the client has said enough: end of input (the
            // server still answers the refused request, then closes).
            if this.eof || this.state == State::Refused {
                return Poll::Ready(Ok(()));
            }
            // Uninitialised: the socket fills what is read, nothing is zeroed per read.
            let mut chunk = [std::mem::MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut read = ReadBuf::uninit(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.eof = true;
                // A line cut short by the client is passed on as it is.
                let partial = std::mem::take(&mut this.line);
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

    /// Runs `input`, split into pieces of `step` bytes, through a guard with 64-byte
    /// lines.
    fn through(input: &[u8], step: usize) -> (Vec<u8>, State) {
        let mut guard = HeadGuard::new((), 64, ServiceConfig::default());
        for piece in input.chunks(step) {
            guard.feed(piece);
        }
        (guard.out, guard.state)
    }

    /// How many request heads actix-http's decoder reads from `stream` before it
    /// needs more, refuses, or a body takes the rest of the connection.
    fn heads_actix_reads(stream: &[u8]) -> usize {
        let mut codec = Codec::new(ServiceConfig::default());
        let mut buf = BytesMut::from(stream);
        let mut heads = 0;
        while let Ok(Some(message)) = codec.decode(&mut buf) {
            if let Message::Item(_) = message {
                heads += 1;
            }
            if codec.message_type() == MessageType::Stream {
                break;
            }
        }
        heads
    }

    /// First requests of every framing the decoder knows or refuses: each is followed
    /// by a request with a line over 64 bytes, which the guard must refuse exactly when
    /// the decoder reads it as a head.
    const FIRSTS: &[&str] = &[
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /a HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello",
        "POST /a HTTP/1.1\r\nHost: x\nContent-Length: 2\r\n\nhi",
        "POST /a HTTP/1.1\r\nHost: x\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello",
        "GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /a HTTP/1.0\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
        "GET /a HTTP/1.1\r\nX-A: a\r\n\r\n",
        "garbage\r\n\r\n",
    ];

    #[actix_web::test]
    async fn the_guard_frames_every_request_as_the_decoder_does() {
        let long = format!("X-Long: {}", "v".repeat(80));
        let second = format!("GET /b HTTP/1.1\r\nHost: x\r\n{long}\r\n\r\n");
        for first in FIRSTS {
            let stream = format!("{first}{second}");
            let refused = heads_actix_reads(stream.as_bytes()) == 2;
            for step in [1, 2, 7, 64, 4096] {
                let (out, state) = through(stream.as_bytes(), step);
                assert_eq!(state == State::Refused, refused, "{first:?}, step {step}");
                if refused {
                    // Everything before the line passed unchanged, then the refusal.
                    let before = stream.find(&long).unwrap_or_default();
                    assert!(out.starts_with(&stream.as_bytes()[..before]), "{first:?}");
                    let tail = String::from_utf8_lossy(&out[before..]).into_owned();
                    assert_eq!(
                        tail,
                        "x-onecse-refused: a request header line is longer than 64 bytes\r\nConnection: close\r\n\r\n",
                        "{first:?}"
                    );
                } else {
                    assert_eq!(out, stream.as_bytes(), "{first:?}, step {step}");
                }
            }
        }
    }

    #[actix_web::test]
    async fn a_body_may_hold_anything() {
        let body = format!(
            "X-Long: {}\r\n\r\n{{\"con\": \"{}\"}}",
            "v".repeat(100),
            "Y".repeat(1000)
        );
        let stream = format!(
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
            body.len()
        );
        for step in [1, 100, 4096] {
            let (out, state) = through(stream.as_bytes(), step);
            assert_eq!(out, stream.as_bytes());
            assert_eq!(state, State::Head(HeadSoFar::default()));
        }
    }

    #[actix_web::test]
    async fn an_overlong_request_line_becomes_a_whole_refused_request() {
        let stream = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100));
        let (out, state) = through(stream.as_bytes(), 5);
        assert_eq!(state, State::Refused);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "GET / HTTP/1.1\r\nHost: onecse\r\nx-onecse-refused: a request header line is longer than 64 bytes\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(heads_actix_reads(&out), 1);
    }

    #[actix_web::test]
    async fn complete_lines_pass_at_once_and_garbage_is_left_to_the_decoder() {
        // The request line and a header pass before the head is complete.
        let (out, state) = through(b"GET /a HTTP/1.1\r\nHost: x\r\nX-Par", 4096);
        assert_eq!(out, b"GET /a HTTP/1.1\r\nHost: x\r\n");
        assert!(matches!(state, State::Head(_)));
        // A line the decoder refuses passes at once (the server answers 400 now),
        // and nothing is checked after it.
        let mut guard = HeadGuard::new((), 64, ServiceConfig::default());
        guard.feed(b"\x01garbage line\r\n");
        assert_eq!(guard.out, b"\x01garbage line\r\n");
        assert_eq!(guard.state, State::Through);
        let long = format!("X-Long: {}\r\n\r\n", "v".repeat(100));
        guard.feed(long.as_bytes());
        assert!(guard.out.ends_with(long.as_bytes()));
        let state = guard.state;
        assert_eq!(state, State::Through);
    }
}
