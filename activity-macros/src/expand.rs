//! Drives the pipeline (attr → ast → valid → expand, or `fallback` after an error) and
//! generates the code from the model.
//!
//! For a function, the function is emitted unchanged. Beside it, in the type namespace, comes a
//! companion type with the function's name that implements `Activity` (`activities![f]` names that
//! type) and the official `ActivityDefinition` (typed calls from the official client and
//! workflows). For an `impl` block, the block is emitted without its methods' `#[activity]`
//! attributes, followed by an implementation of `ActivityMethods` that lists one registration per
//! method, each bound to the shared instance.
//!
//! Every path goes through the runtime crate (`::activity_runtime::__private::…` by default), so
//! the user's crate needs no other dependency and may shadow any prelude name. Every variable the
//! generated code binds is out of the user's reach too: see [`crate::hygiene`].

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ItemImpl, ReturnType};

use crate::ast::{self, ActivityFn, ActivityImpl, Output, ValueParam, type_label};
use crate::attr::{self, ActivityArgs, ImplArgs};
use crate::errors::Errors;
use crate::hygiene::{Locals, signature_types};
use crate::{fallback, valid};

/// The whole attribute, on a function or an `impl` block. Errors come out as `compile_error!`
/// beside the untouched item and stand-ins, so that nothing else breaks.
pub(crate) fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    if let Ok(block) = syn::parse2::<ItemImpl>(item.clone()) {
        return activity_impl(args, block);
    }
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => activity_fn(args, func),
        Err(err) => {
            let error = valid::not_a_function(&item, err.span()).to_compile_error();
            quote!(#error #item)
        }
    }
}

/// `#[activity(args)] fn ...`.
fn activity_fn(args: TokenStream, mut func: ItemFn) -> TokenStream {
    let mut errors = Errors::default();
    for repeated in ast::take_repeated(&mut func.attrs) {
        errors.push(repeated);
    }
    let func = &func;
    let args = match ActivityArgs::parse(args) {
        Ok(args) => args,
        Err(err) => {
            errors.push(err.error);
            let krate = err.krate.unwrap_or_else(attr::default_krate);
            let errors = errors.finish().unwrap_err().to_compile_error();
            return fallback::activity_fn(func, &krate, errors);
        }
    };
    let model = ActivityFn::new(&func.sig, args, false);
    valid::check(&model, &mut errors);
    match errors.finish() {
        Ok(()) => expand_fn(func, &model),
        Err(err) => fallback::activity_fn(func, &model.krate, err.to_compile_error()),
    }
}

/// `#[activity(args)] impl Type { ... }`.
fn activity_impl(args: TokenStream, mut block: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    let krate = match ImplArgs::parse(args) {
        Ok(args) => args.krate,
        Err(err) => {
            errors.push(err.error);
            err.krate
        }
    };
    let krate = krate.unwrap_or_else(attr::default_krate);
    let marked = ast::take_method_attributes(&mut block, &mut errors);
    let model = ActivityImpl::new(&block, krate, marked, &mut errors);
    valid::check_impl(&model, &mut errors);
    match errors.finish() {
        Ok(()) => expand_impl(&model),
        Err(err) => fallback::activity_impl(&model, err.to_compile_error()),
    }
}

/// The function, its companion type, and the `Activity` and `ActivityDefinition` implementations.
fn expand_fn(func: &ItemFn, model: &ActivityFn<'_>) -> TokenStream {
    let krate = &model.krate;
    let types = signature_types(model);
    let ident = &func.sig.ident;
    let locals = Locals::new(quote!(#ident #types #krate));
    let name = syn::LitStr::new(&model.name, model.name_span);
    let function = format!("::{ident}");
    let ctx_param = invoke_context_param(model, &locals);
    let input = locals.name("input");
    let run = run(model, &quote!(#ident), &locals, ident.span());
    let parameters = parameters(model);
    let limits =
        limits(model).map(|limits| quote!(const LIMITS: #krate::limits::PayloadLimits = #limits;));
    let dynamic = model.dynamic.map(|_| {
        quote!(
            const DYNAMIC: bool = true;
        )
    });
    let execution = (!model.is_async()).then(|| {
        let execution = execution(model);
        quote!(const EXECUTION: #krate::Execution = #execution;)
    });
    let definition = definition(model, ident);
    let signature = signature(model);
    let impls = locals.scope(
        &bindings(model),
        quote! {
            #[automatically_derived]
            impl #krate::Activity for #ident {
                const NAME: &'static str = #name;
                const FUNCTION: &'static str =
                    #krate::__private::concat!(#krate::__private::module_path!(), #function);
                const PARAMETERS: &'static [&'static str] = &[#(#parameters),*];
                #limits
                #dynamic
                #execution

                fn invoke(
                    #ctx_param: #krate::ActivityContext,
                    #input: #krate::ActivityInput,
                ) -> #krate::ActivityFuture {
                    #run
                }

                fn signature() -> #krate::Signature {
                    #signature
                }
            }

            #definition
        },
    );

    let companion = companion(func);
    quote! {
        #func
        #companion
        #impls
    }
}

/// The companion type: the function's name in the type namespace, with the function's visibility.
/// Spanned on the function's name, where rustc points when it names the type ("struct `f` is
/// private").
pub(crate) fn companion(func: &ItemFn) -> TokenStream {
    let vis = &func.vis;
    let ident = &func.sig.ident;
    quote_spanned! {ident.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident {}
    }
}

/// The block, and its `ActivityMethods` implementation: one registration per method.
fn expand_impl(model: &ActivityImpl<'_>) -> TokenStream {
    let block = model.block;
    let krate = &model.krate;
    let self_ty = &block.self_ty;
    let types = model.methods.iter().map(signature_types);
    let locals = Locals::new(quote!(#self_ty #krate #(#types)*));
    let registrations = model
        .methods
        .iter()
        .map(|method| registration(method, self_ty, &locals));
    let activities = locals.name("activities");
    let mut names = vec!["this".to_owned(), "activities".to_owned()];
    for method in &model.methods {
        for name in bindings(method) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let impls = locals.scope(
        &names,
        quote! {
            #[automatically_derived]
            impl #krate::ActivityMethods for #self_ty {
                fn activities(self: #krate::__private::Arc<Self>) -> #krate::Activities {
                    let mut #activities = #krate::Activities::new();
                    #(#activities.push(#registrations);)*
                    #activities
                }
            }
        },
    );
    quote! {
        #block

        #impls
    }
}

/// `<Type as SharedInstance>::register_method(Arc::clone(&self), MethodActivity { .. })` for one
/// method.
fn registration(model: &ActivityFn<'_>, self_ty: &syn::Type, locals: &Locals) -> TokenStream {
    let krate = &model.krate;
    let name = syn::LitStr::new(&model.name, model.name_span);
    let function = format!("::{}::{}", type_label(self_ty), model.sig.ident);
    let parameters = parameters(model);
    let limits = limits(model).unwrap_or_else(|| quote!(#krate::limits::PayloadLimits::DEFAULT));
    let dynamic = model.dynamic.is_some();
    let this = locals.name("this");
    let method = &model.sig.ident;
    let run = run(model, &quote!(#this.#method), locals, self_ty.span());
    let ctx_param = invoke_context_param(model, locals);
    let execution = execution(model);
    let signature = signature(model);
    let input = locals.name("input");
    // The block's own type in the trait call, where the bodies are spanned too: an instance that
    // is not `Send + Sync` is reported once, there.
    let register = quote!(<#self_ty as #krate::SharedInstance>::register_method);
    quote! {
        #register(
            #krate::__private::Arc::clone(&self),
            #krate::__private::MethodActivity {
                name: #name,
                function: #krate::__private::concat!(#krate::__private::module_path!(), #function),
                parameters: &[#(#parameters),*],
                limits: #limits,
                dynamic: #dynamic,
                execution: #execution,
                signature: || { #signature },
                invoke: |#this, #ctx_param, #input| #run,
            },
        )
    }
}

/// The variables the body of `invoke` binds, in order: its parameters, the decoded arguments, and
/// the result.
fn bindings(model: &ActivityFn<'_>) -> Vec<String> {
    let mut names = Vec::new();
    if binds_context(model) {
        names.push("ctx".to_owned());
    }
    names.push("input".to_owned());
    names.push("converter".to_owned());
    if model.dynamic.is_some() {
        names.push("args".to_owned());
    } else {
        names.extend((0..model.value_params().count()).map(|position| format!("arg{position}")));
    }
    names.extend(["output", "value", "error"].map(str::to_owned));
    names
}

/// Whether `invoke` names its context: the function takes it, or runs off the async threads (the
/// context knows the worker's pools).
fn binds_context(model: &ActivityFn<'_>) -> bool {
    model.takes_context() || !model.is_async()
}

/// `ctx`, when the function takes the context.
fn context_ident(model: &ActivityFn<'_>, locals: &Locals) -> Option<Ident> {
    model.takes_context().then(|| locals.name("ctx"))
}

/// The context parameter of `invoke`: `ctx` when it is used, else `_`.
fn invoke_context_param(model: &ActivityFn<'_>, locals: &Locals) -> TokenStream {
    if binds_context(model) {
        locals.name("ctx").into_token_stream()
    } else {
        quote!(_)
    }
}

/// `const EXECUTION` (or the `execution` field of a method) when it is not the default.
fn execution(model: &ActivityFn<'_>) -> TokenStream {
    let krate = &model.krate;
    if model.is_async() {
        quote!(#krate::Execution::Async)
    } else if model.in_process() {
        quote!(#krate::Execution::Process)
    } else {
        quote!(#krate::Execution::Blocking)
    }
}

/// The body of `Activity::signature` (or of a method's `signature` closure): each parameter's
/// name and type, and the result's type, each with the function that gets its schema. Whether a
/// type has a schema is decided on the concrete type (`Probe`), so no bound is added.
fn signature(model: &ActivityFn<'_>) -> TokenStream {
    let krate = &model.krate;
    let described = |ty: &syn::Type, label: &str| {
        quote! {
            #krate::SignatureType {
                rust_type: #label,
                schema: (&#krate::__private::Probe::<#ty>::new()).schema_fn(),
            }
        }
    };
    let result = match model.output() {
        Output::Unit => {
            let unit = described(&syn::parse_quote!(()), "()");
            quote!(#krate::__private::Option::Some(#unit))
        }
        Output::Value(ty) => {
            let value = described(ty, &type_label(ty));
            quote!(#krate::__private::Option::Some(#value))
        }
        Output::Opaque => quote!(#krate::__private::Option::None),
    };
    let uses = quote!(use #krate::__private::{HasSchema as _, NoSchema as _};);
    if model.dynamic.is_some() {
        return quote!(#uses #krate::Signature::dynamic(#result));
    }
    let parameters = model.value_params().map(|p| {
        let (cfg, name) = (&p.cfg, &p.name);
        let ty = described(p.ty, &type_label(p.ty));
        quote!(#(#cfg)* (#name, #ty))
    });
    quote! {
        #uses
        #krate::Signature::generated(&[#(#parameters),*], #result)
    }
}

/// The parameter names listed in `PARAMETERS`, each with its `#[cfg]`s.
fn parameters(model: &ActivityFn<'_>) -> Vec<TokenStream> {
    if model.dynamic.is_some() {
        return Vec::new();
    }
    model
        .value_params()
        .map(|p| {
            let (cfg, name) = (&p.cfg, &p.name);
            quote!(#(#cfg)* #name)
        })
        .collect()
}

/// How many of `params` are compiled in: a literal, or a count of their `#[cfg]`s when one has any.
fn count(params: &[&ValueParam<'_>]) -> TokenStream {
    if params.iter().all(|p| p.cfg.is_empty()) {
        return proc_macro2::Literal::usize_unsuffixed(params.len()).into_token_stream();
    }
    let units = params.iter().map(|p| {
        let cfg = &p.cfg;
        quote!(#(#cfg)* ())
    });
    quote!(<[()]>::len(&[#(#units),*]))
}

/// The body of `invoke`: decode the arguments, call `callee` (a function path, or `this.method`),
/// encode the result; on tokio's threads for an `async fn`, on a blocking thread otherwise.
///
/// A body that cannot be sent to another thread is reported at `send_span`: the function's name,
/// or for a method the block's type (where the instance that is not `Sync` is reported too).
fn run(
    model: &ActivityFn<'_>,
    callee: &TokenStream,
    locals: &Locals,
    send_span: Span,
) -> TokenStream {
    let krate = &model.krate;
    let input = locals.name("input");
    let converter = locals.name("converter");
    let (vars, decode_stmts): (Vec<TokenStream>, Vec<TokenStream>) = if model.dynamic.is_some() {
        // All arguments, undecoded, and the converter kept for the result.
        let args = locals.name("args");
        let stmt = quote! {
            let #converter = #input.payload_converter().clone();
            let #args = #input.into_raw_values();
        };
        (vec![args.into_token_stream()], vec![stmt])
    } else {
        let params: Vec<_> = model.value_params().collect();
        let declared = count(&params);
        let (vars, mut stmts): (Vec<_>, Vec<_>) = params
            .iter()
            .enumerate()
            .map(|(index, param)| {
                let var = locals.name(&format!("arg{index}"));
                // The payload's index: how many parameters before it are compiled in.
                let position = count(&params[..index]);
                let (ty, cfg) = (param.ty, &param.cfg);
                let param_name = &param.name;
                let label = type_label(ty);
                // The parameter's own type in the trait call: a type that is not
                // `DeserializeOwned` is reported on it, and nowhere in the runtime.
                // `Wire` picks the protobuf codec for a prost message, serde's for the rest.
                let decode = quote_spanned! {ty.span()=>
                    <#ty as #krate::ActivityParameter>::decode_as(
                        (&#krate::__private::Wire::<#ty>::NEW).codec(),
                        &#input, #position, #param_name, #label
                    )
                };
                let stmt = quote!(#(#cfg)* let #var = #decode?;);
                (quote!(#(#cfg)* #var), stmt)
            })
            .unzip();
        // The input's converter, moved out rather than cloned: it encodes the result.
        stmts.push(quote!(let #converter = #input.finish(#declared);));
        (vars, stmts)
    };

    // The context through `ContextParameter`, spanned on the parameter's type: a type that is not
    // `ActivityContext` (under whatever name) is reported there.
    let ctx = context_ident(model, locals)
        .zip(model.context_type())
        .map(|(ctx, ty)| {
            quote_spanned! {ty.span()=>
                <#ty as #krate::__private::ContextParameter>::from_context(#ctx)
            }
        });
    let call_args = ctx.iter().chain(&vars);
    let call = quote!(#callee(#(#call_args),*));
    // The function's own future is checked for `Send` (at `send_span`), rather than the generated
    // block around it: rustc then says "future returned by `f` is not `Send`" and points at the
    // variable held across an `.await`, with nothing about the generated code.
    let call = if model.is_async() {
        let send = respan(quote!(<_ as #krate::SendFuture>::into_send), send_span);
        quote!(#send(#call).await)
    } else {
        call
    };

    // Located at the return type so that a result type error points there; mixed-site, and
    // shadowed like every other variable, so that it is always a new variable.
    let output_span = match &model.sig.output {
        ReturnType::Default => model.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let output = locals.name_at("output", output_span);
    let (value, error) = (locals.name("value"), locals.name("error"));
    // The success and error types where the signature names them (`Result<T, E>`, or the plain
    // type), else inferred: a type that cannot be encoded or converted is reported on itself.
    let (ok_ty, err_ty) = result_types(model, output_span);
    // Whether the result is a protobuf message (for `binary/protobuf`), where its type is named.
    let codec = match model.output() {
        Output::Value(ty) => quote!((&#krate::__private::Wire::<#ty>::NEW).codec()),
        Output::Unit | Output::Opaque => quote!(#krate::__private::Codec::SERDE),
    };
    let finish = quote_spanned! {output_span=>
        match (&#output).output_kind().into_result(#output) {
            #krate::__private::Result::Ok(#value) =>
                <#ok_ty as #krate::ActivityResultValue>::encode_result_as(
                    &#value, #codec, &#converter
                ),
            #krate::__private::Result::Err(#error) => #krate::__private::Result::Err(
                <#err_ty as #krate::IntoActivityError>::into_activity_error(#error)
            ),
        }
    };
    let body = quote! {
        use #krate::__private::{MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _};
        #(#decode_stmts)*
        match #call {
            #output => #finish,
        }
    };
    let ctx = locals.name("ctx");
    if model.is_async() {
        let krate = respan(krate, send_span);
        quote_spanned!(send_span=> #krate::__private::Box::pin(async move { #body }))
    } else if model.in_process() {
        // A plain function the child process finds again at the same offset in this binary.
        let entry = locals.name("entry");
        let limits = process_limits(model).map(|limits| quote!(.with_process_limits(#limits)));
        let entry_ctx = context_ident(model, locals).map_or_else(|| quote!(_), |ctx| quote!(#ctx));
        // Child processes are a Unix facility: elsewhere the user's `isolation` option says so.
        let span = model
            .isolation
            .map_or_else(Span::call_site, |isolation| isolation.span);
        let unix_only = quote_spanned! {span=>
            #[cfg(not(unix))]
            ::core::compile_error!(
                "`isolation = \"process\"` is Unix-only (it runs the function in a child process \
                 of the worker); on this platform use `isolation = \"thread\"`"
            );
        };
        quote! {
            #unix_only
            fn #entry(
                #entry_ctx: #krate::ActivityContext,
                #input: #krate::ActivityInput,
            ) -> #krate::__private::Result<#krate::ActivityOutput, #krate::ActivityError> {
                #body
            }
            #krate::__private::Executor::of(&#ctx)#limits.run_in_process(#entry, #ctx, #input)
        }
    } else {
        // On the worker's blocking pool, which the context knows.
        let krate = respan(krate, send_span);
        quote_spanned!(send_span=> #krate::__private::Executor::of(&#ctx).run_blocking(move || { #body }))
    }
}

/// The types `run` finishes the output with: `T` and `E` of a `Result<T, E>` return type, or the
/// whole type of a plain one, as the user wrote them; `_` (at `span`) where the signature does not
/// name one that an expression could (`impl Trait`, `!`, an alias such as `io::Result<T>` for
/// its error type).
fn result_types(model: &ActivityFn<'_>, span: Span) -> (TokenStream, TokenStream) {
    let inferred = || quote_spanned!(span=> _);
    let ok = match model.output() {
        Output::Value(ty) => ty.into_token_stream(),
        Output::Unit | Output::Opaque => inferred(),
    };
    let err = match &model.sig.output {
        ReturnType::Type(_, ty) => ast::err_type(ty)
            .filter(|ty| !ast::mentions_impl(ty))
            .map_or_else(inferred, ToTokens::into_token_stream),
        ReturnType::Default => inferred(),
    };
    (ok, err)
}

/// `tokens`, every one of them at `span` (a path whose errors belong to one of the user's tokens).
fn respan(tokens: impl ToTokens, span: Span) -> TokenStream {
    tokens
        .into_token_stream()
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut group =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                group.set_span(span);
                token = group.into();
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The `ProcessLimits` expression when a limit of the child process is given.
fn process_limits(model: &ActivityFn<'_>) -> Option<TokenStream> {
    let limits = &model.process_limits;
    if limits.given().is_empty() {
        return None;
    }
    let krate = &model.krate;
    let number = proc_macro2::Literal::u64_unsuffixed;
    let memory = limits.memory_limit.map(|(bytes, _)| {
        let bytes = number(bytes);
        quote!(.memory_limit(#bytes))
    });
    let cpu = limits.cpu_time.map(|(millis, _)| {
        let millis = number(millis);
        quote!(.cpu_time(#krate::__private::Duration::from_millis(#millis)))
    });
    let files = limits.open_files.map(|(count, _)| {
        let count = number(count);
        quote!(.open_files(#count))
    });
    let env = limits.inherit_env.as_ref().map(|(names, _)| {
        let names = names.iter().map(|(name, _)| name);
        quote!(.inherit_env(&[#(#names),*]))
    });
    let non_retryable = limits.non_retryable.map(|_| quote!(.non_retryable()));
    Some(quote!(
        #krate::limits::ProcessLimits::NONE #memory #cpu #files #env #non_retryable
    ))
}

/// The `PayloadLimits` expression when a size option is given: the defaults with those set.
pub(crate) fn limits(model: &ActivityFn<'_>) -> Option<TokenStream> {
    if model.sizes.is_empty() {
        return None;
    }
    let krate = &model.krate;
    let setters = model.sizes.iter().map(|size| {
        let method = format_ident!("{}", size.option);
        let bytes = proc_macro2::Literal::u64_unsuffixed(size.bytes);
        quote!(.#method(#bytes))
    });
    Some(quote!(#krate::limits::PayloadLimits::DEFAULT #(#setters)*))
}

/// The official `ActivityDefinition`: typed input (`()`, the one parameter's type, or
/// `MultiArgsN<..>` up to six) and output (`T` of `Result<T, E>`). None for more than six
/// parameters or an output that cannot be named.
///
/// Each type is bounded with `for<'__a> T: TypedValue` (`Serialize + DeserializeOwned`): the higher-ranked
/// bound is checked where the definition is used rather than here, so an activity whose types
/// only go one way (a result that is `Serialize` only) still compiles, and using it as a typed
/// definition reports the missing trait on the user's own type.
fn definition(model: &ActivityFn<'_>, ident: &Ident) -> Option<TokenStream> {
    if model.dynamic.is_some() {
        // A dynamic activity has no type of its own to call.
        return None;
    }
    if model.value_params().any(|p| !p.cfg.is_empty()) {
        // Its input type would depend on the configuration.
        return None;
    }
    let krate = &model.krate;
    let params: Vec<_> = model.value_params().map(|p| p.ty).collect();
    let input = match params.as_slice() {
        [] => quote!(()),
        [single] => quote!(#single),
        many if many.len() <= 6 => {
            let multi = format_ident!("MultiArgs{}", many.len());
            quote!(#krate::__private::#multi<#(#many),*>)
        }
        _ => return None,
    };
    let (output, output_ty) = match model.output() {
        Output::Unit => (quote!(()), None),
        Output::Value(ty) => (quote!(#ty), Some(ty)),
        Output::Opaque => return None,
    };
    let bounds: Vec<_> = params
        .iter()
        .copied()
        .chain(output_ty)
        .map(|ty| {
            quote_spanned! {ty.span()=>
                for<'__a> #ty: #krate::__private::TypedValue
            }
        })
        .collect();
    let where_clause = (!bounds.is_empty()).then(|| quote!(where #(#bounds),*));
    Some(quote! {
        #[automatically_derived]
        impl #krate::__private::ActivityDefinition for #ident #where_clause {
            type Input = #input;
            type Output = #output;

            fn name(&self) -> &'static str {
                <Self as #krate::Activity>::NAME
            }
        }
    })
}

/// Expansion snapshots: what `cargo expand` shows for typical activities, checked in under
/// `tests/expand/`. Regenerate with `UPDATE_EXPECT=1 cargo test -p activity-macros` and read the
/// diff.
#[cfg(test)]
mod snapshots {
    use quote::quote;

    fn expanded(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        let file: syn::File = syn::parse2(super::activity(args, item)).expect("valid Rust");
        prettyplease::unparse(&file)
    }

    #[test]
    fn async_activity_with_context_and_options() {
        let out = expanded(
            quote!(name = "your_activity"),
            quote! {
                /// Composes a greeting.
                pub async fn compose_greeting(
                    ctx: ActivityContext,
                    params: YourParams,
                    punctuation: Option<String>,
                ) -> Result<String, MyError> {
                    Ok(format!("{}, {}{}", params.greeting, params.name, punctuation.unwrap_or_default()))
                }
            },
        );
        expect_test::expect_file!["../tests/expand/async_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn blocking_activity() {
        let out = expanded(
            quote!(),
            quote! {
                fn count_words(text: String) -> usize {
                    text.split_whitespace().count()
                }
            },
        );
        expect_test::expect_file!["../tests/expand/blocking_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn process_isolated_activity() {
        let out = expanded(
            quote!(isolation = "process"),
            quote! {
                fn checksum(ctx: ActivityContext, data: Vec<u8>) -> u32 {
                    data.iter().map(|&b| u32::from(b)).sum()
                }
            },
        );
        expect_test::expect_file!["../tests/expand/process_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn process_activity_with_limits() {
        let out = expanded(
            quote!(
                isolation = "process",
                memory_limit = "512 MiB",
                cpu_time = "30 s",
                open_files = 256,
                inherit_env = ["GDAL_DATA"],
                non_retryable_limits
            ),
            quote! {
                fn render(page: u32) -> Vec<u8> {
                    Vec::new()
                }
            },
        );
        expect_test::expect_file!["../tests/expand/process_limits_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn activity_with_payload_limits() {
        let out = expanded(
            quote!(
                max_result_size = "1 MiB",
                warn_result_size = "256 KiB",
                max_heartbeat_size = "64 KiB"
            ),
            quote! {
                async fn export(ctx: ActivityContext, table: String) -> anyhow::Result<Vec<u8>> {
                    ctx.heartbeat(&table)?;
                    Ok(Vec::new())
                }
            },
        );
        expect_test::expect_file!["../tests/expand/limits_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn method_activities() {
        let out = expanded(
            quote!(),
            quote! {
                impl Inventory {
                    /// Reserves items.
                    #[activity(name = "reserve")]
                    async fn reserve(
                        &self,
                        ctx: ActivityContext,
                        sku: String,
                        n: u32,
                    ) -> Result<u64, E> {
                        self.db.reserve(&sku, n).await
                    }

                    #[activity]
                    fn price(&self, sku: String) -> u64 {
                        self.prices[&sku]
                    }

                    fn helper(&self) {}
                }
            },
        );
        expect_test::expect_file!["../tests/expand/method_activities.rs"].assert_eq(&out);
    }

    /// The user's own names win: a function called `entry` and a type that mentions `input` push
    /// the generated names aside (`entry_`, `input_`).
    #[test]
    fn generated_names_step_aside() {
        let out = expanded(
            quote!(isolation = "process"),
            quote! {
                fn entry(block: [u8; input]) -> u8 {
                    block[0]
                }
            },
        );
        expect_test::expect_file!["../tests/expand/renamed_locals_activity.rs"].assert_eq(&out);
    }

    #[test]
    fn invalid_activity_keeps_the_function_and_reports_every_error() {
        let out = expanded(
            quote!(name = ""),
            quote! {
                fn borrowed(name: &str) -> usize { name.len() }
            },
        );
        expect_test::expect_file!["../tests/expand/invalid_activity.rs"].assert_eq(&out);
    }
}

/// The whole attribute on `quote!` input, checked on the emitted tokens.
#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The expansion as text, with `quote!`'s spacing (`rt :: Activity`).
    fn expanded(args: TokenStream, item: TokenStream) -> String {
        super::activity(args, item).to_string()
    }

    /// The messages of the `compile_error!`s in an expansion, as escaped in a string literal.
    fn errors(expansion: &str) -> Vec<&str> {
        expansion
            .split("compile_error ! { \"")
            .skip(1)
            .map(|rest| rest.split("\" }").next().unwrap())
            .collect()
    }

    #[test]
    fn the_fallback_of_a_function_keeps_a_readable_crate_path() {
        // The arguments fail to parse, but `crate` on its own is readable.
        let out = expanded(
            quote!(crate = "rt", nmae = "x"),
            quote!(
                fn f() {}
            ),
        );
        assert_eq!(errors(&out).len(), 1, "{out}");
        assert!(out.contains("impl rt :: Activity for f"), "{out}");
        assert!(!out.contains("activity_runtime"), "{out}");

        // The arguments parse, and validation fails.
        let out = expanded(
            quote!(crate = "rt", name = ""),
            quote!(
                fn f() {}
            ),
        );
        assert_eq!(errors(&out).len(), 1, "{out}");
        assert!(out.contains("impl rt :: Activity for f"), "{out}");
        assert!(!out.contains("activity_runtime"), "{out}");

        // `crate` itself unreadable: the default path.
        let out = expanded(
            quote!(crate = 5),
            quote!(
                fn f() {}
            ),
        );
        assert!(
            out.contains("impl :: activity_runtime :: Activity for f"),
            "{out}"
        );
    }

    #[test]
    fn the_fallback_of_an_impl_block_keeps_a_readable_crate_path() {
        let out = expanded(
            quote!(crate = "rt", name = "x"),
            quote! {
                impl S {
                    #[activity]
                    fn m(&self) {}
                }
            },
        );
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{out}");
        assert!(
            errors[0].starts_with("`name` goes on each `#[activity]` method inside the block"),
            "{out}"
        );
        assert!(out.contains("impl rt :: ActivityMethods for S"), "{out}");
        assert!(!out.contains("activity_runtime"), "{out}");
    }

    #[test]
    fn a_free_function_with_self_loses_the_receiver_and_keeps_its_body() {
        // rustc would report the receiver a second time ("`self` parameter is only allowed in
        // associated functions").
        let out = expanded(
            quote!(),
            quote!(
                async fn f(&self, name: String) -> String {
                    name
                }
            ),
        );
        assert_eq!(errors(&out).len(), 1, "{out}");
        assert!(out.contains("async fn f (name : String)"), "{out}");
        assert!(out.contains("{ name }"), "{out}");
        // A body that uses `self` would be an error too: it is replaced.
        let out = expanded(
            quote!(),
            quote!(
                fn g(&self) -> u8 {
                    self.0
                }
            ),
        );
        assert!(out.contains("fn g () -> u8"), "{out}");
        assert!(!out.contains("self . 0"), "{out}");
        assert!(out.contains("unreachable"), "{out}");
    }

    #[test]
    fn a_trait_implementation_gets_a_stand_in_for_its_type() {
        let out = expanded(
            quote!(),
            quote! {
                impl Greet for Greeter {
                    #[activity]
                    fn greet(&self) {}
                }
            },
        );
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{out}");
        assert!(errors[0].contains("not a trait implementation"), "{out}");
        assert!(
            out.contains("impl :: activity_runtime :: ActivityMethods for Greeter"),
            "{out}"
        );
    }

    #[test]
    fn no_stand_in_where_the_orphan_rule_would_refuse_it() {
        for self_ty in [
            quote!(String),
            quote!(&'static str),
            quote!(std::path::PathBuf),
            quote!(::serde_json::Value),
            quote!(Box<u8>),
            quote!((Greeter, Greeter)),
            quote!(T),
        ] {
            let out = expanded(
                quote!(),
                quote! {
                    impl<T> Greet for #self_ty {
                        #[activity]
                        fn greet(&self) {}
                    }
                },
            );
            assert!(!out.contains("ActivityMethods"), "{out}");
        }
        // Local, or possibly local: `Box` and references are "fundamental".
        for self_ty in [
            quote!(Box<Greeter>),
            quote!(&'static Greeter),
            quote!(crate::Greeter),
        ] {
            let out = expanded(
                quote!(),
                quote! {
                    impl Greet for #self_ty {
                        #[activity]
                        fn greet(&self) {}
                    }
                },
            );
            assert!(out.contains("ActivityMethods for"), "{out}");
        }
    }

    #[test]
    fn a_generic_block_gets_a_stand_in_with_its_generics() {
        let out = expanded(
            quote!(),
            quote! {
                impl<T: Send> Store<T> where T: Sync {
                    #[activity]
                    fn size(&self) {}
                }
            },
        );
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{out}");
        assert!(errors[0].contains("cannot be generic"), "{out}");
        assert!(
            out.contains(
                "impl < T : Send > :: activity_runtime :: ActivityMethods for Store < T > \
                 where T : Sync , Store < T > : 'static"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_item_that_is_not_a_function_is_reported_on_its_keyword() {
        let out = expanded(
            quote!(),
            quote!(
                const GREETING: &str = "Hello";
            ),
        );
        assert_eq!(
            errors(&out),
            ["`#[activity]` goes on a function (`fn` or `async fn`) or on an `impl` block"]
        );
        let out = expanded(quote!(), quote!(safe fn answer() -> u32;));
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{out}");
        assert!(
            errors[0].starts_with("`#[activity]` goes on a function with a body"),
            "{out}"
        );
    }

    #[test]
    fn a_method_cannot_set_crate() {
        let message = "`crate` goes on the `#[activity]` impl block, not on a method: all the \
                       block's methods reach the runtime through one path. Write \
                       `#[activity(crate = \\\"...\\\")] impl Type { ... }`";
        // Whether or not the block sets it, and even to the same path.
        for block_args in [quote!(), quote!(crate = "rt")] {
            let out = expanded(
                block_args.clone(),
                quote! {
                    impl S {
                        #[activity(crate = "rt", name = "renamed")]
                        fn m(&self) {}

                        #[activity]
                        fn n(&self) {}
                    }
                },
            );
            assert_eq!(errors(&out), [message], "{out}");
            // The block and its stand-in implementation use the block's path.
            let krate = if block_args.is_empty() {
                ":: activity_runtime"
            } else {
                "rt"
            };
            assert!(
                out.contains(&format!("impl {krate} :: ActivityMethods for S")),
                "{out}"
            );
            // The method's attribute is gone from the block, which is still emitted.
            assert!(out.contains("fn m (& self) { }"), "{out}");
            assert!(!out.contains("# [activity"), "{out}");
        }
    }

    #[test]
    fn a_methods_other_problems_are_reported_with_its_crate() {
        let out = expanded(
            quote!(),
            quote! {
                impl S {
                    #[activity(crate = "rt", nmae = "x")]
                    fn m(&mut self) {}
                }
            },
        );
        let errors = errors(&out);
        assert_eq!(errors.len(), 2, "{out}");
        assert!(errors[0].starts_with("`crate` goes on the"), "{out}");
        assert!(errors[1].contains("Unknown field: `nmae`"), "{out}");
    }
}
