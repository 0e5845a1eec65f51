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
                let converter = input.payload_converter().clone();
                let arg0 = input
                    .decode_value(
                        (&::activity_runtime::__private::Wire::<YourParams>::NEW)
                            .codec(),
                        0,
                        "params",
                        "YourParams",
                    )?;
                let arg1 = input
                    .decode_value(
                        (&::activity_runtime::__private::Wire::<Option<String>>::NEW)
                            .codec(),
                        1,
                        "punctuation",
                        "Option<String>",
                    )?;
                input.finish(2);
                match compose_greeting(
                        <ActivityContext as ::activity_runtime::__private::ContextParameter>::from_context(
                            ctx,
                        ),
                        arg0,
                        arg1,
                    )
                    .await
                {
                    output => {
                        (&output)
                            .output_kind()
                            .finish(
                                output,
                                (&::activity_runtime::__private::Wire::<String>::NEW)
                                    .codec()
                                    .erase(),
                                &converter,
                            )
                    }
                }
            })
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
