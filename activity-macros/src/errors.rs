//! The one error collector every stage pushes to, so that a compilation reports all problems at
//! once (serde's `Ctxt`, darling's accumulator). Unlike darling's, it never panics.

use syn::Error;

/// Errors collected so far, combined into one `syn::Error` (which holds many).
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    /// Adds an error: a `syn::Error`, or a `darling::Error` from the attribute's arguments.
    pub(crate) fn push(&mut self, error: impl Into<Error>) {
        let error = error.into();
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// `Err` with every error pushed, or `Ok` when there was none.
    pub(crate) fn finish(self) -> Result<(), Error> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn keeps_every_error_in_order() {
        let mut errors = Errors::default();
        assert!(Errors::default().finish().is_ok());
        errors.push(Error::new(Span::call_site(), "first"));
        errors.push(darling::Error::custom("second"));
        let all: Vec<_> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(all, ["first", "second"]);
    }
}
