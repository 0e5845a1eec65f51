//! The `#[activity]` attribute. Use it through `activity-runtime`, which re-exports it and provides
//! everything the generated code needs.
//!
//! The macro is a short pipeline, one stage per file:
//! `attr` parses the attribute arguments, `ast` builds a typed model of the function or `impl`
//! block, `valid` checks it, and `expand` generates code from the model alone, or
//! `fallback` code after an error. Every stage adds its errors to one `errors::Errors`.

mod ast;
mod attr;
mod errors;
mod expand;
mod fallback;
mod hygiene;
#[cfg(doctest)]
mod hygiene_tests;
mod listed;
mod valid;

use proc_macro::TokenStream;

/// The `#[activity]` attribute, defined in `activity-macros`. Depend on `activity-runtime`
/// instead: it re-exports the attribute, documents every option, and provides everything the
/// generated code uses.
#[proc_macro_attribute]
pub fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::activity(args.into(), item.into()).into()
}

/// One entry of `activities![...]` that is a path of two segments or more, preceded by the
/// runtime's path. Used by `activities!`; not part of the API.
#[doc(hidden)]
#[proc_macro]
pub fn listed_activity(input: TokenStream) -> TokenStream {
    listed::listed_activity(input.into()).into()
}
