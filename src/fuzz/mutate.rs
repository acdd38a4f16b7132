//! The mutator: turns corpus entries into new inputs with the edits that
//! find bugs in line protocols and MIME (byte flips, deletions, repeated
//! tokens, dictionary words, inserted literals, splices of two entries).
//! It is a pure function of its random stream, so an input is reproduced
//! from the run's seed and its iteration number alone.

/// SplitMix64: tiny, fast, and the same on every platform and release, so a
/// seed printed today reproduces the same inputs tomorrow.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The stream of iteration `i` of a run seeded with `seed`.
    pub(crate) fn for_iteration(seed: u64, i: u64) -> Rng {
        let mut rng = Rng(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// Bytes that mean something to a parser of text protocols.
const SPECIAL_BYTES: &[u8] = b"\0\r\n \t\"\\(){}[]<>%*+-.,:;=@&?~\x7f\x80\xff";

/// Numbers at the edges of the types parsers convert to.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "255",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "00000000000000000001",
];

/// How a target's inputs are shaped, for the mutator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Words of the target's language (commands, header names, JSON keys).
    pub dictionary: &'static [&'static str],
    /// Inputs are cut to this length.
    pub max_len: usize,
    /// Whether IMAP literals (`{n}` / `{n+}`) are worth inserting.
    pub literals: bool,
}

/// A new input from the corpus: one entry, changed by one to eight edits.
pub(crate) fn mutate(corpus: &[Vec<u8>], shape: &Shape, rng: &mut Rng) -> Vec<u8> {
    let mut data = rng.pick(corpus).cloned().unwrap_or_default();
    let edits = 1 + rng.below(8);
    for _ in 0..edits {
        edit(&mut data, corpus, shape, rng);
    }
    data.truncate(shape.max_len);
    data
}

fn edit(data: &mut Vec<u8>, corpus: &[Vec<u8>], shape: &Shape, rng: &mut Rng) {
    let at = rng.below(data.len() + 1);
    match rng.below(16) {
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = SPECIAL_BYTES[rng.below(SPECIAL_BYTES.len())];
        }
        2 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = rng.next() as u8;
        }
        3 => {
            let end = at.saturating_add(1 + rng.below(32)).min(data.len());
            data.drain(at..end);
        }
        4 | 5 => {
            if let Some(word) = rng.pick(shape.dictionary) {
                data.splice(at..at, word.bytes());
            }
        }
        6 => {
            let number = NUMBERS[rng.below(NUMBERS.len())];
            let end = digits_end(data, at);
            data.splice(at..end, number.bytes());
        }
        7 if shape.literals => insert_literal(data, at, rng),
        8 => repeat(data, at, rng),
        9 => {
            // Splice: a piece of another entry inserted here.
            if let Some(other) = rng.pick(corpus) {
                let from = rng.below(other.len() + 1);
                let end = from.saturating_add(rng.below(256)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
        }
        10 => {
            // Crossover: this entry's start, another's end.
            if let Some(other) = rng.pick(corpus) {
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
        }
        11 => line_edit(data, rng),
        12 if !data.is_empty() => {
            // Line endings are where framing bugs live.
            let i = rng.below(data.len());
            let ending: &[u8] = [&b"\r\n"[..], b"\n", b"\r", b"\r\r\n", b"\r\n\r\n"][rng.below(5)];
            data.splice(i..i, ending.iter().copied());
        }
        13 => data.truncate(at),
        14 if data.len() > 1 => {
            let i = rng.below(data.len());
            let j = rng.below(data.len());
            data.swap(i, j);
        }
        _ => {
            let byte = SPECIAL_BYTES[rng.below(SPECIAL_BYTES.len())];
            data.insert(at, byte);
        }
    }
}

/// Where the run of ASCII digits starting at `at` ends (so a number is
/// replaced, not glued to another).
fn digits_end(data: &[u8], at: usize) -> usize {
    let mut end = at;
    while end < data.len() && data[end].is_ascii_digit() {
        end += 1;
    }
    end
}

/// `{n}\r\n` or `{n+}\r\n` followed by n bytes, or by fewer or more than
/// announced, or a huge announced size with nothing after it.
fn insert_literal(data: &mut Vec<u8>, at: usize, rng: &mut Rng) {
    let plus = if rng.chance(2) { "+" } else { "" };
    let (announced, actual) = match rng.below(4) {
        0 => {
            let n = NUMBERS[rng.below(NUMBERS.len())];
            (n.to_string(), 0)
        }
        1 => {
            let n = rng.below(64);
            (
                n.to_string(),
                n.saturating_add(rng.below(5)).saturating_sub(2),
            )
        }
        _ => {
            let n = rng.below(300);
            (n.to_string(), n)
        }
    };
    let mut literal = format!("{{{announced}{plus}}}\r\n").into_bytes();
    let alphabet = b"abc \r\n\"{}()";
    for _ in 0..actual {
        literal.push(alphabet[rng.below(alphabet.len())]);
    }
    data.splice(at..at, literal);
}

/// A piece of the input repeated, a few or many times (long lists, deep
/// nesting, many parts).
fn repeat(data: &mut Vec<u8>, at: usize, rng: &mut Rng) {
    let end = at.saturating_add(1 + rng.below(24)).min(data.len());
    let piece = data[at..end].to_vec();
    if piece.is_empty() {
        return;
    }
    let times = if rng.chance(4) {
        64 + rng.below(2000)
    } else {
        1 + rng.below(8)
    };
    let mut more = Vec::with_capacity(piece.len() * times);
    for _ in 0..times {
        more.extend_from_slice(&piece);
    }
    data.splice(end..end, more);
}

/// Duplicate, drop or move a whole line (commands out of order, twice, or
/// missing).
fn line_edit(data: &mut Vec<u8>, rng: &mut Rng) {
    let mut lines: Vec<Vec<u8>> = data
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        return;
    }
    let i = rng.below(lines.len());
    match rng.below(3) {
        0 => {
            let line = lines[i].clone();
            lines.insert(rng.below(lines.len() + 1), line);
        }
        1 => {
            lines.remove(i);
        }
        _ => {
            let line = lines.remove(i);
            lines.insert(rng.below(lines.len() + 1), line);
        }
    }
    *data = lines.concat();
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        dictionary: &["FETCH", "BODY[]"],
        max_len: 4096,
        literals: true,
    };

    #[test]
    fn the_same_seed_and_iteration_give_the_same_input() {
        let corpus = vec![
            b"a1 LOGIN fuzz fuzz\r\n".to_vec(),
            b"a2 SELECT INBOX\r\n".to_vec(),
        ];
        for i in 0..200 {
            let a = mutate(&corpus, &SHAPE, &mut Rng::for_iteration(7, i));
            let b = mutate(&corpus, &SHAPE, &mut Rng::for_iteration(7, i));
            assert_eq!(a, b, "iteration {i}");
            assert!(a.len() <= SHAPE.max_len);
        }
        let differ = (0..50)
            .filter(|&i| {
                mutate(&corpus, &SHAPE, &mut Rng::for_iteration(7, i))
                    != mutate(&corpus, &SHAPE, &mut Rng::for_iteration(8, i))
            })
            .count();
        assert!(differ > 25, "another seed explores other inputs");
    }

    #[test]
    fn an_empty_corpus_still_gives_inputs() {
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            assert!(mutate(&[], &SHAPE, &mut rng).len() <= SHAPE.max_len);
        }
    }
}
