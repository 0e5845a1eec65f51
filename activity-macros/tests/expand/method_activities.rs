impl Inventory {
    /// Reserves items.
    async fn reserve(
        &self,
        ctx: ActivityContext,
        sku: String,
        n: u32,
    ) -> Result<u64, E> {
        self.db.reserve(&sku, n).await
    }
    fn price(&self, sku: String) -> u64 {
        self.prices[&sku]
    }
    fn helper(&self) {}
}
/// Each empty `fn` hides any item of its name in the caller's scope:
/// the bindings of that name below are always new variables, never
/// constant patterns.
const _: () = {
    fn this() {}
    fn activities() {}
    fn ctx() {}
    fn input() {}
    fn converter() {}
    fn arg0() {}
    fn arg1() {}
    fn output() {}
    fn value() {}
    fn error() {}
    #[automatically_derived]
    impl ::activity_runtime::ActivityMethods for Inventory {
        fn activities(
            self: ::activity_runtime::__private::Arc<Self>,
        ) -> ::activity_runtime::Activities {
            let mut activities = ::activity_runtime::Activities::new();
            activities
                .push(
                    <Inventory as ::activity_runtime::SharedInstance>::register_method(
                        ::activity_runtime::__private::Arc::clone(&self),
                        ::activity_runtime::__private::MethodActivity {
                            name: "reserve",
                            function: ::activity_runtime::__private::concat!(
                                ::activity_runtime::__private::module_path!(),
                                "::Inventory::reserve"
                            ),
                            parameters: &["sku", "n"],
                            limits: ::activity_runtime::limits::PayloadLimits::DEFAULT,
                            dynamic: false,
                            execution: ::activity_runtime::Execution::Async,
                            signature: || {
                                use ::activity_runtime::__private::{
                                    HasSchema as _, NoSchema as _,
                                };
                                ::activity_runtime::Signature::generated(
                                    &[
                                        (
                                            "sku",
                                            ::activity_runtime::SignatureType {
                                                rust_type: "String",
                                                schema: (&::activity_runtime::__private::Probe::<
                                                    String,
                                                >::new())
                                                    .schema_fn(),
                                            },
                                        ),
                                        (
                                            "n",
                                            ::activity_runtime::SignatureType {
                                                rust_type: "u32",
                                                schema: (&::activity_runtime::__private::Probe::<
                                                    u32,
                                                >::new())
                                                    .schema_fn(),
                                            },
                                        ),
                                    ],
                                    ::activity_runtime::__private::Option::Some(::activity_runtime::SignatureType {
                                        rust_type: "u64",
                                        schema: (&::activity_runtime::__private::Probe::<
                                            u64,
                                        >::new())
                                            .schema_fn(),
                                    }),
                                )
                            },
                            invoke: |this, ctx, input| ::activity_runtime::__private::Box::pin(async move {
                                use ::activity_runtime::__private::{
                                    MessageWire as _, ResultKind as _, SerdeWire as _,
                                    ValueKind as _,
                                };
                                let arg0 = <String as ::activity_runtime::ActivityParameter>::decode_as(
                                    (&::activity_runtime::__private::Wire::<String>::NEW)
                                        .codec(),
                                    &input,
                                    0,
                                    "sku",
                                    "String",
                                )?;
                                let arg1 = <u32 as ::activity_runtime::ActivityParameter>::decode_as(
                                    (&::activity_runtime::__private::Wire::<u32>::NEW).codec(),
                                    &input,
                                    1,
                                    "n",
                                    "u32",
                                )?;
                                let converter = input.finish(2);
                                match <_ as ::activity_runtime::SendFuture>::into_send(
                                        this
                                            .reserve(
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
                                                <u64 as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                                    &value,
                                                    (&::activity_runtime::__private::Wire::<u64>::NEW).codec(),
                                                    &converter,
                                                )
                                            }
                                            ::activity_runtime::__private::Result::Err(error) => {
                                                ::activity_runtime::__private::Result::Err(
                                                    <E as ::activity_runtime::IntoActivityError>::into_activity_error(
                                                        error,
                                                    ),
                                                )
                                            }
                                        }
                                    }
                                }
                            }),
                        },
                    ),
                );
            activities
                .push(
                    <Inventory as ::activity_runtime::SharedInstance>::register_method(
                        ::activity_runtime::__private::Arc::clone(&self),
                        ::activity_runtime::__private::MethodActivity {
                            name: "price",
                            function: ::activity_runtime::__private::concat!(
                                ::activity_runtime::__private::module_path!(),
                                "::Inventory::price"
                            ),
                            parameters: &["sku"],
                            limits: ::activity_runtime::limits::PayloadLimits::DEFAULT,
                            dynamic: false,
                            execution: ::activity_runtime::Execution::Blocking,
                            signature: || {
                                use ::activity_runtime::__private::{
                                    HasSchema as _, NoSchema as _,
                                };
                                ::activity_runtime::Signature::generated(
                                    &[
                                        (
                                            "sku",
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
                                        rust_type: "u64",
                                        schema: (&::activity_runtime::__private::Probe::<
                                            u64,
                                        >::new())
                                            .schema_fn(),
                                    }),
                                )
                            },
                            invoke: |this, ctx, input| {
                                ::activity_runtime::__private::Executor::of(&ctx)
                                    .run_blocking(move || {
                                        use ::activity_runtime::__private::{
                                            MessageWire as _, ResultKind as _, SerdeWire as _,
                                            ValueKind as _,
                                        };
                                        let arg0 = <String as ::activity_runtime::ActivityParameter>::decode_as(
                                            (&::activity_runtime::__private::Wire::<String>::NEW)
                                                .codec(),
                                            &input,
                                            0,
                                            "sku",
                                            "String",
                                        )?;
                                        let converter = input.finish(1);
                                        match this.price(arg0) {
                                            output => {
                                                match (&output).output_kind().into_result(output) {
                                                    ::activity_runtime::__private::Result::Ok(value) => {
                                                        <u64 as ::activity_runtime::ActivityResultValue>::encode_result_as(
                                                            &value,
                                                            (&::activity_runtime::__private::Wire::<u64>::NEW).codec(),
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
                            },
                        },
                    ),
                );
            activities
        }
    }
};
