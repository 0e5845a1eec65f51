//! Parses the attribute's arguments: `#[activity(name = "...", crate = "...")]`.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::SpannedValue;
use proc_macro2::TokenStream;

/// The options written in `#[activity(...)]`.
#[derive(Debug, Default, FromMeta)]
pub(crate) struct ActivityArgs {
    /// The activity type name; the function's name when absent.
    pub name: Option<SpannedValue<String>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_name_and_crate() {
        let args = ActivityArgs::parse(quote!(name = "greet", crate = "rt")).unwrap();
        assert_eq!(args.name.as_deref().map(String::as_str), Some("greet"));
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
        assert!(ActivityArgs::parse(quote!(name = NAME)).is_err());
        assert!(ActivityArgs::parse(quote!(name = 5)).is_err());
    }
}
