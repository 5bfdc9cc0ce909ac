//! A TCP proxy on 127.0.0.1 the tests put between onecse and PostgreSQL, so they can
//! take the database away (and give it back) deterministically, without touching the
//! server: `cut` closes every open connection and refuses new ones until `restore`.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

struct State {
    upstream: SocketAddr,
    open: AtomicBool,
    stopped: AtomicBool,
    /// Both ends of every forwarded connection, to close them on `cut`.
    sockets: Mutex<Vec<TcpStream>>,
}

/// A running proxy; stopped (and every connection closed) on drop.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<State>,
}

impl Proxy {
    /// Listens on `addr` (port 0 for a free one) and forwards to `upstream`.
    pub fn start_on(addr: SocketAddr, upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            upstream,
            open: AtomicBool::new(true),
            stopped: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&state);
        std::thread::spawn(move || accept_loop(&listener, &accepting));
        Ok(Self { addr, state })
    }

    /// The address to give onecse instead of the database's.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database "goes away": open connections are closed, new ones are accepted
    /// and closed at once (as a server that is down behind a load balancer).
    pub fn cut(&self) {
        self.state.open.store(false, Ordering::SeqCst);
        close_all(&self.state);
    }

    /// The database is back.
    pub fn restore(&self) {
        self.state.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::SeqCst);
        close_all(&self.state);
    }
}

fn close_all(state: &State) {
    let sockets =
        std::mem::take(&mut *state.sockets.lock().unwrap_or_else(PoisonError::into_inner));
    for socket in sockets {
        let _ = socket.shutdown(Shutdown::Both);
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    while !state.stopped.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if !state.open.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let _ = client.set_nonblocking(false);
        let Ok(server) = TcpStream::connect_timeout(&state.upstream, Duration::from_secs(2)) else {
            continue;
        };
        let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
            client.try_clone(),
            server.try_clone(),
            client.try_clone(),
            server.try_clone(),
        ) else {
            continue;
        };
        {
            let mut sockets = state.sockets.lock().unwrap_or_else(PoisonError::into_inner);
            // A `cut` while this connection was being set up (after the first look at
            // `open`) has already closed the registered sockets: close this one too,
            // or it would outlive the cut.
            if !state.open.load(Ordering::SeqCst) {
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                continue;
            }
            sockets.extend([c3, s3]);
        }
        std::thread::spawn(move || pump(client, server));
        std::thread::spawn(move || pump(s2, c2));
    }
}

/// Copies one direction until either side closes, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(buf.get(..n).unwrap_or_default()).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// `url` with its host and port replaced by `addr` (credentials, path and options
/// kept).
pub fn via(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with a scheme");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"));
    format!("{scheme}://{}{addr}{tail}", user.unwrap_or_default())
}

/// The database server's address in a PostgreSQL URL (port 5432 when none is given).
pub fn upstream(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let with_port = if host_port.rsplit_once(':').is_some() {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    with_port
        .to_socket_addrs()
        .expect("database address resolves")
        .next()
        .expect("one database address")
}

#[test]
fn urls_are_rerouted_through_the_proxy() {
    let addr: SocketAddr = "127.0.0.1:6000".parse().expect("addr");
    assert_eq!(
        via("postgres://u:p@db:5432/x?options=-csearch_path%3Dt", addr),
        "postgres://u:p@127.0.0.1:6000/x?options=-csearch_path%3Dt"
    );
    assert_eq!(
        via("postgres://127.0.0.1/x", addr),
        "postgres://127.0.0.1:6000/x"
    );
    assert_eq!(upstream("postgres://u@127.0.0.1:5433/x").port(), 5433);
}
