use activity_runtime::activity;

/// Neither `Deserialize` nor a protobuf message (prost `Message` + `Name`): the error on the
/// parameter says what to derive or generate.
#[derive(Debug, Default)]
struct Shipment {
    weight: u32,
}

#[activity]
async fn weigh(shipment: Shipment) -> u32 {
    shipment.weight
}

fn main() {}
