//! `#[activity]` on an `impl` block: its `#[activity]` methods become activities that share one
//! instance (a connection pool, an HTTP client, …), registered as `Arc::new(instance)`.
//!
//! The block is emitted with the method attributes removed, followed by an implementation of
//! `ActivityMethods` that lists one registration per method, each bound to the shared instance.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Error, ImplItem, ItemImpl};

use crate::ast::{ActivityFn, type_label};
use crate::attr::{ActivityArgs, ImplArgs};
use crate::expand::{execution, input_ident, invoke_context_param, limits, parameters, run};
use crate::valid;

/// Expands `#[activity(args)] impl Type { ... }`.
pub(crate) fn activity_impl(args: TokenStream, mut block: ItemImpl) -> TokenStream {
    let mut errors: Option<Error> = None;
    let mut push = |error: Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let krate: syn::Path = match ImplArgs::parse(args) {
        Ok(args) => args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::activity_runtime)),
        Err(err) => {
            push(err.into());
            syn::parse_quote!(::activity_runtime)
        }
    };
    if !block.generics.params.is_empty() {
        push(Error::new_spanned(
            &block.generics,
            "an `#[activity]` impl block cannot be generic: each activity needs one concrete type",
        ));
    }
    if let Some((_, trait_path, _)) = &block.trait_ {
        push(Error::new_spanned(
            trait_path,
            "`#[activity]` goes on an inherent `impl Type` block, not a trait implementation",
        ));
    }

    // Take the `#[activity(...)]` attribute off each method, keeping its arguments.
    let mut marked = Vec::new();
    for (index, item) in block.items.iter_mut().enumerate() {
        let ImplItem::Fn(method) = item else { continue };
        let Some(position) = method.attrs.iter().position(is_activity_attr) else {
            continue;
        };
        let attr = method.attrs.remove(position);
        let args = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                push(Error::new_spanned(
                    nv,
                    "write `#[activity]` or `#[activity(...)]`",
                ));
                continue;
            }
        };
        marked.push((index, args));
    }
    if marked.is_empty() {
        push(Error::new(
            Span::call_site(),
            "this `#[activity]` impl block has no `#[activity]` method: mark the methods that are \
             activities",
        ));
    }

    let self_ty = &block.self_ty;
    let mut registrations = Vec::new();
    for (index, args) in &marked {
        let ImplItem::Fn(method) = &block.items[*index] else {
            continue;
        };
        let args = match ActivityArgs::parse(args.clone()) {
            Ok(mut args) => {
                args.krate = Some(krate.clone());
                args
            }
            Err(err) => {
                push(err.into());
                continue;
            }
        };
        let model = ActivityFn::new(&method.sig, args, true);
        if let Err(err) = valid::check(&model) {
            push(err);
            continue;
        }
        registrations.push(registration(&model, self_ty));
    }

    if errors.is_some() && (!block.generics.params.is_empty() || block.trait_.is_some()) {
        // No `ActivityMethods` impl: it could not name the type, and would only add errors.
        let errors = errors.map(|e| e.to_compile_error());
        return quote!(#errors #block);
    }
    let body = match errors {
        Some(errors) => {
            let errors = errors.to_compile_error();
            quote!(#errors #krate::__private::unreachable!())
        }
        None => quote! {
            let mut activities = #krate::Activities::new();
            #(activities.push(#registrations);)*
            activities
        },
    };
    quote! {
        #block

        #[automatically_derived]
        impl #krate::ActivityMethods for #self_ty {
            fn activities(self: #krate::__private::Arc<Self>) -> #krate::Activities {
                #body
            }
        }
    }
}

/// `Registration::method(Arc::clone(&self), MethodActivity { .. })` for one method.
fn registration(model: &ActivityFn<'_>, self_ty: &syn::Type) -> TokenStream {
    let krate = &model.krate;
    let name = syn::LitStr::new(&model.name, model.name_span);
    let function = format!("::{}::{}", type_label(self_ty), model.sig.ident);
    let parameters = parameters(model);
    let limits = limits(model).unwrap_or_else(|| quote!(#krate::limits::PayloadLimits::DEFAULT));
    let dynamic = model.dynamic.is_some();
    let this: Ident = format_ident!("this", span = Span::mixed_site());
    let method = &model.sig.ident;
    let run = run(model, &quote!(#this.#method));
    let ctx_param = invoke_context_param(model);
    let execution = execution(model);
    let input = input_ident();
    quote! {
        #krate::Registration::method(
            #krate::__private::Arc::clone(&self),
            #krate::__private::MethodActivity {
                name: #name,
                function: #krate::__private::concat!(#krate::__private::module_path!(), #function),
                parameters: &[#(#parameters),*],
                limits: #limits,
                dynamic: #dynamic,
                execution: #execution,
                invoke: |#this, #ctx_param, #input| #run,
            },
        )
    }
}

/// `#[activity]`, `#[activity(...)]`, `#[activity_runtime::activity]`, `#[rt::activity(...)]`.
fn is_activity_attr(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "activity")
}
