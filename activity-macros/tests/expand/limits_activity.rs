async fn export(ctx: ActivityContext, table: String) -> anyhow::Result<Vec<u8>> {
    ctx.heartbeat(&table)?;
    Ok(Vec::new())
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct export {}
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
    impl ::activity_runtime::Activity for export {
        const NAME: &'static str = "export";
        const FUNCTION: &'static str = ::activity_runtime::__private::concat!(
            ::activity_runtime::__private::module_path!(), "::export"
        );
        const PARAMETERS: &'static [&'static str] = &["table"];
        const LIMITS: ::activity_runtime::limits::PayloadLimits = ::activity_runtime::limits::PayloadLimits::DEFAULT
            .max_result_size(1048576)
            .warn_result_size(262144)
            .max_heartbeat_size(65536);
        fn invoke(
            ctx: ::activity_runtime::ActivityContext,
            input: ::activity_runtime::ActivityInput,
        ) -> ::activity_runtime::ActivityFuture {
            ::activity_runtime::__private::Box::pin(async move {
                use ::activity_runtime::__private::{
                    MessageWire as _, ResultKind as _, SerdeWire as _, ValueKind as _,
                };
                let arg0 = <String as ::activity_runtime::ActivityParameter>::decode_as(
                    (&::activity_runtime::__private::Wire::<String>::NEW).codec(),
                    &input,
                    0,
                    "table",
                    "String",
                )?;
                let converter = input.finish(1);
                match <_ as ::activity_runtime::SendFuture>::into_send(
                        export(
                            <ActivityContext as ::activity_runtime::__private::ContextParameter>::from_context(
                                ctx,
                            ),
                            arg0,
                        ),
                    )
                    .await
                {
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
            })
        }
        fn signature() -> ::activity_runtime::Signature {
            use ::activity_runtime::__private::{HasSchema as _, NoSchema as _};
            ::activity_runtime::Signature::generated(
                &[
                    (
                        "table",
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
                    rust_type: "Vec<u8>",
                    schema: (&::activity_runtime::__private::Probe::<Vec<u8>>::new())
                        .schema_fn(),
                }),
            )
        }
    }
    #[automatically_derived]
    impl ::activity_runtime::__private::ActivityDefinition for export
    where
        for<'__a> String: ::activity_runtime::__private::TypedValue,
        for<'__a> Vec<u8>: ::activity_runtime::__private::TypedValue,
    {
        type Input = String;
        type Output = Vec<u8>;
        fn name(&self) -> &'static str {
            <Self as ::activity_runtime::Activity>::NAME
        }
    }
};
