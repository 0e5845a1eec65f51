//! Parses the attribute's arguments: `#[activity(name = "...", crate = "...",
//! max_result_size = "1 MiB", ...)]`.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;

use crate::errors::Errors;

/// The options written in `#[activity(...)]`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct ActivityArgs {
    /// The activity type name; the function's name when absent.
    pub name: Option<ActivityName>,
    /// The path of the runtime crate when it was renamed in `Cargo.toml`.
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
    /// Above this encoded size, a result fails the attempt.
    pub max_result_size: Option<Size>,
    /// Above this encoded size, a result logs a warning.
    pub warn_result_size: Option<Size>,
    /// Above this encoded size, heartbeat details fail the attempt.
    pub max_heartbeat_size: Option<Size>,
    /// Serve every activity type no other activity has, with the arguments as `Vec<RawValue>`.
    pub dynamic: darling::util::Flag,
    /// Where a plain `fn` runs: `"thread"` (the worker's blocking pool, the default) or
    /// `"process"` (a child process from the worker's pool).
    pub isolation: Option<Isolation>,
    /// The most memory the child process may hold (`isolation = "process"` only).
    pub memory_limit: Option<MemoryLimit>,
    /// The most CPU time one attempt may use in the child process.
    pub cpu_time: Option<CpuTime>,
    /// The most files the child process may have open.
    pub open_files: Option<FileCount>,
    /// Environment variables the child process inherits besides the default ones.
    pub inherit_env: Option<EnvNames>,
    /// A failure for a limit of the child process is not retried.
    pub non_retryable_limits: darling::util::Flag,
}

/// `isolation = "thread"` or `"process"`: where a plain `fn` activity runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Isolation {
    pub kind: IsolationKind,
    /// The value's literal, for errors.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IsolationKind {
    /// On the worker's pool of blocking threads.
    Thread,
    /// In a child process from the worker's pool.
    Process,
}

/// The values `isolation` accepts, for messages.
const ISOLATIONS: &str = "`\"thread\"` (a plain `fn` on the worker's blocking pool) or \
                          `\"process\"` (a plain `fn` in a child process)";

impl FromMeta for Isolation {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(value),
                ..
            }) => {
                let kind = match value.value().as_str() {
                    "thread" => IsolationKind::Thread,
                    "process" => IsolationKind::Process,
                    other => {
                        return Err(darling::Error::custom(format!(
                            "unknown isolation `{other}`; expected {ISOLATIONS}"
                        ))
                        .with_span(&value.span()));
                    }
                };
                Ok(Self {
                    kind,
                    span: value.span(),
                })
            }
            syn::Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(darling::Error::custom(format!(
                "`isolation` takes a string literal: {ISOLATIONS}"
            ))
            .with_span(&other.span())),
        }
    }
}

/// The options of `#[activity(...)]` on an `impl` block: only the runtime crate's path.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct ImplArgs {
    /// The path of the runtime crate when it was renamed in `Cargo.toml`.
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
}

impl ImplArgs {
    pub(crate) fn parse(args: TokenStream) -> Result<Self, Box<ArgsError>> {
        parse_list(args, Place::Block)
    }
}

impl ActivityArgs {
    pub(crate) fn parse(args: TokenStream) -> Result<Self, Box<ArgsError>> {
        parse_list(args, Place::Function)
    }

    /// The arguments of `#[activity(...)]` on a method inside an `#[activity] impl` block: every
    /// option but `crate`.
    ///
    /// `crate` belongs to the block. The block's `ActivityMethods` implementation and every
    /// method's registration are generated together and name the runtime once, so a method
    /// cannot have a path of its own. Rather than silently overriding a method's `crate` with the
    /// block's, or accepting it when it is "the same" (`rt` and `::rt` may or may not be the same
    /// crate, so tokens cannot tell), a method's `crate` is always an error, on that option,
    /// saying where to write it. The method's other options are still read, so their errors are
    /// reported in the same compilation; `None` when they do not parse.
    pub(crate) fn parse_method(args: TokenStream, errors: &mut Errors) -> Option<Self> {
        let items = match NestedMeta::parse_meta_list(args) {
            Ok(items) => items,
            Err(err) => {
                errors.push(err);
                return None;
            }
        };
        let (krate, items): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|item| crate_option(item).is_some());
        for option in krate {
            errors.push(syn::Error::new_spanned(
                option,
                "`crate` goes on the `#[activity]` impl block, not on a method: all the block's \
                 methods reach the runtime through one path. Write \
                 `#[activity(crate = \"...\")] impl Type { ... }`",
            ));
        }
        let (items, misshapen) = screen(items, Place::Method);
        let misshapen = !misshapen.is_empty() && {
            misshapen.into_iter().for_each(|err| errors.push(err));
            true
        };
        let args = Self::from_list(&items).map_err(|err| errors.push(err)).ok();
        args.filter(|_| !misshapen)
    }
}

/// Where `#[activity(...)]` is written: the options allowed differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Function,
    /// A method inside an `#[activity] impl` block (`crate` is screened out before).
    Method,
    /// The `impl` block itself.
    Block,
}

/// The options the README documents, with an example of each as written: a bare word, or
/// `option = value`.
const OPTIONS: &[(&str, &str)] = &[
    ("name", "name = \"charge_card\""),
    ("crate", "crate = \"my_runtime\""),
    ("max_result_size", "max_result_size = \"1 MiB\""),
    ("warn_result_size", "warn_result_size = \"256 KiB\""),
    ("max_heartbeat_size", "max_heartbeat_size = \"64 KiB\""),
    ("dynamic", "dynamic"),
    ("isolation", "isolation = \"process\""),
    ("memory_limit", "memory_limit = \"512 MiB\""),
    ("cpu_time", "cpu_time = \"30 s\""),
    ("open_files", "open_files = 256"),
    ("inherit_env", "inherit_env = [\"GDAL_DATA\"]"),
    ("non_retryable_limits", "non_retryable_limits"),
];

/// Takes out the options that are written in the wrong form or the wrong place, each with an
/// error that shows the right one; darling reads the rest (and reports unknown names with "did
/// you mean"). Its own messages for these ("Unexpected meta-item format `literal`") say nothing a
/// user can act on.
fn screen(items: Vec<NestedMeta>, place: Place) -> (Vec<NestedMeta>, Vec<darling::Error>) {
    let mut kept: Vec<NestedMeta> = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        if let Some(error) = misshapen(&item, place) {
            errors.push(error);
            continue;
        }
        if let NestedMeta::Meta(meta) = &item
            && let Some(name) = meta.path().get_ident()
            && kept
                .iter()
                .any(|seen| matches!(seen, NestedMeta::Meta(seen) if seen.path().is_ident(name)))
        {
            errors.push(
                darling::Error::custom(format!(
                    "`{name}` is given twice: keep the one you mean and remove the other"
                ))
                .with_span(meta),
            );
            continue;
        }
        kept.push(item);
    }
    (kept, errors)
}

/// The error for one option in the wrong form or place, if it is.
fn misshapen(item: &NestedMeta, place: Place) -> Option<darling::Error> {
    let meta = match item {
        NestedMeta::Lit(lit) => {
            let message = match (lit, place) {
                (syn::Lit::Str(text), Place::Function | Place::Method) => format!(
                    "`#[activity]` options are written `option = value`: for the activity's \
                     name, write `name = \"{}\"`",
                    text.value()
                ),
                _ => format!(
                    "`#[activity]` options are written `option = value`; expected one of: {}",
                    expected(place)
                ),
            };
            return Some(darling::Error::custom(message).with_span(lit));
        }
        NestedMeta::Meta(meta) => meta,
    };
    let name = meta.path().get_ident()?.to_string();
    let &(name, example) = OPTIONS.iter().find(|(option, _)| *option == name)?;
    if place == Place::Block && name != "crate" {
        return Some(
            darling::Error::custom(format!(
                "`{name}` goes on each `#[activity]` method inside the block, not on the `impl` \
                 block: write `#[activity({example})]` above the method"
            ))
            .with_span(meta),
        );
    }
    let word = !example.contains('=');
    let message = match meta {
        syn::Meta::Path(_) if !word => format!("`{name}` needs a value: write `{example}`"),
        syn::Meta::NameValue(_) | syn::Meta::List(_) if word => {
            format!("`{name}` is a bare word and takes no value: write `#[activity({example})]`")
        }
        syn::Meta::List(list) if !list.tokens.is_empty() => {
            let value = &list.tokens;
            format!("options are written with `=`: write `{name} = {value}`")
        }
        syn::Meta::List(_) => format!("options are written with `=`: write `{example}`"),
        _ => return None,
    };
    Some(darling::Error::custom(message).with_span(meta))
}

/// The options allowed at `place`, for messages.
fn expected(place: Place) -> String {
    let names: Vec<_> = OPTIONS
        .iter()
        .filter(|(name, _)| match place {
            Place::Function => true,
            Place::Method => *name != "crate",
            Place::Block => *name == "crate",
        })
        .map(|(_, example)| format!("`{example}`"))
        .collect();
    names.join(", ")
}

/// The runtime crate's path when the attribute does not give one.
pub(crate) fn default_krate() -> syn::Path {
    syn::parse_quote!(::activity_runtime)
}

/// Arguments that did not parse. `krate` is the `crate = "..."` path when that option on its own
/// was readable: the fallback output (the user's item, the errors and a stand-in companion) names
/// the runtime through it, so a renamed runtime does not add "unresolved crate" errors.
#[derive(Debug)]
pub(crate) struct ArgsError {
    pub error: darling::Error,
    pub krate: Option<syn::Path>,
}

fn parse_list<T: FromMeta>(args: TokenStream, place: Place) -> Result<T, Box<ArgsError>> {
    let items = NestedMeta::parse_meta_list(args).map_err(|err| ArgsError {
        error: err.into(),
        krate: None,
    })?;
    let (items, mut errors) = screen(items, place);
    let parsed = T::from_list(&items).map_err(|error| errors.push(error));
    match parsed {
        Ok(args) if errors.is_empty() => Ok(args),
        _ => Err(Box::new(ArgsError {
            error: darling::Error::multiple(errors),
            krate: items
                .iter()
                .filter_map(crate_option)
                .find_map(|option| syn::Path::from_expr(&option.value).ok()),
        })),
    }
}

/// `crate = ...` among the arguments.
fn crate_option(item: &NestedMeta) -> Option<&syn::MetaNameValue> {
    match item {
        NestedMeta::Meta(syn::Meta::NameValue(option)) if option.path.is_ident("crate") => {
            Some(option)
        }
        _ => None,
    }
}

/// `name = "..."`: a string literal, so that the name is known at compile time.
#[derive(Debug)]
pub(crate) struct ActivityName {
    pub value: String,
    pub span: Span,
}

impl FromMeta for ActivityName {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) => Ok(Self {
                value: name.value(),
                span: name.span(),
            }),
            syn::Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(darling::Error::custom(
                "the activity name must be a string literal, e.g. `name = \"charge_card\"`: \
                 Temporal callers use it as a fixed activity type",
            )
            .with_span(&other.span())),
        }
    }
}

/// `memory_limit = "512 MiB"`: a size in binary units (`KiB`, `MiB`, `GiB`) or bytes, parsed as
/// the size options are (`parse_size`). Decimal units are refused: memory is sized in pages and
/// powers of two, and "512 MB" is as often meant as 512 MiB as not (a 5 % difference the limit
/// would silently take). Its range is checked in `valid.rs`.
#[derive(Debug, Clone)]
pub(crate) struct MemoryLimit(pub Size);

impl FromMeta for MemoryLimit {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        let (text, span) =
            string_literal(expr).map_err(|span| memory_error(span, "not a string literal"))?;
        let bytes = parse_size(&text).map_err(|reason| memory_error(span, &reason))?;
        if let Some((number, binary_unit)) = decimal_unit(&text) {
            let meant = format!("{number} {binary_unit}");
            let meant_bytes = parse_size(&meant).map_err(|reason| memory_error(span, &reason))?;
            return Err(memory_error(
                span,
                &format!(
                    "`{}` is in decimal units ({bytes} bytes), not the binary units memory is \
                     sized in (`\"{meant}\"` is {meant_bytes} bytes)",
                    text.trim()
                ),
            ));
        }
        Ok(Self(Size { bytes, span }))
    }
}

/// For a size in a decimal unit (`KB`, `MB`, `GB`, any case): its number and the binary unit of
/// the same prefix.
fn decimal_unit(text: &str) -> Option<(&str, &'static str)> {
    let (number, unit) = number_and_unit(text);
    let binary = match unit.to_ascii_lowercase().as_str() {
        "kb" => "KiB",
        "mb" => "MiB",
        "gb" => "GiB",
        _ => return None,
    };
    Some((number, binary))
}

fn memory_error(span: Span, reason: &str) -> darling::Error {
    darling::Error::custom(format!(
        "invalid `memory_limit`: {reason}; write a string literal in binary units such as \
         `\"512 MiB\"` or `\"2 GiB\"` (`KiB`, `MiB` and `GiB` count 1024; no unit means bytes)"
    ))
    .with_span(&span)
}

/// `cpu_time = "30 s"`: a string literal of a number and a unit, `ms`, `s`, `min` or `h`.
#[derive(Debug, Clone)]
pub(crate) struct CpuTime {
    pub millis: u64,
    pub span: Span,
}

impl FromMeta for CpuTime {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        let error = |span: Span, reason: &str| {
            darling::Error::custom(format!(
                "invalid `cpu_time`: {reason}; write a string literal such as `\"30 s\"`, \
                 `\"500 ms\"`, `\"1.5 s\"` or `\"2 min\"` (units: `ms`, `s`, `min`, `h`)"
            ))
            .with_span(&span)
        };
        let (text, span) =
            string_literal(expr).map_err(|span| error(span, "not a string literal"))?;
        parse_duration_ms(&text)
            .map(|millis| Self { millis, span })
            .map_err(|reason| error(span, &reason))
    }
}

/// Parses `"30 s"`, `"500 ms"`, `"1.5 s"`, `"2 min"`, `"1 h"` into milliseconds (fractions of a
/// millisecond are dropped).
pub(crate) fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let millis: u64 = match unit.trim_start() {
        "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        "" if !number.is_empty() => return Err(format!("`{text}` has no unit")),
        other if number.is_empty() => {
            return Err(format!("`{other}` does not start with a number"));
        }
        other => return Err(format!("unknown unit `{other}`")),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || number.ends_with('.') {
        return Err(format!("`{text}` does not start with a number"));
    }
    let too_long = || "far too long".to_owned();
    let whole: u64 = whole.parse().map_err(|_| too_long())?;
    let mut total = whole.checked_mul(millis).ok_or_else(too_long)?;
    if !fraction.is_empty() {
        let fraction = &fraction[..fraction.len().min(9)];
        let scale = 10u64.pow(fraction.len() as u32);
        let part: u64 = fraction.parse().map_err(|_| too_long())?;
        // No overflow: part < scale ≤ 1e9 and millis ≤ 3.6e6.
        total = total
            .checked_add(part * millis / scale)
            .ok_or_else(too_long)?;
    }
    Ok(total)
}

/// `open_files = 256`: an integer literal.
#[derive(Debug, Clone)]
pub(crate) struct FileCount {
    pub count: u64,
    pub span: Span,
}

impl FromMeta for FileCount {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        let error = |span: Span| {
            darling::Error::custom(
                "`open_files` takes an integer literal, the most files the child process may \
                 have open at once, e.g. `open_files = 256`",
            )
            .with_span(&span)
        };
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => int
                .base10_parse::<u64>()
                .map(|count| Self {
                    count,
                    span: int.span(),
                })
                .map_err(|_| error(int.span())),
            syn::Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(error(other.span())),
        }
    }
}

/// `inherit_env = ["GDAL_DATA", "PROJ_*"]`: an array of string literals.
#[derive(Debug, Clone)]
pub(crate) struct EnvNames {
    pub names: Vec<(String, Span)>,
    pub span: Span,
}

impl FromMeta for EnvNames {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        let error = |span: Span| {
            darling::Error::custom(
                "`inherit_env` takes an array of string literals, the variables' names or \
                 prefixes ending in `*`, e.g. `inherit_env = [\"GDAL_DATA\", \"PROJ_*\"]`",
            )
            .with_span(&span)
        };
        match expr {
            syn::Expr::Array(array) => {
                let names = array
                    .elems
                    .iter()
                    .map(|elem| string_literal(elem).map_err(error))
                    .collect::<darling::Result<_>>()?;
                Ok(Self {
                    names,
                    span: array.span(),
                })
            }
            syn::Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(error(other.span())),
        }
    }
}

/// The text and span of a string literal, or the span of what is there instead.
fn string_literal(expr: &syn::Expr) -> Result<(String, Span), Span> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Ok((text.value(), text.span())),
        syn::Expr::Group(group) => string_literal(&group.expr),
        other => Err(other.span()),
    }
}

/// A size in bytes: a string literal such as `"512 KiB"`, `"1.5 MiB"`, `"2MB"` or `"1000000"`, or
/// an integer literal of bytes. Its range is checked in `valid.rs`.
#[derive(Debug, Clone)]
pub(crate) struct Size {
    pub bytes: u64,
    /// The literal, spanned for errors.
    pub span: Span,
}

impl FromMeta for Size {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        let lit = match expr {
            syn::Expr::Lit(lit) => &lit.lit,
            syn::Expr::Group(group) => return Self::from_expr(&group.expr),
            other => return Err(size_error(other.span(), "not a literal")),
        };
        let parsed = match lit {
            syn::Lit::Str(text) => parse_size(&text.value()),
            syn::Lit::Int(int) => int
                .base10_parse::<u64>()
                .map_err(|_| "not a number of bytes".to_owned()),
            _ => Err("not a string literal".to_owned()),
        };
        parsed
            .map(|bytes| Self {
                bytes,
                span: lit.span(),
            })
            .map_err(|reason| size_error(lit.span(), &reason))
    }
}

fn size_error(span: Span, reason: &str) -> darling::Error {
    darling::Error::custom(format!(
        "invalid size: {reason}; write a string literal such as `\"512 KiB\"`, `\"1.5 MiB\"`, \
         `\"2MB\"` or `\"1000000\"` (units: `B`, `KiB` and `MiB` count 1024, `KB` and `MB` \
         count 1000; no unit means bytes)"
    ))
    .with_span(&span)
}

/// `"1.5 MiB"` as `("1.5", "MiB")`: the leading digits and dots, and the rest without spaces.
fn number_and_unit(text: &str) -> (&str, &str) {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    (number, unit.trim_start())
}

/// Parses `"512 KiB"`, `"1.5 MiB"`, `"2MB"`, `"1000000"`: a decimal number, optional spaces and an
/// optional unit (case-insensitive). Fractions of a byte are dropped.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" => 1 << 10,
        "mb" => 1000 * 1000,
        "mib" => 1 << 20,
        "gb" => 1000 * 1000 * 1000,
        "gib" => 1 << 30,
        _ => return Err(format!("unknown unit `{unit}`")),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || number.ends_with('.') {
        return Err(if text.is_empty() {
            "empty".to_owned()
        } else {
            format!("`{text}` does not start with a number")
        });
    }
    let too_large = || "far too large".to_owned();
    let whole: u64 = whole.parse().map_err(|_| too_large())?;
    let mut bytes = whole.checked_mul(multiplier).ok_or_else(too_large)?;
    if !fraction.is_empty() {
        let fraction = &fraction[..fraction.len().min(9)];
        let scale = 10u64.pow(fraction.len() as u32);
        let part: u64 = fraction.parse().map_err(|_| too_large())?;
        // `part / scale` of a unit, rounded down to whole bytes; no overflow: part < scale ≤ 1e9
        // and multiplier ≤ 2^30.
        bytes = bytes
            .checked_add(part * multiplier / scale)
            .ok_or_else(too_large)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_name_and_crate() {
        let args = ActivityArgs::parse(quote!(name = "greet", crate = "rt")).unwrap();
        assert_eq!(args.name.unwrap().value, "greet");
        assert!(args.krate.unwrap().is_ident("rt"));
    }

    #[test]
    fn memory_limits_take_binary_units_and_refuse_decimal_ones() {
        let limit = |text: &str| {
            MemoryLimit::from_expr(&syn::parse_quote!(#text))
                .map(|limit| limit.0.bytes)
                .map_err(|err| err.to_string())
        };
        assert_eq!(limit("512 MiB"), Ok(512 << 20));
        assert_eq!(limit("1.5GiB"), Ok(3 << 29));
        assert_eq!(limit("536870912"), Ok(512 << 20));
        for decimal in ["512 MB", "512mb", "2 GB", "64 kB"] {
            let err = limit(decimal).unwrap_err();
            assert!(err.contains("decimal units"), "{decimal}: {err}");
            assert!(err.contains("binary units such as"), "{decimal}: {err}");
        }
        assert_eq!(
            limit("512 MB").unwrap_err(),
            "invalid `memory_limit`: `512 MB` is in decimal units (512000000 bytes), not the \
             binary units memory is sized in (`\"512 MiB\"` is 536870912 bytes); write a string \
             literal in binary units such as `\"512 MiB\"` or `\"2 GiB\"` (`KiB`, `MiB` and \
             `GiB` count 1024; no unit means bytes)"
        );
    }

    #[test]
    fn unknown_options_are_errors_that_list_the_known_ones() {
        let err = ActivityArgs::parse(quote!(nmae = "x"))
            .unwrap_err()
            .error
            .to_string();
        assert!(err.contains("nmae"), "{err}");
        assert!(err.contains("name"), "{err}");
    }

    #[test]
    fn failed_arguments_keep_a_readable_crate_path() {
        let err = ActivityArgs::parse(quote!(crate = "rt", nmae = "x")).unwrap_err();
        assert!(err.krate.unwrap().is_ident("rt"));
        let err = ImplArgs::parse(quote!(name = "x", crate = "::renamed::rt")).unwrap_err();
        let krate = err.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), ":: renamed :: rt");
        // `crate` itself unreadable: nothing to keep.
        let err = ActivityArgs::parse(quote!(crate = 5, nmae = "x")).unwrap_err();
        assert!(err.krate.is_none());
    }

    #[test]
    fn options_in_the_wrong_form_or_place_say_what_to_write() {
        let message = |args, place| {
            let items = NestedMeta::parse_meta_list(args).unwrap();
            let (_, errors) = screen(items, place);
            assert_eq!(errors.len(), 1, "{errors:?}");
            errors[0].to_string()
        };
        for (args, place, expected) in [
            (quote!("greet"), Place::Function, "write `name = \"greet\"`"),
            (quote!(name), Place::Function, "`name` needs a value"),
            (
                quote!(name("greet")),
                Place::Method,
                "write `name = \"greet\"`",
            ),
            (
                quote!(dynamic = true),
                Place::Function,
                "`dynamic` is a bare word",
            ),
            (
                quote!(name = "a", name = "b"),
                Place::Function,
                "`name` is given twice",
            ),
            (
                quote!(isolation = "process"),
                Place::Block,
                "goes on each `#[activity]` method",
            ),
            (
                quote!(5),
                Place::Block,
                "expected one of: `crate = \"my_runtime\"`",
            ),
        ] {
            let text = message(args, place);
            assert!(text.contains(expected), "{text}");
        }
        // Unknown names are left to darling, which suggests the closest.
        let items = NestedMeta::parse_meta_list(quote!(nmae = "x")).unwrap();
        assert!(screen(items, Place::Function).1.is_empty());
    }

    #[test]
    fn a_method_may_not_set_crate() {
        let mut errors = Errors::default();
        let args = ActivityArgs::parse_method(quote!(name = "m", crate = "rt"), &mut errors);
        // The other options are still read.
        assert_eq!(args.unwrap().name.unwrap().value, "m");
        let all: Vec<_> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            all[0].starts_with("`crate` goes on the `#[activity]` impl block, not on a method"),
            "{all:#?}"
        );

        let mut errors = Errors::default();
        let args = ActivityArgs::parse_method(quote!(crate = "rt", nmae = "m"), &mut errors);
        assert!(args.is_none());
        assert_eq!(errors.finish().unwrap_err().into_iter().count(), 2);
    }

    #[test]
    fn sizes_parse_with_binary_and_decimal_units() {
        for (text, bytes) in [
            ("512 KiB", 512 * 1024),
            ("1 MiB", 1 << 20),
            ("1.5 MiB", 3 << 19),
            ("2MB", 2_000_000),
            ("1000000", 1_000_000),
            ("64 kb", 64_000),
            ("100 B", 100),
            (" 4 MiB ", 4 << 20),
            ("0.5 KiB", 512),
            ("1.0001 KiB", 1024),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for text in [
            "",
            "MiB",
            "1,5 MiB",
            "1.5.2 MiB",
            "1. MiB",
            ".5 MiB",
            "2 mebibytes",
            "-1",
            "1e6",
        ] {
            assert!(parse_size(text).is_err(), "{text}");
        }
        assert!(parse_size("99999999999999999999 GiB").is_err());
    }

    #[test]
    fn size_options_accept_strings_and_integers() {
        let args = ActivityArgs::parse(quote!(
            max_result_size = "1 MiB",
            warn_result_size = 1000,
            max_heartbeat_size = "2KB"
        ))
        .unwrap();
        assert_eq!(args.max_result_size.unwrap().bytes, 1 << 20);
        assert_eq!(args.warn_result_size.unwrap().bytes, 1000);
        assert_eq!(args.max_heartbeat_size.unwrap().bytes, 2000);
        let err = ActivityArgs::parse(quote!(max_result_size = "lots"))
            .unwrap_err()
            .error
            .to_string();
        assert!(err.contains("invalid size"), "{err}");
    }

    #[test]
    fn durations_parse_with_their_unit() {
        for (text, millis) in [
            ("30 s", 30_000),
            ("500 ms", 500),
            ("1.5 s", 1500),
            ("2 min", 120_000),
            ("1 h", 3_600_000),
            ("0.25s", 250),
        ] {
            assert_eq!(parse_duration_ms(text), Ok(millis), "{text}");
        }
        for (text, reason) in [
            ("-1 s", "does not start with a number"),
            ("30", "has no unit"),
            ("30 sec", "unknown unit `sec`"),
            ("1. s", "does not start with a number"),
            ("", "does not start with a number"),
        ] {
            let err = parse_duration_ms(text).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn limit_options_parse() {
        let args = ActivityArgs::parse(quote!(
            isolation = "process",
            memory_limit = "512 MiB",
            cpu_time = "30 s",
            open_files = 256,
            inherit_env = ["GDAL_DATA", "PROJ_*"],
            non_retryable_limits
        ))
        .unwrap();
        assert_eq!(args.memory_limit.unwrap().0.bytes, 512 << 20);
        assert_eq!(args.cpu_time.unwrap().millis, 30_000);
        assert_eq!(args.open_files.unwrap().count, 256);
        let names: Vec<String> = args
            .inherit_env
            .unwrap()
            .names
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["GDAL_DATA", "PROJ_*"]);
        assert!(args.non_retryable_limits.is_present());
        for (args, expected) in [
            (
                quote!(memory_limit = 512),
                "invalid `memory_limit`: not a string literal",
            ),
            (quote!(memory_limit = "512m"), "unknown unit `m`"),
            (
                quote!(cpu_time = 30),
                "invalid `cpu_time`: not a string literal",
            ),
            (
                quote!(open_files = "256"),
                "`open_files` takes an integer literal",
            ),
            (quote!(inherit_env = "A"), "`inherit_env` takes an array"),
            (quote!(inherit_env = [A]), "`inherit_env` takes an array"),
        ] {
            let err = ActivityArgs::parse(args).unwrap_err().error.to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn non_literal_names_are_errors() {
        for args in [
            quote!(name = NAME),
            quote!(name = 5),
            quote!(name = concat!("a", "b")),
        ] {
            let err = ActivityArgs::parse(args).unwrap_err().error.to_string();
            assert!(err.contains("must be a string literal"), "{err}");
        }
    }
}
