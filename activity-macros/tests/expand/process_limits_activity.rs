fn render(page: u32) -> Vec<u8> {
    Vec::new()
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct render {}
/// Each empty `fn` hides any item of its name in the caller's scope:
/// the bindings of that name below are always new variables, never
/// constant patterns.
const _: () = {
    fn ctx() {}
    fn input() {}
    fn converter() {}
    fn arg0() {}
    fn output() {}
    fn value() {}
    fn error() {}
    #[automatically_derived]
    impl ::activity_runtime::Activity for render {
        const NAME: &'static str = "render";
        const FUNCTION: &'static str = ::activity_runtime::__private::concat!(
            ::activity_runtime::__private::module_path!(), "::render"
        );
        const PARAMETERS: &'static [&'static str] = &["page"];
        const EXECUTION: ::activity_runtime::Execution = ::activity_runtime::Execution::Process;
        fn invoke(
            ctx: ::activity_runtime::ActivityContext,
            input: ::activity_runtime::ActivityInput,
        ) -> ::activity_runtime::ActivityFuture {
            #[cfg(not(unix))]
            ::core::compile_error!(
                "`isolation = \"process\"` is Unix-only (it runs the function in a child process \
                 of the worker); on this platform use `isolation = \"thread\"`"
            );
            fn entry(
                _: ::activity_runtime::ActivityContext,
                input: ::activity_runtime::ActivityInput,
            ) -> ::activity_runtime::__private::Result<
                ::activity_runtime::ActivityOutput,
                ::activity_runtime::ActivityError,
            > {
                use ::activity_runtime::__private::{
                    MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _,
                };
                let arg0 = <u32 as ::activity_runtime::ActivityParameter>::decode_as(
                    (&::activity_runtime::__private::Wire::<u32>::NEW).codec(),
                    &input,
                    0,
                    "page",
                    "u32",
                )?;
                let converter = input.finish(1);
                match render(arg0) {
                    output => {
                        match (&output).output_kind().into_result(output) {
                            ::activity_runtime::__private::Result::Ok(value) => {
                                <Vec<
                                    u8,
                                > as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                    &value,
                                    (&::activity_runtime::__private::Wire::<Vec<u8>>::NEW)
                                        .codec(),
                                    &converter,
                                )
                            }
                            ::activity_runtime::__private::Result::Err(error) => {
                                ::activity_runtime::__private::Result::Err(
                                    <_ as ::activity_runtime::IntoActivityError>::into_activity_error(
                                        error,
                                    ),
                                )
                            }
                        }
                    }
                }
            }
            ::activity_runtime::__private::Executor::of(&ctx)
                .with_process_limits(
                    ::activity_runtime::limits::ProcessLimits::NONE
                        .memory_limit(536870912)
                        .cpu_time(
                            ::activity_runtime::__private::Duration::from_millis(30000),
                        )
                        .open_files(256)
                        .inherit_env(&["GDAL_DATA"])
                        .non_retryable(),
                )
                .run_in_process(entry, ctx, input)
        }
        fn signature() -> ::activity_runtime::Signature {
            use ::activity_runtime::__private::{HasSchema as _, NoSchema as _};
            ::activity_runtime::Signature::generated(
                &[
                    (
                        "page",
                        ::activity_runtime::SignatureType {
                            rust_type: "u32",
                            schema: (&::activity_runtime::__private::Probe::<u32>::new())
                                .schema_fn(),
                        },
                    ),
                ],
                ::activity_runtime::__private::Option::Some(::activity_runtime::SignatureType {
                    rust_type: "Vec<u8>",
                    schema: (&::activity_runtime::__private::Probe::<Vec<u8>>::new())
                        .schema_fn(),
                }),
            )
        }
    }
    #[automatically_derived]
    impl ::activity_runtime::__private::ActivityDefinition for render
    where
        for<'__a> u32: ::activity_runtime::__private::TypedValue,
        for<'__a> Vec<u8>: ::activity_runtime::__private::TypedValue,
    {
        type Input = u32;
        type Output = Vec<u8>;
        fn name(&self) -> &'static str {
            <Self as ::activity_runtime::Activity>::NAME
        }
    }
};
