fn count_words(text: String) -> usize {
    text.split_whitespace().count()
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct count_words {}
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
    impl ::activity_runtime::Activity for count_words {
        const NAME: &'static str = "count_words";
        const FUNCTION: &'static str = ::activity_runtime::__private::concat!(
            ::activity_runtime::__private::module_path!(), "::count_words"
        );
        const PARAMETERS: &'static [&'static str] = &["text"];
        const EXECUTION: ::activity_runtime::Execution = ::activity_runtime::Execution::Blocking;
        fn invoke(
            ctx: ::activity_runtime::ActivityContext,
            input: ::activity_runtime::ActivityInput,
        ) -> ::activity_runtime::ActivityFuture {
            ::activity_runtime::__private::Executor::of(&ctx)
                .run_blocking(move || {
                    use ::activity_runtime::__private::{
                        MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _,
                    };
                    let arg0 = <String as ::activity_runtime::ActivityParameter>::decode_as(
                        (&::activity_runtime::__private::Wire::<String>::NEW).codec(),
                        &input,
                        0,
                        "text",
                        "String",
                    )?;
                    let converter = input.finish(1);
                    match count_words(arg0) {
                        output => {
                            match (&output).output_kind().into_result(output) {
                                ::activity_runtime::__private::Result::Ok(value) => {
                                    <usize as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                        &value,
                                        (&::activity_runtime::__private::Wire::<usize>::NEW)
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
                })
        }
        fn signature() -> ::activity_runtime::Signature {
            use ::activity_runtime::__private::{HasSchema as _, NoSchema as _};
            ::activity_runtime::Signature::generated(
                &[
                    (
                        "text",
                        ::activity_runtime::SignatureType {
                            rust_type: "String",
                            schema: (&::activity_runtime::__private::Probe::<
                                String,
                            >::new())
                                .schema_fn(),
                        },
                    ),
                ],
                ::activity_runtime::__private::Option::Some(::activity_runtime::SignatureType {
                    rust_type: "usize",
                    schema: (&::activity_runtime::__private::Probe::<usize>::new())
                        .schema_fn(),
                }),
            )
        }
    }
    #[automatically_derived]
    impl ::activity_runtime::__private::ActivityDefinition for count_words
    where
        for<'__a> String: ::activity_runtime::__private::TypedValue,
        for<'__a> usize: ::activity_runtime::__private::TypedValue,
    {
        type Input = String;
        type Output = usize;
        fn name(&self) -> &'static str {
            <Self as ::activity_runtime::Activity>::NAME
        }
    }
};
