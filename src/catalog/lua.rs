//! A small reader for the subset of Lua used by the EID text tables: top-level `local`
//! assignments, field assignments and calls whose arguments are string, number and table
//! constructors (with `..` concatenation of known locals). Function bodies and control
//! blocks are skipped, not evaluated.

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Num(f64),
    Str(String),
    Table(Vec<(Key, Value)>),
    /// A reference to a name or field path that is not a known constant, e.g. `EID.ItemNames[languageCode]`.
    Path(String),
    /// Anything else (functions, arithmetic on unknowns): parsed, not evaluated.
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    /// 1-based position of an unkeyed entry.
    Pos(usize),
    Str(String),
    Num(f64),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// What a file does at its top level, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// `local name = value` or `path = value` (the path as written, normalised: `a.b[c]`).
    Assign { target: String, value: Value },
    /// `path(args)` or `obj:method(args)`; the callee as written.
    Call { callee: String, args: Vec<Value> },
}

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LuaError {
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
    Eof,
}

const SYMBOLS: [&str; 27] = [
    "...", "..", "==", "~=", "<=", ">=", "::", "//", "=", "{", "}", "[", "]", "(", ")", ",", ";",
    ".", ":", "+", "-", "*", "/", "%", "<", ">", "#",
];

fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, LuaError> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let err = |line, message: String| LuaError { line, message };
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("--") {
            i += 2;
            if let Some(level) = long_bracket_level(&src[i..]) {
                let (_, consumed) = read_long_string(&src[i..], level)
                    .ok_or_else(|| err(line, "unterminated block comment".into()))?;
                line += src[i..i + consumed].matches('\n').count();
                i += consumed;
            } else {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
        } else if c == b'"' || c == b'\'' {
            let start_line = line;
            let (s, consumed) = read_quoted(&src[i..]).map_err(|m| err(start_line, m))?;
            line += src[i..i + consumed].matches('\n').count();
            toks.push((Tok::Str(s), start_line));
            i += consumed;
        } else if c == b'[' && long_bracket_level(&src[i..]).is_some() {
            let level = long_bracket_level(&src[i..]).unwrap_or(0);
            let start_line = line;
            let (s, consumed) = read_long_string(&src[i..], level)
                .ok_or_else(|| err(line, "unterminated long string".into()))?;
            line += src[i..i + consumed].matches('\n').count();
            toks.push((Tok::Str(s), start_line));
            i += consumed;
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (n, consumed) = read_number(&src[i..]).map_err(|m| err(line, m))?;
            toks.push((Tok::Num(n), line));
            i += consumed;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            toks.push((Tok::Name(src[start..i].to_string()), line));
        } else if let Some(sym) = SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
            toks.push((Tok::Sym(sym), line));
            i += sym.len();
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(err(line, format!("unexpected character {ch:?}")));
        }
    }
    toks.push((Tok::Eof, line));
    Ok(toks)
}

/// A decimal or `0x` hexadecimal number at the start of `s`, and the bytes it took.
fn read_number(s: &str) -> Result<(f64, usize), String> {
    let bytes = s.as_bytes();
    let bad = |end: usize| format!("bad number {:?}", &s[..end]);
    if s.starts_with("0x") || s.starts_with("0X") {
        let end = 2 + bytes[2..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let n = i64::from_str_radix(&s[2..end], 16).map_err(|_| bad(end))?;
        return Ok((n as f64, end));
    }
    let mut end = 0;
    // Digits, a point, letters (an exponent or a typo to report), and a sign after an
    // exponent.
    while end < bytes.len()
        && (bytes[end].is_ascii_alphanumeric()
            || bytes[end] == b'.'
            || ((bytes[end] == b'-' || bytes[end] == b'+')
                && end > 0
                && matches!(bytes[end - 1], b'e' | b'E')))
    {
        end += 1;
    }
    let n: f64 = s[..end].parse().map_err(|_| bad(end))?;
    Ok((n, end))
}

/// `[[`, `[=[`, ... : the number of `=` signs, if this is a long bracket.
fn long_bracket_level(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('[')?;
    let level = rest.bytes().take_while(|b| *b == b'=').count();
    rest[level..].starts_with('[').then_some(level)
}

fn read_long_string(s: &str, level: usize) -> Option<(String, usize)> {
    let open = level + 2;
    let close = format!("]{}]", "=".repeat(level));
    let end = s[open..].find(&close)?;
    let mut body = &s[open..open + end];
    // Lua skips a newline directly after the opening bracket.
    if let Some(b) = body.strip_prefix('\n') {
        body = b;
    }
    Some((body.to_string(), open + end + close.len()))
}

fn read_quoted(s: &str) -> Result<(String, usize), String> {
    let quote = s.as_bytes()[0] as char;
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((out, i + 1)),
            '\n' => return Err("unterminated string".into()),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    '\\' | '"' | '\'' | '\n' => out.push(e),
                    'z' => {
                        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    'x' => {
                        let hex: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        let v = u8::from_str_radix(&hex, 16)
                            .map_err(|_| format!("bad escape \\x{hex}"))?;
                        out.push(v as char);
                    }
                    'u' => {
                        if chars.next().map(|(_, c)| c) != Some('{') {
                            return Err("bad \\u escape".into());
                        }
                        let mut hex = String::new();
                        for (_, c) in chars.by_ref() {
                            if c == '}' {
                                break;
                            }
                            hex.push(c);
                        }
                        let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        out.push(ch.ok_or_else(|| format!("bad escape \\u{{{hex}}}"))?);
                    }
                    d if d.is_ascii_digit() => {
                        let mut n = d.to_digit(10).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek() {
                                Some((_, c)) if c.is_ascii_digit() => {
                                    n = n * 10 + c.to_digit(10).unwrap_or(0);
                                    chars.next();
                                }
                                _ => break,
                            }
                        }
                        out.push(char::from_u32(n).unwrap_or('?'));
                    }
                    other => return Err(format!("bad escape \\{other}")),
                }
            }
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    /// Top-level locals holding constants, for `C_ID .. 1` style keys.
    consts: HashMap<String, Value>,
    /// Nesting of expressions being parsed: bounded so a hostile file cannot exhaust the
    /// stack.
    depth: usize,
}

/// Deepest expression nesting accepted; EID tables nest three or four levels.
pub const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn line(&self) -> usize {
        self.toks[self.pos].1
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn error<T>(&self, message: impl Into<String>) -> Result<T, LuaError> {
        Err(LuaError {
            line: self.line(),
            message: message.into(),
        })
    }
    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Tok::Sym(s) if *s == sym) {
            self.next();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, sym: &str) -> Result<(), LuaError> {
        if self.eat(sym) {
            Ok(())
        } else {
            self.error(format!("expected {sym:?}, found {}", describe(self.peek())))
        }
    }
    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == name)
    }

    fn chunk(&mut self) -> Result<Vec<Statement>, LuaError> {
        let mut out = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Eof => return Ok(out),
                Tok::Sym(";") => {
                    self.next();
                }
                Tok::Name(n) if n == "local" => {
                    self.next();
                    if self.is_name("function") {
                        self.next();
                        self.skip_function_body()?;
                        continue;
                    }
                    let mut names = vec![self.name()?];
                    while self.eat(",") {
                        names.push(self.name()?);
                    }
                    if self.eat("=") {
                        let values = self.expr_list()?;
                        for (name, value) in names.into_iter().zip(values) {
                            if matches!(value, Value::Str(_) | Value::Num(_)) {
                                self.consts.insert(name.clone(), value.clone());
                            }
                            out.push(Statement::Assign {
                                target: name,
                                value,
                            });
                        }
                    }
                }
                Tok::Name(n) if n == "function" => {
                    self.next();
                    self.skip_function_body()?;
                }
                Tok::Name(n) if matches!(n.as_str(), "if" | "for" | "while" | "do" | "repeat") => {
                    self.skip_block()?;
                }
                Tok::Name(n) if n == "return" => {
                    self.next();
                    if !matches!(self.peek(), Tok::Eof | Tok::Sym(";")) {
                        self.expr_list()?;
                    }
                }
                Tok::Name(_) | Tok::Sym("(") => {
                    let (callee, call) = self.prefix_expr()?;
                    if let Some(args) = call {
                        out.push(Statement::Call { callee, args });
                    } else {
                        let mut targets = vec![callee];
                        while self.eat(",") {
                            targets.push(self.prefix_expr()?.0);
                        }
                        self.expect("=")?;
                        let values = self.expr_list()?;
                        for (target, value) in targets.into_iter().zip(values) {
                            out.push(Statement::Assign { target, value });
                        }
                    }
                }
                other => return self.error(format!("unexpected {}", describe(&other))),
            }
        }
    }

    fn name(&mut self) -> Result<String, LuaError> {
        match self.next() {
            Tok::Name(n) => Ok(n),
            other => self.error(format!("expected a name, found {}", describe(&other))),
        }
    }

    /// A name with field, index and call suffixes. Returns the path as written and, when
    /// the last suffix is a call, its arguments.
    fn prefix_expr(&mut self) -> Result<(String, Option<Vec<Value>>), LuaError> {
        let mut path = if self.eat("(") {
            self.expr()?;
            self.expect(")")?;
            "(...)".to_string()
        } else {
            self.name()?
        };
        let mut call = None;
        loop {
            match self.peek().clone() {
                Tok::Sym(".") => {
                    self.next();
                    path = format!("{path}.{}", self.name()?);
                    call = None;
                }
                Tok::Sym("[") => {
                    self.next();
                    let key = self.expr()?;
                    self.expect("]")?;
                    path = format!("{path}[{}]", path_part(&key));
                    call = None;
                }
                Tok::Sym(":") => {
                    self.next();
                    path = format!("{path}:{}", self.name()?);
                    call = Some(self.call_args()?);
                }
                Tok::Sym("(") | Tok::Sym("{") | Tok::Str(_) => {
                    call = Some(self.call_args()?);
                }
                _ => return Ok((path, call)),
            }
        }
    }

    fn call_args(&mut self) -> Result<Vec<Value>, LuaError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                Ok(vec![Value::Str(s)])
            }
            Tok::Sym("{") => Ok(vec![self.table()?]),
            Tok::Sym("(") => {
                self.next();
                if self.eat(")") {
                    return Ok(Vec::new());
                }
                let args = self.expr_list()?;
                self.expect(")")?;
                Ok(args)
            }
            other => self.error(format!(
                "expected call arguments, found {}",
                describe(&other)
            )),
        }
    }

    fn expr_list(&mut self) -> Result<Vec<Value>, LuaError> {
        let mut values = vec![self.expr()?];
        while self.eat(",") {
            values.push(self.expr()?);
        }
        Ok(values)
    }

    fn expr(&mut self) -> Result<Value, LuaError> {
        let mut value = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym(
                    s @ (".." | "+" | "-" | "*" | "/" | "//" | "%" | "==" | "~=" | "<" | "<=" | ">"
                    | ">="),
                ) => *s,
                Tok::Name(n) if n == "and" || n == "or" => "logic",
                _ => return Ok(value),
            };
            self.next();
            let rhs = self.unary()?;
            value = match (op, &value, &rhs) {
                ("..", l, r) => match (concat_part(l), concat_part(r)) {
                    (Some(a), Some(b)) => Value::Str(a + &b),
                    _ => Value::Other,
                },
                _ => Value::Other,
            };
        }
    }

    fn unary(&mut self) -> Result<Value, LuaError> {
        self.depth += 1;
        let value = if self.depth > MAX_DEPTH {
            self.error(format!("nested more than {MAX_DEPTH} levels deep"))
        } else {
            self.unary_inner()
        };
        self.depth -= 1;
        value
    }

    fn unary_inner(&mut self) -> Result<Value, LuaError> {
        if self.eat("-") {
            return Ok(match self.unary()? {
                Value::Num(n) => Value::Num(-n),
                _ => Value::Other,
            });
        }
        if self.eat("#") || self.is_name("not") {
            if self.is_name("not") {
                self.next();
            }
            self.unary()?;
            return Ok(Value::Other);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Value, LuaError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                Ok(Value::Str(s))
            }
            Tok::Num(n) => {
                self.next();
                Ok(Value::Num(n))
            }
            Tok::Sym("{") => self.table(),
            Tok::Sym("...") => {
                self.next();
                Ok(Value::Other)
            }
            Tok::Name(n) => match n.as_str() {
                "nil" => {
                    self.next();
                    Ok(Value::Nil)
                }
                "true" | "false" => {
                    self.next();
                    Ok(Value::Bool(n == "true"))
                }
                "function" => {
                    self.next();
                    self.skip_function_body()?;
                    Ok(Value::Other)
                }
                _ => {
                    let (path, call) = self.prefix_expr()?;
                    if call.is_some() {
                        Ok(Value::Other)
                    } else if let Some(v) = self.consts.get(&path) {
                        Ok(v.clone())
                    } else {
                        Ok(Value::Path(path))
                    }
                }
            },
            Tok::Sym("(") => {
                self.next();
                let v = self.expr()?;
                self.expect(")")?;
                Ok(v)
            }
            other => self.error(format!("expected a value, found {}", describe(&other))),
        }
    }

    fn table(&mut self) -> Result<Value, LuaError> {
        let open_line = self.line();
        self.expect("{")?;
        let mut entries = Vec::new();
        let mut pos = 0;
        loop {
            if self.eat("}") {
                return Ok(Value::Table(entries));
            }
            if matches!(self.peek(), Tok::Eof) {
                return Err(LuaError {
                    line: open_line,
                    message: "table is never closed (file truncated?)".into(),
                });
            }
            if self.eat("[") {
                let key = self.expr()?;
                self.expect("]")?;
                self.expect("=")?;
                let value = self.expr()?;
                let key = match key {
                    Value::Str(s) => Key::Str(s),
                    Value::Num(n) => Key::Num(n),
                    _ => return self.error("table key is not a constant"),
                };
                entries.push((key, value));
            } else if matches!(self.peek(), Tok::Name(_))
                && matches!(self.toks.get(self.pos + 1), Some((Tok::Sym("="), _)))
            {
                let name = self.name()?;
                self.expect("=")?;
                entries.push((Key::Str(name), self.expr()?));
            } else {
                pos += 1;
                entries.push((Key::Pos(pos), self.expr()?));
            }
            if !self.eat(",") && !self.eat(";") {
                self.expect("}")?;
                return Ok(Value::Table(entries));
            }
        }
    }

    /// After `function`: an optional name, the parameter list and the body up to its `end`.
    fn skip_function_body(&mut self) -> Result<(), LuaError> {
        while !self.eat("(") {
            if matches!(self.peek(), Tok::Eof) {
                return self.error("function without parameters");
            }
            self.next();
        }
        while !self.eat(")") {
            if matches!(self.peek(), Tok::Eof) {
                return self.error("unclosed parameter list");
            }
            self.next();
        }
        self.skip_until_end(1)
    }

    fn skip_block(&mut self) -> Result<(), LuaError> {
        let opener = self.name()?;
        if opener == "repeat" {
            let mut depth = 1;
            while depth > 0 {
                match self.next() {
                    Tok::Name(n) if n == "repeat" => depth += 1,
                    Tok::Name(n) if n == "until" => depth -= 1,
                    Tok::Eof => return self.error("repeat without until"),
                    _ => {}
                }
            }
            return self.expr().map(|_| ());
        }
        // `while`/`for` open with `do`, which opens its own block: count only the `do`.
        self.skip_until_end(if opener == "if" || opener == "do" {
            1
        } else {
            0
        })
    }

    fn skip_until_end(&mut self, mut depth: usize) -> Result<(), LuaError> {
        let start = self.line();
        loop {
            match self.next() {
                Tok::Name(n) => match n.as_str() {
                    "function" | "if" | "do" => depth += 1,
                    "end" => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    _ => {}
                },
                Tok::Eof => {
                    return Err(LuaError {
                        line: start,
                        message: "block without `end` (file truncated?)".into(),
                    });
                }
                _ => {}
            }
        }
    }
}

fn concat_part(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Num(n) if n.fract() == 0.0 => Some(format!("{}", *n as i64)),
        Value::Num(n) => Some(n.to_string()),
        _ => None,
    }
}

fn path_part(v: &Value) -> String {
    match v {
        Value::Path(p) => p.clone(),
        other => concat_part(other)
            .map(|s| format!("{s:?}"))
            .unwrap_or_else(|| "?".into()),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("`{n}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Num(n) => format!("number {n}"),
        Tok::Sym(s) => format!("`{s}`"),
        Tok::Eof => "end of file".into(),
    }
}

/// Parses a Lua source file into its top-level statements.
pub fn parse(src: &str) -> Result<Vec<Statement>, LuaError> {
    let toks = tokenize(src)?;
    Parser {
        toks,
        pos: 0,
        consts: HashMap::new(),
        depth: 0,
    }
    .chunk()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_every_form_and_a_bad_one_named() {
        assert_eq!(read_number("0x1F}"), Ok((31.0, 4)));
        assert_eq!(read_number("1.5e-3,"), Ok((0.0015, 6)));
        assert_eq!(read_number(".5 "), Ok((0.5, 2)));
        assert_eq!(read_number("3-1"), Ok((3.0, 1)));
        assert_eq!(read_number("12abc;"), Err("bad number \"12abc\"".into()));
        assert_eq!(read_number("0xZ"), Err("bad number \"0x\"".into()));
    }

    #[test]
    fn reads_eid_shaped_tables() {
        let src = r#"
            -- comment
            local C_ID = "5.100."
            --[[ block
            comment ]]
            local names = {
                [C_ID .. 1] = "悲伤洋葱", -- The Sad Onion
                [C_ID .. 2] = 'It\'s "x"',
            }
            EID:updateDescriptionsViaTable(names, EID.ItemNames[languageCode])
            EID.descriptions[languageCode].collectibles={
                {"1", "The Sad Onion", "↑ {{Tears}} +0.7 Tears"},
                [12] = { "12", "Magic", [[long]] },
            }
            EID.descriptions[languageCode].PluralizeFunction = function(text, amount)
                if amount > 1 then return text .. "s" end
                return text
            end
            for i = 1, 3 do x = i end
            EID.x = { [0] = "a", "b" }
        "#;
        let stmts = parse(src).unwrap();
        let Statement::Assign {
            target,
            value: Value::Table(names),
        } = &stmts[1]
        else {
            panic!("{stmts:?}")
        };
        assert_eq!(target, "names");
        assert_eq!(
            names[0],
            (Key::Str("5.100.1".into()), Value::Str("悲伤洋葱".into()))
        );
        assert_eq!(names[1].1, Value::Str("It's \"x\"".into()));
        assert_eq!(
            stmts[2],
            Statement::Call {
                callee: "EID:updateDescriptionsViaTable".into(),
                args: vec![
                    Value::Path("names".into()),
                    Value::Path("EID.ItemNames[languageCode]".into())
                ],
            }
        );
        let Statement::Assign {
            target,
            value: Value::Table(rows),
        } = &stmts[3]
        else {
            panic!()
        };
        assert_eq!(target, "EID.descriptions[languageCode].collectibles");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, Key::Num(12.0));
        let Value::Table(row) = &rows[1].1 else {
            panic!()
        };
        assert_eq!(row[2].1, Value::Str("long".into()));
        assert_eq!(
            stmts[4],
            Statement::Assign {
                target: "EID.descriptions[languageCode].PluralizeFunction".into(),
                value: Value::Other
            }
        );
        let Statement::Assign {
            value: Value::Table(x),
            ..
        } = &stmts[5]
        else {
            panic!("{stmts:?}")
        };
        assert_eq!(x[0].0, Key::Num(0.0));
        assert_eq!(x[1].0, Key::Pos(1));
    }

    #[test]
    fn truncated_and_broken_sources_are_errors_with_lines() {
        let e = parse("local t = {\n {\"1\", \"a\", \"b\"},\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("never closed"), "{e}");
        let e = parse("local t = {\n \"abc\n}").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unterminated string"), "{e}");
        let e = parse("x = @").unwrap_err();
        assert!(e.message.contains("unexpected character"), "{e}");
    }
}
