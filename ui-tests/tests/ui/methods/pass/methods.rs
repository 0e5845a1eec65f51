use std::sync::Arc;

use activity_runtime::{Activities, ActivityContext, ActivityError, RawValue, activity};

struct Db {
    url: String,
}

#[activity]
impl Db {
    #[activity]
    async fn query(&self, sql: String) -> Result<Vec<String>, ActivityError> {
        Ok(vec![self.url.clone(), sql])
    }

    #[activity(name = "db_ping")]
    fn ping(&self, ctx: ActivityContext) -> u32 {
        ctx.info().attempt
    }

    #[activity]
    async fn owned(self: Arc<Self>, n: u32) -> u32 {
        n + self.url.len() as u32
    }

    #[activity(dynamic)]
    async fn fallback(&self, args: Vec<RawValue>) -> usize {
        args.len()
    }

    /// Not an activity: an ordinary method stays as it is.
    fn helper(&mut self) {
        self.url.push('/');
    }
}

pub fn main() {
    let mut db = Db { url: "db://".to_owned() };
    db.helper();
    let _registered: Activities = Arc::new(db).into();
}
