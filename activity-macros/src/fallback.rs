//! What is emitted after an error: the user's item untouched (but for what rustc would report
//! again, such as a `self` parameter outside an `impl` block), the errors as `compile_error!`, and
//! stand-ins that never run, so that the IDE keeps working and no secondary errors ("cannot find
//! type", "trait not implemented") pile up where the activity is registered.
//!
//! The stand-ins name the runtime through the attribute's `crate = "..."` whenever that option was
//! readable, even if other options were not (`attr::ArgsError::krate`).

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{FnArg, GenericArgument, Generics, ItemFn, PathArguments, Type};

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
/// implementation that reports the errors, so that registering the instance
/// (`register(Arc::new(Greeter))`) adds none.
///
/// A trait implementation (`impl Greet for Greeter`) gets one for its type too, and a generic block
/// one with its generics (`impl<T> ActivityMethods for Wrapper<T>`, never run either). (Should the
/// type have an `#[activity] impl` block of its own too, the two implementations conflict: a
/// second error, but one that names both blocks.) None where rustc's orphan rule would refuse it,
/// a second error on a block that registers nothing anyway: a type that is certainly another
/// crate's (see [`certainly_foreign`]), or a bare type parameter (`impl<T> Greet for T`).
pub(crate) fn activity_impl(model: &ActivityImpl<'_>, errors: TokenStream) -> TokenStream {
    let block = model.block;
    let self_ty = &*block.self_ty;
    if certainly_foreign(self_ty) || is_type_parameter(self_ty, &block.generics) {
        return quote!(#errors #block);
    }
    let krate = &model.krate;
    // `ActivityMethods: 'static`: asked of a generic type where it is registered, as it would be.
    let mut generics = block.generics.clone();
    if !generics.params.is_empty() {
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#self_ty: 'static));
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    quote! {
        #block

        #[automatically_derived]
        impl #impl_generics #krate::ActivityMethods for #self_ty #where_clause {
            fn activities(self: #krate::__private::Arc<Self>) -> #krate::Activities {
                #errors
                #krate::__private::unreachable!()
            }
        }
    }
}

/// Primitive types, which no crate of the user's declares.
const PRIMITIVES: [&str; 17] = [
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64",
];

/// The standard library's types in the prelude; `Box` is not among them, being "fundamental"
/// (`Box<Local>` is local).
const PRELUDE_TYPES: [&str; 4] = ["String", "Vec", "Option", "Result"];

/// Whether `ty` is certainly declared outside the user's crate, so that implementing the runtime's
/// trait for it breaks the orphan rule (E0117): a primitive, a prelude type, a path from `std`,
/// `core`, `alloc` or another crate (`::name::...`), a tuple, an array, a slice, a pointer or a
/// function pointer, or a reference or a `Box` of one of those. A type of the user's crate named
/// like one of these loses the stand-in, and its registration an error it would not need.
fn certainly_foreign(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => certainly_foreign(&reference.elem),
        Type::Paren(inner) => certainly_foreign(&inner.elem),
        Type::Group(inner) => certainly_foreign(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let path = &path.path;
            let Some(first) = path.segments.first() else {
                return false;
            };
            if path.leading_colon.is_some()
                || ["std", "core", "alloc"].iter().any(|c| first.ident == c)
            {
                return true;
            }
            if path.segments.len() != 1 {
                return false;
            }
            if first.ident == "Box" {
                // `Box<T>` is local when `T` is.
                return match &first.arguments {
                    PathArguments::AngleBracketed(args) => args.args.iter().any(
                        |arg| matches!(arg, GenericArgument::Type(inner) if certainly_foreign(inner)),
                    ),
                    _ => false,
                };
            }
            PRIMITIVES
                .iter()
                .chain(&PRELUDE_TYPES)
                .any(|name| first.ident == name)
        }
        Type::Tuple(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::Ptr(_)
        | Type::BareFn(_)
        | Type::Never(_) => true,
        _ => false,
    }
}

/// Whether `ty` is one of the block's own type parameters (`impl<T> Greet for T`).
fn is_type_parameter(ty: &Type, generics: &Generics) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    generics
        .type_params()
        .any(|param| path.qself.is_none() && path.path.is_ident(&param.ident))
}
