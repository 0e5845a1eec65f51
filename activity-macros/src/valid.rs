//! Checks the model and reports every problem at once, each on the smallest offending token.
//!
//! Type checks (that parameters are `DeserializeOwned`, that the return type is `Serialize`) are
//! left to the compiler: the expansion places them on the user's own types.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Error, ReturnType, Type};

use crate::ast::{ActivityFn, ActivityImpl, Param};
use crate::attr::IsolationKind;
use crate::errors::Errors;

/// The problems of an `#[activity] impl` block: the block itself, then each method.
pub(crate) fn check_impl(model: &ActivityImpl<'_>, errors: &mut Errors) {
    let block = model.block;
    if !block.generics.params.is_empty() {
        errors.push(Error::new_spanned(
            &block.generics,
            "an `#[activity]` impl block cannot be generic: each activity needs one concrete type",
        ));
    }
    if let Some((_, trait_path, _)) = &block.trait_ {
        errors.push(Error::new_spanned(
            trait_path,
            "`#[activity]` goes on an inherent `impl Type` block, not a trait implementation",
        ));
    }
    if model.marked == 0 {
        errors.push(Error::new(
            Span::call_site(),
            "this `#[activity]` impl block has no `#[activity]` method: mark the methods that are \
             activities",
        ));
    }
    for method in &model.methods {
        check(method, errors);
    }
}

/// The error for an item that is neither a function with a body nor an `impl` block, on the
/// token that says what it is: the keyword (`const`, `struct`, ...), or for a function declared
/// without a body (in an `extern` block or a trait) its declaration. `fallback` is where syn
/// stopped reading it as a function.
pub(crate) fn not_a_function(item: &TokenStream, fallback: Span) -> Error {
    /// The keywords that start an item other than a function or an `impl` block.
    const ITEM_KEYWORDS: [&str; 11] = [
        "const",
        "static",
        "struct",
        "enum",
        "union",
        "type",
        "trait",
        "mod",
        "use",
        "extern",
        "macro_rules",
    ];
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let declaration = tokens
        .iter()
        .position(|token| matches!(token, TokenTree::Ident(ident) if ident == "fn"))
        .filter(|_| matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == ';'));
    if let Some(start) = declaration {
        let declaration: TokenStream = tokens[start..].iter().cloned().collect();
        return Error::new_spanned(
            declaration,
            "`#[activity]` goes on a function with a body: this declares one that is defined \
             elsewhere (in an `extern` block or a trait). Write an activity that calls it",
        );
    }
    let keyword = tokens.iter().find_map(|token| match token {
        TokenTree::Ident(ident) if ITEM_KEYWORDS.iter().any(|k| ident == k) => Some(ident.span()),
        _ => None,
    });
    Error::new(
        keyword.unwrap_or(fallback),
        "`#[activity]` goes on a function (`fn` or `async fn`) or on an `impl` block",
    )
}

/// The problems of one function or method, added to `errors`.
pub(crate) fn check(model: &ActivityFn<'_>, errors: &mut Errors) {
    let sig = model.sig;

    if model.name.trim().is_empty() {
        errors.push(Error::new(
            model.name_span,
            "activity name cannot be empty or blank: give a name such as `name = \"charge_card\"`, \
             or remove `name` to use the function's name",
        ));
    } else if model.name.trim() != model.name {
        errors.push(Error::new(
            model.name_span,
            format!(
                "activity name has spaces around it, which callers would have to repeat: write \
                 `name = \"{}\"`",
                model.name.trim()
            ),
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(Error::new_spanned(
            unsafety,
            "`#[activity]` cannot be used on an `unsafe fn`: Temporal calls it with arguments no \
             caller can vouch for",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::new_spanned(
            abi,
            "`#[activity]` cannot be used on an `extern fn`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "`#[activity]` cannot be used on a variadic function",
        ));
    }
    let borrowed = model
        .value_params()
        .any(|p| matches!(ungroup(p.ty), Type::Reference(_)));
    let lifetimes_only = sig
        .generics
        .params
        .iter()
        .all(|param| matches!(param, syn::GenericParam::Lifetime(_)));
    // `fn f<'a>(s: &'a str)`: the borrowed parameter is the mistake, reported once, there.
    let generic = sig.generics.where_clause.is_some()
        || !(sig.generics.params.is_empty() || lifetimes_only && borrowed);
    if generic {
        errors.push(Error::new_spanned(
            &sig.generics,
            "an activity cannot be generic: Temporal calls it by name with encoded arguments, so \
             every parameter needs one concrete type",
        ));
    }

    check_params(model, errors);
    check_output(model, errors);
    if model.dynamic.is_some() {
        check_dynamic(model, errors);
    }
    check_sizes(model, errors);
    check_isolation(model, errors);
    check_process_limits(model, errors);
}

/// `activity_runtime::limits::MIN_MEMORY_LIMIT`: 16 MiB.
const MIN_MEMORY_LIMIT: u64 = 16 << 20;
/// `activity_runtime::limits::MIN_OPEN_FILES`.
const MIN_OPEN_FILES: u64 = 16;

/// The limits of a child process go only on a process-isolated activity, within what a child
/// needs to run at all.
fn check_process_limits(model: &ActivityFn<'_>, errors: &mut Errors) {
    let limits = &model.process_limits;
    if !model.in_process() {
        for (option, span) in limits.given() {
            let message = if model.is_async() {
                format!(
                    "`{option}` limits the child process of a process-isolated activity, and an \
                     `async fn` runs in the worker's process: make it a plain `fn` with \
                     `isolation = \"process\"`, or remove `{option}`"
                )
            } else {
                format!(
                    "`{option}` limits the child process of a process-isolated activity: add \
                     `isolation = \"process\"`, or remove `{option}`"
                )
            };
            errors.push(Error::new(span, message));
        }
        return;
    }
    if let Some((bytes, span)) = limits.memory_limit
        && bytes < MIN_MEMORY_LIMIT
    {
        errors.push(Error::new(
            span,
            format!(
                "`memory_limit` of {} is below 16 MiB, less than a child process needs to \
                 start: write at least `\"16 MiB\"`",
                describe_size(bytes)
            ),
        ));
    }
    if let Some((0, span)) = limits.cpu_time {
        errors.push(Error::new(
            span,
            "`cpu_time` must be above zero: no attempt could run; write e.g. `\"30 s\"`",
        ));
    }
    if let Some((files, span)) = limits.open_files
        && files < MIN_OPEN_FILES
    {
        errors.push(Error::new(
            span,
            format!(
                "`open_files` of {files} is below 16, fewer than a child process needs for \
                 itself (its standard streams and its socket to the worker): write at least \
                 `open_files = 16`"
            ),
        ));
    }
    for (name, span) in limits.inherit_env.iter().flat_map(|(names, _)| names) {
        let bare = name.strip_suffix('*').unwrap_or(name);
        if name.is_empty() || name == "*" {
            errors.push(Error::new(
                *span,
                "an empty name inherits nothing, and `*` would inherit every variable of the \
                 worker, its secrets included: name the variables, or prefixes such as \
                 `\"PROJ_*\"`",
            ));
        } else if bare.contains(['=', '\0', '*']) {
            errors.push(Error::new(
                *span,
                format!(
                    "`{name}` is not a variable name: no `=` or NUL, and `*` only at the end, \
                     for a prefix (`\"PROJ_*\"`)"
                ),
            ));
        }
    }
}

/// The receiver (methods only, first), the context (first after the receiver, by value), and
/// owned, concrete parameter types.
fn check_params(model: &ActivityFn<'_>, errors: &mut Errors) {
    let first_argument = usize::from(model.method);
    if model.method && !matches!(model.params.first(), Some(Param::Receiver(_))) {
        errors.push(Error::new_spanned(
            &model.sig.ident,
            "a method activity takes `&self` (or `self: Arc<Self>`): the worker calls it on the \
             instance it was registered with",
        ));
    }
    for param in &model.params {
        match param {
            Param::Receiver(receiver) if !model.method => errors.push(Error::new_spanned(
                receiver,
                "a method is an activity only inside an `impl` block that has `#[activity]` too: \
                 write `#[activity] impl Type { ... }`, and register `Arc::new(instance)`",
            )),
            Param::Receiver(receiver) => {
                let shared = receiver.reference.is_some() && receiver.mutability.is_none()
                    || receiver.colon_token.is_some() && is_arc_self(&receiver.ty);
                if !shared {
                    errors.push(Error::new_spanned(
                        receiver,
                        "take `&self` (or `self: Arc<Self>`): one instance is shared by every \
                         running activity, so it cannot be borrowed mutably or moved",
                    ));
                }
            }
            Param::ContextByRef { ty } => errors.push(Error::new_spanned(
                ty,
                "take `ActivityContext` by value: it is cheap to clone (write `ctx: ActivityContext`)",
            )),
            Param::Context { position, ty } if *position != first_argument => {
                errors.push(Error::new_spanned(
                    ty,
                    if model.method {
                        "`ActivityContext` must be the first parameter after `self`"
                    } else {
                        "`ActivityContext` must be the first parameter of an activity"
                    },
                ))
            }
            Param::Context { .. } => {}
            Param::Value(value) => check_value_type(value.ty, errors),
        }
    }
}

/// What the function returns must become a result the worker can encode: not `!`, not a future
/// (that is an `async fn`), and an error that can cross threads.
fn check_output(model: &ActivityFn<'_>, errors: &mut Errors) {
    let ReturnType::Type(_, ty) = &model.sig.output else {
        return;
    };
    let ty = ungroup(ty);
    if let Type::Never(never) = ty {
        errors.push(Error::new_spanned(
            never,
            "an activity must return: `!` gives Temporal no result to record. Return `()`, or \
             `Result<(), ActivityError>` and end with an error",
        ));
        return;
    }
    if let Some(future) = future_type(ty) {
        errors.push(Error::new_spanned(
            future,
            if model.is_async() {
                "an `async fn` activity returns its output, not a future: write the output type \
                 (e.g. `async fn f() -> String`)"
            } else {
                "to return a future, write an `async fn` with the future's output type (e.g. \
                 `async fn f() -> String` instead of `fn f() -> impl Future<Output = String>`)"
            },
        ));
        return;
    }
    if let Some(error) = crate::ast::err_type(ty)
        && let Some(object) = boxed_error_without_send_sync(error)
    {
        let trait_ = crate::ast::type_label(object);
        errors.push(Error::new_spanned(
            error,
            format!(
                "an activity's error must be `Send + Sync`, to reach the worker from any thread: \
                 write `Box<{trait_} + Send + Sync>`"
            ),
        ));
    }
}

/// `ty` without invisible groups and parentheses.
fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(inner) => ungroup(&inner.elem),
        Type::Paren(inner) => ungroup(&inner.elem),
        ty => ty,
    }
}

/// The trait bounds of `impl Trait` or `dyn Trait`, directly or inside `Box<..>`/`Pin<Box<..>>`.
fn trait_bounds(
    ty: &Type,
) -> Option<&syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>> {
    match ungroup(ty) {
        Type::ImplTrait(t) => Some(&t.bounds),
        Type::TraitObject(t) => Some(&t.bounds),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            if last.ident != "Box" && last.ident != "Pin" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                syn::GenericArgument::Type(inner) => trait_bounds(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `bounds` name the trait `name`, however qualified.
fn names_trait(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    name: &str,
) -> bool {
    bounds.iter().any(|bound| {
        matches!(bound, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| s.ident == name))
    })
}

/// `impl Future<..>`, `Box<dyn Future<..>>`, `Pin<Box<dyn Future<..> + Send>>`.
fn future_type(ty: &Type) -> Option<&Type> {
    trait_bounds(ty)
        .is_some_and(|bounds| names_trait(bounds, "Future"))
        .then_some(ty)
}

/// The `dyn Error` of a `Box<dyn Error>` that is not `Send + Sync`.
fn boxed_error_without_send_sync(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(object)) = args.args.first() else {
        return None;
    };
    let Type::TraitObject(dyn_) = ungroup(object) else {
        return None;
    };
    let is_error = last.ident == "Box" && names_trait(&dyn_.bounds, "Error");
    (is_error && !(names_trait(&dyn_.bounds, "Send") && names_trait(&dyn_.bounds, "Sync")))
        .then_some(object)
}

/// `Arc<Self>`, however `Arc` is qualified.
fn is_arc_self(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Arc"
        && matches!(
            args.args.first(),
            Some(syn::GenericArgument::Type(Type::Path(inner))) if inner.path.is_ident("Self")
        )
}

/// A dynamic activity has no name of its own and takes `args: Vec<RawValue>` after the optional
/// context.
fn check_dynamic(model: &ActivityFn<'_>, errors: &mut Errors) {
    if let (Some(dynamic), Some(_)) = (model.dynamic, model.explicit_name) {
        errors.push(Error::new(
            dynamic,
            "`dynamic` and `name` cannot be combined: a dynamic activity serves every activity \
             type that no other activity has, and reads the called type from `ctx.info()`",
        ));
    }
    let values: Vec<_> = model.value_params().collect();
    match values.as_slice() {
        [only] if crate::ast::is_raw_values(only.ty) => {}
        [] => errors.push(Error::new_spanned(
            &model.sig.ident,
            "a dynamic activity takes its arguments as one parameter `args: Vec<RawValue>`, \
             after an optional `ctx: ActivityContext`",
        )),
        [first, rest @ ..] => {
            // The first parameter that is not `Vec<RawValue>`, else the extra one.
            let offending = values
                .iter()
                .find(|p| !crate::ast::is_raw_values(p.ty))
                .or(rest.first())
                .unwrap_or(first);
            // A borrowed or `impl Trait` parameter is already reported (`&[RawValue]`: "use
            // `Vec<RawValue>`"): one mistake, one error.
            if value_type_problem(offending.ty).is_none() {
                errors.push(Error::new_spanned(
                    offending.ty,
                    "a dynamic activity takes exactly one parameter for its arguments, \
                     `args: Vec<RawValue>` (after an optional `ctx: ActivityContext`); decode \
                     each `RawValue` with `.decode::<T>()`",
                ))
            }
        }
    }
}

/// `isolation` places a plain `fn`: an `async fn` already runs on the async threads.
fn check_isolation(model: &ActivityFn<'_>, errors: &mut Errors) {
    let Some(isolation) = model.isolation else {
        return;
    };
    match (isolation.kind, &model.sig.asyncness) {
        (IsolationKind::Thread, Some(asyncness)) => errors.push(Error::new_spanned(
            asyncness,
            "`isolation = \"thread\"` is for a plain `fn`, which runs on the worker's blocking \
             pool; an `async fn` runs on the async threads: remove `async` or the option",
        )),
        (IsolationKind::Process, Some(asyncness)) => errors.push(Error::new_spanned(
            asyncness,
            "`isolation = \"process\"` runs a plain `fn` in a child process: remove `async` \
             (the child has no async runtime)",
        )),
        (IsolationKind::Process, None) if model.method => errors.push(Error::new(
            isolation.span,
            "`isolation = \"process\"` takes a free `fn`: a method activity shares its instance, \
             which lives in the worker's process",
        )),
        (IsolationKind::Thread | IsolationKind::Process, None) => {}
    }
}

/// The largest gRPC message the server accepts; `activity_runtime::limits::GRPC_MESSAGE_LIMIT`.
const GRPC_MESSAGE_LIMIT: u64 = 4 << 20;

/// Size options must be above zero and at most 4 MiB, and a warning level below its limit.
fn check_sizes(model: &ActivityFn<'_>, errors: &mut Errors) {
    for size in &model.sizes {
        if size.bytes == 0 {
            errors.push(Error::new(
                size.span,
                format!(
                    "`{}` must be above zero; remove it to use the default",
                    size.option
                ),
            ));
        } else if size.bytes > GRPC_MESSAGE_LIMIT {
            errors.push(Error::new(
                size.span,
                format!(
                    "`{}` of {} is above 4 MiB, the largest gRPC message Temporal accepts: nothing \
                     that large can be sent. Store large data elsewhere and pass a reference to it",
                    size.option,
                    describe_size(size.bytes)
                ),
            ));
        }
    }
    if let (Some(warn), Some(max)) = (
        model.size("warn_result_size"),
        model.size("max_result_size"),
    ) && max.bytes > 0
        && warn.bytes >= max.bytes
    {
        errors.push(Error::new(
            warn.span,
            format!(
                "`warn_result_size` ({}) must be below `max_result_size` ({}): a result that large \
                 fails instead of warning",
                describe_size(warn.bytes),
                describe_size(max.bytes)
            ),
        ));
    }
}

/// `8 MiB (8388608 bytes)`, `1.50 MiB (1572864 bytes)`, `100 bytes`.
fn describe_size(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    let human = if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.2} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        return format!("{bytes} bytes");
    };
    format!("{human} ({bytes} bytes)")
}

/// Parameter types must be owned, concrete types that can be decoded from a payload.
fn check_value_type(ty: &Type, errors: &mut Errors) {
    if let Some(error) = value_type_problem(ty) {
        errors.push(error);
    }
}

/// What is wrong with the type of a parameter decoded from a payload, if anything.
fn value_type_problem(ty: &Type) -> Option<Error> {
    match ty {
        Type::Reference(reference) => {
            let owned = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => {
                    let elem = &slice.elem;
                    format!("Vec<{}>", crate::ast::type_label(elem))
                }
                other => crate::ast::type_label(other),
            };
            Some(Error::new_spanned(
                ty,
                format!(
                    "activity parameters are decoded into owned values and cannot borrow: use `{owned}` \
                     instead of `{}`",
                    crate::ast::type_label(ty)
                ),
            ))
        }
        Type::ImplTrait(_) => Some(Error::new_spanned(
            ty,
            "activity parameters need a concrete type to decode into, not `impl Trait`",
        )),
        Type::Paren(inner) => value_type_problem(&inner.elem),
        Type::Group(inner) => value_type_problem(&inner.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::ActivityArgs;
    use syn::ItemFn;

    fn errors(func: ItemFn) -> Vec<String> {
        errors_with(func, ActivityArgs::default())
    }

    fn errors_with(func: ItemFn, args: ActivityArgs) -> Vec<String> {
        let model = ActivityFn::new(&func.sig, args, false);
        let mut errors = Errors::default();
        check(&model, &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn plain_functions_pass() {
        assert!(
            errors(syn::parse_quote!(
                async fn f(ctx: ActivityContext, a: String) {}
            ))
            .is_empty()
        );
        assert!(
            errors(syn::parse_quote!(
                fn f() -> u8 {
                    1
                }
            ))
            .is_empty()
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let all = errors(syn::parse_quote!(
            fn f<T>(a: &str, b: impl Send, c: ActivityContext, d: &[u8]) {}
        ));
        assert_eq!(all.len(), 5, "{all:#?}");
        assert!(all[0].contains("generic"));
        assert!(all[1].contains("use `String` instead of `&str`"));
        assert!(all[2].contains("impl Trait"));
        assert!(all[3].contains("first parameter"));
        assert!(all[4].contains("use `Vec<u8>` instead of `&[u8]`"));
    }

    #[test]
    fn a_borrowed_dynamic_parameter_is_one_error() {
        let dynamic = || ActivityArgs::parse(quote::quote!(dynamic)).unwrap();
        let all = errors_with(
            syn::parse_quote!(
                async fn f(args: &[RawValue]) {}
            ),
            dynamic(),
        );
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            all[0].ends_with("use `Vec<RawValue>` instead of `&[RawValue]`"),
            "{all:#?}"
        );
        // An owned parameter of another type is still the dynamic activity's mistake.
        let all = errors_with(
            syn::parse_quote!(
                async fn f(args: Vec<String>) {}
            ),
            dynamic(),
        );
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(all[0].starts_with("a dynamic activity takes exactly one parameter"));
    }

    #[test]
    fn sizes_are_checked() {
        let func: ItemFn = syn::parse_quote!(
            fn f() {}
        );
        let args = |tokens| ActivityArgs::parse(tokens).unwrap();
        assert!(
            errors_with(
                func.clone(),
                args(quote::quote!(
                    max_result_size = "4 MiB",
                    warn_result_size = "1 MiB"
                ))
            )
            .is_empty()
        );
        let all = errors_with(
            func.clone(),
            args(quote::quote!(
                max_result_size = "8 MiB",
                max_heartbeat_size = 0
            )),
        );
        assert_eq!(all.len(), 2, "{all:#?}");
        assert!(
            all[0].starts_with("`max_result_size` of 8 MiB (8388608 bytes) is above 4 MiB"),
            "{all:#?}"
        );
        assert!(all[1].contains("must be above zero"), "{all:#?}");
        let all = errors_with(
            func,
            args(quote::quote!(
                max_result_size = "512 KiB",
                warn_result_size = "1 MiB"
            )),
        );
        assert_eq!(
            all,
            [
                "`warn_result_size` (1 MiB (1048576 bytes)) must be below `max_result_size` (512 KiB \
              (524288 bytes)): a result that large fails instead of warning"
            ]
        );
    }

    #[test]
    fn each_return_and_lifetime_mistake_is_one_error() {
        let cases: [(ItemFn, &str); 5] = [
            (
                syn::parse_quote!(
                    fn f() -> impl std::future::Future<Output = u8> {}
                ),
                "write an `async fn`",
            ),
            (
                syn::parse_quote!(
                    fn f() -> Pin<Box<dyn Future<Output = u8> + Send>> {}
                ),
                "write an `async fn`",
            ),
            (
                syn::parse_quote!(
                    async fn f() -> ! {}
                ),
                "must return",
            ),
            (
                syn::parse_quote!(
                    async fn f() -> Result<u8, Box<dyn std::error::Error>> {}
                ),
                "write `Box<dyn std::error::Error + Send + Sync>`",
            ),
            (
                syn::parse_quote!(
                    async fn f<'a>(s: &'a str) {}
                ),
                "use `String` instead of `&'a str`",
            ),
        ];
        for (func, expected) in cases {
            let all = errors(func);
            assert_eq!(all.len(), 1, "{all:#?}");
            assert!(all[0].contains(expected), "{all:#?}");
        }
        // A `Send + Sync` boxed error is fine; a lifetime that no parameter borrows is generic.
        assert!(
            errors(syn::parse_quote!(
                async fn f() -> Result<u8, Box<dyn Error + Sync + Send>> {}
            ))
            .is_empty()
        );
        assert!(
            errors(syn::parse_quote!(
                async fn f<'a>() {}
            ))[0]
                .contains("generic")
        );
    }

    #[test]
    fn process_limits_need_a_process_and_room_to_run() {
        let args = |tokens| ActivityArgs::parse(tokens).unwrap();
        let plain: ItemFn = syn::parse_quote!(
            fn f() {}
        );
        assert!(
            errors_with(
                plain.clone(),
                args(quote::quote!(
                    isolation = "process",
                    memory_limit = "16 MiB",
                    cpu_time = "1 ms",
                    open_files = 16,
                    inherit_env = ["A", "B_*"],
                    non_retryable_limits
                ))
            )
            .is_empty()
        );
        let all = errors_with(
            plain.clone(),
            args(quote::quote!(memory_limit = "512 MiB", open_files = 64)),
        );
        assert_eq!(all.len(), 2, "{all:#?}");
        assert!(
            all[0].starts_with("`memory_limit` limits the child process")
                && all[0].contains("add `isolation = \"process\"`"),
            "{all:#?}"
        );
        let async_fn: ItemFn = syn::parse_quote!(
            async fn f() {}
        );
        let all = errors_with(async_fn, args(quote::quote!(cpu_time = "1 s")));
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            all[0].contains("an `async fn` runs in the worker's process"),
            "{all:#?}"
        );
        let all = errors_with(
            plain,
            args(quote::quote!(
                isolation = "process",
                memory_limit = "1 MiB",
                cpu_time = "0 s",
                open_files = 3,
                inherit_env = ["*", "A=B", "A*B"]
            )),
        );
        assert_eq!(all.len(), 6, "{all:#?}");
        assert!(all[0].contains("below 16 MiB"), "{all:#?}");
        assert!(all[1].contains("must be above zero"), "{all:#?}");
        assert!(all[2].contains("below 16"), "{all:#?}");
        assert!(all[3].contains("would inherit every variable"), "{all:#?}");
        assert!(all[4].contains("`A=B` is not a variable name"), "{all:#?}");
        assert!(all[5].contains("`A*B` is not a variable name"), "{all:#?}");
    }

    #[test]
    fn blank_names_are_refused() {
        let func: ItemFn = syn::parse_quote!(
            fn f() {}
        );
        for (name, expected) in [("   ", "empty or blank"), (" greet ", "`name = \"greet\"`")] {
            let args = ActivityArgs::parse(quote::quote!(name = #name)).unwrap();
            let all = errors_with(func.clone(), args);
            assert_eq!(all.len(), 1, "{all:#?}");
            assert!(all[0].contains(expected), "{all:#?}");
        }
    }

    #[test]
    fn context_by_reference_is_refused() {
        let all = errors(syn::parse_quote!(
            fn f(ctx: &ActivityContext) {}
        ));
        assert!(all[0].contains("by value"), "{all:?}");
    }
}
