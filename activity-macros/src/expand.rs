//! Generates the code for `#[activity]` from the model.
//!
//! The function is emitted unchanged. Beside it, in the type namespace, comes a companion type
//! with the function's name that implements `Activity` (`activities![f]` names that type) and the
//! official `ActivityDefinition` (typed calls from the official client and workflows). Every
//! path goes through the runtime crate (`::activity_runtime::__private::…` by default), so the
//! user's crate needs no other dependency and may shadow any prelude name.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, ItemFn, ItemImpl, ReturnType};

use crate::ast::{ActivityFn, Output, type_label};
use crate::attr::ActivityArgs;
use crate::valid;

/// The whole attribute: parse, model, validate, expand. Errors come out as `compile_error!`
/// beside the untouched item and a stand-in companion, so that nothing else breaks.
pub(crate) fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    if let Ok(block) = syn::parse2::<ItemImpl>(item.clone()) {
        return crate::methods::activity_impl(args, block);
    }
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            let message = Error::new(
                err.span(),
                "`#[activity]` goes on a function (`fn` or `async fn`) or on an `impl` block",
            );
            let error = message.to_compile_error();
            return quote!(#error #item);
        }
    };
    let args = match ActivityArgs::parse(args) {
        Ok(args) => args,
        Err(err) => {
            let krate = syn::parse_quote!(::activity_runtime);
            return fallback(&func, &krate, err.write_errors());
        }
    };
    let model = ActivityFn::new(&func.sig, args, false);
    if let Err(err) = valid::check(&model) {
        return fallback(&func, &model.krate, err.to_compile_error());
    }
    expand(&func, &model)
}

/// The function, its companion type, and the `Activity` and `ActivityDefinition` implementations.
fn expand(func: &ItemFn, model: &ActivityFn<'_>) -> TokenStream {
    let krate = &model.krate;
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let name = syn::LitStr::new(&model.name, model.name_span);
    let function = format!("::{ident}");
    let ctx_param = invoke_context_param(model);
    let input = input_ident();
    let run = run(model, &quote!(#ident));
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

    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}

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
        }

        #definition
    }
}

/// `ctx`, when the function takes the context.
pub(crate) fn context_ident(model: &ActivityFn<'_>) -> Option<Ident> {
    model
        .takes_context()
        .then(|| format_ident!("ctx", span = Span::mixed_site()))
}

/// The context parameter of `invoke`: `ctx` when the function takes it or runs off the async
/// threads (the context knows the worker's pools), else `_`.
pub(crate) fn invoke_context_param(model: &ActivityFn<'_>) -> TokenStream {
    if model.takes_context() || !model.is_async() {
        let ctx = format_ident!("ctx", span = Span::mixed_site());
        quote!(#ctx)
    } else {
        quote!(_)
    }
}

/// `const EXECUTION` (or the `execution` field of a method) when it is not the default.
pub(crate) fn execution(model: &ActivityFn<'_>) -> TokenStream {
    let krate = &model.krate;
    if model.is_async() {
        quote!(#krate::Execution::Async)
    } else if model.in_process() {
        quote!(#krate::Execution::Process)
    } else {
        quote!(#krate::Execution::Blocking)
    }
}

/// The name of the `ActivityInput` parameter of `invoke`.
pub(crate) fn input_ident() -> Ident {
    format_ident!("input", span = Span::mixed_site())
}

/// The parameter names listed in `PARAMETERS`.
pub(crate) fn parameters<'a>(model: &'a ActivityFn<'_>) -> Vec<&'a String> {
    if model.dynamic.is_some() {
        return Vec::new();
    }
    model.value_params().map(|p| &p.name).collect()
}

/// The body of `invoke`: decode the arguments, call `callee` (a function path, or `this.method`),
/// encode the result; on tokio's threads for an `async fn`, on a blocking thread otherwise.
pub(crate) fn run(model: &ActivityFn<'_>, callee: &TokenStream) -> TokenStream {
    let krate = &model.krate;
    let input = input_ident();
    let (vars, decode_stmts): (Vec<Ident>, Vec<TokenStream>) = if model.dynamic.is_some() {
        // All arguments, undecoded.
        let args = format_ident!("args", span = Span::mixed_site());
        let stmt = quote!(let #args = #input.into_raw_values(););
        (vec![args], vec![stmt])
    } else {
        let declared = proc_macro2::Literal::usize_unsuffixed(model.value_params().count());
        let (vars, mut stmts): (Vec<_>, Vec<_>) = model
            .value_params()
            .enumerate()
            .map(|(position, param)| {
                let var = format_ident!("arg{}", position, span = Span::mixed_site());
                let position = proc_macro2::Literal::usize_unsuffixed(position);
                let ty = param.ty;
                let param_name = &param.name;
                let label = type_label(ty);
                // Spanned on the parameter's type: a type that is not `DeserializeOwned` is
                // reported there.
                let decode = quote_spanned! {ty.span()=>
                    #input.decode::<#ty>(#position, #param_name, #label)
                };
                let stmt = quote!(let #var = #decode?;);
                (var, stmt)
            })
            .unzip();
        stmts.push(quote!(#input.finish(#declared);));
        (vars, stmts)
    };

    let ctx = context_ident(model);
    let call_args = ctx.iter().chain(&vars);
    let await_ = model.is_async().then(|| quote!(.await));
    let call = quote!(#callee(#(#call_args),*) #await_);

    // Spanned on the return type so that a result type error points there. The binding is only
    // visible in the match arm below, which is all generated code.
    let output_span = match &model.sig.output {
        ReturnType::Default => model.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let output = format_ident!("output", span = output_span);
    let finish = quote_spanned! {output_span=>
        (&#output).output_kind().finish(#output)
    };
    let body = quote! {
        #(#decode_stmts)*
        use #krate::__private::{ResultKind as _, ValueKind as _};
        match #call {
            #output => #finish,
        }
    };
    if model.is_async() {
        quote!(#krate::__private::Box::pin(async move { #body }))
    } else if model.in_process() {
        // A plain function the child process finds again at the same offset in this binary.
        let ctx = format_ident!("ctx", span = Span::mixed_site());
        let entry = format_ident!("entry", span = Span::mixed_site());
        let entry_ctx = context_ident(model).map_or_else(|| quote!(_), |ctx| quote!(#ctx));
        quote! {
            fn #entry(
                #entry_ctx: #krate::ActivityContext,
                #input: #krate::ActivityInput,
            ) -> #krate::__private::Result<#krate::ActivityOutput, #krate::ActivityError> {
                #body
            }
            #krate::__private::Executor::of(&#ctx).run_in_process(#entry, #ctx, #input)
        }
    } else {
        // On the worker's blocking pool, which the context knows.
        let ctx = format_ident!("ctx", span = Span::mixed_site());
        quote!(#krate::__private::Executor::of(&#ctx).run_blocking(move || { #body }))
    }
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

/// After an error: the function untouched, the errors, and a companion that never runs, so that
/// `activities![f]` elsewhere does not pile further errors on top. A method (with `self`) gets no
/// companion: it sits in an `impl` block, where a type cannot be declared.
fn fallback(func: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    if func.sig.receiver().is_some() {
        return quote!(#errors #func);
    }
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let name = ident.to_string();
    quote! {
        #errors
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}

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
