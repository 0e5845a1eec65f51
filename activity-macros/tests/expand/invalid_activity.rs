::core::compile_error! {
    "activity name cannot be empty or blank: give a name such as `name = \"charge_card\"`, or remove `name` to use the function's name"
}
::core::compile_error! {
    "activity parameters are decoded into owned values and cannot borrow: use `String` instead of `&str`"
}
fn borrowed(name: &str) -> usize {
    name.len()
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct borrowed {}
#[automatically_derived]
impl ::activity_runtime::Activity for borrowed {
    const NAME: &'static str = "borrowed";
    const FUNCTION: &'static str = "borrowed";
    fn invoke(
        _: ::activity_runtime::ActivityContext,
        _: ::activity_runtime::ActivityInput,
    ) -> ::activity_runtime::ActivityFuture {
        ::activity_runtime::__private::unreachable!()
    }
}
