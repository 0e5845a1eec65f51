//! One entry of `activities![...]` written as a path of two segments or more: the registration of
//! the activity it names, or, for a method (`Greeter::say_hello`), an error that says to register
//! the instance.
//!
//! `activities!` itself is a `macro_rules!` macro of the runtime; it hands such paths here because
//! telling a method from a function needs the case of the segments. A type's method and a
//! module's function are the same tokens (`Greeter::say_hello`, `some::path::other`); read as a
//! type, which is how the entry is registered, the method is rustc's "ambiguous associated type",
//! which never says what to write. The path is taken as a method when its second-to-last segment
//! starts with an upper-case letter: types are named so and modules are not (rustc warns about a
//! module that is). Nothing an `#[activity]` function could be reached through is named so.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::Error;

/// `$crate path` in, `<path as $crate::Activity>::registration()` or a `compile_error!` out.
pub(crate) fn listed_activity(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let Some(krate) = tokens.next() else {
        return TokenStream::new();
    };
    let path: TokenStream = tokens.collect();
    let segments: Vec<String> = path
        .clone()
        .into_iter()
        .filter_map(|token| match token {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    let owner = segments.len().checked_sub(2).map(|i| &segments[i]);
    let is_method = owner.is_some_and(|owner| owner.starts_with(|c: char| c.is_uppercase()));
    if let (true, Some(owner)) = (is_method, owner) {
        let shown = segments.join("::");
        let message = format!(
            "`{shown}` is a method: register the instance of the `#[activity] impl {owner}` \
             block instead, as `Arc::new(instance)`, which registers all its `#[activity]` \
             methods (`activities![...]` lists functions)"
        );
        return Error::new_spanned(&path, message).to_compile_error();
    }
    quote!(<#path as #krate::Activity>::registration())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::listed_activity;

    #[test]
    fn a_function_path_is_registered_and_a_method_path_is_an_error() {
        let function = listed_activity(quote!(rt some::path::other)).to_string();
        assert_eq!(
            function,
            "< some :: path :: other as rt :: Activity > :: registration ()"
        );
        let absolute = listed_activity(quote!(rt::some_crate::f)).to_string();
        assert_eq!(
            absolute,
            "< :: some_crate :: f as rt :: Activity > :: registration ()"
        );
        let handwritten = listed_activity(quote!(rt handwritten::Activity)).to_string();
        assert!(handwritten.contains("registration"), "{handwritten}");
        let method = listed_activity(quote!(rt crate::Greeter::say_hello)).to_string();
        assert!(
            method.contains("compile_error ! { \"`crate::Greeter::say_hello` is a method"),
            "{method}"
        );
    }
}
