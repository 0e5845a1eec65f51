use activity_runtime::{Activities, ActivityContext, ActivityError, RawValue, activities, activity};

#[activity(dynamic)]
async fn fallback(ctx: ActivityContext, args: Vec<RawValue>) -> Result<String, ActivityError> {
    let first: Option<String> = args.first().map(RawValue::decode).transpose()?;
    Ok(format!("{} {first:?}", ctx.info().activity_type))
}

mod blocking {
    use activity_runtime::{RawValue, activity};

    #[activity(dynamic, max_result_size = "1 MiB")]
    pub fn fallback(args: Vec<activity_runtime::RawValue>) -> usize {
        let _: &[RawValue] = &args;
        args.len()
    }
}

pub fn main() {
    let _registered: Activities = activities![fallback];
    let _ = activities![blocking::fallback];
}
