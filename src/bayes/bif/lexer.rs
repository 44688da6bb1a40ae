//! The BIF tokenizer and the token cursor the block parsers read from.
//!
//! Tokens are words (bare or `"quoted"`) and the punctuation `{}()[];,|`; `//` and
//! `/* */` comments and whitespace separate them. Every token carries its line.

use crate::error::{Error, Location, Result};

/// One BIF token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A bare or quoted word (names, keywords, numbers).
    Word(String),
    /// One of `{}()[];,|`.
    Punct(char),
}

/// The characters that are tokens by themselves.
const PUNCT: &str = "{}()[];,|";

/// A tokenizer failure: the line it started on and what went wrong.
#[derive(Debug, PartialEq)]
struct LexError {
    line: u64,
    message: &'static str,
}

/// The tokens of `text`, each with its line (1-based).
fn tokenize(text: &str) -> std::result::Result<Vec<(Tok, u64)>, LexError> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut line = 1u64;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            i = skip_line_comment(&chars, i);
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i = skip_block_comment(&chars, i, &mut line)?;
        } else if c == '"' {
            let start = line;
            let (word, next) = quoted(&chars, i, &mut line)?;
            toks.push((Tok::Word(word), start));
            i = next;
        } else if PUNCT.contains(c) {
            toks.push((Tok::Punct(c), line));
            i += 1;
        } else {
            let (word, next) = bare_word(&chars, i);
            toks.push((Tok::Word(word), line));
            i = next;
        }
    }
    Ok(toks)
}

/// Past a `//` comment starting at `i`: the index of the line's `\n` (or the end).
fn skip_line_comment(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i] != '\n' {
        i += 1;
    }
    i
}

/// Past a `/* */` comment starting at `i`, counting its newlines into `line`.
fn skip_block_comment(
    chars: &[char],
    mut i: usize,
    line: &mut u64,
) -> std::result::Result<usize, LexError> {
    let start = *line;
    i += 2;
    loop {
        if i + 1 >= chars.len() {
            return Err(LexError {
                line: start,
                message: "unterminated /* comment",
            });
        }
        if chars[i] == '*' && chars[i + 1] == '/' {
            return Ok(i + 2);
        }
        if chars[i] == '\n' {
            *line += 1;
        }
        i += 1;
    }
}

/// The quoted word whose opening `"` is at `i` (quotes dropped, newlines kept and
/// counted into `line`), and the index past its closing `"`.
fn quoted(
    chars: &[char],
    mut i: usize,
    line: &mut u64,
) -> std::result::Result<(String, usize), LexError> {
    let start = *line;
    i += 1;
    let mut s = String::new();
    loop {
        match chars.get(i) {
            None => {
                return Err(LexError {
                    line: start,
                    message: "unterminated quoted name",
                });
            }
            Some('"') => return Ok((s, i + 1)),
            Some(&ch) => {
                if ch == '\n' {
                    *line += 1;
                }
                s.push(ch);
                i += 1;
            }
        }
    }
}

/// The bare word starting at `i` — up to whitespace, punctuation, a quote or a
/// comment — and the index past it.
fn bare_word(chars: &[char], mut i: usize) -> (String, usize) {
    let ends_word = |i: usize| {
        chars[i].is_whitespace()
            || PUNCT.contains(chars[i])
            || chars[i] == '"'
            || (chars[i] == '/' && matches!(chars.get(i + 1), Some('/') | Some('*')))
    };
    let mut s = String::new();
    while i < chars.len() && !ends_word(i) {
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

/// A cursor over the tokens of one BIF text; its errors name the line (and the file,
/// when reading one).
pub(super) struct Lexer {
    toks: Vec<(Tok, u64)>,
    pos: usize,
    file: Option<std::path::PathBuf>,
}

impl Lexer {
    /// An [`Error::Model`] at `line`.
    pub(super) fn err(&self, line: u64, message: impl Into<String>) -> Error {
        Error::Model {
            location: Location {
                file: self.file.clone(),
                line: Some(line),
                column: None,
            },
            message: message.into(),
        }
    }

    /// Tokenizes `text` (read from `file`, if any).
    pub(super) fn new(text: &str, file: Option<std::path::PathBuf>) -> Result<Lexer> {
        let mut lx = Lexer {
            toks: Vec::new(),
            pos: 0,
            file,
        };
        match tokenize(text) {
            Ok(toks) => lx.toks = toks,
            Err(e) => return Err(lx.err(e.line, e.message)),
        }
        Ok(lx)
    }

    /// The line of the next token (of the last one at the end; 1 without tokens).
    pub(super) fn line(&self) -> u64 {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.1)
    }

    /// The next token, not consumed.
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    /// Consumes the next token; an error at the end of the input.
    pub(super) fn next(&mut self) -> Result<Tok> {
        let t = self
            .toks
            .get(self.pos)
            .map(|t| t.0.clone())
            .ok_or_else(|| self.err(self.line(), "unexpected end of input"))?;
        self.pos += 1;
        Ok(t)
    }

    /// Consumes a word; `what` names it in the error.
    pub(super) fn word(&mut self, what: &str) -> Result<String> {
        let line = self.line();
        match self.next()? {
            Tok::Word(w) => Ok(w),
            Tok::Punct(p) => Err(self.err(line, format!("expected {what}, found '{p}'"))),
        }
    }

    /// Consumes the punctuation `p`.
    pub(super) fn expect(&mut self, p: char) -> Result<()> {
        let line = self.line();
        match self.next()? {
            Tok::Punct(q) if q == p => Ok(()),
            Tok::Punct(q) => Err(self.err(line, format!("expected '{p}', found '{q}'"))),
            Tok::Word(w) => Err(self.err(line, format!("expected '{p}', found '{w}'"))),
        }
    }

    /// Consumes the punctuation `p` if it is next.
    pub(super) fn eat(&mut self, p: char) -> bool {
        if self.peek() == Some(&Tok::Punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes everything up to and including the next `;`.
    pub(super) fn skip_to_semicolon(&mut self) -> Result<()> {
        while self.next()? != Tok::Punct(';') {}
        Ok(())
    }

    /// Consumes a `{ … }` block, nested braces included.
    pub(super) fn skip_block(&mut self) -> Result<()> {
        self.expect('{')?;
        let mut depth = 1;
        while depth > 0 {
            match self.next()? {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Numbers up to `;` (commas optional).
    pub(super) fn numbers(&mut self) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        loop {
            let line = self.line();
            match self.next()? {
                Tok::Punct(';') => return Ok(out),
                Tok::Punct(',') => {}
                Tok::Word(w) => out.push(
                    w.parse::<f64>()
                        .map_err(|_| self.err(line, format!("'{w}' is not a number")))?,
                ),
                Tok::Punct(p) => return Err(self.err(line, format!("unexpected '{p}' in numbers"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(Tok, u64)> {
        tokenize(text).unwrap()
    }

    #[test]
    fn tokens_carry_their_lines() {
        let toks = words("variable a {\n  type discrete [ 2 ] { x, y };\n}");
        assert_eq!(toks[0], (Tok::Word("variable".into()), 1));
        assert_eq!(toks[2], (Tok::Punct('{'), 1));
        assert_eq!(toks[3], (Tok::Word("type".into()), 2));
        assert_eq!(toks.last(), Some(&(Tok::Punct('}'), 3)));
        let puncts = toks.iter().filter(|t| matches!(t.0, Tok::Punct(_))).count();
        assert_eq!(puncts, 8);
    }

    #[test]
    fn comments_separate_and_count_lines() {
        let toks = words("a// rest of line\nb/* one\ntwo */c d/*x*/e");
        let got: Vec<(String, u64)> = toks
            .into_iter()
            .map(|(t, l)| match t {
                Tok::Word(w) => (w, l),
                Tok::Punct(p) => (p.to_string(), l),
            })
            .collect();
        let want = [("a", 1), ("b", 2), ("c", 3), ("d", 3), ("e", 3)];
        let want: Vec<(String, u64)> = want.iter().map(|&(w, l)| (w.to_string(), l)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn quoted_words_keep_spaces_and_take_their_first_line() {
        let toks = words("x \"two\nlines, (here)\" y");
        assert_eq!(toks[1], (Tok::Word("two\nlines, (here)".into()), 1));
        assert_eq!(toks[2], (Tok::Word("y".into()), 2));
        // A quote ends a bare word.
        assert_eq!(
            words("ab\"c\"")
                .into_iter()
                .map(|t| t.0)
                .collect::<Vec<_>>(),
            vec![Tok::Word("ab".into()), Tok::Word("c".into())]
        );
    }

    #[test]
    fn unterminated_comment_and_quote_name_their_first_line() {
        assert_eq!(
            tokenize("a\n/* open\n\n"),
            Err(LexError {
                line: 2,
                message: "unterminated /* comment"
            })
        );
        assert_eq!(
            tokenize("a\n\n\"open\n"),
            Err(LexError {
                line: 3,
                message: "unterminated quoted name"
            })
        );
        let e = Lexer::new("/*", None).err().unwrap().to_string();
        assert!(
            e.contains("line 1") && e.contains("unterminated /* comment"),
            "{e}"
        );
    }

    #[test]
    fn cursor_reads_words_punctuation_and_numbers() {
        let mut lx = Lexer::new("table 0.5, 1e-1 0.4; { a { b } } (", None).unwrap();
        assert_eq!(lx.word("'table'").unwrap(), "table");
        assert_eq!(lx.numbers().unwrap(), vec![0.5, 0.1, 0.4]);
        lx.skip_block().unwrap();
        assert!(!lx.eat(')'));
        assert!(lx.eat('('));
        assert!(lx.peek().is_none());
        let e = lx.next().unwrap_err().to_string();
        assert!(e.contains("unexpected end of input"), "{e}");
        let mut lx = Lexer::new("1 x;", None).unwrap();
        let e = lx.numbers().unwrap_err().to_string();
        assert!(e.contains("'x' is not a number"), "{e}");
        let mut lx = Lexer::new("{", None).unwrap();
        let e = lx.word("a name").unwrap_err().to_string();
        assert!(e.contains("expected a name, found '{'"), "{e}");
    }
}
