/// Composes a greeting.
pub async fn compose_greeting(
    ctx: ActivityContext,
    params: YourParams,
    punctuation: Option<String>,
) -> Result<String, MyError> {
    Ok(
        format!(
            "{}, {}{}", params.greeting, params.name, punctuation.unwrap_or_default()
        ),
    )
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
pub struct compose_greeting {}
/// Each empty `fn` hides any item of its name in the caller's scope:
/// the bindings of that name below are always new variables, never
/// constant patterns.
const _: () = {
    fn ctx() {}
    fn input() {}
    fn converter() {}
    fn arg0() {}
    fn arg1() {}
    fn output() {}
    fn value() {}
    fn error() {}
    #[automatically_derived]
    impl ::activity_runtime::Activity for compose_greeting {
        const NAME: &'static str = "your_activity";
        const FUNCTION: &'static str = ::activity_runtime::__private::concat!(
            ::activity_runtime::__private::module_path!(), "::compose_greeting"
        );
        const PARAMETERS: &'static [&'static str] = &["params", "punctuation"];
        fn invoke(
            ctx: ::activity_runtime::ActivityContext,
            input: ::activity_runtime::ActivityInput,
        ) -> ::activity_runtime::ActivityFuture {
            ::activity_runtime::__private::Box::pin(async move {
                use ::activity_runtime::__private::{
                    MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _,
                };
                let arg0 = <YourParams as ::activity_runtime::ActivityParameter>::decode_as(
                    (&::activity_runtime::__private::Wire::<YourParams>::NEW).codec(),
                    &input,
                    0,
                    "params",
                    "YourParams",
                )?;
                let arg1 = <Option<
                    String,
                > as ::activity_runtime::ActivityParameter>::decode_as(
                    (&::activity_runtime::__private::Wire::<Option<String>>::NEW)
                        .codec(),
                    &input,
                    1,
                    "punctuation",
                    "Option<String>",
                )?;
                let converter = input.finish(2);
                match <_ as ::activity_runtime::SendFuture>::into_send(
                        compose_greeting(
                            <ActivityContext as ::activity_runtime::__private::ContextParameter>::from_context(
                                ctx,
                            ),
                            arg0,
                            arg1,
                        ),
                    )
                    .await
                {
                    output => {
                        match (&output).output_kind().into_result(output) {
                            ::activity_runtime::__private::Result::Ok(value) => {
                                <String as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                    &value,
                                    (&::activity_runtime::__private::Wire::<String>::NEW)
                                        .codec(),
                                    &converter,
                                )
                            }
                            ::activity_runtime::__private::Result::Err(error) => {
                                ::activity_runtime::__private::Result::Err(
                                    <MyError as ::activity_runtime::IntoActivityError>::into_activity_error(
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
                        "params",
                        ::activity_runtime::SignatureType {
                            rust_type: "YourParams",
                            schema: (&::activity_runtime::__private::Probe::<
                                YourParams,
                            >::new())
                                .schema_fn(),
                        },
                    ),
                    (
                        "punctuation",
                        ::activity_runtime::SignatureType {
                            rust_type: "Option<String>",
                            schema: (&::activity_runtime::__private::Probe::<
                                Option<String>,
                            >::new())
                                .schema_fn(),
                        },
                    ),
                ],
                ::activity_runtime::__private::Option::Some(::activity_runtime::SignatureType {
                    rust_type: "String",
                    schema: (&::activity_runtime::__private::Probe::<String>::new())
                        .schema_fn(),
                }),
            )
        }
    }
    #[automatically_derived]
    impl ::activity_runtime::__private::ActivityDefinition for compose_greeting
    where
        for<'__a> YourParams: ::activity_runtime::__private::TypedValue,
        for<'__a> Option<String>: ::activity_runtime::__private::TypedValue,
        for<'__a> String: ::activity_runtime::__private::TypedValue,
    {
        type Input = ::activity_runtime::__private::MultiArgs2<
            YourParams,
            Option<String>,
        >;
        type Output = String;
        fn name(&self) -> &'static str {
            <Self as ::activity_runtime::Activity>::NAME
        }
    }
};
