//! The names of the variables the generated code binds (`ctx`, `input`, `arg0`…, `args`,
//! `output`, `this`, `activities`) and of the process entry point (`entry`), chosen so that no
//! user item can change what they mean.
//!
//! Mixed-site spans keep the user's tokens from seeing these variables, but not these variables
//! from seeing the user's items: rustc resolves items at the call site even for a mixed-site
//! identifier, so a `const output` (a unit struct, a glob-imported constant) in the user's scope
//! would turn the pattern `output` into a constant pattern (rust-lang/rust#22462; `assert_eq!` has
//! the same hole with `left_val`). Two more measures close it:
//! - The generated impls sit in a `const _: () = { ... };` block that declares an empty `fn` of
//!   each bound name ([`Locals::scope`]). A pattern whose name resolves to a `fn` binds a fresh
//!   variable, and the block's `fn` hides any outer item of that name. The empty `fn`s raise no
//!   warning, even with every lint denied.
//! - A name that occurs in the user's tokens placed in that block (the function's name, its
//!   types, an array length in them, the crate path) gets a `_` appended until it does not, so
//!   the block's `fn`s never capture the user's own references, and `entry` is never the user's
//!   function.
//!
//! `hygiene_tests.rs` compiles expansions against all of these collisions.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;

use crate::ast::ActivityFn;

/// The names for one expansion.
pub(crate) struct Locals {
    /// Every identifier in the user's tokens.
    taken: BTreeSet<String>,
}

impl Locals {
    /// The names that avoid every identifier in `user`: the user's tokens the expansion places
    /// beside the variables.
    pub(crate) fn new(user: TokenStream) -> Self {
        fn collect(tokens: TokenStream, taken: &mut BTreeSet<String>) {
            for token in tokens {
                match token {
                    TokenTree::Ident(ident) => {
                        taken.insert(ident.to_string());
                    }
                    TokenTree::Group(group) => collect(group.stream(), taken),
                    TokenTree::Punct(_) | TokenTree::Literal(_) => {}
                }
            }
        }
        let mut taken = BTreeSet::new();
        collect(user, &mut taken);
        Self { taken }
    }

    /// `base`, or `base_`, `base__`, … if the user's tokens use it.
    fn spelling(&self, base: &str) -> String {
        let mut name = base.to_owned();
        while self.taken.contains(&name) {
            name.push('_');
        }
        name
    }

    /// The variable called `base`, with a mixed-site span.
    pub(crate) fn name(&self, base: &str) -> Ident {
        self.name_at(base, Span::mixed_site())
    }

    /// The variable called `base` with the span of a user token, so that a type error in its use
    /// lands on that token: rustc reports a mixed-site span, even one located at the user's token,
    /// at the `#[activity]` attribute instead. It stays unambiguous all the same: the block of
    /// [`Locals::scope`] shadows any outer item of its name, and its spelling avoids every name in
    /// the user's tokens.
    pub(crate) fn name_at(&self, base: &str, span: Span) -> Ident {
        Ident::new(&self.spelling(base), span)
    }

    /// `items` in a `const _` block that declares an empty `fn` named after each of `bound`, the
    /// variables that `items` binds.
    pub(crate) fn scope(&self, bound: &[String], items: TokenStream) -> TokenStream {
        let shadows = bound.iter().map(|base| self.name(base));
        quote! {
            #[doc = " Each empty `fn` hides any item of its name in the caller's scope:"]
            #[doc = " the bindings of that name below are always new variables, never"]
            #[doc = " constant patterns."]
            const _: () = {
                #(fn #shadows() {})*

                #items
            };
        }
    }
}

/// The parameter and return types of `model`: with the function's name, the crate path and the
/// `Self` type, the only user tokens the expansion places beside its variables.
pub(crate) fn signature_types(model: &ActivityFn<'_>) -> TokenStream {
    let inputs = model.sig.inputs.iter().filter_map(|input| match input {
        syn::FnArg::Typed(typed) => Some(&typed.ty),
        syn::FnArg::Receiver(_) => None,
    });
    let output = &model.sig.output;
    quote!(#(#inputs)* #output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_step_aside_from_the_users_identifiers() {
        let locals = Locals::new(quote!(entry [u8; output] Vec<output_> ::rt));
        assert_eq!(locals.name("entry"), "entry_");
        assert_eq!(locals.name("output"), "output__");
        assert_eq!(locals.name("input"), "input");
        assert_eq!(locals.name("rt"), "rt_");
    }

    #[test]
    fn the_scope_declares_a_fn_per_binding() {
        let locals = Locals::new(quote!(output));
        let scoped = locals.scope(
            &["ctx".to_owned(), "output".to_owned()],
            quote!(
                struct S;
            ),
        );
        let scoped: syn::ItemConst = syn::parse2(scoped).unwrap();
        let syn::Expr::Block(block) = *scoped.expr else {
            panic!("not a block")
        };
        let items: Vec<String> = block
            .block
            .stmts
            .iter()
            .map(|stmt| quote!(#stmt).to_string())
            .collect();
        assert_eq!(items, ["fn ctx () { }", "fn output_ () { }", "struct S ;"]);
    }
}
