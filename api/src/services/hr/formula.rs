//! Salary-component formulas such as `base*payment_days/working_days`.
//!
//! A formula is arithmetic over `Decimal`: `+ - * /`, unary signs, parentheses, decimal literals
//! (`1.25`, `60`), the payroll variables listed in [`VARIABLES`] and the functions `min(a, ...)`,
//! `max(a, ...)`, `round(x, places)` (half away from zero, 0 to 6 places), `floor(x)` and
//! `ceil(x)`. Formulas are parsed when a component is saved, so a typo is refused with the
//! character it sits at, and evaluated once per payslip line. Evaluation never rounds: division
//! keeps the full precision of `Decimal`, and the caller rounds once per component by its rule.
//!
//! Grammar:
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | primary
//! primary := number | variable | function '(' expr (',' expr)* ')' | '(' expr ')'
//! ```

use std::collections::HashMap;
use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// The variables a formula may use, each with the description shown to whoever edits formulas.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "base",
        "the contract's monthly wage (or the component's amount)",
    ),
    (
        "working_days",
        "the working days in the pay period, by the employee's schedule and holidays",
    ),
    (
        "payment_days",
        "the paid days: working days inside the contract less unpaid leave and absences",
    ),
    ("unpaid_days", "the days of unpaid leave in the pay period"),
    (
        "absent_days",
        "the days absent without leave in the pay period (a half day counts 0.5)",
    ),
    ("worked_min", "the minutes worked in the pay period"),
    ("overtime_min", "the overtime minutes in the pay period"),
    (
        "holiday_min",
        "the minutes worked on holidays in the pay period",
    ),
    ("late_min", "the minutes late in the pay period"),
    (
        "standard_hours",
        "the standard working hours per month from the payroll settings",
    ),
    (
        "ot_base",
        "the sum of the earnings marked as in the overtime base",
    ),
    (
        "ot_multiplier",
        "the overtime premium multiplier from the payroll settings (e.g. 1.25)",
    ),
    (
        "holiday_multiplier",
        "the holiday work premium multiplier from the payroll settings (e.g. 1.35)",
    ),
];

/// The longest formula text accepted, in characters.
const MAX_LEN: usize = 500;

/// The deepest nesting of parentheses (function calls included) accepted. The parser recurses
/// once per level, so the limit is what keeps `((((...` from exhausting the stack.
const MAX_DEPTH: usize = 32;

/// The most decimal places `round` accepts; whole yen and a few sub-yen rates need no more.
const MAX_ROUND_PLACES: u32 = 6;

/// Why a formula was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// The 0-based character (not byte) offset in the formula text the error points at.
    pub position: usize,
    /// What is wrong, in words meant for whoever edits the formula.
    pub message: String,
}

impl FormulaError {
    fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // People count characters from one, so the message does too.
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for FormulaError {}

/// A parsed, checked formula, ready to evaluate any number of times.
#[derive(Debug, Clone)]
pub struct Formula {
    root: Node,
    /// Each variable the formula uses with the position of its first use, in text order, so
    /// a missing value is reported where the reader first sees the variable.
    uses: Vec<(&'static str, usize)>,
}

impl Formula {
    /// Parses `text` and checks that every identifier is one of [`VARIABLES`] or a function.
    ///
    /// Refuses, with the position: empty text, text over 500 characters, nesting deeper than 32
    /// parentheses, unknown characters, uppercase identifiers, unknown variables and functions,
    /// wrong argument counts, unbalanced parentheses and anything the grammar does not allow.
    pub fn parse(text: &str) -> Result<Formula, FormulaError> {
        // The length is checked before tokenizing so a huge input costs no more than a count.
        if text.chars().count() > MAX_LEN {
            return Err(FormulaError::new(
                MAX_LEN,
                format!("the formula is longer than {MAX_LEN} characters"),
            ));
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            depth: 0,
            uses: Vec::new(),
        };
        if parser.peek().kind == Tok::End {
            return Err(FormulaError::new(0, "the formula is empty"));
        }
        let root = parser.expr()?;
        let next = parser.peek();
        match next.kind {
            Tok::End => {}
            Tok::RParen => return Err(FormulaError::new(next.pos, "unmatched `)`")),
            _ => {
                return Err(FormulaError::new(
                    next.pos,
                    format!("expected an operator, found {}", next.kind.describe()),
                ));
            }
        }
        Ok(Formula {
            root,
            uses: parser.uses,
        })
    }

    /// Evaluates the formula with the given variable values.
    ///
    /// A variable missing from `vars` is an error at its first use; it is checked before any
    /// arithmetic so it is reported even when another error would come first. Division by zero
    /// is an error at the `/`, overflow at the operator that overflowed, and a bad `round`
    /// places argument at that argument. Nothing is rounded except by an explicit `round`.
    pub fn eval(&self, vars: &HashMap<&str, Decimal>) -> Result<Decimal, FormulaError> {
        if let Some((name, pos)) = self.uses.iter().find(|(name, _)| !vars.contains_key(name)) {
            return Err(FormulaError::new(
                *pos,
                format!("no value for variable `{name}`"),
            ));
        }
        eval(&self.root, vars)
    }

    /// The variables the formula uses, sorted and deduplicated.
    pub fn variables(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.uses.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The syntax tree. Positions are kept on the nodes whose evaluation can fail.
#[derive(Debug, Clone)]
enum Node {
    Num(Decimal),
    Var(&'static str),
    Neg(Box<Node>),
    Bin {
        op: BinOp,
        pos: usize,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    Call {
        func: Func,
        pos: usize,
        args: Vec<Arg>,
    },
}

/// A function argument with the position it starts at, for errors about the argument itself.
#[derive(Debug, Clone)]
struct Arg {
    node: Node,
    pos: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Min,
    Max,
    Round,
    Floor,
    Ceil,
}

impl Func {
    const ALL: [Func; 5] = [Func::Min, Func::Max, Func::Round, Func::Floor, Func::Ceil];

    fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::Round => "round",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
        }
    }

    fn lookup(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Checks the argument count, returning the message to show when it is wrong.
    fn check_arity(self, count: usize) -> Result<(), String> {
        let ok = match self {
            Func::Min | Func::Max => count >= 1,
            Func::Round => count == 2,
            Func::Floor | Func::Ceil => count == 1,
        };
        if ok {
            return Ok(());
        }
        let name = self.name();
        Err(match self {
            Func::Min | Func::Max => format!("`{name}` needs at least one argument"),
            Func::Round => format!("`round` takes 2 arguments (value, places), found {count}"),
            Func::Floor | Func::Ceil => format!("`{name}` takes 1 argument, found {count}"),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    /// The token as named in "expected ..., found ..." messages.
    fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("the number `{n}`"),
            Tok::Ident(name) => format!("`{name}`"),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::End => "the end of the formula".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    pos: usize,
}

/// Splits the text into tokens, always ending with `Tok::End` at the text's length.
fn tokenize(text: &str) -> Result<Vec<Token>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '0'..='9' => {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i < chars.len() && chars[i] == '.' {
                    i += 1;
                    if i >= chars.len() || !chars[i].is_ascii_digit() {
                        return Err(FormulaError::new(
                            i,
                            "expected a digit after the decimal point",
                        ));
                    }
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let literal: String = chars[start..i].iter().collect();
                // `from_str_exact` refuses rather than silently rounding a literal with more
                // digits than `Decimal` holds.
                let value = Decimal::from_str_exact(&literal).map_err(|_| {
                    FormulaError::new(start, format!("the number `{literal}` has too many digits"))
                })?;
                tokens.push(Token {
                    kind: Tok::Num(value),
                    pos: start,
                });
                continue;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                return Err(FormulaError::new(
                    i,
                    "a number must start with a digit: write `0.5`, not `.5`",
                ));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if name.chars().any(|c| c.is_ascii_uppercase()) {
                    return Err(FormulaError::new(
                        start,
                        format!(
                            "names are lowercase: write `{}`, not `{name}`",
                            name.to_ascii_lowercase()
                        ),
                    ));
                }
                tokens.push(Token {
                    kind: Tok::Ident(name),
                    pos: start,
                });
                continue;
            }
            other => {
                return Err(FormulaError::new(
                    i,
                    format!("unexpected character `{other}`"),
                ));
            }
        };
        tokens.push(Token { kind, pos: start });
        i += 1;
    }
    tokens.push(Token {
        kind: Tok::End,
        pos: chars.len(),
    });
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// How many parentheses enclose the current position.
    depth: usize,
    uses: Vec<(&'static str, usize)>,
}

impl Parser {
    fn peek(&self) -> Token {
        // `tokenize` always ends with `End` and `advance` never moves past it, so the fallback
        // is unreachable; it exists only so that no input can make the parser panic.
        self.tokens
            .get(self.at)
            .or_else(|| self.tokens.last())
            .cloned()
            .unwrap_or(Token {
                kind: Tok::End,
                pos: 0,
            })
    }

    fn advance(&mut self) {
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Node, FormulaError> {
        let mut lhs = self.term()?;
        loop {
            let token = self.peek();
            let op = match token.kind {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.advance();
            let rhs = self.term()?;
            lhs = Node::Bin {
                op,
                pos: token.pos,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
    }

    fn term(&mut self) -> Result<Node, FormulaError> {
        let mut lhs = self.unary()?;
        loop {
            let token = self.peek();
            let op = match token.kind {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(lhs),
            };
            self.advance();
            let rhs = self.unary()?;
            lhs = Node::Bin {
                op,
                pos: token.pos,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
    }

    fn unary(&mut self) -> Result<Node, FormulaError> {
        // Signs are folded in a loop rather than by recursion, so a long run of `-` neither
        // deepens the stack nor the tree: an odd count negates once, an even count not at all.
        let mut negate = false;
        loop {
            match self.peek().kind {
                Tok::Minus => negate = !negate,
                Tok::Plus => {}
                _ => break,
            }
            self.advance();
        }
        let operand = self.primary()?;
        Ok(if negate {
            Node::Neg(Box::new(operand))
        } else {
            operand
        })
    }

    fn primary(&mut self) -> Result<Node, FormulaError> {
        let token = self.peek();
        match token.kind {
            Tok::Num(value) => {
                self.advance();
                Ok(Node::Num(value))
            }
            Tok::Ident(name) => {
                self.advance();
                let called = self.peek().kind == Tok::LParen;
                match (Func::lookup(&name), called) {
                    (Some(func), true) => self.call(func, token.pos),
                    (Some(func), false) => Err(FormulaError::new(
                        token.pos,
                        format!(
                            "`{}` is a function: write `{}(...)`",
                            func.name(),
                            func.name()
                        ),
                    )),
                    (None, true) => {
                        let known: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
                        Err(FormulaError::new(
                            token.pos,
                            format!(
                                "unknown function `{name}` (the functions are {})",
                                known.join(", ")
                            ),
                        ))
                    }
                    (None, false) => {
                        let variable = VARIABLES
                            .iter()
                            .map(|(known, _)| *known)
                            .find(|known| *known == name)
                            .ok_or_else(|| {
                                FormulaError::new(token.pos, format!("unknown variable `{name}`"))
                            })?;
                        if !self.uses.iter().any(|(used, _)| *used == variable) {
                            self.uses.push((variable, token.pos));
                        }
                        Ok(Node::Var(variable))
                    }
                }
            }
            Tok::LParen => {
                self.open(token.pos)?;
                let inner = self.expr()?;
                self.close(token.pos)?;
                Ok(inner)
            }
            Tok::RParen => Err(FormulaError::new(
                token.pos,
                "expected a number, a variable or `(`, found `)`",
            )),
            Tok::End => Err(FormulaError::new(
                token.pos,
                "unexpected end of the formula",
            )),
            other => Err(FormulaError::new(
                token.pos,
                format!(
                    "expected a number, a variable or `(`, found {}",
                    other.describe()
                ),
            )),
        }
    }

    /// Parses the argument list of `func`, whose name starts at `pos`; the `(` is next.
    fn call(&mut self, func: Func, pos: usize) -> Result<Node, FormulaError> {
        let open = self.peek().pos;
        self.open(open)?;
        let mut args = Vec::new();
        if self.peek().kind != Tok::RParen {
            loop {
                let start = self.peek().pos;
                let node = self.expr()?;
                args.push(Arg { node, pos: start });
                if self.peek().kind != Tok::Comma {
                    break;
                }
                self.advance();
            }
        }
        self.close(open)?;
        func.check_arity(args.len())
            .map_err(|message| FormulaError::new(pos, message))?;
        Ok(Node::Call { func, pos, args })
    }

    /// Consumes a `(` at `pos`, refusing nesting past the limit.
    fn open(&mut self, pos: usize) -> Result<(), FormulaError> {
        if self.depth >= MAX_DEPTH {
            return Err(FormulaError::new(
                pos,
                format!("the formula nests parentheses more than {MAX_DEPTH} deep"),
            ));
        }
        self.depth += 1;
        self.advance();
        Ok(())
    }

    /// Consumes the `)` matching the `(` at `open`.
    fn close(&mut self, open: usize) -> Result<(), FormulaError> {
        let token = self.peek();
        if token.kind != Tok::RParen {
            let found = match token.kind {
                Tok::End => "the end of the formula".to_string(),
                other => other.describe(),
            };
            return Err(FormulaError::new(
                token.pos,
                format!(
                    "expected `)` to close the `(` at character {}, found {found}",
                    open + 1
                ),
            ));
        }
        self.depth -= 1;
        self.advance();
        Ok(())
    }
}

fn eval(node: &Node, vars: &HashMap<&str, Decimal>) -> Result<Decimal, FormulaError> {
    match node {
        Node::Num(value) => Ok(*value),
        // `Formula::eval` has checked every variable, so the fallback never shows; it keeps a
        // caller's mistake from becoming a panic.
        Node::Var(name) => vars
            .get(name)
            .copied()
            .ok_or_else(|| FormulaError::new(0, format!("no value for variable `{name}`"))),
        Node::Neg(operand) => Ok(-eval(operand, vars)?),
        Node::Bin { op, pos, lhs, rhs } => {
            let a = eval(lhs, vars)?;
            let b = eval(rhs, vars)?;
            let result = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::Div => {
                    if b.is_zero() {
                        return Err(FormulaError::new(*pos, "division by zero"));
                    }
                    a.checked_div(b)
                }
            };
            result.ok_or_else(|| FormulaError::new(*pos, "the result is too large"))
        }
        Node::Call { func, pos, args } => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                values.push(eval(&arg.node, vars)?);
            }
            // The parser checked the argument counts, so these lookups only fail on a tree it
            // could not have built; they still answer with an error rather than a panic.
            let arity = || FormulaError::new(*pos, format!("wrong arguments to `{}`", func.name()));
            let first = values.first().copied().ok_or_else(arity)?;
            Ok(match func {
                Func::Min => values.iter().copied().fold(first, Decimal::min),
                Func::Max => values.iter().copied().fold(first, Decimal::max),
                Func::Floor => first.floor(),
                Func::Ceil => first.ceil(),
                Func::Round => {
                    let (places, places_pos) = match (values.get(1), args.get(1)) {
                        (Some(value), Some(arg)) => (*value, arg.pos),
                        _ => return Err(arity()),
                    };
                    let dp = (0..=MAX_ROUND_PLACES)
                        .find(|dp| Decimal::from(*dp) == places)
                        .ok_or_else(|| {
                            FormulaError::new(
                                places_pos,
                                format!(
                                    "`round` places must be a whole number from 0 to \
                                     {MAX_ROUND_PLACES}, found {places}"
                                ),
                            )
                        })?;
                    first.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal literal")
    }

    /// Evaluates `text` with no variables.
    fn calc(text: &str) -> Decimal {
        Formula::parse(text)
            .expect("parses")
            .eval(&HashMap::new())
            .expect("evaluates")
    }

    fn parse_err(text: &str) -> FormulaError {
        Formula::parse(text).expect_err("refused")
    }

    fn eval_err(text: &str, vars: &HashMap<&str, Decimal>) -> FormulaError {
        Formula::parse(text)
            .expect("parses")
            .eval(vars)
            .expect_err("refused")
    }

    #[test]
    fn precedence_and_signs() {
        assert_eq!(calc("1+2*3"), dec("7"));
        assert_eq!(calc("(1+2)*3"), dec("9"));
        assert_eq!(calc("-2*3"), dec("-6"));
        assert_eq!(calc("2--3"), dec("5"));
        assert_eq!(calc("2*-3"), dec("-6"));
        assert_eq!(calc("+2 - +3"), dec("-1"));
        assert_eq!(calc("---1"), dec("-1"));
        assert_eq!(calc("-(2+3)*2"), dec("-10"));
        assert_eq!(calc("  1.25 *\t60\n"), dec("75"));
    }

    #[test]
    fn left_associativity() {
        assert_eq!(calc("8/4/2"), dec("1"));
        assert_eq!(calc("10-3-2"), dec("5"));
        assert_eq!(calc("2*6/3*2"), dec("8"));
    }

    #[test]
    fn division_keeps_full_precision() {
        let third = calc("1/3");
        assert_eq!(third, Decimal::ONE / Decimal::from(3));
        assert!(
            third.scale() >= 20,
            "not rounded inside evaluation: {third}"
        );
    }

    #[test]
    fn prorated_base() {
        let f = Formula::parse("base*payment_days/working_days").expect("parses");
        let vars = HashMap::from([
            ("base", dec("250000")),
            ("payment_days", dec("20")),
            ("working_days", dec("22")),
        ]);
        let value = f.eval(&vars).expect("evaluates");
        assert_eq!(
            value,
            Decimal::from(250_000) * Decimal::from(20) / Decimal::from(22)
        );
        assert!(value.to_string().starts_with("227272.7272"), "{value}");
        assert_eq!(
            value.round_dp_with_strategy(0, RoundingStrategy::AwayFromZero),
            dec("227273")
        );
        assert_eq!(f.variables(), vec!["base", "payment_days", "working_days"]);
    }

    #[test]
    fn overtime() {
        let f = Formula::parse("ot_base*ot_multiplier*overtime_min/(standard_hours*60)")
            .expect("parses");
        let half_up = |multiplier: &str| {
            let vars = HashMap::from([
                ("ot_base", dec("400000")),
                ("ot_multiplier", dec(multiplier)),
                ("overtime_min", dec("620")),
                ("standard_hours", dec("160")),
            ]);
            let value = f.eval(&vars).expect("evaluates");
            value.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        };
        // 400,000 × 1.25 × 620 / 9,600 = 32,291.67; without the premium it is 25,833.33.
        assert_eq!(half_up("1.25"), dec("32292"));
        assert_eq!(half_up("1"), dec("25833"));
        assert_eq!(
            f.variables(),
            vec!["ot_base", "ot_multiplier", "overtime_min", "standard_hours"]
        );
    }

    #[test]
    fn functions() {
        assert_eq!(calc("min(3, 1, 2)"), dec("1"));
        assert_eq!(calc("max(3, 1, 2)"), dec("3"));
        assert_eq!(calc("max(-5)"), dec("-5"));
        assert_eq!(calc("round(2.5, 0)"), dec("3"));
        assert_eq!(calc("round(-2.5, 0)"), dec("-3"));
        assert_eq!(calc("round(1.2345, 3)"), dec("1.235"));
        assert_eq!(calc("round(1/3, 1+1)"), dec("0.33"));
        assert_eq!(calc("round(7, 2.0)"), dec("7"));
        assert_eq!(calc("floor(2.7)"), dec("2"));
        assert_eq!(calc("floor(-2.1)"), dec("-3"));
        assert_eq!(calc("ceil(2.1)"), dec("3"));
        assert_eq!(calc("ceil(-2.7)"), dec("-2"));
        assert_eq!(calc("max(0, min(10, 3*5)) + floor(ceil(0.5))"), dec("11"));
    }

    #[test]
    fn round_places_must_be_whole_and_small() {
        let e = eval_err("round(1, 7)", &HashMap::new());
        assert_eq!(e.position, 9);
        let e = eval_err("round(1,  0.5)", &HashMap::new());
        assert_eq!(e.position, 10);
        assert_eq!(eval_err("round(1, -1)", &HashMap::new()).position, 9);
    }

    #[test]
    fn function_arity() {
        assert_eq!(parse_err("round(1)").position, 0);
        assert_eq!(parse_err("1 + floor(1, 2)").position, 4);
        assert_eq!(parse_err("ceil()").position, 0);
        assert_eq!(parse_err("min()").position, 0);
        assert_eq!(parse_err("min + 1").position, 0);
        assert!(parse_err("min + 1").message.contains("is a function"));
        let e = parse_err("2 * sqrt(4)");
        assert_eq!(e.position, 4);
        assert!(
            e.message.contains("unknown function `sqrt`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn unknown_variable() {
        let e = parse_err("base * foo");
        assert_eq!(
            e,
            FormulaError {
                position: 7,
                message: "unknown variable `foo`".into()
            }
        );
        assert_eq!(e.to_string(), "at character 8: unknown variable `foo`");
    }

    #[test]
    fn every_listed_variable_parses() {
        for (name, description) in VARIABLES {
            let f = Formula::parse(name).expect("a listed variable parses");
            assert_eq!(f.variables(), vec![*name]);
            assert!(!description.is_empty());
        }
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        assert_eq!(parse_err("1+").position, 2);
        assert!(parse_err("1+").message.contains("end"));
        let e = parse_err("(1+2");
        assert_eq!(e.position, 4);
        assert!(
            e.message.contains("close the `(` at character 1"),
            "{}",
            e.message
        );
        let e = parse_err("1+2)");
        assert_eq!(
            e,
            FormulaError {
                position: 3,
                message: "unmatched `)`".into()
            }
        );
        assert_eq!(parse_err(")").position, 0);
        assert_eq!(parse_err("()").position, 1);
        let e = parse_err("1 # 2");
        assert_eq!(
            e,
            FormulaError {
                position: 2,
                message: "unexpected character `#`".into()
            }
        );
        assert_eq!(parse_err("1 2").position, 2);
        assert_eq!(parse_err("2 base").position, 2);
        assert_eq!(parse_err("1 * * 2").position, 4);
        assert_eq!(parse_err(".5").position, 0);
        assert_eq!(parse_err("1.").position, 2);
        assert_eq!(parse_err("1.2.3").position, 3);
        assert_eq!(parse_err("min(1,)").position, 6);
        assert_eq!(parse_err("max(1 2)").position, 6);
        // Positions count characters, not bytes.
        assert_eq!(parse_err("1 + é").position, 4);
    }

    #[test]
    fn uppercase_identifier() {
        let e = parse_err("Base * 2");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("write `base`"), "{}", e.message);
        assert_eq!(parse_err("1 + MIN(1)").position, 4);
    }

    #[test]
    fn empty_text() {
        assert_eq!(parse_err("").position, 0);
        assert_eq!(parse_err("   ").message, "the formula is empty");
    }

    #[test]
    fn length_limit() {
        let longest = format!("1{}", "+1".repeat((MAX_LEN - 1) / 2));
        assert_eq!(longest.chars().count(), MAX_LEN - 1);
        assert_eq!(calc(&longest), Decimal::from(MAX_LEN / 2));
        let e = parse_err(&"1".repeat(MAX_LEN + 1));
        assert_eq!(e.position, MAX_LEN);
        // A long run of signs neither overflows the stack nor the length check.
        assert_eq!(calc(&format!("{}1", "-".repeat(MAX_LEN - 2))), dec("1"));
    }

    #[test]
    fn nesting_limit() {
        let nested = |depth: usize| format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(calc(&nested(MAX_DEPTH)), dec("1"));
        assert_eq!(parse_err(&nested(MAX_DEPTH + 1)).position, MAX_DEPTH);
        assert_eq!(parse_err(&nested(100)).position, MAX_DEPTH);
        assert_eq!(parse_err(&"(".repeat(MAX_LEN)).position, MAX_DEPTH);
        let calls = format!("{}1{}", "floor(".repeat(40), ")".repeat(40));
        assert_eq!(parse_err(&calls).position, MAX_DEPTH * 6 + 5);
    }

    #[test]
    fn division_by_zero() {
        let vars = HashMap::from([("working_days", Decimal::ZERO), ("base", dec("1000"))]);
        let e = eval_err("base / working_days", &vars);
        assert_eq!(
            e,
            FormulaError {
                position: 5,
                message: "division by zero".into()
            }
        );
        assert_eq!(eval_err("1/(2-2)", &HashMap::new()).position, 1);
    }

    #[test]
    fn overflow_is_an_error() {
        let e = eval_err("79228162514264337593543950335 * 2", &HashMap::new());
        assert_eq!(e.position, 30);
        assert_eq!(
            eval_err("79228162514264337593543950335 + 1", &HashMap::new()).position,
            30
        );
        assert_eq!(
            eval_err("-79228162514264337593543950335 - 1", &HashMap::new()).position,
            31
        );
        assert_eq!(
            eval_err("79228162514264337593543950335 / 0.1", &HashMap::new()).position,
            30
        );
        assert_eq!(parse_err("792281625142643375935439503350").position, 0);
    }

    #[test]
    fn missing_variable_is_reported_at_its_first_use() {
        let vars = HashMap::from([("base", dec("1"))]);
        let e = eval_err("base + late_min / 0 + late_min", &vars);
        assert_eq!(
            e,
            FormulaError {
                position: 7,
                message: "no value for variable `late_min`".into()
            }
        );
    }

    #[test]
    fn variables_are_sorted_and_deduplicated() {
        let f = Formula::parse("worked_min + base * worked_min - absent_days").expect("parses");
        assert_eq!(f.variables(), vec!["absent_days", "base", "worked_min"]);
        assert!(
            Formula::parse("1 + 2")
                .expect("parses")
                .variables()
                .is_empty()
        );
    }
}
