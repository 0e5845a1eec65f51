fn entry(block: [u8; input]) -> u8 {
    block[0]
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct entry {}
/// Each empty `fn` hides any item of its name in the caller's scope:
/// the bindings of that name below are always new variables, never
/// constant patterns.
const _: () = {
    fn ctx() {}
    fn input_() {}
    fn converter() {}
    fn arg0() {}
    fn output() {}
    fn value() {}
    fn error() {}
    #[automatically_derived]
    impl ::activity_runtime::Activity for entry {
        const NAME: &'static str = "entry";
        const FUNCTION: &'static str = ::activity_runtime::__private::concat!(
            ::activity_runtime::__private::module_path!(), "::entry"
        );
        const PARAMETERS: &'static [&'static str] = &["block"];
        const EXECUTION: ::activity_runtime::Execution = ::activity_runtime::Execution::Process;
        fn invoke(
            ctx: ::activity_runtime::ActivityContext,
            input_: ::activity_runtime::ActivityInput,
        ) -> ::activity_runtime::ActivityFuture {
            #[cfg(not(unix))]
            ::core::compile_error!(
                "`isolation = \"process\"` is Unix-only (it runs the function in a child process \
                 of the worker); on this platform use `isolation = \"thread\"`"
            );
            fn entry_(
                _: ::activity_runtime::ActivityContext,
                input_: ::activity_runtime::ActivityInput,
            ) -> ::activity_runtime::__private::Result<
                ::activity_runtime::ActivityOutput,
                ::activity_runtime::ActivityError,
            > {
                use ::activity_runtime::__private::{
                    MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _,
                };
                let arg0 = <[u8; input] as ::activity_runtime::ActivityParameter>::decode_as(
                    (&::activity_runtime::__private::Wire::<[u8; input]>::NEW).codec(),
                    &input_,
                    0,
                    "block",
                    "[u8;input]",
                )?;
                let converter = input_.finish(1);
                match entry(arg0) {
                    output => {
                        match (&output).output_kind().into_result(output) {
                            ::activity_runtime::__private::Result::Ok(value) => {
                                <u8 as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                    &value,
                                    (&::activity_runtime::__private::Wire::<u8>::NEW).codec(),
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
                .run_in_process(entry_, ctx, input_)
        }
        fn signature() -> ::activity_runtime::Signature {
            use ::activity_runtime::__private::{HasSchema as _, NoSchema as _};
            ::activity_runtime::Signature::generated(
                &[
                    (
                        "block",
                        ::activity_runtime::SignatureType {
                            rust_type: "[u8;input]",
                            schema: (&::activity_runtime::__private::Probe::<
                                [u8; input],
                            >::new())
                                .schema_fn(),
                        },
                    ),
                ],
                ::activity_runtime::__private::Option::Some(::activity_runtime::SignatureType {
                    rust_type: "u8",
                    schema: (&::activity_runtime::__private::Probe::<u8>::new())
                        .schema_fn(),
                }),
            )
        }
    }
    #[automatically_derived]
    impl ::activity_runtime::__private::ActivityDefinition for entry
    where
        for<'__a> [u8; input]: ::activity_runtime::__private::TypedValue,
        for<'__a> u8: ::activity_runtime::__private::TypedValue,
    {
        type Input = [u8; input];
        type Output = u8;
        fn name(&self) -> &'static str {
            <Self as ::activity_runtime::Activity>::NAME
        }
    }
};
