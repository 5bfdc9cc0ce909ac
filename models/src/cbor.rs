//! CBOR (RFC 8949) ⇄ the JSON data model, as TS-0004 §8.5 maps oneM2M content: the
//! same tree as JSON, so a CBOR body is decoded into a `serde_json::Value` at the edge
//! and validated exactly like JSON, and a response is encoded from the same value.
//!
//! Written here rather than through a general CBOR crate because the mapping is a
//! strict subset with rules a general codec does not follow: floats are sent as 64-bit
//! (AI 27; general encoders shrink them to 16-bit halves, which §8.5 does not list), and
//! byte strings, tags, `undefined` and other simple values are refused on input
//! (a general decoder turns `undefined` into null, which would silently mean "delete the
//! attribute" in an UPDATE). Integration tests cross-check both directions with
//! `ciborium`.

use serde_json::{Map, Number, Value};

/// Deepest nesting of arrays and maps accepted, so a hostile body cannot exhaust the
/// stack; oneM2M content is a handful of levels deep.
pub const MAX_DEPTH: usize = 64;

/// Encodes a JSON value as CBOR: definite lengths, shortest integer heads, text
/// strings, 64-bit floats.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_into(value, &mut out);
    out
}

fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                head(0, u, out);
            } else if let Some(i) = n.as_i64() {
                // -1 - i for a negative i, without overflow at i64::MIN.
                head(1, !(i as u64), out);
            } else {
                out.push(0xfb);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_be_bytes());
            }
        }
        Value::String(s) => {
            head(3, s.len() as u64, out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            head(4, items.len() as u64, out);
            for item in items {
                encode_into(item, out);
            }
        }
        Value::Object(members) => {
            head(5, members.len() as u64, out);
            for (key, member) in members {
                head(3, key.len() as u64, out);
                out.extend_from_slice(key.as_bytes());
                encode_into(member, out);
            }
        }
    }
}

/// The initial byte(s) of an item: major type and argument in its shortest form.
fn head(major: u8, arg: u64, out: &mut Vec<u8>) {
    let major = major << 5;
    if arg < 24 {
        out.push(major | arg as u8);
    } else if let Ok(a) = u8::try_from(arg) {
        out.extend_from_slice(&[major | 24, a]);
    } else if let Ok(a) = u16::try_from(arg) {
        out.push(major | 25);
        out.extend_from_slice(&a.to_be_bytes());
    } else if let Ok(a) = u32::try_from(arg) {
        out.push(major | 26);
        out.extend_from_slice(&a.to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// Decodes one CBOR item that must fill `bytes` exactly; the error says what was wrong
/// and at which byte offset, for `m2m:dbg`.
pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.item(0)?;
    if reader.pos != bytes.len() {
        return Err(format!(
            "unexpected data after the CBOR item at byte {}",
            reader.pos
        ));
    }
    Ok(value)
}

/// What an item's head announces.
enum Head {
    Item(Value),
    Text(Option<usize>),
    Array(Option<usize>),
    Map(Option<usize>),
    Break,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "CBOR data ends early (at byte {})",
                self.bytes.len()
            ));
        };
        let slice = self.bytes.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn uint(&mut self, n: usize) -> Result<u64, String> {
        let mut value = 0u64;
        for b in self.take(n)? {
            value = (value << 8) | u64::from(*b);
        }
        Ok(value)
    }

    /// The argument of a head with additional information `ai`; `None` for the
    /// indefinite length (31).
    fn argument(&mut self, ai: u8, at: usize) -> Result<Option<u64>, String> {
        match ai {
            0..=23 => Ok(Some(u64::from(ai))),
            24 => self.uint(1).map(Some),
            25 => self.uint(2).map(Some),
            26 => self.uint(4).map(Some),
            27 => self.uint(8).map(Some),
            31 => Ok(None),
            _ => Err(format!("malformed CBOR head at byte {at}")),
        }
    }

    fn head(&mut self) -> Result<Head, String> {
        let at = self.pos;
        let initial = self.byte()?;
        let (major, ai) = (initial >> 5, initial & 0x1f);
        if major == 7 {
            return self.simple(ai, at);
        }
        let arg = self.argument(ai, at)?;
        let length = |arg: Option<u64>| -> Result<Option<usize>, String> {
            arg.map(|n| {
                usize::try_from(n).map_err(|_| format!("CBOR length too large at byte {at}"))
            })
            .transpose()
        };
        match (major, arg) {
            (0, Some(n)) => Ok(Head::Item(Value::from(n))),
            (1, Some(n)) => match i64::try_from(n) {
                Ok(n) => Ok(Head::Item(Value::from(-1 - n))),
                Err(_) => Err(format!("CBOR negative integer out of range at byte {at}")),
            },
            (2, _) => Err(format!(
                "CBOR byte strings are not part of the oneM2M mapping (byte {at}); send text"
            )),
            (3, arg) => Ok(Head::Text(length(arg)?)),
            (4, arg) => Ok(Head::Array(length(arg)?)),
            (5, arg) => Ok(Head::Map(length(arg)?)),
            (6, _) => Err(format!(
                "CBOR tags are not part of the oneM2M mapping (byte {at})"
            )),
            _ => Err(format!("malformed CBOR head at byte {at}")),
        }
    }

    fn simple(&mut self, ai: u8, at: usize) -> Result<Head, String> {
        let value = match ai {
            20 => Value::Bool(false),
            21 => Value::Bool(true),
            22 => Value::Null,
            23 => {
                return Err(format!(
                    "CBOR undefined is not part of the oneM2M mapping (byte {at}); use null"
                ));
            }
            25 => float(half_to_f64(self.uint(2)? as u16), at)?,
            26 => float(f64::from(f32::from_bits(self.uint(4)? as u32)), at)?,
            27 => float(f64::from_bits(self.uint(8)?), at)?,
            31 => return Ok(Head::Break),
            _ => {
                return Err(format!(
                    "CBOR simple value {ai} is not part of the oneM2M mapping (byte {at})"
                ));
            }
        };
        Ok(Head::Item(value))
    }

    fn item(&mut self, depth: usize) -> Result<Value, String> {
        let at = self.pos;
        match self.head()? {
            Head::Item(value) => Ok(value),
            Head::Text(len) => self.text(len, at).map(Value::String),
            Head::Break => Err(format!("unexpected CBOR break at byte {at}")),
            Head::Array(len) => {
                let depth = nested(depth, at)?;
                let mut items = Vec::new();
                while let Some(item) = self.next_in(len, items.len(), depth)? {
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
            Head::Map(len) => {
                let depth = nested(depth, at)?;
                let mut members = Map::new();
                let mut count = 0;
                while let Some(key) = self.next_in(len, count, depth)? {
                    let Value::String(key) = key else {
                        return Err(format!(
                            "CBOR map keys must be text strings (map at byte {at})"
                        ));
                    };
                    let member = self.item(depth)?;
                    if members.insert(key.clone(), member).is_some() {
                        return Err(format!("CBOR map at byte {at} repeats the key '{key}'"));
                    }
                    count += 1;
                }
                Ok(Value::Object(members))
            }
        }
    }

    /// The next element of an array or map of `len` elements (`None`: indefinite, up to
    /// a break), or `None` when it is complete.
    fn next_in(
        &mut self,
        len: Option<usize>,
        done: usize,
        depth: usize,
    ) -> Result<Option<Value>, String> {
        match len {
            Some(len) if done >= len => Ok(None),
            Some(_) => self.item(depth).map(Some),
            None => {
                if self.bytes.get(self.pos) == Some(&0xff) {
                    self.pos += 1;
                    Ok(None)
                } else {
                    self.item(depth).map(Some)
                }
            }
        }
    }

    /// A text string: one definite chunk, or an indefinite sequence of definite chunks.
    fn text(&mut self, len: Option<usize>, at: usize) -> Result<String, String> {
        let utf8 = |bytes: &[u8]| {
            std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|_| format!("CBOR text at byte {at} is not valid UTF-8"))
        };
        if let Some(len) = len {
            return utf8(self.take(len)?);
        }
        let mut text = String::new();
        loop {
            let chunk_at = self.pos;
            match self.head()? {
                Head::Break => return Ok(text),
                Head::Text(Some(len)) => text.push_str(&utf8(self.take(len)?)?),
                _ => {
                    return Err(format!(
                        "CBOR text at byte {at} has a chunk that is not definite text (byte {chunk_at})"
                    ));
                }
            }
        }
    }
}

fn nested(depth: usize, at: usize) -> Result<usize, String> {
    if depth >= MAX_DEPTH {
        Err(format!(
            "CBOR nesting deeper than {MAX_DEPTH} levels (byte {at})"
        ))
    } else {
        Ok(depth + 1)
    }
}

fn float(value: f64, at: usize) -> Result<Value, String> {
    Number::from_f64(value)
        .map(Value::Number)
        .ok_or_else(|| format!("CBOR float at byte {at} is not a finite number"))
}

/// IEEE 754 half precision → f64 (RFC 8949 Appendix D).
fn half_to_f64(half: u16) -> f64 {
    let exp = i32::from((half >> 10) & 0x1f);
    let mant = f64::from(half & 0x3ff);
    let magnitude = match exp {
        0 => mant * 2f64.powi(-24),
        31 => {
            if mant == 0.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
        _ => (mant + 1024.0) * 2f64.powi(exp - 25),
    };
    if half & 0x8000 == 0 {
        magnitude
    } else {
        -magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        let text: String = text.split_whitespace().collect();
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
            .collect()
    }

    #[test]
    fn the_digest_example_encodes_byte_for_byte() {
        let value = json!({"m2m:cnt": {"rn": "cnt1", "mni": 10}});
        // serde_json keeps keys sorted: mni before rn.
        assert_eq!(
            hex(&encode(&value)),
            "a1676d326d3a636e74a2636d6e690a62726e64636e7431"
        );
        let spec_order = unhex("a1 67 6d326d3a636e74 a2 62 726e 64 636e7431 63 6d6e69 0a");
        assert_eq!(decode(&spec_order), Ok(value));
    }

    #[test]
    fn every_json_kind_round_trips() {
        let value = json!({
            "a": [0, 23, 24, 255, 256, 65535, 65536, 4294967296u64, u64::MAX],
            "n": [-1, -24, -25, -256, -257, i64::MIN],
            "f": [1.5, -0.1, 1e300],
            "t": "ünïcode", "e": "", "b": [true, false, null], "o": {}, "l": []
        });
        assert_eq!(decode(&encode(&value)), Ok(value));
        assert_eq!(hex(&encode(&json!(1.5))), "fb3ff8000000000000");
    }

    #[test]
    fn indefinite_lengths_and_short_floats_are_read() {
        // [_ "a", {_ "b": 1}] with text chunks (_ "x" "y"), then f16 1.0 and f32 0.5.
        let bytes = unhex("9f 6161 bf 6162 01 ff 7f 6178 6179 ff f93c00 fa3f000000 ff");
        assert_eq!(decode(&bytes), Ok(json!(["a", {"b": 1}, "xy", 1.0, 0.5])));
    }

    #[test]
    fn what_the_mapping_does_not_use_is_refused() {
        let refused = [
            ("42 0102", "byte strings"),
            ("c1 1a514b67b0", "tags"),
            ("f7", "undefined"),
            ("f0", "simple value"),
            ("a1 01 02", "keys must be text"),
            ("a2 6161 01 6161 02", "repeats the key"),
            ("62 ff fe", "UTF-8"),
            ("83 01 02", "ends early"),
            ("01 02", "after the CBOR item"),
            ("ff", "break"),
            ("1c", "malformed"),
            ("f97e00", "finite"),
            ("", "ends early"),
        ];
        for (bytes, why) in refused {
            let err = decode(&unhex(bytes)).err().unwrap_or_default();
            assert!(err.contains(why), "{bytes}: {err}");
        }
        let deep = [vec![0x81; MAX_DEPTH + 1], vec![0x01]].concat();
        assert!(decode(&deep).is_err_and(|e| e.contains("nesting")));
        let ok = [vec![0x81; MAX_DEPTH], vec![0x01]].concat();
        assert!(decode(&ok).is_ok());
    }
}
