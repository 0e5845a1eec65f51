//! The typed model of an annotated function, or of an annotated `impl` block and its methods. It
//! borrows the syn tree, so every later error can point at the user's own tokens.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{
    FnArg, GenericArgument, ImplItem, ItemImpl, Pat, PathArguments, ReturnType, Signature, Type,
};

use crate::attr::{ActivityArgs, Isolation};
use crate::errors::Errors;

/// An `impl` block under `#[activity]`: its `#[activity]` methods become activities that share one
/// instance, registered as `Arc::new(instance)`.
pub(crate) struct ActivityImpl<'a> {
    /// The block as it is emitted: the methods' `#[activity]` attributes taken off
    /// ([`take_method_attributes`]).
    pub block: &'a ItemImpl,
    /// The path of the runtime crate, from the block's `crate = "..."`; methods cannot set it.
    pub krate: syn::Path,
    /// How many methods carry `#[activity]`, whether or not their arguments parsed.
    pub marked: usize,
    /// The marked methods whose arguments parsed, in order.
    pub methods: Vec<ActivityFn<'a>>,
}

/// A method's `#[activity(...)]`, taken off the method.
pub(crate) struct MarkedMethod {
    /// The method's index in the block's items.
    index: usize,
    /// The tokens inside the parentheses; empty for a bare `#[activity]`.
    args: TokenStream,
}

/// Takes the `#[activity]` attribute off each method of `block`, which is emitted without them,
/// and keeps their arguments.
pub(crate) fn take_method_attributes(
    block: &mut ItemImpl,
    errors: &mut Errors,
) -> Vec<MarkedMethod> {
    let mut marked = Vec::new();
    for (index, item) in block.items.iter_mut().enumerate() {
        let ImplItem::Fn(method) = item else { continue };
        let Some(position) = method.attrs.iter().position(is_activity_attr) else {
            continue;
        };
        let attr = method.attrs.remove(position);
        for repeated in take_repeated(&mut method.attrs) {
            errors.push(repeated);
        }
        let args = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                errors.push(syn::Error::new_spanned(
                    nv,
                    "write `#[activity]` or `#[activity(...)]`",
                ));
                continue;
            }
        };
        marked.push(MarkedMethod { index, args });
    }
    marked
}

/// Takes off the `#[activity]` attributes left in `attrs` after the one being expanded, each an
/// error on itself: expanded again, they would define everything twice.
pub(crate) fn take_repeated(attrs: &mut Vec<syn::Attribute>) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    attrs.retain(|attr| {
        let repeated = is_activity_attr(attr);
        if repeated {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[activity]` is written twice on this function: write it once, with every \
                 option in one list, e.g. `#[activity(name = \"charge_card\", max_result_size = \
                 \"1 MiB\")]`",
            ));
        }
        !repeated
    });
    errors
}

/// `#[activity]`, `#[activity(...)]`, `#[activity_runtime::activity]`, `#[rt::activity(...)]`.
fn is_activity_attr(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "activity")
}

impl<'a> ActivityImpl<'a> {
    /// The model of `block`, whose `marked` methods had `#[activity]`. Errors in a method's
    /// arguments go to `errors`, and that method is left out of `methods`.
    pub(crate) fn new(
        block: &'a ItemImpl,
        krate: syn::Path,
        marked: Vec<MarkedMethod>,
        errors: &mut Errors,
    ) -> Self {
        let count = marked.len();
        let methods = marked
            .into_iter()
            .filter_map(|MarkedMethod { index, args }| {
                let ImplItem::Fn(method) = &block.items[index] else {
                    return None;
                };
                let mut args = ActivityArgs::parse_method(args, errors)?;
                args.krate = Some(krate.clone());
                Some(ActivityFn::new(&method.sig, args, true))
            })
            .collect();
        Self {
            block,
            krate,
            marked: count,
            methods,
        }
    }
}

/// A function under `#[activity]`, or a method in an `#[activity] impl` block.
pub(crate) struct ActivityFn<'a> {
    pub sig: &'a Signature,
    /// Whether this is a method of an `#[activity] impl` block (it takes `&self`).
    pub method: bool,
    /// `Some` (the `dynamic` word's span) for the dynamic activity.
    pub dynamic: Option<Span>,
    /// Where `name = "..."` was written, if it was.
    pub explicit_name: Option<Span>,
    /// The activity type name callers use.
    pub name: String,
    /// Where the name comes from: the `name = "..."` value, or the function's identifier.
    pub name_span: Span,
    /// The path of the runtime crate in generated code.
    pub krate: syn::Path,
    pub params: Vec<Param<'a>>,
    /// The payload size options given, in a fixed order.
    pub sizes: Vec<SizeOption>,
    /// `isolation = "..."`, if given.
    pub isolation: Option<Isolation>,
    /// The limits of the child process, as given.
    pub process_limits: ProcessLimitOptions,
}

/// The options that limit the child process of a process-isolated activity, each with the span
/// of its value.
#[derive(Default)]
pub(crate) struct ProcessLimitOptions {
    pub memory_limit: Option<(u64, Span)>,
    /// In milliseconds.
    pub cpu_time: Option<(u64, Span)>,
    pub open_files: Option<(u64, Span)>,
    /// The names, each with its literal's span, and the array's span.
    pub inherit_env: Option<(Vec<(String, Span)>, Span)>,
    /// The `non_retryable_limits` word.
    pub non_retryable: Option<Span>,
}

impl ProcessLimitOptions {
    /// Each option given, by name, with the span of its value.
    pub(crate) fn given(&self) -> Vec<(&'static str, Span)> {
        [
            ("memory_limit", self.memory_limit.map(|(_, span)| span)),
            ("cpu_time", self.cpu_time.map(|(_, span)| span)),
            ("open_files", self.open_files.map(|(_, span)| span)),
            (
                "inherit_env",
                self.inherit_env.as_ref().map(|(_, span)| *span),
            ),
            ("non_retryable_limits", self.non_retryable),
        ]
        .into_iter()
        .filter_map(|(option, span)| span.map(|span| (option, span)))
        .collect()
    }
}

/// A payload size option such as `max_result_size = "1 MiB"`.
pub(crate) struct SizeOption {
    /// The option's name, which is also the name of the `PayloadLimits` method that sets it.
    pub option: &'static str,
    pub bytes: u64,
    /// The value's literal.
    pub span: Span,
}

/// What a caller receives, as the official `ActivityDefinition::Output` names it.
pub(crate) enum Output<'a> {
    /// No return type, or `()` (also `Result<(), E>`).
    Unit,
    /// The returned type, or `T` of a `Result<T, E>`.
    Value(&'a Type),
    /// A type that cannot be named in an associated type (`impl Trait`, `!`).
    Opaque,
}

/// One parameter of the function, classified.
pub(crate) enum Param<'a> {
    /// `self`, `&self`, …: required on a method activity, not allowed on a function.
    Receiver(&'a syn::Receiver),
    /// `ctx: ActivityContext`: a parameter whose type is named `ActivityContext` (however
    /// qualified), or the first parameter after any receiver when it is named `ctx` (any type:
    /// `ActivityContext` imported under another name). Not `context`, which is also a plausible
    /// name for an argument (`context: String`). The expansion checks the type
    /// with `ContextParameter`, so a wrong type is an error on that type.
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
    /// Its `#[cfg(...)]` attributes: the expansion puts them on everything it generates for the
    /// parameter, so that a parameter compiled out is neither decoded nor passed.
    pub cfg: Vec<&'a syn::Attribute>,
}

impl<'a> ActivityFn<'a> {
    pub(crate) fn new(sig: &'a Signature, args: ActivityArgs, method: bool) -> Self {
        let dynamic = args.dynamic.is_present().then(|| args.dynamic.span());
        let explicit_name = args.name.as_ref().map(|name| name.span);
        let (name, name_span) = match (&args.name, dynamic) {
            (Some(name), _) => (name.value.clone(), name.span),
            // Shown where a name is listed; never matched against a called type.
            (None, Some(span)) => ("*".to_owned(), span),
            (None, None) => (sig.ident.to_string(), sig.ident.span()),
        };
        let krate = args.krate.unwrap_or_else(crate::attr::default_krate);
        let first_argument = usize::from(matches!(sig.inputs.first(), Some(FnArg::Receiver(_))));
        let params = sig
            .inputs
            .iter()
            .enumerate()
            .map(|(position, arg)| Param::new(position, position == first_argument, arg))
            .collect();
        let sizes = [
            ("max_result_size", args.max_result_size),
            ("warn_result_size", args.warn_result_size),
            ("max_heartbeat_size", args.max_heartbeat_size),
        ]
        .into_iter()
        .filter_map(|(option, size)| {
            size.map(|size| SizeOption {
                option,
                bytes: size.bytes,
                span: size.span,
            })
        })
        .collect();
        let process_limits = ProcessLimitOptions {
            memory_limit: args.memory_limit.map(|limit| (limit.0.bytes, limit.0.span)),
            cpu_time: args.cpu_time.map(|time| (time.millis, time.span)),
            open_files: args.open_files.map(|files| (files.count, files.span)),
            inherit_env: args.inherit_env.map(|env| (env.names, env.span)),
            non_retryable: args
                .non_retryable_limits
                .is_present()
                .then(|| args.non_retryable_limits.span()),
        };
        Self {
            sig,
            method,
            dynamic,
            explicit_name,
            name,
            name_span,
            krate,
            params,
            sizes,
            isolation: args.isolation,
            process_limits,
        }
    }

    /// The size option called `option`, if given.
    pub(crate) fn size(&self, option: &str) -> Option<&SizeOption> {
        self.sizes.iter().find(|s| s.option == option)
    }

    /// What callers receive. A `Result` is recognised by name (`Result`, `anyhow::Result`,
    /// `io::Result`, … with type arguments); a type alias under another name counts as a value.
    pub(crate) fn output(&self) -> Output<'_> {
        let ty = match &self.sig.output {
            ReturnType::Default => return Output::Unit,
            ReturnType::Type(_, ty) => ok_type(ty).unwrap_or(ty),
        };
        match ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
            Type::Never(_) => Output::Opaque,
            ty if mentions_impl(ty) => Output::Opaque,
            ty => Output::Value(ty),
        }
    }

    pub(crate) fn is_async(&self) -> bool {
        self.sig.asyncness.is_some()
    }

    /// Whether the function runs in a child process (`isolation = "process"`).
    pub(crate) fn in_process(&self) -> bool {
        self.isolation
            .is_some_and(|i| i.kind == crate::attr::IsolationKind::Process)
    }

    /// Whether the function takes the context (in any position; validation checks it is first).
    pub(crate) fn takes_context(&self) -> bool {
        self.params
            .iter()
            .any(|p| matches!(p, Param::Context { .. }))
    }

    /// The type of the context parameter, if the function takes one.
    pub(crate) fn context_type(&self) -> Option<&'a Type> {
        self.params.iter().find_map(|p| match p {
            Param::Context { ty, .. } => Some(*ty),
            _ => None,
        })
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
    /// The parameter at `position`; `first` when it is the first after any receiver.
    fn new(position: usize, first: bool, arg: &'a FnArg) -> Self {
        let typed = match arg {
            FnArg::Receiver(receiver) => return Param::Receiver(receiver),
            FnArg::Typed(typed) => typed,
        };
        let ty = &*typed.ty;
        let named = first && is_context_name(&typed.pat);
        if let Type::Reference(reference) = ty
            && (named || is_context(&reference.elem))
        {
            return Param::ContextByRef { ty };
        }
        if named || is_context(ty) {
            return Param::Context { position, ty };
        }
        let name = match &*typed.pat {
            Pat::Ident(ident) => ident.ident.to_string(),
            _ => format!("arg{position}"),
        };
        let cfg = typed
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"))
            .collect();
        Param::Value(ValueParam { name, ty, cfg })
    }
}

/// `ctx` or `_ctx` (`mut` allowed): the name that makes a first parameter the context, whatever its
/// type is called.
fn is_context_name(pat: &Pat) -> bool {
    let Pat::Ident(ident) = pat else { return false };
    let name = ident.ident.to_string();
    ident.by_ref.is_none() && ident.subpat.is_none() && name.trim_start_matches('_') == "ctx"
}

/// `Vec<RawValue>`, however either is qualified: the arguments of a dynamic activity.
pub(crate) fn is_raw_values(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if path.qself.is_some() || last.ident != "Vec" {
        return false;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(
        args.args.first(),
        Some(GenericArgument::Type(Type::Path(inner)))
            if args.args.len() == 1
                && inner.path.segments.last().is_some_and(|s| s.ident == "RawValue")
    )
}

/// `T` of `Result<T, …>`, however `Result` is qualified.
fn ok_type(ty: &Type) -> Option<&Type> {
    result_argument(ty, 0)
}

/// `E` of `Result<T, E>`, however `Result` is qualified.
pub(crate) fn err_type(ty: &Type) -> Option<&Type> {
    result_argument(ty, 1)
}

/// The type argument at `index` of `Result<..>`.
fn result_argument(ty: &Type, index: usize) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.get(index)? {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

/// Whether `impl` appears anywhere in the type (`impl Trait` cannot be named in an impl).
pub(crate) fn mentions_impl(ty: &Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => ident == "impl",
            TokenTree::Group(group) => walk(group.stream()),
            _ => false,
        })
    }
    walk(quote::quote!(#ty))
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
    use syn::ItemFn;

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
        let model = ActivityFn::new(&func.sig, ActivityArgs::default(), false);
        assert_eq!(model.name, "f");
        assert!(model.takes_context());
        let names: Vec<_> = model.value_params().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "arg2"]);
    }

    #[test]
    fn the_context_is_recognised_by_type_name_or_as_a_first_ctx() {
        let context = |func: ItemFn| {
            let model = ActivityFn::new(&func.sig, ActivityArgs::default(), false);
            model.context_type().map(type_label)
        };
        let renamed: ItemFn = syn::parse_quote!(
            async fn f(ctx: Ctx, a: String) {}
        );
        assert_eq!(context(renamed).as_deref(), Some("Ctx"));
        let qualified: ItemFn = syn::parse_quote!(
            async fn f(c: rt::ActivityContext) {}
        );
        assert_eq!(context(qualified).as_deref(), Some("rt::ActivityContext"));
        // An argument called `context`, or `ctx` in a later position, is an argument.
        for func in [
            syn::parse_quote!(
                async fn f(context: String) {}
            ),
            syn::parse_quote!(
                async fn f(a: String, ctx: String) {}
            ),
        ] {
            assert_eq!(context(func), None);
        }
    }

    #[test]
    fn outputs_are_what_callers_receive() {
        let output = |func: ItemFn| {
            let model = ActivityFn::new(&func.sig, ActivityArgs::default(), false);
            match model.output() {
                Output::Unit => "()".to_owned(),
                Output::Value(ty) => type_label(ty),
                Output::Opaque => "opaque".to_owned(),
            }
        };
        assert_eq!(
            output(syn::parse_quote!(
                fn f() {}
            )),
            "()"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> () {}
            )),
            "()"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> u8 {}
            )),
            "u8"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> Result<u8, E> {}
            )),
            "u8"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> Result<(), E> {}
            )),
            "()"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> anyhow::Result<Vec<String>> {}
            )),
            "Vec<String>"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> std::io::Result<u8> {}
            )),
            "u8"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> fmt::Result {}
            )),
            "fmt::Result"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> impl Serialize {}
            )),
            "opaque"
        );
        assert_eq!(
            output(syn::parse_quote!(
                fn f() -> Result<Box<impl Serialize>, E> {}
            )),
            "opaque"
        );
    }
}
