//! The typed model of an annotated function. It borrows the syn tree, so every later error can
//! point at the user's own tokens.

use proc_macro2::Span;
use syn::{FnArg, ItemFn, Pat, Type};

use crate::attr::ActivityArgs;

/// A function under `#[activity]`.
pub(crate) struct ActivityFn<'a> {
    pub func: &'a ItemFn,
    /// The activity type name callers use.
    pub name: String,
    /// Where the name comes from: the `name = "..."` value, or the function's identifier.
    pub name_span: Span,
    /// The path of the runtime crate in generated code.
    pub krate: syn::Path,
    pub params: Vec<Param<'a>>,
}

/// One parameter of the function, classified.
pub(crate) enum Param<'a> {
    /// `self`, `&self`, …: not allowed on an activity function.
    Receiver(&'a syn::Receiver),
    /// `ctx: ActivityContext`.
    Context { position: usize, ty: &'a Type },
    /// `ctx: &ActivityContext` (or `&mut`): not allowed, the context is taken by value.
    ContextByRef { ty: &'a Type },
    /// A positional argument decoded from its own payload.
    Value(ValueParam<'a>),
}

/// A parameter decoded from a payload.
pub(crate) struct ValueParam<'a> {
    /// The parameter's name in messages (`arg3` when its pattern is not a plain identifier).
    pub name: String,
    pub ty: &'a Type,
}

impl<'a> ActivityFn<'a> {
    pub(crate) fn new(func: &'a ItemFn, args: ActivityArgs) -> Self {
        let (name, name_span) = match &args.name {
            Some(name) => (name.value.clone(), name.span),
            None => (func.sig.ident.to_string(), func.sig.ident.span()),
        };
        let krate = args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::activity_runtime));
        let params = func
            .sig
            .inputs
            .iter()
            .enumerate()
            .map(|(position, arg)| Param::new(position, arg))
            .collect();
        Self {
            func,
            name,
            name_span,
            krate,
            params,
        }
    }

    pub(crate) fn is_async(&self) -> bool {
        self.func.sig.asyncness.is_some()
    }

    /// Whether the function takes the context (in any position; validation checks it is first).
    pub(crate) fn takes_context(&self) -> bool {
        self.params
            .iter()
            .any(|p| matches!(p, Param::Context { .. }))
    }

    /// The parameters decoded from payloads, in order.
    pub(crate) fn value_params(&self) -> impl Iterator<Item = &ValueParam<'a>> + '_ {
        self.params.iter().filter_map(|p| match p {
            Param::Value(v) => Some(v),
            _ => None,
        })
    }
}

impl<'a> Param<'a> {
    fn new(position: usize, arg: &'a FnArg) -> Self {
        let typed = match arg {
            FnArg::Receiver(receiver) => return Param::Receiver(receiver),
            FnArg::Typed(typed) => typed,
        };
        let ty = &*typed.ty;
        if is_context(ty) {
            return Param::Context { position, ty };
        }
        if let Type::Reference(reference) = ty
            && is_context(&reference.elem)
        {
            return Param::ContextByRef { ty };
        }
        let name = match &*typed.pat {
            Pat::Ident(ident) => ident.ident.to_string(),
            _ => format!("arg{position}"),
        };
        Param::Value(ValueParam { name, ty })
    }
}

/// `ActivityContext`, however it is qualified.
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "ActivityContext" && s.arguments.is_none())
        }
        Type::Paren(inner) => is_context(&inner.elem),
        Type::Group(inner) => is_context(&inner.elem),
        _ => false,
    }
}

/// A type as the user wrote it, without the token spacing: `Option<Vec<u8>>`.
pub(crate) fn type_label(ty: &Type) -> String {
    let spaced = quote::quote!(#ty).to_string();
    let chars: Vec<char> = spaced.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '\'';
    let mut out = String::with_capacity(spaced.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let after = chars.get(i + 1).copied();
            if !(before.is_some_and(word) && after.is_some_and(word)) {
                continue;
            }
        }
        out.push(c);
        if c == ',' {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_labels_read_like_source() {
        let label = |ty: Type| type_label(&ty);
        assert_eq!(label(syn::parse_quote!(String)), "String");
        assert_eq!(label(syn::parse_quote!(Option<Vec<u8>>)), "Option<Vec<u8>>");
        assert_eq!(
            label(syn::parse_quote!(std::collections::HashMap<String, (u8, i32)>)),
            "std::collections::HashMap<String, (u8, i32)>"
        );
        assert_eq!(label(syn::parse_quote!(Box<dyn Send>)), "Box<dyn Send>");
    }

    #[test]
    fn parameters_are_classified() {
        let func: ItemFn = syn::parse_quote! {
            async fn f(ctx: activity_runtime::ActivityContext, a: String, (x, y): (u8, u8)) {}
        };
        let model = ActivityFn::new(&func, ActivityArgs::default());
        assert_eq!(model.name, "f");
        assert!(model.takes_context());
        let names: Vec<_> = model.value_params().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "arg2"]);
    }
}
