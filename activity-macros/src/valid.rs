//! Checks the model and reports every problem at once, each on the smallest offending token.
//!
//! Type checks (that parameters are `DeserializeOwned`, that the return type is `Serialize`) are
//! left to the compiler: the expansion places them on the user's own types.

use syn::{Error, Type};

use crate::ast::{ActivityFn, Param};

/// All problems of `model`, combined into one error.
pub(crate) fn check(model: &ActivityFn<'_>) -> Result<(), Error> {
    let mut errors = Errors::default();
    let sig = &model.func.sig;

    if model.name.is_empty() {
        errors.push(Error::new(
            model.name_span,
            "activity name cannot be empty: give a name such as `name = \"charge_card\"`, or remove \
             `name` to use the function's name",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(Error::new_spanned(
            unsafety,
            "`#[activity]` cannot be used on an `unsafe fn`: Temporal calls it with arguments no \
             caller can vouch for",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::new_spanned(
            abi,
            "`#[activity]` cannot be used on an `extern fn`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "`#[activity]` cannot be used on a variadic function",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(Error::new_spanned(
            &sig.generics,
            "an activity cannot be generic: Temporal calls it by name with encoded arguments, so \
             every parameter needs one concrete type",
        ));
    }

    for param in &model.params {
        match param {
            Param::Receiver(receiver) => errors.push(Error::new_spanned(
                receiver,
                "`#[activity]` goes on free functions, not methods: remove `self` or move the \
                 function out of the `impl` block",
            )),
            Param::ContextByRef { ty } => errors.push(Error::new_spanned(
                ty,
                "take `ActivityContext` by value: it is cheap to clone (write `ctx: ActivityContext`)",
            )),
            Param::Context { position, ty } if *position != 0 => errors.push(Error::new_spanned(
                ty,
                "`ActivityContext` must be the first parameter of an activity",
            )),
            Param::Context { .. } => {}
            Param::Value(value) => check_value_type(value.ty, &mut errors),
        }
    }
    errors.finish()
}

/// Parameter types must be owned, concrete types that can be decoded from a payload.
fn check_value_type(ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Reference(reference) => {
            let owned = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => {
                    let elem = &slice.elem;
                    format!("Vec<{}>", crate::ast::type_label(elem))
                }
                other => crate::ast::type_label(other),
            };
            errors.push(Error::new_spanned(
                ty,
                format!(
                    "activity parameters are decoded into owned values and cannot borrow: use `{owned}` \
                     instead of `{}`",
                    crate::ast::type_label(ty)
                ),
            ));
        }
        Type::ImplTrait(_) => errors.push(Error::new_spanned(
            ty,
            "activity parameters need a concrete type to decode into, not `impl Trait`",
        )),
        Type::Paren(inner) => check_value_type(&inner.elem, errors),
        Type::Group(inner) => check_value_type(&inner.elem, errors),
        _ => {}
    }
}

/// Collects errors so that all of them are reported in one compilation.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> Result<(), Error> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::ActivityArgs;
    use syn::ItemFn;

    fn errors(func: ItemFn) -> Vec<String> {
        let model = ActivityFn::new(&func, ActivityArgs::default());
        match check(&model) {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn plain_functions_pass() {
        assert!(
            errors(syn::parse_quote!(
                async fn f(ctx: ActivityContext, a: String) {}
            ))
            .is_empty()
        );
        assert!(
            errors(syn::parse_quote!(
                fn f() -> u8 {
                    1
                }
            ))
            .is_empty()
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let all = errors(syn::parse_quote!(
            fn f<T>(a: &str, b: impl Send, c: ActivityContext, d: &[u8]) {}
        ));
        assert_eq!(all.len(), 5, "{all:#?}");
        assert!(all[0].contains("generic"));
        assert!(all[1].contains("use `String` instead of `&str`"));
        assert!(all[2].contains("impl Trait"));
        assert!(all[3].contains("first parameter"));
        assert!(all[4].contains("use `Vec<u8>` instead of `&[u8]`"));
    }

    #[test]
    fn context_by_reference_is_refused() {
        let all = errors(syn::parse_quote!(
            fn f(ctx: &ActivityContext) {}
        ));
        assert!(all[0].contains("by value"), "{all:?}");
    }
}
