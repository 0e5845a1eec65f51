//! Parses the attribute's arguments: `#[activity(name = "...", crate = "...")]`.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;

/// The options written in `#[activity(...)]`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct ActivityArgs {
    /// The activity type name; the function's name when absent.
    pub name: Option<ActivityName>,
    /// The path of the runtime crate when it was renamed in `Cargo.toml`.
    #[darling(rename = "crate")]
    pub krate: Option<syn::Path>,
}

impl ActivityArgs {
    pub(crate) fn parse(args: TokenStream) -> darling::Result<Self> {
        let items = NestedMeta::parse_meta_list(args)?;
        Self::from_list(&items)
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
    fn unknown_options_are_errors_that_list_the_known_ones() {
        let err = ActivityArgs::parse(quote!(nmae = "x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("nmae"), "{err}");
        assert!(err.contains("name"), "{err}");
    }

    #[test]
    fn non_literal_names_are_errors() {
        for args in [
            quote!(name = NAME),
            quote!(name = 5),
            quote!(name = concat!("a", "b")),
        ] {
            let err = ActivityArgs::parse(args).unwrap_err().to_string();
            assert!(err.contains("must be a string literal"), "{err}");
        }
    }
}
