//! What is emitted after an error: the user's item untouched (but for what rustc would report
//! again, such as a `self` parameter outside an `impl` block), the errors as `compile_error!`, and
//! stand-ins that never run, so that the IDE keeps working and no secondary errors ("cannot find
//! type", "trait not implemented") pile up where the activity is registered.
//!
//! The stand-ins name the runtime through the attribute's `crate = "..."` whenever that option was
//! readable, even if other options were not (`attr::ArgsError::krate`).

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{FnArg, ItemFn};

use crate::ast::ActivityImpl;

/// A function: the errors, the function, and a companion that never runs, so that
/// `activities![f]` elsewhere still resolves. A method (with `self`) gets no companion: a type
/// cannot be declared where it stands.
pub(crate) fn activity_fn(func: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    if func.sig.receiver().is_some() {
        let func = without_receiver(func);
        return quote!(#errors #func);
    }
    let ident = &func.sig.ident;
    let name = ident.to_string();
    let companion = crate::expand::companion(func);
    quote! {
        #errors
        #func
        #companion

        #[automatically_derived]
        impl #krate::Activity for #ident {
            const NAME: &'static str = #name;
            const FUNCTION: &'static str = #name;

            fn invoke(
                _: #krate::ActivityContext,
                _: #krate::ActivityInput,
            ) -> #krate::ActivityFuture {
                #krate::__private::unreachable!()
            }
        }
    }
}

/// `func` without its receiver, which the validation has reported: a function with a `self`
/// parameter is only valid inside an `impl` block, and left as it is, a free function would get
/// rustc's "`self` parameter is only allowed in associated functions" on the same token. A body
/// that uses `self` is replaced with one that never runs (its `self` would be an error too); a
/// function that stands in a plain `impl` block, where the receiver was valid, becomes an
/// associated function, which still compiles.
fn without_receiver(func: &ItemFn) -> ItemFn {
    let mut func = func.clone();
    func.sig.inputs = std::mem::take(&mut func.sig.inputs)
        .into_iter()
        .filter(|input| !matches!(input, FnArg::Receiver(_)))
        .collect();
    if mentions_self_value(func.block.to_token_stream()) {
        func.attrs
            .push(syn::parse_quote!(#[allow(unused_variables, unreachable_code)]));
        func.block = Box::new(syn::parse_quote!({ ::core::unreachable!() }));
    }
    func
}

/// Whether `tokens` use the value `self` (not a `self::` path).
fn mentions_self_value(tokens: TokenStream) -> bool {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "self" => {
                let path = matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if !path {
                    return true;
                }
            }
            TokenTree::Group(group) if mentions_self_value(group.stream()) => return true,
            _ => {}
        }
    }
    false
}

/// An `impl` block: the block (its methods' attributes taken off) and an `ActivityMethods`
/// implementation that reports the errors, so that registering the instance adds none. None for
/// a generic block: it could not name the type, and would only add errors.
///
/// A trait implementation (`impl Greet for Greeter`) gets one for its type, so that
/// `Arc::new(Greeter)` registered elsewhere adds no "has no activity methods" error. (Should the
/// type have an `#[activity] impl` block of its own too, the two implementations conflict: a
/// second error, but one that names both blocks.)
pub(crate) fn activity_impl(model: &ActivityImpl<'_>, errors: TokenStream) -> TokenStream {
    let block = model.block;
    if !block.generics.params.is_empty() {
        return quote!(#errors #block);
    }
    let krate = &model.krate;
    let self_ty = &block.self_ty;
    quote! {
        #block

        #[automatically_derived]
        impl #krate::ActivityMethods for #self_ty {
            fn activities(self: #krate::__private::Arc<Self>) -> #krate::Activities {
                #errors
                #krate::__private::unreachable!()
            }
        }
    }
}
