//! What is emitted after an error: the user's item untouched, the errors as `compile_error!`, and
//! stand-ins that never run, so that the IDE keeps working and no secondary errors ("cannot find
//! type", "trait not implemented") pile up where the activity is registered.
//!
//! The stand-ins name the runtime through the attribute's `crate = "..."` whenever that option was
//! readable, even if other options were not (`attr::ArgsError::krate`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::ast::ActivityImpl;

/// A function: the errors, the function, and a companion that never runs, so that
/// `activities![f]` elsewhere still resolves. A method (with `self`) gets no companion: a type
/// cannot be declared where it stands.
pub(crate) fn activity_fn(func: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    if func.sig.receiver().is_some() {
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

/// An `impl` block: the block (its methods' attributes taken off) and an `ActivityMethods`
/// implementation that reports the errors, so that registering the instance adds none. None for
/// a generic block or a trait implementation: it could not name the type, and would only add
/// errors.
pub(crate) fn activity_impl(model: &ActivityImpl<'_>, errors: TokenStream) -> TokenStream {
    let block = model.block;
    if !block.generics.params.is_empty() || block.trait_.is_some() {
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
